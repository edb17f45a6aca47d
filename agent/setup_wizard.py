"""``order-agent init``: ask, check by signing in once, store, and say what was written.

The steps, each in its own function so that the command (``agent.commands.init``)
only wires them to click:

1. the shop URL and e-mail, checked by the settings' own validators;
2. the password (hidden) or a password command; the shop judges it: one sign-in,
   read-only, in a fresh browser (nothing else is opened, nothing submitted); a
   refused password is said in one line and asked again, at most ``PASSWORD_TRIES``
   times (shops lock accounts after a few more);
3. the name for the contact form, offered as the shop shows it;
4. the password into the system keyring, else a 0600 file (or only the command);
   the settings into the config file (0600, atomically).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol
from urllib.parse import urlsplit

from pydantic import SecretStr

from agent.one_time_codes import one_time_codes
from agent.output import StepPrinter
from agent.password_sources import (
    KEYRING_SERVICE,
    PASSWORD_COMMAND_ENV,
    forget_file,
    forget_from_keyring,
    password_file,
    password_from_keyring,
    store_in_file,
    store_in_keyring,
    usable_keyring,
)
from agent.settings import Settings, env_name, load_settings
from agent.user_config import config_file, read_config, write_config
from ordercore.errors import ConfigError, CredentialsRejected, OrderAgentError, UsageError

if TYPE_CHECKING:
    from flows.site import RetailerSite

PASSWORD_TRIES = 3
Store = Literal["auto", "keyring", "file"]
# What init writes; an earlier init's password keys go, other keys a person added stay.
WRITTEN_KEYS = ("site_url", "email", "name", "password_command")
DROPPED_KEYS = ("password", "password_command", "name")


class Prompter(Protocol):
    """How the wizard talks to the person (click in the command, plain calls in tests)."""

    def ask(self, question: str, default: str | None = None) -> str: ...
    def ask_secret(self, question: str) -> str: ...
    def say(self, line: str) -> None: ...


@dataclass
class Checked:
    """What the shop accepted."""

    settings: Settings  # site_url, email and password set
    shown_name: str | None  # the account holder's name as the shop shows it


def validated(field: str, value: str) -> Settings:
    """Settings with ``field`` set to ``value`` (``ConfigError`` in the settings' words)."""
    return load_settings(require_credentials=False, **{field: value})


def ask_valid(prompter: Prompter, field: str, question: str, default: str | None) -> str:
    """Ask until the settings' validator takes the answer (a typo is asked again); a shop
    address whose host name does not exist is a typo too, asked again at once."""
    while True:
        answer = prompter.ask(question, default).strip()
        try:
            settings = validated(field, answer)
        except ConfigError as exc:
            prompter.say(f"✗ {exc}")
            continue
        if not answer:
            prompter.say(f"✗ {env_name(field)} cannot be empty")
            continue
        if field == "site_url" and settings.site_url and (host := unknown_host(settings.site_url)):
            prompter.say(f"✗ there is no host named {host}: check the address (a typo?)")
            continue
        return answer


def unknown_host(site_url: str) -> str | None:
    """The address's host name when the name service says it does not exist; None when it
    resolves, or when the lookup itself failed (no network now: not the address's fault)."""
    host = urlsplit(site_url).hostname
    if not host:
        return None
    try:
        socket.getaddrinfo(host, None)
    except socket.gaierror as exc:
        return host if exc.errno == socket.EAI_NONAME else None
    except (OSError, UnicodeError):
        return None
    return None


@contextmanager
def shop_session(settings: Settings) -> Iterator[RetailerSite]:
    """A fresh browser on the shop (no saved session), as ``doctor`` opens it."""
    from agent.shop_browser import open_browser
    from agent.site_profiles import site_profile
    from flows.site import RetailerSite

    assert settings.site_url
    profile = site_profile(settings)
    with open_browser(settings, fresh=True) as session:
        yield RetailerSite(
            session.page,
            settings.site_url,
            vocabulary=profile.vocabulary(),
            start_urls=profile.start_urls(settings.site_url),
            phone=profile.phone,
            limits=settings.limits(),
        )


def sign_in_once(site: RetailerSite, settings: Settings) -> None:
    """One sign-in (transient errors retried, a refusal never): nothing else is sent."""
    from agent.retries import retrying

    assert settings.email and settings.password
    email, password = settings.email, settings.password.get_secret_value()
    retrying(lambda: site.sign_in(email, password, one_time_codes(settings)))


def check_credentials(
    settings: Settings,
    prompter: Prompter,
    steps: StepPrinter,
    *,
    retype: Callable[[], SecretStr] | None,
) -> Checked:
    """Sign in with ``settings``; on a refusal, ``retype`` gives the next password to try.

    ``retype`` None (a password from stdin or a command): the first refusal is final.
    One browser serves every try: the person retypes while it waits on the shop's page.
    """
    steps.doing("Starting the browser")
    with shop_session(settings) as site:
        for attempt in range(1, PASSWORD_TRIES + 1):
            steps.doing(f"Signing in to {settings.site_url} as {settings.email}")
            try:
                sign_in_once(site, settings)
            except CredentialsRejected as exc:
                if retype is None:
                    steps.fail()
                    raise
                if attempt == PASSWORD_TRIES:
                    raise CredentialsRejected(
                        f"the shop refused the password {PASSWORD_TRIES} times; nothing was saved",
                        hint="check the e-mail and password on the shop's own site, then run "
                        "`order-agent init` again",
                    ) from None
                left = PASSWORD_TRIES - attempt
                steps.stop()  # the live line must not run into the question below
                prompter.say(
                    f"✗ The shop refused this e-mail and password ({_shop_words(exc)}); "
                    f"{left} {'try' if left == 1 else 'tries'} left."
                )
                settings.password = retype()
                continue
            steps.done("Signed in: the shop accepted the e-mail and password")
            return Checked(settings, _shown_name(site))
    raise AssertionError("unreachable")  # pragma: no cover


def _shop_words(exc: CredentialsRejected) -> str:
    said = exc.evidence or exc.message
    return f"it said: {' '.join(said.split())}"


def _shown_name(site: RetailerSite) -> str | None:
    """The account holder's name as the shop shows it, best effort (read-only)."""
    try:
        return site.shopper_name(visit_account_page=True)
    except OrderAgentError:
        return None


@dataclass
class Saved:
    """What init wrote, for the closing lines."""

    config: Path
    keys: list[str]
    password_where: str


def choose_store(store: Store, *, unattended: bool) -> Literal["keyring", "file"]:
    """Where the password goes. ``auto``: the keyring when one works, except for scheduled
    runs (``unattended``): cron jobs, and timers while you are logged out, run without the
    unlocked login session a desktop keyring needs."""
    if store == "file":
        return "file"
    has_keyring = usable_keyring() is not None
    if store == "keyring":
        if not has_keyring:
            raise UsageError(
                "no system keyring is available here",
                hint="use --store file (a 0600 file) or --password-command",
            )
        return "keyring"
    return "keyring" if has_keyring and not unattended else "file"


def save(
    settings: Settings,
    *,
    name: str | None,
    password_command: str | None,
    store: Literal["keyring", "file"],
) -> Saved:
    """Store the password (or the command) and write the config file."""
    from agent.user_config import config_dir

    assert settings.site_url and settings.email
    folder = config_dir()
    secret_path = password_file(folder)
    if password_command is not None:
        where = f"not stored: {PASSWORD_COMMAND_ENV} prints it when needed"
        forget_file(secret_path)
        forget_from_keyring(settings.email)
    else:
        assert settings.password is not None
        where = _store_password(settings.email, settings.password, store, secret_path)

    path = config_file()
    values = {
        key: value
        for key, value in read_config(path).items()
        if key.upper() not in {env_name(field) for field in (*WRITTEN_KEYS, *DROPPED_KEYS)}
    }
    written = {
        env_name("site_url"): settings.site_url,
        env_name("email"): settings.email,
    }
    if name:
        written[env_name("name")] = name
    if password_command is not None:
        written[env_name("password_command")] = password_command
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        f"order-agent settings, written by `order-agent init` on {stamp}.\n"
        "Environment variables and a ./.env file outrank this file.\n"
        f"The password is not in this file: {where}."
    )
    write_config(path, {**written, **values}, header=header)
    return Saved(path, list(written), where)


def _store_password(
    email: str, password: SecretStr, store: Literal["keyring", "file"], secret_path: Path
) -> str:
    if store == "keyring":
        stored = store_in_keyring(email, password)
        # Some backends accept and keep nothing: read it back before trusting it.
        back = password_from_keyring(email) if stored else None
        if back is not None and back.get_secret_value() == password.get_secret_value():
            forget_file(secret_path)
            return f"in {KEYRING_SERVICE!r} in the system keyring (user {email})"
    store_in_file(secret_path, password)
    forget_from_keyring(email)
    return f"in {secret_path} (mode 0600)"


def outranking_settings(saved_keys: list[str]) -> list[str]:
    """Variables set in the environment that outrank what init wrote (they would win)."""
    keys = [*saved_keys, env_name("password")]
    return [key for key in keys if os.environ.get(key, "").strip()]
