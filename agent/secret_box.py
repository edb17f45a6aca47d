"""Encrypting what the ledger keeps for many accounts: Fernet (``cryptography``).

The key comes from ``ORDER_AGENT_SECRET_KEY`` or ``ORDER_AGENT_SECRET_KEY_FILE`` (a
file holding it, refused when group or others may read it). With neither, nothing
secret is stored: :func:`secret_box` raises :class:`ConfigError` (exit 2) saying how to
make a key. A key that does not open what was stored is :class:`WrongSecretKey`
(exit 2, one line): the ciphertext and the key are never quoted.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from agent.redaction import register_secret
from agent.settings import Settings
from ordercore.errors import ConfigError

NEW_KEY_COMMAND = "order-agent accounts new-key"
NO_KEY_HINT = (
    f'make one with `{NEW_KEY_COMMAND}` (or python -c "from cryptography.fernet import '
    'Fernet; print(Fernet.generate_key().decode())"), then set ORDER_AGENT_SECRET_KEY or '
    "put it in a 0600 file named by ORDER_AGENT_SECRET_KEY_FILE"
)


class WrongSecretKey(ConfigError):
    """The configured key does not decrypt what the ledger holds (exit 2)."""


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def configured_key(settings: Settings) -> str | None:
    """The key's text, from the setting or the key file; None when neither is set."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().strip()
    if settings.secret_key_file is None:
        return None
    path = Path(settings.secret_key_file).expanduser()
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(
                f"the secret key file {path} may be read by others (mode {stat.S_IMODE(mode):o})",
                hint=f"chmod 600 {path}",
            )
        key = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"cannot read the secret key file {path}: {exc.strerror}") from None
    register_secret(key)  # a key from a file is not among Settings.secret_values()
    return key


class SecretBox:
    """Encrypts and decrypts JSON objects with one Fernet key."""

    def __init__(self, key: str) -> None:
        try:
            self._fernet = Fernet(key.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            # The key's text is never quoted: it is the secret.
            raise ConfigError(
                "ORDER_AGENT_SECRET_KEY is not a Fernet key (32 url-safe base64 bytes)",
                hint=NO_KEY_HINT,
            ) from None

    def seal(self, values: dict[str, str | None]) -> str:
        return self._fernet.encrypt(json.dumps(values).encode("utf-8")).decode("ascii")

    def open(self, token: str, what: str) -> dict[str, str | None]:
        try:
            plain = self._fernet.decrypt(token.encode("ascii"))
        except (InvalidToken, ValueError):
            raise WrongSecretKey(
                f"the secret key does not open {what} in the ledger (a different key?)",
                hint="set ORDER_AGENT_SECRET_KEY to the key it was stored with",
            ) from None
        values: dict[str, str | None] = json.loads(plain)
        return values


def secret_box(settings: Settings) -> SecretBox:
    """The configured key's box; ConfigError (exit 2) with how to make one when none."""
    key = configured_key(settings)
    if not key:
        raise ConfigError("no secret key: stored accounts need one", hint=NO_KEY_HINT)
    return SecretBox(key)


def optional_secret_box(settings: Settings) -> SecretBox | None:
    """The box when a key is configured (saved sessions go to the ledger), else None."""
    return secret_box(settings) if configured_key(settings) else None
