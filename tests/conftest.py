"""Shared test fixtures: a real Chromium (via pytest-playwright) and the fixture shop."""

from __future__ import annotations

import pytest

from agent.browser import find_browser, launch_args


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    executable = find_browser()
    args = {**browser_type_launch_args, "args": launch_args()}
    if executable is not None:
        args["executable_path"] = str(executable)
    return args
