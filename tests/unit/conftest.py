"""Unit tests run without a browser, in a clean environment of their own."""

from __future__ import annotations

import pytest

CANARY = 'Canary-Pa55word!quote"slash\\'


@pytest.fixture(autouse=True)
def _isolated(clean_environment: None) -> None:
    """Every test here runs in the clean environment of tests/conftest.py."""


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
