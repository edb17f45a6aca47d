"""Unit tests run without a browser, in a clean environment of their own."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from agent import settings as settings_module
from agent.redaction import clear_secrets

CANARY = 'Canary-Pa55word!quote"slash\\'


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No ORDER_AGENT_* from the outer shell, no stray .env, no /run/secrets."""
    for key in list(os.environ):
        if key.upper().startswith("ORDER_AGENT_"):
            monkeypatch.delenv(key)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr(settings_module, "DEFAULT_SECRETS_DIR", tmp_path / "no-secrets")
    root_level = logging.getLogger().level
    yield
    clear_secrets()
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_order_agent", False):
            root.removeHandler(handler)
    root.setLevel(root_level)


@pytest.fixture
def shop_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The three required settings, for the fixture shop's main account."""
    values = {
        "ORDER_AGENT_SITE_URL": "http://127.0.0.1:8765/us/",
        "ORDER_AGENT_EMAIL": "jane@example.com",
        "ORDER_AGENT_PASSWORD": CANARY,
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


@pytest.fixture
def canary() -> str:
    """A password with characters that escaping changes (quote, backslash)."""
    return CANARY
