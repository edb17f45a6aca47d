"""How many looks a step takes: a page is read in looks that do not grow with its length."""

from __future__ import annotations

from fixtures.server import ShopServer
from flows.contact_pages import SupportRequestsPage
from tests.support.calls import calls_made_by
from tests.support.people import JANE

from .shopper import OpenSite


def test_the_requests_list_is_read_in_the_same_looks_however_many_requests_it_holds(
    open_site: OpenSite, shop: ShopServer
):
    numbers = [f"8800{index}" for index in range(1, 7)]
    for number in numbers:
        shop.add_order("us", JANE, number, "Processing")
    site = open_site("us")

    def send(number: str) -> str | None:
        receipt = site.request_cancellation(
            site.open_order(number), name="Jane Shopper", email=JANE, reason="No longer needed",
            message="Please cancel this order.",
        )  # fmt: skip
        return receipt.reference

    first = send(numbers[0])
    with calls_made_by(SupportRequestsPage._entries) as one_request:
        [only] = site.support_requests()
    references = [first, *(send(number) for number in numbers[1:])]
    with calls_made_by(SupportRequestsPage._entries) as six_requests:
        listed = site.support_requests()

    assert only.reference == first
    assert sorted(request.reference for request in listed) == sorted(references)
    assert sum(one_request.values()) > 0
    # One read of every row, not one per row: a shop's long history costs nothing more.
    assert six_requests == one_request
