"""Fixtures for the agent's end-to-end tests: the real CLI and runner, a real Chromium, the shop.

``order_agent(...)`` runs ``order-agent`` in this process (``agent.cli.main``,
configured through ``ORDER_AGENT_*`` variables like a shopper would) and hands
back its exit code, its JSON object and its ``order-agent:`` lines.
``run_agent(...)`` calls ``agent.runner.run`` directly, for tests that want
the ``Result`` itself. Each run launches its own Chromium, as the product does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pytest
from support.storefronts import AGENT_VARIANTS as VARIANTS

from agent.cli import PROG, main
from agent.output import StepPrinter
from agent.settings import Settings, load_settings
from fixtures.server import ShopServer
from ordercore.models import CommandOptions, Result

from .shopper import JANE, PASSWORD


@dataclass
class AgentRun:
    """What one ``order-agent`` command showed: exit code, stdout, its one-line messages."""

    code: int
    stdout: str
    stderr: str
    said: list[str] = field(default_factory=list)  # the "order-agent: ..." lines, prefix cut

    @property
    def json(self) -> dict[str, Any]:
        """The one JSON object on stdout (fails the test if there is not exactly one)."""
        lines = [line for line in self.stdout.splitlines() if line.strip()]
        assert len(lines) == 1, f"expected one JSON line on stdout, got: {self.stdout!r}"
        obj = json.loads(lines[0])
        assert isinstance(obj, dict)
        return obj

    @property
    def message(self) -> str:
        """Everything told to the person: stderr lines and the human block on stdout."""
        return "\n".join([*self.said, self.stdout])


class OrderAgent(Protocol):
    def __call__(
        self,
        *argv: str,
        region: str = "us",
        email: str = JANE,
        password: str = PASSWORD,
        totp_secret: str | None = None,
        name: str | None = None,
        data_dir: Path | None = None,
    ) -> AgentRun: ...


SettingsFor = Callable[..., Settings]
RunAgent = Callable[..., Result]


def region_url(shop: ShopServer, region: str) -> str:
    """The region's home page; a variant of ``support.storefronts`` is mounted on first use."""
    try:
        return shop.region_url(region)
    except KeyError:
        return shop.add_region(VARIANTS[region])


def said_lines(stderr: str) -> list[str]:
    prefix = f"{PROG}: "
    return [line[len(prefix) :] for line in stderr.splitlines() if line.startswith(prefix)]


@pytest.fixture(autouse=True)
def _isolated(clean_environment: None) -> None:
    """Every test here runs in the clean environment of tests/conftest.py."""


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """The shopper's data directory, shared by every run of one test (ledger, proof)."""
    return tmp_path / "data"


@pytest.fixture
def settings_for(shop: ShopServer, data_dir: Path) -> SettingsFor:
    """``settings_for("uk", email=..., **overrides)``: settings for a region of the shop."""

    def make(region: str = "us", *, email: str = JANE, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "site_url": region_url(shop, region),
            "email": email,
            "password": PASSWORD,
            "data_dir": data_dir,
            "headless": True,
            **overrides,
        }
        return load_settings(**values)

    return make


@pytest.fixture
def run_agent(settings_for: SettingsFor) -> RunAgent:
    """``run_agent("cancel", "70001", region="uk", options=..., steps=...)``: the runner itself."""
    from agent.runner import run

    def call(
        command: str,
        order: str,
        *,
        region: str = "us",
        options: CommandOptions | None = None,
        steps: StepPrinter | None = None,
        **settings: Any,
    ) -> Result:
        return run(
            command,
            order,
            options or CommandOptions(),
            settings_for(region, **settings),
            steps or StepPrinter(enabled=False),
        )

    return call


@pytest.fixture
def order_agent(
    shop: ShopServer,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> OrderAgent:
    """``order_agent("cancel", "70001", "--json", region="uk")``: the CLI, in this process."""

    def call(
        *argv: str,
        region: str = "us",
        email: str = JANE,
        password: str = PASSWORD,
        totp_secret: str | None = None,
        name: str | None = None,
        data_dir: Path | None = data_dir,
    ) -> AgentRun:
        env = {
            "ORDER_AGENT_SITE_URL": region_url(shop, region),
            "ORDER_AGENT_EMAIL": email,
            "ORDER_AGENT_PASSWORD": password,
            "ORDER_AGENT_DATA_DIR": str(data_dir),
            "ORDER_AGENT_TOTP_SECRET": totp_secret,
            "ORDER_AGENT_NAME": name,
        }
        for key, value in env.items():
            if value is None:
                monkeypatch.delenv(key, raising=False)
            else:
                monkeypatch.setenv(key, value)
        capsys.readouterr()
        code = main(list(argv))
        out, err = capsys.readouterr()
        return AgentRun(code, out, err, said_lines(err))

    return call
