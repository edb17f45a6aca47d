"""The whole agent on storefronts made of the contract's other words, layouts and label styles."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from fixtures.server import ShopServer
from tests.support.people import JANE, JANE_NAME
from tests.support.storefronts import AGENT_VARIANTS as VARIANTS

from .conftest import OrderAgent


@pytest.mark.parametrize("region", sorted(VARIANTS))
def test_cancel_requests_then_returns_on_another_storefront(
    order_agent: OrderAgent, shop: ShopServer, region: str
):
    variant = VARIANTS[region]
    processing = variant.status_words["processing"]

    asked = order_agent("cancel", "70001", "--json", region=region, name=JANE_NAME)

    assert asked.code == 0, asked.stderr
    assert (asked.json["raw_status"], asked.json["action"]) == (
        processing,
        "cancellation_requested",
    )
    [request] = shop.inbox(region)
    assert asked.json["reference"] == request["case"]
    assert (request["topic"], request["name"], request["email"]) == (
        variant.cancel_option,
        JANE_NAME,
        JANE,
    )
    assert "70001" in str(request["message"]) and JANE_NAME in str(request["message"])

    returned = order_agent("cancel", "70012", "--json", region=region)

    assert returned.code == 0, returned.stderr
    assert returned.json["action"] == "return_started"
    [started] = shop.returns(region)
    assert returned.json["reference"] == started["return_number"]
    label = Path(returned.json["label"])
    text = "".join(page.extract_text() for page in PdfReader(label).pages).replace(" ", "")
    assert str(started["return_number"]) in text
    # A label opened in a new tab is fetched again with the session: same label, twice.
    assert {d["return_number"] for d in shop.label_downloads(region)} == {started["return_number"]}
