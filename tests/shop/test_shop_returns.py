"""Start a Return: item choice, reasons, method, review, return number and a real PDF label."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from fixtures.regions import UK, US
from fixtures.server import ShopServer
from tests.support.people import OTHER

from .shop_helpers import Client, Visitor

RETURN_NUMBER = {"us": r"RA-\d{6}", "uk": r"R\d{7}"}


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_us_return_on_a_new_page_with_an_attachment_label(us: Visitor, shop: ShopServer) -> None:
    us.dismiss_interruptions()
    us.sign_in_directly()
    us.goto_order("70012")
    us.open_return_form()
    expect(us.page).to_have_url(re.compile(r"/us/account/orders/MK-70012/return$"))
    us.choose_return_item("Charm Logo Keychain", "No longer needed")
    us.page.get_by_label("Return by mail (prepaid label)").check()
    us.page.get_by_role("button", name="Continue").click()
    expect(us.page.get_by_role("heading", name="Review your return")).to_be_visible()
    assert shop.returns("us") == []  # nothing happens before the review is confirmed
    us.page.get_by_role("button", name="Confirm Return").click()
    number = us.return_number()
    assert re.fullmatch(RETURN_NUMBER["us"], number)
    with us.page.expect_download() as download:
        us.label_control().click()
    assert download.value.suggested_filename == f"return-label-{number}.pdf"
    text = pdf_text(Path(download.value.path()).read_bytes())
    assert f"Return Authorization: {number}" in text
    assert "Order Number: MK-70012" in text
    [record] = shop.returns("us")
    assert (record["return_number"], record["order"], record["method"]) == (number, "70012", "mail")
    assert record["items"] == ["Charm Logo Keychain"]
    assert [d["return_number"] for d in shop.label_downloads("us")] == [number]
    # The order page now says so, and still offers the label.
    us.goto_order("70012")
    expect(us.main).to_contain_text(re.compile(r"Order Status\s*Return Started"))
    expect(us.label_control()).to_be_visible()
    expect(us.page.get_by_role("link", name="Start a Return")).to_have_count(0)


def test_uk_return_revealed_in_place_with_a_blob_label(uk: Visitor, shop: ShopServer) -> None:
    uk.dismiss_interruptions()
    uk.sign_in_directly()
    uk.goto_order("70004")
    form_item = uk.page.get_by_label("Sloan Quilted Leather Shoulder Bag")
    expect(form_item).to_be_hidden()
    uk.open_return_form()  # an <a role=button> that reveals the form on the same page
    expect(uk.page).to_have_url(re.compile(r"/uk/my-account/order\?ref=70004"))
    expect(form_item).to_be_visible()
    expect(uk.page.get_by_label("Runway Chronograph Watch")).to_be_disabled()  # Final Sale
    uk.choose_return_item("Sloan Quilted Leather Shoulder Bag", "Changed my mind")
    uk.choose_return_item("Logo Cashmere Scarf", "No longer wanted")
    uk.submit_return()
    number = uk.return_number()
    assert re.fullmatch(RETURN_NUMBER["uk"], number)
    expect(uk.main).to_contain_text("Status: Return Requested")
    with uk.page.expect_download() as download:
        uk.label_control().click()
    assert download.value.url.startswith("blob:")
    text = pdf_text(Path(download.value.path()).read_bytes())
    assert f"RMA: {number}" in text
    assert "Order Reference: 70004" in text
    [record] = shop.returns("uk")
    assert record["items"] == ["Sloan Quilted Leather Shoulder Bag", "Logo Cashmere Scarf"]


def test_new_tab_label_style(shop: ShopServer, page: Page) -> None:
    shop.add_region(replace(US, prefix="tab", label_style="new_tab", cookie_dialog=False))
    visitor = Visitor(page, shop, "tab").dismiss_interruptions()
    visitor.sign_in_directly()
    visitor.goto_order("70006")  # a seed return, label still offered
    with page.expect_popup() as popup:
        visitor.label_control().click()
    tab = popup.value
    expect(tab).to_have_url(re.compile(r"/tab/account/returns/RA-500006/label$"))
    response = page.request.get(tab.url)  # same cookies as the tab
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")
    text = pdf_text(response.body())
    assert "RA-500006" in text and "MK-70006" in text


def test_return_form_validation(us: Visitor, shop: ShopServer) -> None:
    us.dismiss_interruptions()
    us.sign_in_directly()
    us.goto_order("70004")
    us.open_return_form()
    us.page.get_by_role("button", name="Continue").click()
    alert = us.page.get_by_role("alert")
    expect(alert).to_contain_text("Please select at least one item to return.")
    expect(alert).to_contain_text("Please choose how you would like to return your items.")
    us.page.get_by_label("Logo Cashmere Scarf").check()
    us.page.get_by_role("button", name="Continue").click()
    expect(alert).to_contain_text("Please choose a reason for Logo Cashmere Scarf.")
    expect(us.page.get_by_label("Logo Cashmere Scarf")).to_be_checked()  # kept on the form
    assert shop.returns("us") == []


def test_drop_off_returns_get_a_number_but_no_label(uk: Visitor, shop: ShopServer) -> None:
    uk.dismiss_interruptions()
    uk.sign_in_directly()
    uk.goto_order("70012")
    uk.open_return_form()
    uk.choose_return_item("Charm Logo Keychain")
    uk.submit_return(method="drop_off")
    uk.return_number()
    expect(uk.label_control()).to_have_count(0)
    assert shop.returns("uk")[0]["method"] == "drop_off"


def test_outlet_order_return_is_refused_with_an_alert(visitor: Visitor, shop: ShopServer) -> None:
    visitor.dismiss_interruptions()
    visitor.sign_in_directly()
    visitor.goto_order("70009")
    visitor.open_return_form()
    expect(visitor.page.get_by_role("alert")).to_contain_text(
        "This outlet order is past its 14-day return window and cannot be returned online. "
        f"Please call {visitor.region.phone}"
    )
    expect(visitor.page.get_by_role("checkbox")).to_have_count(0)
    assert shop.returns(visitor.prefix) == []


def test_final_sale_only_order_has_nothing_to_return(us: Visitor, shop: ShopServer) -> None:
    us.dismiss_interruptions()
    us.sign_in_directly()
    us.goto_order("70008")
    us.open_return_form()
    for item in ("Sample Sale Silk Scarf", "Outlet Logo Belt"):
        expect(us.page.get_by_label(item)).to_be_disabled()
    us.page.get_by_label("Return by mail (prepaid label)").check()
    us.page.get_by_role("button", name="Continue").click()
    expect(us.page.get_by_role("alert")).to_have_text("Please select at least one item to return.")
    assert shop.returns("us") == []


@pytest.mark.parametrize("region", [US, UK], ids=["us", "uk"])
def test_forged_final_sale_or_foreign_items_are_never_returned(
    shop: ShopServer, client: Client, region
) -> None:
    client.sign_in(region)
    path = region.url("order_return", order=region.display_number("70004"))
    token = client.get(region.order_url("70004")).csrf()
    answer = client.post(
        path, {"csrf": token, "step": "confirm", "item": "3", "reason-3": "Other", "method": "mail"}
    )
    assert "Please select at least one item to return." in answer.text
    assert shop.returns(region.prefix) == []


def test_labels_belong_to_their_owner(shop: ShopServer, client: Client) -> None:
    client.sign_in(US)
    label = US.url("label", rma="RA-500006")
    own = client.get(label)
    assert own.status == 200 and own.headers["content-disposition"].startswith("attachment")
    other = Client(shop.url)
    other.sign_in(US, OTHER)
    assert other.get(label).status == 404
    assert client.get(US.url("label", rma="RA-999999")).status == 404
    assert len(shop.label_downloads("us")) == 1
