"""Where each setting in force comes from, for ``order-agent config`` (like ``git config
--show-origin``): the environment, a ``.env`` file, init's config file, a secrets
directory, or the default. Secrets are shown masked; a URL keeps all but its password.

The places are read in the order ``agent.settings.load_settings`` ranks them, so what is
shown is what a command would use.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pydantic import SecretStr

from agent.settings import SECRET_FIELDS, Settings, env_name
from agent.settings_files import resolve_env_file, resolve_secrets_dir, user_config_file
from agent.user_config import read_config

MASK = "********"
DEFAULT = "default"


@dataclass(frozen=True)
class Origin:
    name: str  # ORDER_AGENT_SITE_URL
    value: str  # as shown: masked when secret, "" when unset
    origin: str  # "environment", a file's path, "default"

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "value": self.value, "origin": self.origin}


def _shown(field: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if field in ("database_url", "broker_url"):
        parts = urlsplit(str(value))
        if parts.password:
            host = parts.hostname or ""
            netloc = f"{parts.username or ''}:{MASK}@{host}" + (
                f":{parts.port}" if parts.port else ""
            )
            return urlunsplit(parts._replace(netloc=netloc))
        return str(value)
    if field in SECRET_FIELDS:
        return MASK if value else ""
    if isinstance(value, (list, tuple)):
        return ",".join(str(item) for item in value)
    return str(value)


def origins(settings: Settings) -> list[Origin]:
    """Every setting's value in force and where it came from (secrets masked)."""
    env_file = resolve_env_file(None)
    config = user_config_file()
    secrets = resolve_secrets_dir(None)
    files = [
        (path, {key.upper(): value for key, value in read_config(path).items()})
        for path in (env_file, config)
        if path is not None
    ]
    found: list[Origin] = []
    for field in Settings.model_fields:
        name = env_name(field)
        origin = DEFAULT
        if name in {key.upper() for key in os.environ}:
            origin = "environment"
        else:
            for path, values in files:  # a .env file outranks init's config file
                if name in values:
                    origin = str(path)
                    break
            else:
                if secrets is not None and _secret_file(secrets, name) is not None:
                    origin = str(_secret_file(secrets, name))
        value = _shown(field, getattr(settings, field))
        if field == "password" and origin == DEFAULT:
            # Not run here (a password command may ask for a passphrase): where it is looked.
            value, origin = "", "looked up when needed: the command, keyring or init's file"
        found.append(Origin(name, value, origin))
    return found


def _secret_file(directory: Path, name: str) -> Path | None:
    for candidate in (directory / name, directory / name.lower()):
        if candidate.is_file():
            return candidate
    return None
