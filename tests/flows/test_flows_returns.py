"""Starting returns and keeping their labels: page and in-place forms, three label styles."""

from __future__ import annotations

import stat
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader

from fixtures.regions import UK, US
from fixtures.server import ShopServer
from ordercore.errors import LabelInvalid, ReturnRefused

from .shopper import OpenSite

SATCHEL_ORDER_ITEMS = ("Sloan Quilted Leather Shoulder Bag", "Logo Cashmere Scarf")


def _label_text(path: Path) -> str:
    return "".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.mark.parametrize(("region", "prefix"), [("us", "RA-"), ("uk", "R")])
def test_a_delivered_order_is_returned_by_mail_and_its_label_kept(
    open_site: OpenSite, shop: ShopServer, tmp_path: Path, region: str, prefix: str
):
    site = open_site(region)
    order = site.open_order("70004")
    receipt = site.start_return(order)
    [started] = shop.returns(region)
    assert receipt.reference == started["return_number"]
    assert receipt.reference.startswith(prefix)
    assert receipt.items == SATCHEL_ORDER_ITEMS == tuple(started["items"])
    assert started["method"] == "mail" and "mail" in (receipt.method or "").lower()
    # Every item got a reason from the preferred list.
    assert set(started["reasons"].values()) <= {"Changed my mind", "No longer needed",
                                                "No longer wanted", "Other"}  # fmt: skip
    dest = tmp_path / "labels" / f"{receipt.reference}.pdf"
    saved = site.download_label(dest, expect=[receipt.reference, order.number])
    assert saved == dest
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert receipt.reference in _label_text(dest)
    assert len(shop.label_downloads(region)) == 1
    assert site.open_order("70004").status.value == "return_started"


def test_a_label_opened_in_a_new_tab_is_fetched_with_the_session(
    open_site: OpenSite, shop: ShopServer, tmp_path: Path
):
    shop.add_region(replace(US, prefix="tab", label_style="new_tab"))
    site = open_site("tab")
    receipt = site.start_return(site.open_order("70012"))
    dest = tmp_path / "label.pdf"
    site.download_label(dest, expect=[receipt.reference])
    assert receipt.reference in _label_text(dest)
    assert site.page.context.pages == [site.page]  # the tab it opened is closed again


def test_the_label_of_an_earlier_return_comes_from_the_order_page(
    open_site: OpenSite, tmp_path: Path
):
    site = open_site("uk")
    order = site.open_order("70006")
    dest = site.download_label(tmp_path / "label.pdf", expect=[order.number])
    assert order.number in _label_text(dest)


def test_a_label_for_another_return_is_refused_and_not_kept(open_site: OpenSite, tmp_path: Path):
    site = open_site("us")
    site.open_order("70006")
    dest = tmp_path / "label.pdf"
    with pytest.raises(LabelInvalid):
        site.download_label(dest, expect=["RA-000000"])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("region", ["us", "uk"])
def test_only_the_items_asked_for_are_returned(open_site: OpenSite, shop: ShopServer, region: str):
    site = open_site(region)
    receipt = site.start_return(site.open_order("70004"), items=["cashmere SCARF"])
    assert receipt.items == ("Logo Cashmere Scarf",)
    assert shop.returns(region)[0]["items"] == ["Logo Cashmere Scarf"]


def test_a_final_sale_item_asked_for_is_refused(open_site: OpenSite, shop: ShopServer):
    site = open_site("us")
    with pytest.raises(ReturnRefused, match="Runway Chronograph Watch"):
        site.start_return(site.open_order("70004"), items=["Chronograph"])
    assert shop.returns("us") == []


@pytest.mark.parametrize("region", ["us", "uk"])
def test_an_order_of_final_sale_items_only_cannot_be_returned(
    open_site: OpenSite, shop: ShopServer, region: str
):
    site = open_site(region)
    with pytest.raises(ReturnRefused, match="can be returned") as raised:
        site.start_return(site.open_order("70008"))
    assert raised.value.phone
    assert shop.returns(region) == []


@pytest.mark.parametrize(("region", "phone"), [("us", US.phone), ("uk", UK.phone)])
def test_an_outlet_return_refused_by_the_site_carries_its_words_and_phone(
    open_site: OpenSite, shop: ShopServer, region: str, phone: str
):
    site = open_site(region)
    with pytest.raises(ReturnRefused, match="return window") as raised:
        site.start_return(site.open_order("70009"))
    assert raised.value.phone == phone
    assert shop.returns(region) == []


@pytest.mark.parametrize("region", ["us", "uk"])
def test_a_dry_run_return_fills_the_form_and_submits_nothing(
    open_site: OpenSite, shop: ShopServer, tmp_path: Path, region: str
):
    site = open_site(region)
    shot = tmp_path / "return.png"
    receipt = site.start_return(site.open_order("70012"), dry_run=True, screenshot=shot)
    assert receipt.reference is None and len(receipt.items) == 1
    assert shot.read_bytes().startswith(b"\x89PNG")
    assert shop.returns(region) == []


def test_a_return_submitted_with_confirm_and_no_review_step(open_site: OpenSite, shop: ShopServer):
    shop.add_region(replace(US, prefix="confirm", return_submit="Confirm", review_step=False))
    site = open_site("confirm")
    receipt = site.start_return(site.open_order("70012"))
    assert receipt.reference == shop.returns("confirm")[0]["return_number"]
