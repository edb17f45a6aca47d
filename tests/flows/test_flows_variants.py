"""The same journeys on shop variants that use the contract's other words and layouts.

Each variant region changes many words at once (sign-in entry, labels, submit
names, menus, status layout, contact placement, name fields, confirmations,
return steps, label delivery, dialog buttons); together they cover every
alternative the contract lists that the fixture shop can show.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from fixtures.regions import US
from fixtures.server import ShopServer
from flows.site import RetailerSite
from flows.vocabulary import DEFAULT_VOCABULARY
from ordercore.models import OrderStatus
from tests.support.people import JANE, PASSWORD, TOM, totp_code
from tests.support.storefronts import FLOW_VARIANTS as VARIANTS

from .shopper import OpenSite


@pytest.fixture
def variant(shop: ShopServer, request: pytest.FixtureRequest) -> str:
    shop.add_region(VARIANTS[request.param])
    return request.param


@pytest.mark.ui_sign_in  # the whole journey starts with the variant's sign-in words
@pytest.mark.parametrize("variant", VARIANTS, indirect=True)
def test_the_whole_journey_works_on_every_variant(
    open_site: OpenSite, shop: ShopServer, tmp_path: Path, variant: str
):
    region = VARIANTS[variant]
    site = open_site(variant)
    assert site.is_signed_in()

    order = site.open_order("#70001")
    assert (order.status, order.raw_status) == (OrderStatus.PROCESSING, "Processing")
    assert order.number == region.display_number("70001")
    assert site.open_order("70003").tracking == region.tracking_format.format(number="70003")

    receipt = site.request_cancellation(
        order, name="Jane Shopper", email=JANE, reason="Changed my mind", message="Cancel it."
    )
    [case] = shop.inbox(variant)
    assert receipt.reference == case["case"]
    assert case["topic"] == region.cancel_option and case["name"] == "Jane Shopper"
    [listed] = site.support_requests() or []
    assert listed.reference == case["case"]

    delivered = site.open_order("70012")
    started = site.start_return(delivered)
    [record] = shop.returns(variant)
    assert started.reference == record["return_number"]
    label = site.download_label(tmp_path / "label.pdf", expect=[started.reference])
    assert label.read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize("variant", VARIANTS, indirect=True)
def test_two_step_sign_in_works_with_every_code_wording(page, shop: ShopServer, variant: str):
    site = RetailerSite(page, shop.region_url(variant))
    site.sign_in(TOM, PASSWORD, totp=totp_code)
    assert site.open_order("71002").status is OrderStatus.DELIVERED


@pytest.mark.parametrize(
    ("word", "canonical"),
    [("Preparing", OrderStatus.PROCESSING), ("Return Initiated", OrderStatus.RETURN_STARTED),
     ("Return in Progress", OrderStatus.RETURN_STARTED), ("Return Complete", OrderStatus.RETURNED),
     ("Awaiting Dispatch", OrderStatus.UNKNOWN)],
)  # fmt: skip
def test_other_contract_status_words_are_understood(
    open_site: OpenSite, shop: ShopServer, word: str, canonical: OrderStatus
):
    shop.set_status("us", "70002", word)
    order = open_site("us").open_order("70002")
    assert (order.raw_status, order.status) == (word, canonical)


def test_returned_is_understood_where_a_shop_says_so(open_site: OpenSite, shop: ShopServer):
    # The shop maps canonical names to its own words, so "Returned" needs a region saying it.
    words = {**US.status_words, "returned": "Returned"}
    shop.add_region(replace(US, prefix="returned", status_words=words))
    order = open_site("returned").open_order("70007")
    assert (order.raw_status, order.status) == ("Returned", OrderStatus.RETURNED)


def test_a_shop_with_its_own_status_word_needs_only_a_vocabulary_override(
    open_site: OpenSite, shop: ShopServer
):
    shop.set_status("uk", "70002", "Awaiting Dispatch")
    words = replace(
        DEFAULT_VOCABULARY,
        status_words={
            **DEFAULT_VOCABULARY.status_words,
            "awaiting dispatch": OrderStatus.PROCESSING,
        },
    )
    order = open_site("uk", vocabulary=words).open_order("70002")
    assert order.status is OrderStatus.PROCESSING


def test_promotions_popping_up_on_every_page_mid_flow_never_block(
    open_site: OpenSite, shop: ShopServer
):
    pages = ("home", "sign_in", "account", "orders", "order", "help", "contact", "return")
    shop.add_region(
        replace(US, prefix="promos", promo_pages=pages, promo_repeat=True, promo_delay_ms=300)
    )
    site = open_site("promos")
    order = site.open_order("70001")
    receipt = site.request_cancellation(
        order, name="Jane Shopper", email=JANE, reason="Changed my mind", message="Cancel it."
    )
    assert receipt.reference == shop.inbox("promos")[0]["case"]
    assert site.start_return(site.open_order("70012")).reference
