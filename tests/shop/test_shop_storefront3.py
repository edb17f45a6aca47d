"""The third storefront (``/st/``, Magento 2 markup): what a person sees there, in a browser.

Driven with plain Playwright by roles, names, placeholders and visible text, the way a person
(or an agent that only knows the contract) would meet it.
"""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Locator, Page, expect
from pypdf import PdfReader

from fixtures.regions import ST
from fixtures.seed import PASSWORD
from fixtures.server import ShopServer

from .shop_helpers import JANE, Client, Visitor


@pytest.fixture
def st(page: Page, shop: ShopServer) -> Visitor:
    return Visitor(page, shop, "st").dismiss_interruptions()


def login_block(page: Page) -> Locator:
    return page.get_by_role("region", name="Registered Customers")


def register_block(page: Page) -> Locator:
    return page.get_by_role("region", name="New Customers")


def sign_in(st: Visitor) -> None:
    page = st.page
    st.home()
    page.get_by_role("link", name="Sign in", exact=True).click()
    form = login_block(page)
    form.get_by_label("Email", exact=True).fill(JANE)
    form.get_by_label("Password", exact=True).fill(PASSWORD)
    form.get_by_role("button", name="Sign In", exact=True).click()
    expect(page.get_by_role("heading", name="Welcome back, Jane Shopper")).to_be_visible()


def test_the_sign_in_entry_is_an_icon_named_sign_in_that_becomes_account(st: Visitor) -> None:
    page = st.page
    st.home()
    header = page.get_by_role("banner")
    entry = header.get_by_role("link", name="Sign in", exact=True)
    expect(entry).to_have_attribute("aria-label", "Sign in")
    expect(entry).to_have_text("")  # an icon: no visible words at all
    expect(header).to_contain_text("Default welcome msg!")

    sign_in(st)

    expect(header.get_by_role("link", name="Sign in", exact=True)).to_have_count(0)
    expect(header.get_by_role("link", name="Account", exact=True)).to_have_attribute(
        "aria-label", "Account"
    )
    expect(header).to_contain_text("Welcome, Jane Shopper!")
    # Signing out lives in the account navigation only, never in the header.
    expect(header.get_by_text(re.compile("sign out|log out", re.I))).to_have_count(0)
    nav = page.get_by_role("navigation", name="My Account")
    expect(nav.get_by_role("link", name="Sign Out", exact=True)).to_be_visible()
    st.home()
    expect(page.get_by_role("link", name="Sign Out")).to_have_count(0)
    page.get_by_role("link", name="Account", exact=True).click()
    page.get_by_role("link", name="Sign Out", exact=True).click()
    expect(page.get_by_role("banner").get_by_role("link", name="Sign in")).to_be_visible()


def test_the_login_page_holds_a_sign_in_form_and_a_register_form_side_by_side(
    st: Visitor, shop: ShopServer
) -> None:
    page = st.page
    st.goto("sign_in")
    expect(page.get_by_role("heading", name="Customer Login", level=1)).to_be_visible()
    # The same words label both forms' fields: only the block tells them apart.
    expect(page.get_by_label("Email", exact=True)).to_have_count(2)
    expect(page.get_by_label("Password", exact=True)).to_have_count(2)
    expect(register_block(page).get_by_label("Confirm Password")).to_be_visible()
    expect(register_block(page).get_by_role("button", name="Create an Account")).to_be_visible()

    register = register_block(page)
    register.get_by_label("Email", exact=True).fill(JANE)
    register.get_by_label("Password", exact=True).fill(PASSWORD)
    register.get_by_role("button", name="Create an Account").click()

    expect(register_block(page).get_by_role("alert")).to_contain_text(
        "There is already an account with this email address"
    )
    expect(page.get_by_role("banner").get_by_role("link", name="Sign in")).to_be_visible()
    assert shop.sign_in_attempts("st") == []  # the register form never signs anybody in


def test_a_wrong_password_is_called_incorrect(st: Visitor) -> None:
    page = st.page
    st.goto("sign_in")
    form = login_block(page)
    form.get_by_label("Email", exact=True).fill(JANE)
    form.get_by_label("Password", exact=True).fill("wrong")
    form.get_by_role("button", name="Sign In", exact=True).click()
    expect(login_block(page).get_by_role("alert")).to_contain_text(
        "The account sign-in was incorrect"
    )


def test_the_order_list_is_a_table_with_badges_and_icon_links(st: Visitor) -> None:
    page = st.page
    sign_in(st)
    page.get_by_role("navigation", name="My Account").get_by_role(
        "link", name="My Orders & Returns"
    ).click()
    expect(page.get_by_role("heading", name="My Orders", level=1)).to_be_visible()
    table = page.get_by_role("table", name="My Orders")
    expect(table.get_by_role("columnheader", name="Status")).to_be_visible()

    processing = table.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="000070001", exact=True)
    )
    expect(processing.get_by_role("cell").nth(3)).to_have_text("Being processed")
    link = processing.get_by_role("link", name="View order 70001", exact=True)
    expect(link).to_have_text("")  # an eye icon named only by its aria-label

    shipped = table.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="000070003", exact=True)
    )
    expect(shipped.get_by_text("Shipped", exact=True)).to_be_visible()
    expect(shipped.get_by_text("Processing", exact=True)).to_be_visible()

    link.click()
    expect(page.get_by_role("heading", name="Order # 000070001")).to_be_visible()


