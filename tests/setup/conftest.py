"""Fixtures for `order-agent init` and what it sets up: a fresh HOME per test.

Every process started here sees only the fresh HOME (its XDG folders inside it), no
ORDER_AGENT_* variable from the outer shell, and no system keyring (init then keeps
the password in its 0600 file); the browser is named explicitly, because Playwright
looks for its own Chromium under HOME.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from agent.browser import find_browser

NO_KEYRING = "keyring.backends.fail.Keyring"


@dataclass
class FreshHome:
    """A HOME that never saw order-agent, and the environment of a process living in it."""

    path: Path
    work: Path  # the working directory: empty, so no ./.env is found by accident

    @property
    def config_dir(self) -> Path:
        return self.path / ".config" / "order-agent"

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.env"

    @property
    def password_file(self) -> Path:
        return self.config_dir / "secrets" / "ORDER_AGENT_PASSWORD"

    @property
    def data_dir(self) -> Path:
        return self.path / ".local" / "share" / "order-agent"

    def env(self, **extra: str) -> dict[str, str]:
        outer = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("ORDER_AGENT_", "XDG_", "PYTHON_KEYRING"))
        }
        browser = find_browser()
        return {
            **outer,
            "HOME": str(self.path),
            "XDG_CONFIG_HOME": str(self.path / ".config"),
            "XDG_DATA_HOME": str(self.path / ".local" / "share"),
            "XDG_STATE_HOME": str(self.path / ".local" / "state"),
            "XDG_CACHE_HOME": str(self.path / ".cache"),
            "PYTHON_KEYRING_BACKEND": NO_KEYRING,
            **({"ORDER_AGENT_BROWSER": str(browser)} if browser else {}),
            **extra,
        }


@pytest.fixture
def fresh_home(tmp_path: Path) -> FreshHome:
    home = tmp_path / "home"
    work = tmp_path / "work"
    home.mkdir()
    work.mkdir()
    return FreshHome(home, work)
