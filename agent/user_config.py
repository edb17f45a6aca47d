"""The per-user config file: ``<user config dir>/config.env`` (``~/.config/order-agent/``).

It is a dotenv file like ``./.env`` and holds what ``order-agent init`` learned (shop
URL, e-mail, name, a password command), read by ``load_settings`` below the
environment and ``./.env``: cron, systemd and a shell in any directory find the same
settings. The password itself is never in it (keyring, a 0600 secrets file or a
command instead). Every file here is written 0600, atomically: a half-written config
is never read.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values
from platformdirs import user_config_dir

from ordercore.errors import StorageError
from ordercore.private_files import write_private

APP_NAME = "order-agent"
CONFIG_FILENAME = "config.env"


def config_dir() -> Path:
    """``$XDG_CONFIG_HOME/order-agent`` (``~/.config/order-agent``) or the platform's own."""
    return Path(user_config_dir(APP_NAME, False))


def config_file() -> Path:
    return config_dir() / CONFIG_FILENAME


def read_config(path: Path) -> dict[str, str]:
    """The file's settings (empty when it does not exist); keys as written."""
    if not path.is_file():
        return {}
    return {key: value for key, value in dotenv_values(path).items() if key and value is not None}


def write_private_file(path: Path, text: str) -> None:
    """``text`` into ``path``, 0600 from its first byte, replacing it atomically; the
    folder is created 0700."""
    try:
        write_private(path, text.encode("utf-8"))
    except OSError as exc:
        raise StorageError(f"cannot write {path}: {exc.strerror}") from None


def dotenv_line(key: str, value: str) -> str:
    """``KEY='value'``: single quotes keep everything literal except ``\\`` and ``'``."""
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"{key}='{escaped}'"


def write_config(path: Path, values: Mapping[str, str], *, header: str) -> None:
    """The whole file, ``header`` as comments first, one ``KEY='value'`` line per setting."""
    comments = [f"# {line}".rstrip() for line in header.splitlines()]
    lines = [dotenv_line(key, value) for key, value in values.items()]
    write_private_file(path, "\n".join([*comments, *lines]) + "\n")
