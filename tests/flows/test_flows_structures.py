"""The whole journey on shops laid out as real platforms lay them out (``fixtures.structures``).

A covering set: every order-list layout, status place, contact form, return kind, items
layout and page root in at least one structure, the rest shuffled by the run's paraphrase
seed (printed on every failure; replay with ``ORDER_AGENT_PARAPHRASE_SEED``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.server import ShopServer
from fixtures.structures import DIMENSIONS, covering
from ordercore.models import OrderStatus
from tests.support.people import JANE, JANE_NAME

from .shopper import OpenSite

ROWS = max(len(values) for values in DIMENSIONS.values())


def test_the_covering_set_holds_every_value_of_every_dimension() -> None:
    for seed in (1, 2, 3):
        structures = covering(seed)
        for name, values in DIMENSIONS.items():
            assert {getattr(s, name) for s in structures} == set(values)


@pytest.mark.parametrize("row", range(ROWS))
def test_the_whole_journey_on_each_structure(
    open_site: OpenSite, shop: ShopServer, tmp_path: Path, paraphrase_seed: int, row: int
) -> None:
    structure = covering(paraphrase_seed)[row]
    region = structure.region()
    shop.add_region(region)
    site = open_site(region.prefix)

    order = site.open_order("70001")
    assert order.status is OrderStatus.PROCESSING, (structure.name, order.raw_status)
    receipt = site.request_cancellation(
        order, name=JANE_NAME, email=JANE, reason="Changed my mind", message="Please cancel."
    )
    [case] = shop.inbox(region.prefix)
    assert case["order"] == "70001", structure.name
    if structure.contact_form == "full":
        assert receipt.reference == case["case"]
    else:
        assert receipt.reference is None and receipt.confirmation

    delivered = site.open_order("70012")  # one returnable item
    assert delivered.status is OrderStatus.DELIVERED, (structure.name, delivered.raw_status)
    assert [item.name for item in delivered.items] == [
        i["name"] for i in shop.order_items(region.prefix, "70012")
    ]
    started = site.start_return(delivered)
    [record] = shop.returns(region.prefix)
    if structure.return_kind == "label":
        assert started.reference == record["return_number"]
        label = site.download_label(tmp_path / "label.pdf", expect=[started.reference or ""])
        assert label.read_bytes().startswith(b"%PDF-")
    else:
        assert (started.kind, started.reference) == ("request", None)
        assert record["method"] == "request"
