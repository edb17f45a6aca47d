"""Site profiles: what one shop says differently, in a TOML file, without code.

A profile adds to the contract's words (never removes), maps the shop's own
status words to canonical statuses, gives start paths for steps a shop hides
and the customer-service phone numbers. It is looked up, first hit wins:

1. ``ORDER_AGENT_PROFILE``: a path to a ``.toml`` file, or the name of a
   built-in profile (``maison-kora-us``, ``maison-kora-uk``, ``maison-kora-st``: the fixture
   shop's two stores, shipped in ``agent/profiles/`` as examples);
2. ``<user config dir>/profiles/<host>.toml`` (``~/.config/order-agent/profiles/
   shop.example.com.toml`` on Linux), then the same without a leading ``www.``.

No profile is fine: the contract's words alone are used. A profile that does not
validate stops the command with exit 2 and one line: the file, the line, and
what is wrong. The engine (``flows``) never sees a profile, only what it turns
into: a ``Vocabulary``, start URLs and a phone number.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urljoin, urlsplit

from platformdirs import user_config_dir
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictStr, ValidationError

from flows.vocabulary import DEFAULT_VOCABULARY, Vocabulary
from ordercore.errors import ConfigError
from ordercore.models import Channel, OrderStatus

if TYPE_CHECKING:
    from agent.settings import Settings

PROFILE_ENV = "ORDER_AGENT_PROFILE"
BUILT_IN_PACKAGE = "agent"
BUILT_IN_FOLDER = "profiles"

# Vocabulary fields that are word lists: the keys of [phrases].
PHRASE_KEYS: tuple[str, ...] = tuple(
    f.name for f in fields(Vocabulary) if isinstance(getattr(DEFAULT_VOCABULARY, f.name), tuple)
)
# [paths] keys -> the engine's names for the pages they start (see flows.site).
PATH_KEYS: Mapping[str, str] = {
    "sign_in": "sign_in",
    "orders": "order_list",
    "contact": "contact",
    "support_requests": "support_requests",
}
STATUS_VALUES: tuple[str, ...] = tuple(s.value for s in OrderStatus if s is not OrderStatus.UNKNOWN)
TOP_LEVEL_KEYS = ("name", "region", "phrases", "status", "paths", "phones", "channel")
MAX_PHRASE = 120
_PHONE = re.compile(r"^\+?[0-9][0-9 ().-]{4,}[0-9]$")


def _suggest(wanted: str, known: tuple[str, ...] | Mapping[str, str]) -> str:
    close = difflib.get_close_matches(wanted, list(known), n=1)
    return f"; did you mean {close[0]}?" if close else ""


def _phrase_key(key: str) -> str:
    if key not in PHRASE_KEYS:
        raise ValueError(
            f"unknown step{_suggest(key, PHRASE_KEYS)} (the steps are listed in docs/shops.md)"
        )
    return key


def _phrase(text: str) -> str:
    phrase = " ".join(text.split())
    if not phrase:
        raise ValueError("a phrase cannot be empty")
    if len(phrase) > MAX_PHRASE:
        raise ValueError(f"a phrase has at most {MAX_PHRASE} characters")
    return phrase


def _status_word(text: str) -> str:
    return _phrase(text)


def _status_value(text: str) -> str:
    value = text.strip().lower()
    if value not in STATUS_VALUES:
        raise ValueError(
            f"{text!r} is not a status{_suggest(value, STATUS_VALUES)} "
            f"(one of {', '.join(STATUS_VALUES)})"
        )
    return value


def _path_key(key: str) -> str:
    if key not in PATH_KEYS:
        raise ValueError(
            f"unknown step{_suggest(key, tuple(PATH_KEYS))} (one of {', '.join(PATH_KEYS)})"
        )
    return key


def _path(text: str) -> str:
    path = text.strip()
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or path.startswith("//"):
        raise ValueError(
            f"{text!r} is not a path on the shop's own site: give the path only, "
            'e.g. "/account/login"'
        )
    if not path or any(char.isspace() for char in path) or ".." in path.split("/"):
        raise ValueError(f'{text!r} is not a path, e.g. "/account/login"')
    return path


def _phone(text: str) -> str:
    phone = " ".join(text.split())
    if not _PHONE.fullmatch(phone):
        raise ValueError(f'{text!r} is not a phone number, e.g. "1-800-555-0199"')
    return phone


Phrase = Annotated[StrictStr, AfterValidator(_phrase)]


class ProfileFile(BaseModel):
    """The TOML file's shape (see docs/shops.md for an example of every key)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Phrase | None = None
    region: Annotated[StrictStr, AfterValidator(_phrase)] | None = None
    phrases: dict[
        Annotated[str, AfterValidator(_phrase_key)],
        Annotated[list[Phrase], Field(min_length=1)],
    ] = Field(default_factory=dict)
    status: dict[
        Annotated[str, AfterValidator(_status_word)],
        Annotated[StrictStr, AfterValidator(_status_value)],
    ] = Field(default_factory=dict)
    paths: dict[
        Annotated[str, AfterValidator(_path_key)], Annotated[StrictStr, AfterValidator(_path)]
    ] = Field(default_factory=dict)
    phones: dict[str, Annotated[StrictStr, AfterValidator(_phone)]] = Field(default_factory=dict)
    # How a cancellation request goes.
    channel: Channel | None = None


