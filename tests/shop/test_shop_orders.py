"""Orders in the fixture shop: every seed status in both regions, tracking, Final Sale, 404."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from fixtures.regions import UK, US
from fixtures.server import ShopServer
from tests.support.people import OTHER

from .shop_helpers import Client, Visitor

# docs/architecture.md, "Orders of jane@example.com": number -> (US word, UK word).
SEED_WORDS = {
    "70001": ("Processing", "Pending"),
    "70002": ("Order Placed", "Order Received"),
    "70003": ("Shipped", "Dispatched"),
    "70004": ("Delivered", "Delivered"),
    "70005": ("Canceled", "Cancelled"),
    "70006": ("Return Started", "Return Requested"),
    "70007": ("Refunded", "Return Received"),
    "70008": ("Delivered", "Delivered"),
    "70009": ("Delivered", "Delivered"),
    "70010": ("Out for Delivery", "In Transit"),
    "70011": ("On Hold", "On Hold"),
    "70012": ("Delivered", "Delivered"),
}


def shown_status(visitor: Visitor) -> str:
    """The word a person reads next to the status label (dt/dd, th/td or "Status: ...")."""
    label = re.escape(visitor.region.status_label)
    # innerText, unlike textContent, keeps the line breaks and tabs a reader sees.
    found = re.search(rf"^{label}:?[ \t]*\n?[ \t]*(.+)$", visitor.main.inner_text(), re.M)
    assert found is not None, "no status label on the order page"
    return found.group(1).strip()


def test_every_seed_order_shows_its_status_word(visitor: Visitor) -> None:
    visitor.dismiss_interruptions()
    visitor.sign_in_directly()
    visitor.open_order_list()
    region = visitor.region
    column = 0 if visitor.prefix == "us" else 1
    for number in SEED_WORDS:
        name = region.order_link_format.format(number=region.display_number(number))
        expect(visitor.page.get_by_role("link", name=name, exact=True)).to_be_visible()
    for number, words in SEED_WORDS.items():
        visitor.goto_order(number)
        heading = region.order_heading_format.format(number=region.display_number(number))
        expect(visitor.page.get_by_role("heading", level=1)).to_have_text(heading)
        assert shown_status(visitor) == words[column], number


def test_order_links_use_the_region_numbering(visitor: Visitor) -> None:
    visitor.dismiss_interruptions()
    visitor.sign_in_directly()
    visitor.open_order_list()
    visitor.open_order("70003")
    expected = {"us": r"/us/account/orders/MK-70003$", "uk": r"/uk/my-account/order\?ref=70003$"}
    expect(visitor.page).to_have_url(re.compile(expected[visitor.prefix]))


def test_shipped_orders_show_tracking_and_final_sale_is_marked(us: Visitor) -> None:
    us.dismiss_interruptions()
    us.sign_in_directly()
    us.goto_order("70003")
    expect(us.main).to_contain_text(re.compile(r"Tracking Number\s*1Z4K7W070003"))
    us.goto_order("70004")
    item = us.page.get_by_role("listitem").filter(has_text="Runway Chronograph Watch")
    expect(item).to_contain_text("Final Sale")
    expect(
        us.page.get_by_role("listitem").filter(has_text="Logo Cashmere Scarf")
    ).not_to_contain_text("Final Sale")


def test_uk_status_is_plain_text_and_orders_are_cards(uk: Visitor) -> None:
    uk.dismiss_interruptions()
    uk.sign_in_directly()
    uk.open_order_list()
    card = uk.page.get_by_role("article").filter(has_text="Order 70010")
    expect(card).to_contain_text("Status: In Transit")
    uk.goto_order("70010")
    expect(uk.main).to_contain_text("Status: In Transit")
    expect(uk.main).to_contain_text("Tracking: KR700105512GB")
    expect(uk.main).to_contain_text("£395.00")


@pytest.mark.parametrize("region", [US, UK], ids=["us", "uk"])
def test_someone_elses_order_is_not_found(shop: ShopServer, client: Client, region) -> None:
    client.sign_in(region)
    assert client.get(region.order_url("70099")).status == 404
    assert client.get(region.order_url("70001")).status == 200
    assert client.get(region.order_url("79999")).status == 404
    other = Client(shop.url)
    other.sign_in(region, OTHER)
    assert other.get(region.order_url("70099")).status == 200
    assert other.get(region.order_url("70001")).status == 404


def test_someone_elses_order_is_a_404_page_in_the_browser(us: Visitor) -> None:
    us.dismiss_interruptions()
    us.sign_in_directly()
    response = us.page.goto(us.shop.url + US.order_url("70099"))
    assert response is not None and response.status == 404
    expect(us.page.get_by_role("heading", name="Page not found")).to_be_visible()


def test_set_status_takes_region_words_canonical_names_and_unknown_words(
    shop: ShopServer, client: Client
) -> None:
    client.sign_in(US)
    shop.set_status("us", "70001", "Shipped")
    assert shop.order_status("us", "70001") == {
        "key": "shipped",
        "canonical": "shipped",
        "word": "Shipped",
    }
    shop.set_status("uk", "70001", "shipped")
    assert shop.order_status("uk", "70001")["word"] == "Dispatched"
    shop.set_status("us", "MK-70002", "Awaiting Stock")
    assert shop.order_status("us", "70002")["canonical"] == "unknown"
    assert "Awaiting Stock" in client.get(US.order_url("70002")).text
    with pytest.raises(KeyError):
        shop.set_status("us", "12345", "Shipped")


def test_add_order_for_benchmarks(shop: ShopServer, client: Client) -> None:
    for n in range(20):
        shop.add_order("us", "bench@example.com", f"{80000 + n}", "Processing", items=["Tote"])
    shop.add_order(
        "us",
        "bench@example.com",
        "80100",
        "delivered",
        items=[{"name": "Belt", "price": 40.0, "final_sale": True}],
    )
    client.sign_in(US, "bench@example.com")
    listing = client.get(US.url("orders")).text
    assert all(f"Order #MK-{80000 + n}" in listing for n in range(20))
    assert "Final Sale" in client.get(US.order_url("80100")).text
