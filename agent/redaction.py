"""Keeping secrets out of everything order-agent writes or says.

Two nets, because either one alone leaks:

1. by key: a value stored under a key that names a secret (``password``,
   ``session_cookie``, ``verification_code`` ...) is replaced, whatever it is;
2. by value: the exact text of every registered secret is cut out of every
   string, wherever it hides (a log message, a nested dict under an innocent
   key, a traceback, the repr of an object, Playwright's "fill('...')" call log).

Secrets are registered once from the settings and again whenever one is
learned at run time (a TOTP code just typed, a session cookie's value).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar, overload
from urllib.parse import quote, quote_plus

from ordercore.errors import OrderAgentError

REDACTED = "[REDACTED]"

# Words that make a key secret on their own, compared against the key's words
# (split on _ - . space and camelCase), never as substrings: "order", "status",
# "footprint" or "author" must stay readable.
_SECRET_WORDS = frozenset(
    {
        "password",
        "passwd",
        "passphrase",
        "pwd",
        "secret",
        "secrets",
        "token",
        "tokens",
        "cookie",
        "cookies",
        "authorization",
        "auth",
        "totp",
        "otp",
        "mfa",
        "credential",
        "credentials",
        "apikey",
        "sessionid",
    }
)
# "code" alone is too common (exit_code, status_code, postcode) to be secret;
# it is only when it is the whole key or sits next to one of these words.
_CODE_QUALIFIERS = frozenset(
    {"verification", "security", "auth", "authentication", "one", "time", "onetime", "login"}
)
_PAIRS = (("api", "key"), ("private", "key"), ("access", "key"), ("session", "id"))

_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")

_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None


def _key_words(key: str) -> list[str]:
    return [word.lower() for word in _WORD_SPLIT.split(key) if word]


def is_secret_key(key: object) -> bool:
    """Whether a value stored under ``key`` must be hidden whatever it is."""
    if not isinstance(key, str):
        return False
    words = _key_words(key)
    if not words:
        return False
    if _SECRET_WORDS.intersection(words):
        return True
    if "code" in words and (len(words) == 1 or _CODE_QUALIFIERS.intersection(words)):
        return True
    return any(first in words and second in words for first, second in _PAIRS)


def _forms(value: str) -> set[str]:
    """The shapes a secret takes once quoted, escaped or URL-encoded."""
    forms = {
        value,
        repr(value)[1:-1],
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        quote(value, safe=""),
        quote_plus(value, safe=""),
    }
    return {form for form in forms if form}


def register_secret(value: str | None) -> None:
    """Scrub ``value`` (and its escaped forms) from everything from now on."""
    if value is None or not value.strip():
        return
    global _pattern
    with _lock:
        new = _forms(value) - _secrets
        if not new:
            return
        _secrets.update(new)
        # Longest first, so a secret that contains another is cut out whole.
        ordered = sorted(_secrets, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(secret) for secret in ordered))


def register_secrets(values: Iterable[str | None]) -> None:
    for value in values:
        register_secret(value)


def clear_secrets() -> None:
    """Forget every registered secret (tests, and a fresh configuration)."""
    global _pattern
    with _lock:
        _secrets.clear()
        _pattern = None


def scrub(text: str) -> str:
    """``text`` with every registered secret replaced by ``[REDACTED]``."""
    pattern = _pattern
    if pattern is None or not text:
        return text
    return pattern.sub(REDACTED, text)


def redact(value: Any) -> Any:
    """A copy of ``value`` safe to show: secret keys hidden, secret text scrubbed.

    Dicts, lists, tuples and sets are walked; other objects are kept as they
    are unless their text shows a secret, in which case their scrubbed repr
    replaces them (renderers would have printed that repr anyway).
    """
    if isinstance(value, str):
        return scrub(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {
            (scrub(key) if isinstance(key, str) else key): (
                REDACTED if is_secret_key(key) and item is not None else redact(item)
            )
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        items = [redact(item) for item in value]
        return items if isinstance(value, list) else type(value)(items)
    return _redact_object(value)


def _redact_object(value: object) -> object:
    try:
        shown = repr(value)
        text = str(value)
    except Exception:  # a broken __repr__ must not break logging
        return f"<unprintable {type(value).__name__}>"
    if scrub(shown) != shown or scrub(text) != text:
        return scrub(shown)
    return value


def redact_event(_logger: object, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: run it after ``format_exc_info``, before rendering."""
    return redact(event_dict)


_Error = TypeVar("_Error", bound=OrderAgentError)


@overload
def sanitize_exception(exc: _Error) -> _Error: ...
@overload
def sanitize_exception(exc: BaseException) -> BaseException: ...
def sanitize_exception(exc: BaseException) -> BaseException:
    """An exception like ``exc`` whose text cannot carry a secret.

    order-agent's own errors keep their type (so exit codes stay right) with
    message, hint and evidence scrubbed; anything else becomes a RuntimeError
    naming the original type. The result has no cause, context or traceback:
    those are where the unscrubbed text lives. Raise it ``from None``.
    """
    if isinstance(exc, OrderAgentError):
        clean = type(exc).__new__(type(exc))
        clean.__dict__.update(exc.__dict__)
        clean.message = scrub(exc.message)
        clean.hint = scrub(exc.hint) if exc.hint else exc.hint
        for attribute in ("evidence", "phone"):
            current = getattr(clean, attribute, None)
            if isinstance(current, str):
                setattr(clean, attribute, scrub(current))
        clean.args = (clean.message,)
    else:
        clean = RuntimeError(scrub(f"{type(exc).__name__}: {exc}"))
    clean.__cause__ = None
    clean.__context__ = None
    clean.__suppress_context__ = True
    clean.__traceback__ = None
    return clean
