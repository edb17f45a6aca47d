"""Every command reads the password through the same sources: the one `init` stored (here its
0600 file, with no ORDER_AGENT_PASSWORD in sight) serves the order commands, `add`'s look-up
and `doctor` alike."""

from __future__ import annotations

from pydantic import SecretStr

from agent.password_sources import password_file, store_in_file
from agent.user_config import config_dir
from fixtures.server import ShopServer
from tests.support.people import PASSWORD

from .conftest import OrderAgent


def test_the_password_init_stored_serves_every_command_family(
    order_agent: OrderAgent, shop: ShopServer
) -> None:
    store_in_file(password_file(config_dir()), SecretStr(PASSWORD))

    status = order_agent("status", "70001", "--json", password=None)
    assert status.code == 0, status.stderr
    assert status.json["status"] == "processing"

    # add looks the order up with the same password: a number the shop does not list is
    # refused (exit 2, nothing tracked), a listed one is looked up.
    missing = order_agent("add", "99999", "--json", password=None)
    assert missing.code == 2, missing.stdout
    assert "order 99999 is not in this account's order list" in missing.json["message"]
    added = order_agent("add", "70001", "--json", password=None)
    assert added.code == 0, added.stderr
    assert added.json["lookup"]["found"] is True

    doctor = order_agent("doctor", "--json", password=None)
    assert doctor.json["rows"][0]["found"] is True
