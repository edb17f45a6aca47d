"""Reading a return followed to its refund, in each storefront: the status at every stage,
the return's tracking number and the refund's amount (issue #13)."""

from __future__ import annotations

import pytest

from fixtures.server import ShopServer
from ordercore.models import OrderStatus, ReturnStage

from .shopper import OpenSite

# Region -> the seed's started return (order 70006), its tracking number, the refund shown,
# and (word, status) at each stage: label out, in transit, received, refunded.
JOURNEYS = {
    "us": ("RA-500006", "1Z4K7R0500006", "$150.00", [
        ("Return Started", OrderStatus.RETURN_STARTED),
        ("Return in Transit", OrderStatus.RETURN_STARTED),
        ("Return Received", OrderStatus.RETURNED),
        ("Refunded", OrderStatus.REFUNDED),
    ]),
    "uk": ("R500006", "RR5000065GB", "£150.00", [
        ("Return Requested", OrderStatus.RETURN_STARTED),
        ("Return in Transit", OrderStatus.RETURN_STARTED),
        ("Return Received", OrderStatus.RETURNED),
        ("Refund Issued", OrderStatus.REFUNDED),
    ]),
    "st": ("000500006", "1ZST9R000500006", "$150.00", [
        ("Return Requested", OrderStatus.RETURN_STARTED),
        ("Return Shipped", OrderStatus.RETURN_STARTED),
        ("Return Received", OrderStatus.RETURNED),
        ("Refunded", OrderStatus.REFUNDED),
    ]),
}  # fmt: skip


@pytest.mark.parametrize("region", JOURNEYS)
def test_each_stage_of_a_return_reads_as_its_status_with_tracking_and_refund(
    open_site: OpenSite, shop: ShopServer, region: str
) -> None:
    number, tracking, refund, stages = JOURNEYS[region]
    site = open_site(region)
    seen = []
    stages_seen: list[ReturnStage | None] = []

    def read() -> None:
        order = site.open_order("70006")
        seen.append((order.raw_status, order.status))
        stages_seen.append(order.return_stage)
        assert order.return_tracking == tracking
        assert order.refund == (refund if order.status is OrderStatus.REFUNDED else None)
        assert order.label_available is (order.status is OrderStatus.RETURN_STARTED)

    read()
    shop.scan_return(region, number)
    read()
    shop.advance(hours=48)
    read()
    shop.advance(hours=24)
    read()
    assert seen == stages
    assert stages_seen == list(ReturnStage)


def test_the_contracts_refunded_without_an_amount_stays_returned(
    open_site: OpenSite,
) -> None:
    # The seed's 70007 shows "Refunded" and no refund line: the contract's returned.
    order = open_site("us").open_order("70007")
    assert (order.raw_status, order.status, order.refund) == (
        "Refunded",
        OrderStatus.RETURNED,
        None,
    )
    # Its words say it was refunded: a followed return ends there (without an amount).
    assert order.return_stage is ReturnStage.REFUNDED
