"""`cancel` on order pages whose status words are not all the order's own: the action follows
the order's status, read from its place; `status --json` says where it was read.

Each case is a pattern found on real order pages (``fixtures.status_traps.REPORTED``), where
the agent once read a status that was not the order's and acted on it.
"""

from __future__ import annotations

import pytest

from fixtures.server import ShopServer
from fixtures.status_traps import COVERING, REPORTED, Trap
from tests.support.people import JANE_NAME

from .conftest import OrderAgent


@pytest.mark.parametrize("trap", REPORTED, ids=[t.name for t in REPORTED])
def test_cancel_acts_on_the_orders_own_status(
    order_agent: OrderAgent, shop: ShopServer, trap: Trap
):
    region = trap.region()
    shop.add_region(region)

    run = order_agent("cancel", trap.order, "--json", region=region.prefix, name=JANE_NAME)

    result = run.json
    assert result["status"] == trap.expected, result
    cases, returns = shop.inbox(region.prefix), shop.returns(region.prefix)
    if trap.expected == "processing":
        assert run.code == 0, run.stderr
        assert result["action"] == "cancellation_requested"
        assert len(cases) == 1 and returns == []
        # The message names the order, not the words of a legend around it.
        assert "What it means" not in str(cases[0]["message"])
    elif trap.expected == "delivered":
        assert run.code == 0, run.stderr
        assert result["action"] in ("return_started", "label_downloaded")
        assert cases == [] and len(returns) == 1
    else:  # shipped: nothing can be done yet, and nothing is sent
        assert run.code == 75, run.stderr
        assert result["action"] == "none"
        assert cases == [] and returns == []
    assert result["status_place"], "where the status was read"
    aside = [c for c in result["status_candidates"] if not c["taken"]]
    if trap.decoys:
        assert aside, "the words around it, set aside"


def test_status_json_shows_the_place_and_the_candidates_set_aside(
    order_agent: OrderAgent, shop: ShopServer
):
    [trap] = [t for t in REPORTED if t.name == "sidebar-other-orders"]
    region = trap.region()
    shop.add_region(region)

    run = order_agent("status", trap.order, "--json", region=region.prefix)

    assert run.code == 0, run.stderr
    result = run.json
    assert (result["status"], result["raw_status"]) == ("processing", "Processing")
    assert result["status_place"] == "labelled 'Order Status'"
    taken = [c for c in result["status_candidates"] if c["taken"]]
    assert taken == [{"text": "Processing", "place": "labelled 'Order Status'", "taken": True}]
    assert {"text": "Canceled", "place": "set aside: another order's", "taken": False} in (
        result["status_candidates"]
    )


def test_a_page_that_does_not_say_which_step_is_current_stops_with_what_it_saw(
    order_agent: OrderAgent, shop: ShopServer
):
    [trap] = [t for t in COVERING if t.name == "tracker-none-legend"]
    region = trap.region()
    shop.add_region(region)

    run = order_agent("cancel", trap.order, "--json", region=region.prefix, name=JANE_NAME)

    assert run.code == 3, run.stderr
    assert run.json["status"] == "unknown"
    assert "no status in a place" in run.json["message"]
    assert any("no current step" in c["place"] for c in run.json["status_candidates"])
    assert shop.inbox(region.prefix) == []