@dataclass(frozen=True)
class SiteProfile:
    """One shop's profile, validated; ``source`` says where it came from."""

    source: str
    name: str | None = None
    region: str | None = None
    phrases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    status: Mapping[str, OrderStatus] = field(default_factory=dict)
    paths: Mapping[str, str] = field(default_factory=dict)
    phones: Mapping[str, str] = field(default_factory=dict)
    channel: Channel | None = None  # None: not said

    def vocabulary(self, base: Vocabulary = DEFAULT_VOCABULARY) -> Vocabulary:
        """The contract's words plus this shop's: extra phrases are added, never replace."""
        changes: dict[str, Any] = {}
        for key, extra in self.phrases.items():
            current: tuple[str, ...] = getattr(base, key)
            changes[key] = current + tuple(p for p in extra if p not in current)
        if self.status:
            changes["status_words"] = {**base.status_words, **self.status}
        return replace(base, **changes)

    def start_urls(self, site_url: str) -> dict[str, str]:
        """Start URLs by the engine's page names (``order_list``, ``sign_in`` ...).

        A path with a leading ``/`` is from the shop's origin; without, from the
        site URL (``account/login`` on ``https://x/us/`` is ``https://x/us/account/login``).
        """
        base = site_url if site_url.endswith("/") else site_url + "/"
        return {PATH_KEYS[key]: urljoin(base, path) for key, path in self.paths.items()}

    @property
    def phone(self) -> str | None:
        """The customer-service number of the profile's region, else its first one."""
        if self.region:
            for region, number in self.phones.items():
                if region.casefold() == self.region.casefold():
                    return number
        return next(iter(self.phones.values()), None)


NO_PROFILE = SiteProfile(source="none")


# -- finding ----------------------------------------------------------------------------------
def profiles_dir() -> Path:
    """Where a user keeps profiles: ``<user config dir>/profiles``."""
    return Path(user_config_dir("order-agent", False)) / "profiles"


def built_in_names() -> list[str]:
    folder = resources.files(BUILT_IN_PACKAGE) / BUILT_IN_FOLDER
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    )


def built_in_text(name: str) -> str:
    return (resources.files(BUILT_IN_PACKAGE) / BUILT_IN_FOLDER / f"{name}.toml").read_text(
        encoding="utf-8"
    )


def host_of(site_url: str) -> str:
    return (urlsplit(site_url).hostname or "").lower()


def candidate_paths(site_url: str, folder: Path | None = None) -> list[Path]:
    """The files looked at for this shop, in order."""
    folder = folder if folder is not None else profiles_dir()
    host = host_of(site_url)
    if not host:
        return []
    hosts = [host] + ([host.removeprefix("www.")] if host.startswith("www.") else [])
    return [folder / f"{name}.toml" for name in hosts]


def find_profile(
    site_url: str | None, setting: str | None, folder: Path | None = None
) -> SiteProfile:
    """The profile for this shop (``NO_PROFILE`` when there is none); ConfigError if bad."""
    if setting and setting.strip():
        wanted = setting.strip()
        if "/" not in wanted and not wanted.endswith(".toml") and wanted in built_in_names():
            return parse_profile(built_in_text(wanted), f"built-in profile {wanted}")
        path = Path(wanted).expanduser()
        if not path.is_file():
            known = ", ".join(built_in_names())
            raise ConfigError(
                f"{PROFILE_ENV} is neither a file nor a built-in profile: {wanted}",
                hint=f"built-in: {known}",
            )
        return read_profile(path)
    if not site_url:
        return NO_PROFILE
    for path in candidate_paths(site_url, folder):
        if path.is_file():
            return read_profile(path)
    return NO_PROFILE


