"""A submission that fails is never sent blindly again: the next run finds out first.

The contact form's POST fails three ways: a 503 before the shop did anything, a
connection dropped before the shop did anything, and a 503 after the shop
recorded the request (its answer lost). In every case exactly one request ends
up in the shop's inbox after the next run.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from fixtures.regions import US
from fixtures.server import ShopServer
from flows.labels import pdf_text
from tests.support.agent_cli import AgentCLI
from tests.support.people import JANE
from tests.support.storefronts import OPENCART

EXIT_TRY_LATER = 75
CONTACT_POST = r"/us/contact-us$"


@pytest.mark.parametrize(
    ("kind", "times"),
    [
        ("5xx", 1),
        # Chromium quietly resends a request that got no answer once: two drops make one error.
        ("drop", 2),
    ],
)
def test_submit_that_never_reached_the_shop_is_sent_once_on_the_next_run(
    agent: AgentCLI, shop: ShopServer, kind: str, times: int
) -> None:
    shop.fail(CONTACT_POST, kind, times=times, method="POST")
    failed = agent.run("cancel", "70001")
    assert failed.code == EXIT_TRY_LATER, failed.explain()
    assert "next run checks" in " ".join(failed.said)
    assert shop.inbox("us") == []

    again = agent.run("cancel", "70001", "--json")
    assert again.code == 0, again.explain()
    assert again.json["action"] == "cancellation_requested"
    cases = shop.inbox("us")
    assert [case["order"] for case in cases] == ["70001"]
    assert again.json["reference"] == cases[0]["case"]


def test_submit_whose_answer_was_lost_is_found_not_resent(
    agent: AgentCLI, shop: ShopServer
) -> None:
    shop.fail(CONTACT_POST, "5xx_after", method="POST")
    failed = agent.run("cancel", "70001")
    assert failed.code == EXIT_TRY_LATER, failed.explain()
    [case] = shop.inbox("us")  # the shop did get it

    again = agent.run("cancel", "70001", "--json")
    assert again.code == 0, again.explain()
    assert again.json["action"] == "none"
    assert again.json["reference"] == case["case"]
    assert "did reach the shop" in again.json["message"]
    assert len(shop.inbox("us")) == 1  # found on Support Requests, not sent again


def test_return_whose_answer_was_lost_is_not_started_twice(
    agent: AgentCLI, shop: ShopServer
) -> None:
    # Without a review step, the one POST of the return form is the one that starts the return.
    shop.add_region(replace(US, prefix="quick", review_step=False))
    shop.fail(r"/quick/account/orders/MK-70012/return$", "5xx_after", method="POST")
    failed = agent.run("return", "70012", region="quick")
    assert failed.code == EXIT_TRY_LATER, failed.explain()
    [started] = shop.returns("quick")

    again = agent.run("return", "70012", "--json", region="quick")
    assert again.code == 0, again.explain()
    # The order page shows the return: the agent only fetches its label.
    assert again.json["action"] == "label_downloaded"
    assert again.json["reference"] == started["return_number"]
    assert Path(again.json["label"]).name == f"return-label-{started['return_number']}.pdf"
    assert len(shop.returns("quick")) == 1
    assert str(started["return_number"]) in pdf_text(Path(again.json["label"]).read_bytes())


@pytest.mark.ui_sign_in  # the sign-ins are counted: the first one through the pages
def test_a_return_answered_by_signing_us_out_is_settled_and_sent_once_in_the_same_run(
    agent: AgentCLI, shop: ShopServer
) -> None:
    # The shop ends the session as the return form is sent: the POST meets the sign-in
    # form. (Contact Us needs no session: the contact form never meets this.)
    shop.fail(r"/us/account/orders/MK-70012/return$", "expire_session", method="POST")
    run = agent.run("return", "70012", "-v")
    assert run.code == 0, run.explain()
    assert "signed us out while sending" in run.stderr, run.explain()
    # Signed in again, read the order page first (no return had landed), then sent once.
    assert len(shop.returns("us")) == 1
    assert len(shop.sign_in_attempts("us")) == 2


def test_a_return_request_whose_answer_was_lost_is_found_on_the_shops_returns_list(
    agent: AgentCLI, shop: ShopServer
) -> None:
    # A shop whose return is a request: its order page never shows it, its "Product
    # Returns" list does. One item, so one request.
    shop.add_region(OPENCART)
    shop.fail(r"route=account/return/add&order_id=70012", "5xx_after", method="POST")
    failed = agent.run("return", "70012", region="oc")
    assert failed.code == EXIT_TRY_LATER, failed.explain()
    [asked] = shop.returns("oc")  # the shop did get it

    again = agent.run("return", "70012", "--json", region="oc")
    assert again.code == 0, again.explain()
    assert again.json["action"] == "none"
    assert "already sent" in again.json["message"]
    assert again.json["reference"] == asked["return_number"]
    assert len(shop.returns("oc")) == 1  # found on Product Returns, not asked again


def test_a_return_request_that_never_reached_the_shop_is_asked_once_on_the_next_run(
    agent: AgentCLI, shop: ShopServer
) -> None:
    # The request's POST fails before the shop records it: uncertain, so the next run
    # looks at "Product Returns" first, finds nothing there and asks (once). Soak seed
    # 1133: the lost intent was settled twice (from the list, then "order page shows no
    # return"), and the ledger refused: exit 1 "intent 1 is already not_sent".
    shop.add_region(OPENCART)
    shop.fail(r"route=account/return/add&order_id=70012", "5xx", method="POST")
    failed = agent.run("return", "70012", region="oc")
    assert failed.code == EXIT_TRY_LATER, failed.explain()
    assert shop.returns("oc") == []

    again = agent.run("return", "70012", "--json", region="oc")
    assert again.code == 0, again.explain()
    assert again.json["action"] == "return_started", again.explain()
    assert again.json["return_kind"] == "request"
    assert len(shop.returns("oc")) == 1  # asked once: the first never arrived


@pytest.mark.parametrize("kind", ["5xx", "expire_session"])
@pytest.mark.parametrize(
    "failing",
    [
        pytest.param(r"route=account/order/info&order_id=70090$", id="order-page"),
        pytest.param(r"route=account/return/add&order_id=70090&product=2", id="form"),
    ],
)
def test_a_request_return_whose_next_item_fails_to_open_asks_for_every_item_once(
    agent: AgentCLI, shop: ShopServer, kind: str, failing: str
) -> None:
    # Each item of a request-kind return has its own form, opened from the order's page.
    # The order page's third load (after the read, and the read again before the first
    # request) opens the second item's: it fails (a 503, or the shop signed us out). That
    # sends nothing, so it is repeated (signed in again) and the second item is asked for
    # in the same run; before, the run stopped "unconfirmed" and the next one found the
    # first request on "Product Returns" and called it done, the second item never asked.
    shop.add_region(OPENCART)
    items = [{"name": "Canvas Weekender Bag"}, {"name": "Leather Card Case"}]
    shop.add_order("oc", JANE, "70090", "delivered", items=items)
    after = 2 if failing.startswith("route=account/order/info") else 0
    fault = shop.fail(failing, kind, method="GET", after=after)

    run = agent.run("return", "70090", "--json", region="oc")

    assert run.code == 0, run.explain()
    asked = sorted(item for r in shop.returns("oc") for item in r.get("items") or [])
    assert asked == ["Canvas Weekender Bag", "Leather Card Case"], run.explain()
    assert fault.arrived.is_set()  # the third load did fail
