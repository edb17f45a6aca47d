"""Everything order-agent can be told, from one place: ``Settings``.

Sources, strongest first: keyword overrides (tests, the demo), environment
variables ``ORDER_AGENT_*``, a ``.env`` file (``ORDER_AGENT_ENV_FILE``, else
``./.env``), the per-user config file ``order-agent init`` writes
(``~/.config/order-agent/config.env``, see ``agent.user_config``), a secrets
directory holding one file per setting named like the variable
(``/run/secrets/ORDER_AGENT_PASSWORD``, Docker/Kubernetes style), then the
defaults below.

The password has more sources when ``ORDER_AGENT_PASSWORD`` is not set (a
password command, the system keyring, init's 0600 file: ``agent.password_sources``),
looked up only when a command needs it (``resolve_password``).

``load_settings`` is the only way in: it turns every validation problem into
one ``ConfigError`` naming the variable, worded by us, because pydantic's own
messages can quote the value and the value may be a password.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import urlsplit

from platformdirs import user_data_dir
from pydantic import Field, PrivateAttr, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from agent.logs import default_format
from agent.settings_files import (
    DEMO_DIR_ENV,
    ENV_FILE_ENV,
    ENV_PREFIX,
    SECRETS_DIR_ENV,
    env_file_warnings,
    env_name,
    environment_warnings,
    resolve_env_file,
    resolve_secrets_dir,
    user_config_file,
)
from ordercore.errors import ConfigError
from ordercore.models import Channel

if TYPE_CHECKING:
    from flows.limits import Limits


LogLevel = Literal["debug", "info", "warning"]
LogFormat = Literal["console", "json"]

# Values that may hold a secret: never quoted in an error, and a readable .env holding
# one is warned about (the two URLs may carry a password).
SECRET_FIELDS = frozenset(
    {"password", "totp_secret", "notify", "secret_key", "database_url", "broker_url"}
)
# What to do about a missing credential: `init` asks for all of them.
INIT_HINT = (
    "run `order-agent init`, or set {it} in the environment, a .env file or a secrets directory"
)
# After a refusal: the password may live in the environment, init's file, the keyring or a
# command, so the one step that fixes it wherever it lives is init.
CHANGE_CREDENTIALS_HINT = (
    "run `order-agent init` again with the right e-mail and password (or change "
    "ORDER_AGENT_PASSWORD, ORDER_AGENT_EMAIL or ORDER_AGENT_TOTP_SECRET where you set them) "
    "to try again"
)
# The same for a stored account (``order-agent accounts``): storing it again fixes it.
STORED_ACCOUNT_CREDENTIALS_HINT = (
    "store the account again with the right password "
    "(`order-agent accounts add {name} --site {site} --email {email}`) to try again"
)
CREDENTIAL_FIELDS = ("site_url", "email", "password")
_OPTIONAL_TEXT_FIELDS = (
    "site_url",
    "email",
    "password",
    "password_command",
    "totp_secret",
    "name",
    "browser",
    "profile",
    "database_url",
    "secret_key",
    "broker_url",
    "channel",  # ORDER_AGENT_CHANNEL= (empty) is "not set"
)


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def split_name(full_name: str) -> tuple[str, str]:
    """First and last name for forms that ask for both ("Mary Ann Smith" -> "Mary Ann", "Smith")."""
    words = full_name.split()
    if len(words) < 2:
        return (full_name.strip(), "")
    return (" ".join(words[:-1]), words[-1])


class Settings(BaseSettings):
    """One shopper, one shop, and how the agent should behave."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        extra="ignore",
        env_file_encoding="utf-8",
        hide_input_in_errors=True,
        validate_default=True,
    )

    site_url: str | None = None
    email: str | None = None
    password: SecretStr | None = None
    # A command printing the password (``pass show shop``): see agent.password_sources.
    password_command: str | None = None
    totp_secret: SecretStr | None = None
    name: str | None = None
    # A site profile: a .toml path or a built-in's name (see agent.site_profiles).
    profile: str | None = None
    browser: Path | None = None
    headless: bool = True
    data_dir: Path = Field(default_factory=lambda: Path(user_data_dir("order-agent", False)))
    # The ledger's database (agent/ledger): unset, the SQLite file <data_dir>/ledger.sqlite3;
    # else a SQLAlchemy URL, e.g. postgresql://agent:PASSWORD@db.example/ledger, shared by
    # many workers. A secret: it may hold a password (shown masked, never logged).
    database_url: SecretStr | None = None
    # How long a worker's claim on an order lasts (agent/ledger/claims.py): longer than any
    # one check; a worker that dies holds its orders until then.
    claim_lease_s: int = Field(default=900, ge=30, le=86_400)
    # Many accounts (agent/secret_box.py): the Fernet key that encrypts stored accounts'
    # passwords, TOTP secrets and saved sessions in the ledger; or a file holding it
    # (refused when group or others may read it). Neither set: no account is stored.
    secret_key: SecretStr | None = None
    secret_key_file: Path | None = None
    # Many workers (agent/distributed): the Celery broker, e.g. redis://:PASSWORD@host:6379/0,
    # also where the per-shop limiter keeps its counts. Unset: embedded mode, no Celery.
    # A secret: it may hold a password (shown masked, never logged).
    broker_url: SecretStr | None = None
    # A worker process restarts its Chromium after this many orders (and after a crash).
    worker_max_tasks: int = Field(default=50, ge=1, le=100_000)
    # How often `order-agent beat` sends every due order to the workers.
    beat_interval_s: float = Field(default=60.0, ge=1, le=86_400)
    log_level: LogLevel = "info"
    log_format: LogFormat = Field(default_factory=default_format)
    timeout_ms: int = Field(default=15_000, gt=0, le=600_000)
    navigation_timeout_ms: int = Field(default=30_000, gt=0, le=600_000)
    notify: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Limits on what a shop's answer may cost (flows/limits.py): broken or hostile
    # answers end with a clear message instead of eating time, memory or disk.
    label_max_bytes: int = Field(default=10_000_000, gt=0)
    label_timeout_ms: int = Field(default=60_000, gt=0, le=3_600_000)
    pdf_max_decompressed_bytes: int = Field(default=50_000_000, gt=0)
    page_max_bytes: int = Field(default=10_000_000, gt=0)
    status_max_chars: int = Field(default=200, gt=0)
    reference_max_chars: int = Field(default=40, ge=8)
    # Waits (flows/limits.py). The defaults suit real shops; tests shorten them so a
    # negative path (a link that is not there, a retry) takes its real code path quickly.
    look_ms: int = Field(default=5_000, gt=0, le=600_000)
    optional_ms: int = Field(default=1_500, gt=0, le=600_000)
    submit_ms: int = Field(default=15_000, gt=0, le=600_000)
    retry_wait_multiplier_s: float = Field(default=0.5, ge=0, le=60)
    retry_wait_max_s: float = Field(default=8.0, ge=0, le=600)
    # Scheduled batches (agent/scheduler.py, flows/politeness.py): the due orders of one
    # account are worked on in this many tabs of one context at once...
    concurrency: int = Field(default=4, ge=1, le=32)
    # ...and, across all of them, a shop never has more than this many of our requests
    # to answer at once, nor more than this many started in any one second. 20 a second
    # leaves a normal batch unthrottled (a tab asks for 3 requests an order; a batch at
    # the target pace of 0.4 s an order asks for under 10 a second) while a runaway loop
    # still cannot reach the rate of a crawler.
    shop_max_in_flight: int = Field(default=4, ge=1, le=64)
    shop_max_per_second: float = Field(default=20.0, gt=0, le=1000)
    # Live chat. Which channel a cancellation request goes by: "auto" (the
    # shop's live chat when it offers one and it is online, else the contact form),
    # "chat" (only the chat), "form" (only the contact form, the chat is never opened).
    # A site profile's ``channel`` is used when this is not set.
    channel: Channel | None = None
    # How long to wait for the chat's answer (a person after a hand-over included).
    chat_wait_ms: int = Field(default=60_000, gt=0, le=600_000)

    _warnings: list[str] = PrivateAttr(default_factory=list)
    # Where the password came from ("ORDER_AGENT_PASSWORD", "the system keyring", ...),
    # once looked up; and the failure of a lookup, kept so a command runs only once.
    _password_source: str | None = PrivateAttr(default=None)
    _password_error: ConfigError | None = PrivateAttr(default=None)
    # The stored account (``order-agent accounts``) these settings work as, if any.
    _stored_account: str | None = PrivateAttr(default=None)

    @property
    def stored_account(self) -> str | None:
        """The stored account's name when these settings are one's (``settings_for``)."""
        return self._stored_account

    def as_stored_account(self, name: str) -> Settings:
        """These settings, marked as the stored account ``name``'s."""
        self._stored_account = name
        return self

    def change_credentials_hint(self) -> str:
        """How to give the agent credentials the shop will take, where they live."""
        if self._stored_account is None:
            return CHANGE_CREDENTIALS_HINT
        return STORED_ACCOUNT_CREDENTIALS_HINT.format(
            name=self._stored_account, site=self.site_url, email=self.email
        )

    @field_validator(*_OPTIONAL_TEXT_FIELDS, mode="before")
    @classmethod
    def _empty_is_missing(cls, value: Any) -> Any:
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if isinstance(raw, str) and not raw.strip():
            return None
        return value

    @field_validator("site_url")
    @classmethod
    def _check_site_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        url = value.strip()
        if any(char.isspace() for char in url):
            raise ValueError("is not a valid URL: it contains spaces")
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https"):
            raise ValueError("is not a valid URL: it must start with https://")
        try:
            host = parts.hostname
            parts.port  # noqa: B018 -- raises on a malformed port
        except ValueError:
            raise ValueError("is not a valid URL: its port is not a number") from None
        if not host:
            raise ValueError("is not a valid URL: it has no host name")
        if parts.username is not None or parts.password is not None:
            raise ValueError("must not contain a user name or password: use ORDER_AGENT_EMAIL")
        if parts.scheme.lower() == "http" and not _is_loopback(host):
            raise ValueError(
                f"uses plain http:// for {host}: only https:// is allowed "
                "(plain http only for this machine, e.g. http://127.0.0.1)"
            )
        return url

    @field_validator("email")
    @classmethod
    def _check_email(cls, value: str | None) -> str | None:
        if value is None:
            return None
        email = value.strip()
        local, at, domain = email.partition("@")
        if not (local and at and domain) or any(char.isspace() for char in email):
            raise ValueError("is not an e-mail address")
        return email

    @field_validator("totp_secret", mode="before")
    @classmethod
    def _check_totp_secret(cls, value: Any) -> Any:
        if value is None:
            return None
        raw = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        # Sites show the secret in groups ("JBSW Y3DP ..."), often lower-case.
        secret = re.sub(r"[\s-]+", "", raw).upper().rstrip("=")
        try:
            base64.b32decode(secret + "=" * (-len(secret) % 8))
        except (binascii.Error, ValueError):
            raise ValueError(
                "is not a valid base32 TOTP secret (letters A-Z and digits 2-7)"
            ) from None
        return secret

    @field_validator("browser")
    @classmethod
    def _check_browser(cls, value: Path | None) -> Path | None:
        if value is None:
            return None
        path = value.expanduser()
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise ValueError(f"is not an executable file: {path}")
        return path

    @field_validator("data_dir")
    @classmethod
    def _expand_data_dir(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _lower_case(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().lower()
            return "warning" if value == "warn" else value
        return value

    @field_validator("notify", mode="before")
    @classmethod
    def _split_urls(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [url for url in re.split(r"[,\s]+", value) if url]
        return value

    def limits(self) -> Limits:
        """The caps on a shop's answers, for the flows (``flows.limits``)."""
        # Imported here: an idle `run` reads settings and must not load the flows.
        from flows.limits import Limits

        return Limits(
            label_max_bytes=self.label_max_bytes,
            label_timeout_ms=self.label_timeout_ms,
            pdf_max_decompressed_bytes=self.pdf_max_decompressed_bytes,
            page_max_bytes=self.page_max_bytes,
            status_max_chars=self.status_max_chars,
            reference_max_chars=self.reference_max_chars,
            look_ms=self.look_ms,
            optional_ms=self.optional_ms,
            submit_ms=self.submit_ms,
            retry_wait_multiplier_s=self.retry_wait_multiplier_s,
            retry_wait_max_s=self.retry_wait_max_s,
            chat_wait_ms=self.chat_wait_ms,
        )

    @property
    def display_name(self) -> str:
        """``ORDER_AGENT_NAME``, trimmed; empty when unset (never guessed from the e-mail:
        the runner reads the name from the shop's account first)."""
        return self.name.strip() if self.name else ""

    @property
    def notify_urls(self) -> list[str]:
        """Same as ``notify`` (the name ``agent.notify`` uses)."""
        return list(self.notify)

    @property
    def config_warnings(self) -> list[str]:
        """Things worth telling the user that did not stop loading (log them)."""
        return list(self._warnings)

    @property
    def password_source(self) -> str | None:
        """Where the password was found, for people: a variable, the keyring, a file path."""
        if self.password is not None and self._password_source is None:
            return env_name("password")
        return self._password_source

    def secret_values(self) -> list[str]:
        """Every configured secret's text, for the redactor.

        Notification URLs are included: Apprise URLs carry bot tokens and keys.
        """
        values = [
            secret.get_secret_value()
            for secret in (self.password, self.totp_secret)
            if secret is not None
        ]
        if self.secret_key is not None:
            values.append(self.secret_key.get_secret_value())
        if self.database_url is not None:
            values.append(self.database_url.get_secret_value())
            # The password alone too: a driver's message may quote it without the URL.
            password = urlsplit(self.database_url.get_secret_value()).password
            if password:
                values.append(password)
        if self.broker_url is not None:
            values.append(self.broker_url.get_secret_value())
            password = urlsplit(self.broker_url.get_secret_value()).password
            if password:
                values.append(password)
        return [*values, *self.notify]

    def database_url_text(self) -> str | None:
        """The ledger's database URL, for :meth:`agent.ledger.Ledger.open` only."""
        return self.database_url.get_secret_value() if self.database_url is not None else None

    def broker_url_text(self) -> str | None:
        """The Celery broker's URL, for :mod:`agent.distributed` only."""
        return self.broker_url.get_secret_value() if self.broker_url is not None else None


def _known_keys() -> set[str]:
    fields = {env_name(field) for field in Settings.model_fields}
    return fields | {SECRETS_DIR_ENV, ENV_FILE_ENV, DEMO_DIR_ENV}


def _describe(error: dict[str, Any]) -> str:
    """One phrase per problem, never quoting the value."""
    field = str(error["loc"][0]) if error.get("loc") else "settings"
    variable = env_name(field)
    if error["type"] == "missing":
        return f"{variable} is missing"
    if error["type"] == "value_error" and "error" in error.get("ctx", {}):
        return f"{variable} {error['ctx']['error']}"
    if field in SECRET_FIELDS:
        return f"{variable} is not valid"
    message = str(error["msg"])
    return f"{variable} is not valid: {message[:1].lower()}{message[1:]}"


def load_settings(
    require_credentials: bool = True,
    *,
    env_file: str | os.PathLike[str] | None = None,
    secrets_dir: str | os.PathLike[str] | None = None,
    **overrides: Any,
) -> Settings:
    """Read the settings, or raise one ``ConfigError`` naming what is wrong.

    With ``require_credentials``, the shop URL, e-mail and password must be
    set (an empty value counts as unset): every command that signs in needs
    them, and it must fail here, before any browser starts.
    """
    unknown = set(overrides) - set(Settings.model_fields)
    if unknown:
        raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
    secrets_path = resolve_secrets_dir(secrets_dir)
    env_path = resolve_env_file(env_file)
    config_path = user_config_file()
    # Later files win: ./.env (or ORDER_AGENT_ENV_FILE) outranks the user's config file.
    env_files = tuple(path for path in (config_path, env_path) if path is not None)
    try:
        settings = Settings(_env_file=env_files or None, _secrets_dir=secrets_path, **overrides)
    except ValidationError as exc:
        problems = [_describe(error) for error in exc.errors(include_input=False)]
        raise ConfigError("; ".join(problems)) from None
    except SettingsError as exc:
        # e.g. an unreadable secrets file; the message names the field, not its value
        raise ConfigError(f"cannot read the settings: {exc}") from None

    if require_credentials and settings.site_url and settings.email:
        resolve_password(settings)  # raises when a configured source fails
    if require_credentials:
        missing = [
            env_name(field) for field in CREDENTIAL_FIELDS if getattr(settings, field) is None
        ]
        if missing:
            verb = "is" if len(missing) == 1 else "are"
            names = missing[0] if len(missing) == 1 else ", ".join(missing[:-1])
            if len(missing) > 1:
                names += f" and {missing[-1]}"
            raise ConfigError(
                f"{names} {verb} missing",
                hint=INIT_HINT.format(it="it" if len(missing) == 1 else "them"),
            )

    known = _known_keys()
    secret_names = {env_name(field) for field in SECRET_FIELDS}
    warnings = environment_warnings(known)
    for path in env_files:
        warnings += env_file_warnings(path, known, secret_names)
    settings._warnings = warnings
    return settings


def resolve_password(settings: Settings) -> SecretStr | None:
    """``settings.password``, looked up in its other sources first when it is not set.

    ``ORDER_AGENT_PASSWORD`` (environment, .env, config file, secrets directory) wins;
    then ``ORDER_AGENT_PASSWORD_COMMAND``, the system keyring, init's 0600 file
    (``agent.password_sources``). Done once: the answer, or the failure, is kept, so a
    password command runs at most once per command. Commands that may not need the
    password (an idle ``run``) call this only once it is needed.
    """
    if settings.password is not None:
        return settings.password
    if settings._password_error is not None:
        raise settings._password_error
    from agent.password_sources import find_password
    from agent.user_config import config_dir

    try:
        found = find_password(settings.password_command, settings.email, config_dir())
    except ConfigError as exc:
        settings._password_error = exc
        raise
    if found is None:
        return None
    settings.password, settings._password_source = found
    return settings.password