def site_profile(settings: Settings) -> SiteProfile:
    """The profile for the configured shop (``ORDER_AGENT_PROFILE``, else by host)."""
    return find_profile(settings.site_url, settings.profile)


def read_profile(path: Path) -> SiteProfile:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"profile {path} cannot be read: {type(exc).__name__}") from None
    return parse_profile(text, str(path))


# -- reading ----------------------------------------------------------------------------------
def parse_profile(text: str, source: str) -> SiteProfile:
    """Validate a profile's TOML text; ``ConfigError`` names ``source``, the line and the fault."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = re.search(r"\(at line (\d+), column \d+\)", message)
        where = f", line {found.group(1)}" if found else ""
        what = re.sub(r"\s*\(at line \d+, column \d+\)", "", message) or "syntax error"
        raise ConfigError(f"profile {source}{where}: not valid TOML: {what}") from None
    try:
        model = ProfileFile.model_validate(data)
    except ValidationError as exc:
        error = exc.errors(include_input=False)[0]
        loc = tuple(str(part) for part in error["loc"] if part != "[key]")
        line = line_of(text, loc)
        where = f", line {line}" if line else ""
        raise ConfigError(
            f"profile {source}{where}: {_dotted(loc)}: {_explain(error, loc)}"
        ) from None
    return SiteProfile(
        source=source,
        name=model.name,
        region=model.region,
        phrases={key: tuple(words) for key, words in model.phrases.items()},
        status={word: OrderStatus(value) for word, value in model.status.items()},
        paths=dict(model.paths),
        phones=dict(model.phones),
        channel=model.channel,
    )


def _dotted(loc: tuple[str, ...]) -> str:
    if not loc:
        return "the profile"
    table, *rest = loc
    keys = [part for part in rest if not part.isdigit()]
    if not keys:
        return f"[{table}]" if table in ("phrases", "status", "paths", "phones") else table
    key = keys[0] if re.fullmatch(r"[A-Za-z0-9_-]+", keys[0]) else f'"{keys[0]}"'
    return f"[{table}] {key}"


def _explain(error: Mapping[str, Any], loc: tuple[str, ...]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"unknown setting (known: {', '.join(TOP_LEVEL_KEYS)})"
    if kind == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"]))
    if kind == "string_type":
        return 'must be text in quotes, e.g. "Hello, sign in"'
    if kind == "list_type":
        return 'must be a list of phrases, e.g. ["Hello, sign in"]'
    if kind == "dict_type":
        return f"must be a table: [{loc[0]}] with one key = value per line"
    if kind == "too_short":
        return "must hold at least one phrase"
    return str(error["msg"]).lower()


_TABLE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$")
_KEY = re.compile(
    r"""^\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_.-]+(?:\s*\.\s*[A-Za-z0-9_-]+)*)\s*="""
)


def _unquote(key: str) -> list[str]:
    key = key.strip()
    if key[:1] in "\"'":
        return [key[1:-1]]
    return [part.strip() for part in key.split(".")]


def line_of(text: str, loc: tuple[str, ...]) -> int | None:
    """The 1-based line where the key at ``loc`` is written, as near as the text tells.

    ``("status", "Being processed")`` finds ``"Being processed" = ...`` under
    ``[status]``; ``("phrases", "sign_in_entry", "0")`` finds ``sign_in_entry``;
    a table alone (``("phrases",)``) finds its ``[phrases]`` header.
    """
    wanted = [part for part in loc if not part.isdigit()]
    if not wanted:
        return None
    table: list[str] = []
    fallback = None
    for number, line in enumerate(text.splitlines(), start=1):
        header = _TABLE.match(line)
        if header:
            table = _unquote(header.group(1))
            if table == wanted:
                fallback = fallback or number
            continue
        key = _KEY.match(line)
        if key is None:
            continue
        path = table + _unquote(key.group(1))
        if path[: len(wanted)] == wanted:
            return number
    return fallback
