"""Recognition on shop variants the way real shops bend the contract's words (issue #10).

Each test mounts a variant of the US store with ``ShopServer.add_region``: contract
phrases inside longer names beside names with another intent, an icon-only account
link, statuses shown as unlabelled badges or only in the order list, and ways in
that exist only as addresses.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from fixtures.regions import US, Paths
from fixtures.server import ShopServer
from flows.locating import best_of, button, control, labelled
from flows.order_pages import OrderPage
from flows.recognition import Step, name_pattern
from flows.site import RetailerSite
from flows.vocabulary import DEFAULT_VOCABULARY as V
from ordercore.models import OrderStatus
from tests.support.people import JANE, PASSWORD

from .shopper import OpenSite

pytestmark = pytest.mark.ui_sign_in  # the ways in include the sign-in entry


def test_the_way_in_is_the_best_named_not_the_first(open_site: OpenSite, shop: ShopServer):
    # Third-party sign-ins come first in the header; the shop's own way in reads
    # "Hello, sign in" (the phrase inside), and the form's button "Sign in to your account".
    shop.add_region(
        replace(
            US,
            prefix="rank",
            extra_header_links=("Sign in with Google", "Continue with Apple", "Create account"),
            sign_in_link="Hello, sign in",
            sign_in_submit="Sign in to your account",
            order_list_link="View order history",
            contact_link="Contact us | Help centre",
            return_entry="Request a return for this order",
            label_link="Download your return label",
        )
    )
    site = open_site("rank")
    assert site.is_signed_in()
    [attempt] = shop.sign_in_attempts("rank")
    assert attempt["email"] == JANE
    order = site.open_order("70001")
    assert order.status is OrderStatus.PROCESSING
    receipt = site.request_cancellation(
        order, name="Jane Shopper", email=JANE, reason="Changed my mind", message="Cancel it."
    )
    [case] = shop.inbox("rank")
    assert receipt.reference == case["case"]
    delivered = site.open_order("70012")
    assert delivered.return_available and not delivered.label_available


def test_an_icon_account_link_is_a_sign_of_being_signed_in(page, shop: ShopServer):
    # The header's icon link turns from aria-label "Sign in" into "Account"; "Log out"
    # exists only on the account page. Signing in still answers, and the way is found.
    shop.add_region(
        replace(
            US,
            prefix="icon",
            account_icon=True,
            sign_in_link="Sign in",
            account_icon_label="My account",
            sign_out_placement="account",
            sign_out="Log out",
        )
    )
    site = RetailerSite(page, shop.region_url("icon"))
    site.sign_in(JANE, PASSWORD)
    # Back on the home page the only sign is the account icon (no "Log out" there).
    page.goto(shop.region_url("icon"))
    assert page.get_by_role("link", name="Log out").count() == 0
    assert site.is_signed_in()
    assert site.open_order("70003").status is OrderStatus.SHIPPED


def test_an_icon_sign_in_link_is_the_way_in(page, shop: ShopServer):
    shop.add_region(replace(US, prefix="icon2", account_icon=True, sign_in_link="Sign in"))
    site = RetailerSite(page, shop.region_url("icon2"))
    assert not site.is_signed_in()
    site.sign_in(JANE, PASSWORD)
    assert site.is_signed_in()


def test_unlabelled_badges_beside_the_order_heading_are_read_together(
    open_site: OpenSite, shop: ShopServer
):
    # Shipment and order statuses as two badges next to "Order #MK-70003", no label.
    shop.add_region(
        replace(
            US,
            prefix="badges",
            status_layout="badges",
            second_status_words={
                "shipped": "Processing",
                "delivered": "Completed",
                "cancelled": "Paid",
                "placed": "Completed",
            },
        )
    )
    site = open_site("badges")
    shipped = site.open_order("70003")
    assert (shipped.status, shipped.raw_status) == (OrderStatus.SHIPPED, "Shipped / Processing")
    delivered = site.open_order("70004")
    assert (delivered.status, delivered.raw_status) == (
        OrderStatus.DELIVERED,
        "Delivered / Completed",
    )
    cancelled = site.open_order("70005")
    assert cancelled.status is OrderStatus.CANCELLED
    # "Order Placed" + "Completed": a pair the table does not settle.
    placed = site.open_order("70002")
    assert (placed.status, placed.raw_status) == (OrderStatus.UNKNOWN, "Order Placed / Completed")
    # One badge alone is read too.
    assert site.open_order("70001").status is OrderStatus.PROCESSING


def test_a_status_shown_only_in_the_order_list_is_read_from_the_orders_row(
    open_site: OpenSite, shop: ShopServer
):
    shop.add_region(replace(US, prefix="listonly", status_layout="list"))
    site = open_site("listonly")
    order = site.open_order("70010")
    assert (order.status, order.raw_status) == (OrderStatus.SHIPPED, "Out for Delivery")
    held = site.open_order("70011")
    assert (held.status, held.raw_status) == (OrderStatus.UNKNOWN, "On Hold")


def test_links_whose_address_says_where_they_go_are_a_way_in(open_site: OpenSite, shop: ShopServer):
    # The sign-in and order-list links have no name at all (an empty <a>): their
    # addresses ("/account/login", "/account/orders") still say where they lead.
    shop.add_region(replace(US, prefix="bypath", sign_in_link="", order_list_link=""))
    remembered: dict[str, str] = {}
    site = open_site("bypath", remembered=remembered)
    assert site.is_signed_in()
    assert site.open_order("70001").status is OrderStatus.PROCESSING
    assert remembered["sign_in"] == shop.page_url("bypath", "sign_in")
    assert remembered["order_list"] == shop.page_url("bypath", "orders")


def test_well_known_platform_addresses_are_a_way_in(open_site: OpenSite, shop: ShopServer):
    # No page links to sign-in, the order list or Contact Us; they live where a widely
    # used platform puts them.
    paths = replace(
        Paths(),
        sign_in="/customer/account/login/",
        orders="/sales/order/history/",
        contact="/contact/",
    )
    shop.add_region(
        replace(US, prefix="known", paths=paths, unlinked=("sign_in", "orders", "contact"))
    )
    remembered: dict[str, str] = {}
    site = open_site("known", remembered=remembered)
    assert site.is_signed_in()
    order = site.open_order("70001")
    assert order.status is OrderStatus.PROCESSING
    receipt = site.request_cancellation(
        order, name="Jane Shopper", email=JANE, reason="Changed my mind", message="", dry_run=True
    )
    assert receipt.reference is None and receipt.fields
    assert remembered["sign_in"] == shop.page_url("known", "sign_in")
    assert remembered["order_list"] == shop.page_url("known", "orders")
    # "/contact" answers as "/contact/" does: the first that worked is kept.
    assert remembered["contact"].rstrip("/") == shop.page_url("known", "contact").rstrip("/")
    # Nothing but GETs to the shop's own pages: one sign-in, no request sent.
    assert len(shop.sign_in_attempts("known")) == 1 and not shop.inbox("known")


def test_an_account_icon_that_leads_to_the_sign_in_form_is_a_way_in(page, shop: ShopServer):
    # Signed out, the header's only control is an icon named "Account": it leads to the
    # sign-in form, and being on that form is not taken for being signed in.
    shop.add_region(
        replace(US, prefix="acct", account_icon=True, sign_in_link="Account", sign_out="Log out")
    )
    site = RetailerSite(page, shop.region_url("acct"))
    site.sign_in(JANE, PASSWORD)
    [attempt] = shop.sign_in_attempts("acct")
    assert attempt["ok"]
    assert site.open_order("70001").status is OrderStatus.PROCESSING


# -- ranking on a page of its own (one page for these small checks) ---------------------------

_RANKED_PAGE = """
<header><nav>
  <a href="#g">Sign in with Google</a>
  <a href="#hello">Hello, sign in</a>
  <a href="#start">Sign in or register</a>
  <a href="#whole">Sign in</a>
  <a href="#hidden" style="display:none">Sign In</a>
  <a href="#contact-top">Contact us</a>
  <a href="#acct" aria-label="My account"><svg width="16" height="16"></svg></a>
