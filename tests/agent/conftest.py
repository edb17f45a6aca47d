"""Fixtures for the agent's end-to-end tests: the real CLI and runner, a real Chromium, the shop.

``order_agent(...)`` runs ``order-agent`` in this process (``agent.cli.main``,
configured through ``ORDER_AGENT_*`` variables like a shopper would) and hands
back its exit code, its JSON object and its ``order-agent:`` lines.
``run_agent(...)`` calls ``agent.runner.run`` directly, for tests that want
the ``Result`` itself. Each run gets a browser context of its own in the test process's
shared Chromium, on its agent thread (``tests.support.threads``, ``.shared_browser``);
a test marked ``own_browser`` launches one per run instead. Unless a test is marked ``ui_sign_in``,
an order command starts from a pre-seeded data dir (``tests.support.seeding``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import pytest

from agent.cli import main
from agent.output import StepPrinter
from agent.session_vault import session_file
from agent.settings import Settings, load_settings
from fixtures.server import ShopServer
from ordercore.models import CommandOptions, Result
from tests.support.agent_runs import AgentRun
from tests.support.environment import QUICK_RETRIES, QUICK_RETRY_SETTINGS
from tests.support.people import JANE, PASSWORD
from tests.support.seeding import seed_data_dir
from tests.support.storefronts import AGENT_VARIANTS as VARIANTS
from tests.support.threads import on_worker


class OrderAgent(Protocol):
    def __call__(
        self,
        *argv: str,
        region: str = "us",
        email: str = JANE,
        password: str | None = PASSWORD,
        totp_secret: str | None = None,
        name: str | None = None,
        data_dir: Path | None = None,
    ) -> AgentRun: ...


SettingsFor = Callable[..., Settings]
Seed = Callable[[Settings, str], None]
RunAgent = Callable[..., Result]


def region_url(shop: ShopServer, region: str) -> str:
    """The region's home page; a variant of ``tests.support.storefronts`` mounted on first use."""
    try:
        return shop.region_url(region)
    except KeyError:
        return shop.add_region(VARIANTS[region])


@pytest.fixture(autouse=True)
def _isolated(clean_environment: None) -> None:
    """Every test here runs in the clean environment of tests/conftest.py."""


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """The shopper's data directory, shared by every run of one test (ledger, proof)."""
    return tmp_path / "data"


ORDER_COMMANDS = frozenset({"status", "cancel", "return"})


@pytest.fixture
def seed(shop: ShopServer, request: pytest.FixtureRequest) -> Seed:
    """``seed(settings, region)``: before an order command, the data dir pre-seeded
    (``tests.support.seeding``) unless it has a saved session already; not for a test marked
    ``ui_sign_in``, nor for a password or account the shop would refuse."""
    through_pages = request.node.get_closest_marker("ui_sign_in") is not None

    def seed_for(settings: Settings, region: str) -> None:
        if through_pages or settings.site_url != region_url(shop, region):
            return
        if session_file(settings).is_file():
            return
        # Only the seed's own password: a wrong one would count as a failed attempt.
        if (
            settings.email
            and settings.password
            and settings.password.get_secret_value() == (PASSWORD)
        ):
            seed_data_dir(settings.data_dir, shop, region, settings.email)

    return seed_for


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
            **QUICK_RETRY_SETTINGS,
            **overrides,
        }
        return load_settings(**values)

    return make


@pytest.fixture
def run_agent(settings_for: SettingsFor, seed: Seed) -> RunAgent:
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
        chosen = settings_for(region, **settings)
        seed(chosen, region)
        return on_worker(
            lambda: run(
                command,
                order,
                options or CommandOptions(),
                chosen,
                steps or StepPrinter(enabled=False),
            )
        )

    return call


@pytest.fixture
def order_agent(
    shop: ShopServer,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    seed: Seed,
) -> OrderAgent:
    """``order_agent("cancel", "70001", "--json", region="uk")``: the CLI, in this process."""

    def call(
        *argv: str,
        region: str = "us",
        email: str = JANE,
        password: str | None = PASSWORD,
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
        for key, value in {**QUICK_RETRIES, **env}.items():
            if value is None:
                monkeypatch.delenv(key, raising=False)
            else:
                monkeypatch.setenv(key, value)
        if argv and argv[0] in ORDER_COMMANDS and password == PASSWORD and data_dir:
            seed(
                load_settings(
                    site_url=region_url(shop, region),
                    email=email,
                    password=password,
                    data_dir=data_dir,
                ),
                region,
            )
        capsys.readouterr()
        code = on_worker(lambda: main(list(argv)))
        out, err = capsys.readouterr()
        return AgentRun(code, out, err, tuple(argv))

    return call
