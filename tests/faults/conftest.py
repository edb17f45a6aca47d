"""Fixtures for the fault and bad-input tests: ``order-agent`` as a process against the shop."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.agent_cli import AgentCLI

from fixtures.server import ShopServer


@pytest.fixture
def agent(shop: ShopServer, tmp_path: Path) -> Iterator[AgentCLI]:
    """``agent.run("status", "70001")``: one process per call, this test's own data dir.

    When the test ends, no data dir it used may hold a password or TOTP secret it gave.
    """
    cli = AgentCLI(shop, tmp_path)
    yield cli
    cli.assert_no_secrets()