</nav></header>
<main>
  <a href="#main-sign-in">Sign in</a>
  <form>
    <input type="email" placeholder="Email address">
    <input type="password" aria-label="Password">
    <input type="password" aria-label="Confirm password">
    <button>Continue with Apple</button>
    <button>Sign in</button>
  </form>
</main>
<footer><a href="#contact-bottom">Contact us</a></footer>
"""


def test_candidates_are_ranked_by_fit_visibility_and_landmark(markup_page):
    markup_page.set_content(_RANKED_PAGE)
    href = "(el) => el.getAttribute('href')"
    way_in = best_of(
        control(markup_page, V.sign_in_entry, Step.SIGN_IN), V.sign_in_entry, Step.SIGN_IN
    )
    # Whole name, visible, in the header: not Google's, not "Hello, sign in", not main's.
    assert way_in.evaluate(href) == "#whole"
    help_link = best_of(
        control(markup_page, V.contact_links, Step.HELP), V.contact_links, Step.HELP
    )
    assert help_link.evaluate(href) == "#contact-bottom"
    account = best_of(
        control(markup_page, V.account_menu, Step.ACCOUNT), V.account_menu, Step.ACCOUNT
    )
    assert account.evaluate(href) == "#acct"
    submit = best_of(
        button(markup_page, V.sign_in_submit, Step.SIGN_IN), V.sign_in_submit, Step.SIGN_IN
    )
    assert submit.inner_text() == "Sign in"
    # Fields named only by a placeholder or an aria-label; "Confirm password" is another field.
    assert labelled(markup_page, V.email_labels, Step.EMAIL).count() == 1
    assert labelled(markup_page, V.password_labels, Step.PASSWORD).count() == 1


def test_every_labelled_status_on_the_order_page_is_read_and_combined(markup_page):
    markup_page.set_content(
        "<main><h1>Order #10001</h1>"
        "<dl><dt>Shipment status</dt><dd>Delivered</dd>"
        "<dt>Payment Status</dt><dd>Paid</dd></dl>"
        "<p>Your order status: <strong>Completed</strong></p></main>"
    )
    read = OrderPage(markup_page, V).read_status("10001")
    assert read is not None
    assert (read.raw, read.status) == ("Delivered / Paid / Completed", OrderStatus.DELIVERED)


def test_the_page_reads_every_name_pattern_as_python_does(markup_page):
    # Playwright hands name patterns to the page: JavaScript must agree with Python on
    # every real-world name of the unit table.
    from tests.unit.test_recognition import NAMES

    rows = [[name_pattern(phrases, step).pattern, name] for name, phrases, step, _, _ in NAMES]
    in_page = markup_page.evaluate(
        "(rows) => rows.map(([source, name]) => new RegExp(source, 'i').test(name))", rows
    )
    assert in_page == [taken for _, _, _, taken, _ in NAMES]
