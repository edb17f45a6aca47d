"""What the distributed tests share: a deployment's settings (its worker processes:
``tests.support.services.worker_processes``)."""

from __future__ import annotations

from pathlib import Path

from agent.settings import Settings, load_settings
from fixtures.server import ShopServer
from tests.support import ledgers
from tests.support.people import JANE, PASSWORD


def deployment_settings(shop: ShopServer, data_dir: Path, **overrides: object) -> Settings:
    """Jane's account on the fixture shop's US site, on the test's ledger (SQLite in
    ``data_dir`` or the PostgreSQL database of ``ledger_url``)."""
    return load_settings(
        site_url=shop.region_url("us"),
        email=JANE,
        password=PASSWORD,
        data_dir=data_dir,
        database_url=ledgers.test_database_url(),
        **overrides,
    )
