"""Shared test fixtures: a real Chromium (via pytest-playwright) and the fixture shop."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from agent import settings as settings_module
from agent.browser import find_browser, launch_args
from agent.redaction import clear_secrets
from fixtures.server import ShopServer


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    executable = find_browser()
    args = {**browser_type_launch_args, "args": launch_args()}
    if executable is not None:
        args["executable_path"] = str(executable)
    return args


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No ORDER_AGENT_* from the outer shell, no stray .env or /run/secrets; logging put back.

    The working directory is a fresh folder, so no .env is picked up by accident.
    """
    for key in list(os.environ):
        if key.upper().startswith("ORDER_AGENT_"):
            monkeypatch.delenv(key)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    # Site profiles are looked up in the user's config dir: never the real one.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
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


# -- the fixture shop ------------------------------------------------------------------------
@pytest.fixture(scope="session")
def shop_server() -> Iterator[ShopServer]:
    """One fixture shop for the whole session (control API on, warehouse clock frozen)."""
    server = ShopServer(control=True, clock_speed=0.0).start()
    yield server
    server.stop()


@pytest.fixture
def shop(shop_server: ShopServer) -> Iterator[ShopServer]:
    """The session's shop, put back to its seed state after the test."""
    yield shop_server
    shop_server.reset()
