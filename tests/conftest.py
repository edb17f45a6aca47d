"""Shared test fixtures: a real Chromium (via pytest-playwright) and the fixture shop."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agent.browser import find_browser, launch_args
from fixtures.server import ShopServer


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    executable = find_browser()
    args = {**browser_type_launch_args, "args": launch_args()}
    if executable is not None:
        args["executable_path"] = str(executable)
    return args


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
