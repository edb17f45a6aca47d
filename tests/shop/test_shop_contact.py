"""Contact Us: cancellation requests reach the inbox, get a case number, show on the cases page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from fixtures.regions import US
from fixtures.server import ShopServer

from .shop_helpers import JANE, Client, Visitor

CASE_NUMBER = {
    "us": r"Thanks! Your case number is (CS-\d{6})\.",
    "uk": r"Your reference number: (REF-\d{5})",
}


def test_cancellation_request_gets_a_case_number_and_is_listed(
    visitor: Visitor, shop: ShopServer
) -> None:
    visitor.dismiss_interruptions()
    visitor.sign_in_directly()
    visitor.open_contact_form()
    visitor.fill_contact_form(order=f"#{visitor.region.display_number('70001')}", message="Cancel!")
    status = visitor.page.get_by_role("status")
    expect(status).to_contain_text(re.compile(CASE_NUMBER[visitor.prefix]))
    case = re.search(CASE_NUMBER[visitor.prefix], status.inner_text())
    assert case is not None
    [entry] = shop.inbox(visitor.prefix)
    assert entry["case"] == case.group(1)
    assert entry["order"] == "70001"
    assert entry["topic"] == visitor.region.cancel_option
    assert (entry["email"], entry["name"], entry["message"]) == (JANE, "Jane Shopper", "Cancel!")
    visitor.goto("cases")
    region = visitor.region
    expect(visitor.page.get_by_role("heading", name=region.support_page)).to_be_visible()
    expect(visitor.main).to_contain_text(case.group(1))
    expect(visitor.main).to_contain_text(region.display_number("70001"))
    expect(visitor.main).to_contain_text("Open")


def test_us_contact_link_lives_in_the_footer(us: Visitor) -> None:
    us.dismiss_interruptions()
    us.home()
    footer = us.page.get_by_role("contentinfo")
    expect(footer.get_by_role("link", name="Contact Us", exact=True)).to_be_visible()
    expect(us.page.get_by_text("1-800-555-0199")).to_be_visible()


def test_uk_contact_link_lives_behind_customer_service(uk: Visitor) -> None:
    uk.dismiss_interruptions()
    uk.home()
    expect(uk.page.get_by_role("link", name="Contact us")).to_have_count(0)
    uk.page.get_by_role("link", name="Customer Service").click()
    expect(uk.page.get_by_role("link", name="Contact us")).to_be_visible()
    expect(uk.main).to_contain_text("0800 555 0144")


def test_contact_form_validation_messages(us: Visitor, shop: ShopServer) -> None:
    us.dismiss_interruptions()
    us.open_contact_form()
    us.page.get_by_role("button", name="Submit").click()
    alert = us.page.get_by_role("alert")
    for message in (
        "Please choose a reason for contact.",
        "Please enter a valid email address.",
        "Please enter your first name.",
        "Please enter your last name.",
        "Please enter your message.",
    ):
        expect(alert).to_contain_text(message)
    us.fill_contact_form(order="MK-70099", message="Cancel someone else's order")
    expect(alert).to_have_text(
        "We couldn't find order MK-70099 for jane@example.com. Please check the order number."
    )
    expect(us.page.get_by_label("Message")).to_have_value("Cancel someone else's order")
    assert shop.inbox("us") == []


def test_other_topics_do_not_need_an_order_and_are_never_acted_on(
    shop: ShopServer, client: Client
) -> None:
    answer = client.contact(US, order="", topic="Product Question")
    assert "Your case number is CS-" in answer.text
    shop.advance(hours=2)
    [case] = shop.inbox("us")
    assert (case["order"], case["status"], case["reply"]) == ("", "Open", None)