# The "ST badges" column of docs/architecture.md's seed table.
@pytest.mark.parametrize(
    ("number", "badges"),
    [
        ("70001", ["Being processed"]),
        ("70002", ["Pending"]),
        ("70003", ["Shipped", "Processing"]),
        ("70004", ["Delivered", "Complete"]),
        ("70005", ["Canceled"]),
        ("70006", ["Return Requested"]),
        ("70007", ["Refunded"]),
        ("70008", ["Delivered", "Complete"]),
        ("70009", ["Delivered", "Complete"]),
        ("70010", ["Out for Delivery", "Processing"]),
        ("70011", ["On Hold"]),
        ("70012", ["Delivered", "Complete"]),
    ],
)
def test_the_order_page_shows_the_status_as_unlabelled_badges_by_the_heading(
    st: Visitor, number: str, badges: list[str]
) -> None:
    page = st.page
    st.sign_in_directly()
    st.goto_order(number)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Order # 0000{number}")
    # The badges are the words right after the heading, before the page's buttons.
    beside = r"\s*".join([re.escape(f"Order # 0000{number}"), *map(re.escape, badges), "Reorder"])
    expect(st.main).to_contain_text(re.compile(beside))
    # No "Status" label anywhere: the badges are all there is.
    expect(st.main).not_to_contain_text(re.compile(r"\bstatus\b", re.I))


def test_a_delivered_order_lists_items_in_a_table_and_offers_a_return(st: Visitor) -> None:
    page = st.page
    st.sign_in_directly()
    st.goto_order("70004")
    items = page.get_by_role("region", name="Items Ordered").get_by_role("table")
    for column in ("Product Name", "SKU", "Price", "Qty", "Subtotal"):
        expect(items.get_by_role("columnheader", name=column)).to_be_visible()
    watch = items.get_by_role("row").filter(has_text="Runway Chronograph Watch")
    expect(watch).to_contain_text("Final Sale")
    expect(st.main).to_contain_text(f"Tracking Number: {ST.tracking_format.format(number='70004')}")
    expect(page.get_by_role("link", name="Return", exact=True)).to_be_visible()
    st.goto_order("70001")
    expect(page.get_by_role("link", name="Return", exact=True)).to_have_count(0)


def test_a_return_is_started_and_its_label_opens_in_a_new_tab(
    st: Visitor, shop: ShopServer
) -> None:
    page = st.page
    st.sign_in_directly()
    st.goto_order("70012")
    page.get_by_role("link", name="Return", exact=True).click()
    expect(page.get_by_role("heading", name="Create New Return", level=1)).to_be_visible()
    page.get_by_label("Charm Logo Keychain", exact=True).check()
    page.get_by_label("Reason to Return", exact=True).select_option("Other")
    expect(page.get_by_label("Quantity")).to_have_value("1")
    page.get_by_role("button", name="Submit", exact=True).click()

    number = st.return_number()
    assert re.fullmatch(r"000\d{6}", number)
    [started] = shop.returns("st")
    assert (started["return_number"], started["items"]) == (number, ["Charm Logo Keychain"])
    with page.expect_popup() as popup:
        page.get_by_role("link", name="Print Return Label", exact=True).click()
    label = PdfReader(io.BytesIO(page.request.get(popup.value.url).body())).pages[0]
    assert number in label.extract_text().replace(" ", "")

    st.goto_order("70012")
    expect(st.main).to_contain_text(re.compile(r"Order # 000070012\s*Return Requested\s*Reorder"))
    expect(page.get_by_role("link", name="Print Return Label", exact=True)).to_be_visible()


def test_contact_fields_are_named_only_by_placeholder_or_aria_label(
    st: Visitor, shop: ShopServer
) -> None:
    page = st.page
    st.home()
    page.get_by_role("contentinfo").get_by_role("link", name="Contact us | Help").click()
    expect(page.get_by_role("heading", name="Contact Us", level=1)).to_be_visible()
    form = page.locator("form").filter(has=page.get_by_role("button", name="Submit"))
    expect(form.locator("label")).to_have_count(0)  # not one visible label

    form.get_by_role("combobox", name="Subject").select_option("Cancel My Order")
    form.get_by_placeholder("Order # (e.g. 000070001)").fill("000070001")
    form.get_by_role("textbox", name="Email", exact=True).fill(JANE)
    form.get_by_placeholder("Name", exact=True).fill("Jane Shopper")
    expect(form.get_by_role("textbox", name="Phone Number")).to_have_value("")
    form.get_by_role("textbox", name="Your message").fill("Please cancel my order.")
    form.get_by_role("button", name="Submit", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text(
        re.compile(r"Your request number is \d{9}\.")
    )
    [case] = shop.inbox("st")
    assert (case["order"], case["topic"], case["name"]) == (
        "70001",
        "Cancel My Order",
        "Jane Shopper",
    )


def test_the_status_words_map_to_the_contracts_canonical_statuses(shop: ShopServer) -> None:
    assert shop.order_status("st", "70001") == {
        "key": "processing",
        "canonical": "processing",
        "word": "Being processed",
    }
    shop.set_status("st", "70002", "Being processed")
    assert shop.order_status("st", "#000070002")["canonical"] == "processing"
    shop.set_status("st", "70002", "shipped")
    assert shop.order_status("st", "70002")["word"] == "Shipped"


def test_the_storefront_is_built_in_and_listed_on_the_index(shop: ShopServer) -> None:
    assert shop.region_url("st") == f"{shop.url}/st/"
    assert shop.page_url("st", "order", order="000070001").endswith(
        "/st/sales/order/view/order_id/000070001"
    )
    index = Client(shop.url).get("/").text
    assert 'href="/st/"' in index
    client = Client(shop.url)
    client.sign_in(ST)
    assert client.get(ST.url("cases")).status == 404  # Magento has no support-requests page
