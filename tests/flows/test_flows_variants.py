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

from .shopper import JANE, PASSWORD, TOM, OpenSite, totp_code

VARIANTS = {
    "alt1": replace(
        US,
        prefix="alt1",
        account_menu="Account",
        sign_in_link="Login",
        sign_in_entry="button",
        email_label="Email",
        sign_in_submit="Continue",
        submit_control="input",
        code_label="One-time code",
        code_submit="Continue",
        sign_out="Logout",
        sign_out_control="link",
        order_list_link="Orders",
        order_list_layout="cards",
        order_number_prefix="",
        order_link_format="Order No. {number}",
        status_label="Status",
        status_layout="table",
        tracking_label="Tracking #",
        contact_link="Contact",
        contact_placement="help_page",
        help_page_link="Help",
        topic_label="Subject",
        cancel_option="Cancel My Order",
        contact_order_label="Order No.",
        contact_email_label="Email",
        name_layout="single",
        name_label="Name",
        message_label="Comments",
        contact_submit="Send",
        case_confirmation="Your ticket #{case} is open.",
        support_page="My Requests",
        return_entry="Return",
        return_entry_control="button",
        return_placement="inline",
        method_choice=False,
        return_submit="Submit Return",
        review_step=False,
        return_confirmation="Your return number is {rma}.",
        label_link="Print Label",
        label_style="new_tab",
        cookie_accept="Got it",
        promo_close="Maybe later",
        promo_close_text="Maybe later",
        promo_repeat=True,
    ),
    "alt2": replace(
        US,
        prefix="alt2",
        account_menu="My Account",
        sign_in_link="Sign in / Register",
        email_label="E-mail",
        sign_in_submit="Login",
        code_label="Authentication code",
        code_submit="Verify",
        sign_out="Log Out",
        order_list_link="Order Status",
        order_number_prefix="KR-",
        order_link_format="{number}",
        status_label="Order Status",
        status_layout="text",
        tracking_label="Tracking",
        contact_link="Contact Us",
        contact_placement="help_page",
        help_page_link="Customer Care",
        topic_label="How can we help?",
        cancel_option="Order Cancellation",
        contact_order_label="Order ID",
        message_label="Details",
        contact_submit="Send Message",
        case_confirmation="Request ID: {case}",
        support_page="Messages",
        return_entry="Request a Return",
        show_quantity=True,
        reason_options=("Wrong colour", "No longer wanted"),
        return_submit="Request Return",
        review_confirm="Confirm",
        return_confirmation="Return ID: {rma}",
        label_link="Download Label",
        label_style="blob",
        cookie_accept="I Agree",
        promo_close="Dismiss",
        promo_close_text="Dismiss",
    ),
    "alt3": replace(
        US,
        prefix="alt3",
        sign_in_link="Log In",
        sign_in_submit="Log In",
        code_label="Security Code",
        code_submit="Submit",
        order_list_link="My Orders",
        status_label="Status",
        topic_label="Reason",
        contact_order_label="Order #",
        message_label="How can we help?",
        case_confirmation="Case: {case}",
        return_entry="Return Item",
        return_submit="Submit",
        review_confirm="Confirm Return",
        reason_options=("Too big", "Faulty"),
        reason_required=False,
        mail_method="Ship it back with a prepaid label",
        dropoff_method="Drop off at a parcel locker",
        return_confirmation="Return #{rma}",
        label_link="Print Return Label",
        cookie_accept="Accept All",
        cookie_other="Reject All",
        promo_close="No, thanks",
        promo_close_text="No, thanks",
    ),
}


@pytest.fixture
def variant(shop: ShopServer, request: pytest.FixtureRequest) -> str:
    shop.add_region(VARIANTS[request.param])
    return request.param


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
