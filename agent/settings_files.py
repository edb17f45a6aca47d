"""Where settings are read from, besides the environment: the secrets directory, the
``.env`` file, the per-user config file ``order-agent init`` writes; and what is said
about them (unknown keys, a readable file holding secrets, variables that name nothing).

``agent.settings.load_settings`` ranks them; ``agent.settings_origins`` shows them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from dotenv import dotenv_values

from ordercore.errors import ConfigError

ENV_PREFIX = "ORDER_AGENT_"
SECRETS_DIR_ENV = f"{ENV_PREFIX}SECRETS_DIR"
ENV_FILE_ENV = f"{ENV_PREFIX}ENV_FILE"
DEFAULT_SECRETS_DIR = Path("/run/secrets")
DEFAULT_ENV_FILE = Path(".env")
# Variables read outside ``Settings``: known, so never warned about as unknown.
DEMO_DIR_ENV = "ORDER_AGENT_DEMO_DIR"  # where `order-agent demo` keeps its runs


def env_name(field: str) -> str:
    """The environment variable that sets ``field``."""
    return f"{ENV_PREFIX}{field.upper()}"


def resolve_secrets_dir(explicit: str | os.PathLike[str] | None) -> Path | None:
    configured = explicit if explicit is not None else os.environ.get(SECRETS_DIR_ENV)
    if configured:
        path = Path(configured).expanduser()
        if not path.is_dir():
            raise ConfigError(f"{SECRETS_DIR_ENV} is not a directory: {path}")
        return path
    return DEFAULT_SECRETS_DIR if DEFAULT_SECRETS_DIR.is_dir() else None


def resolve_env_file(explicit: str | os.PathLike[str] | None) -> Path | None:
    configured = explicit if explicit is not None else os.environ.get(ENV_FILE_ENV)
    if configured:
        path = Path(configured).expanduser()
        if not path.is_file():
            raise ConfigError(f"{ENV_FILE_ENV} is not a file: {path}")
        return path
    return DEFAULT_ENV_FILE if DEFAULT_ENV_FILE.is_file() else None


def user_config_file() -> Path | None:
    """The per-user config file ``order-agent init`` writes, when it exists."""
    from agent.user_config import config_file

    path = config_file()
    return path if path.is_file() else None


def env_file_warnings(path: Path, known: set[str], secret_names: set[str]) -> list[str]:
    """Unknown keys in a settings file, and a file holding secrets that others can read."""
    keys = [key for key in dotenv_values(path) if key]
    warnings = []
    unknown = sorted(key for key in keys if key.upper() not in known)
    if unknown:
        warnings.append(f"ignored unknown keys in {path}: {', '.join(unknown)}")
    holds_secret = any(key.upper() in secret_names for key in keys)
    if holds_secret and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        warnings.append(f"{path} holds secrets and other users can read it: chmod 600 {path}")
    return warnings


def environment_warnings(known: set[str]) -> list[str]:
    """``ORDER_AGENT_*`` variables that name no setting (a typo is ignored, so say so)."""
    unknown = sorted(
        key for key in os.environ if key.upper().startswith(ENV_PREFIX) and key.upper() not in known
    )
    if not unknown:
        return []
    return [f"ignored unknown environment variables: {', '.join(unknown)}"]
