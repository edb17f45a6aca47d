"""Forms that a page's script rebuilds, empty, after load (the fixture shop's hydration variant).

The server-rendered form shows at once and takes typing, but its submit works only
once the script has replaced the form with a copy whose fields are empty. What was
typed before that is gone: the flows have to notice and type it again.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from playwright.sync_api import Page

from fixtures.regions import UK, US, Region
from fixtures.server import ShopServer
from flows.site import RetailerSite
from tests.support.people import JANE, PASSWORD, TOM, totp_code

from .shopper import OpenSite

# Soon after load (often while the agent is still typing), later, and much later.
HYDRATION_MS = [50, 700, 1_500]


def _hydrated(
    shop: ShopServer,
    base: Region,
    hydration_ms: int,
    pages: tuple[str, ...] | None = None,
    gap_ms: int | None = None,
) -> tuple[str, str]:
    """A variant whose forms are rebuilt by script (on ``pages`` only, when given), with
    no form at all for ``gap_ms`` in between when given."""
    prefix = f"hyd{base.prefix}{hydration_ms}" + (f"gap{gap_ms}" if gap_ms else "")
    variant = replace(
        base,
        prefix=prefix,
        hydration_ms=hydration_ms,
        hydration_pages=pages,
        hydration_gap_ms=gap_ms,
    )
    return prefix, shop.add_region(variant)


@pytest.mark.parametrize("base", [US, UK], ids=["us", "uk"])
@pytest.mark.parametrize("hydration_ms", HYDRATION_MS)
def test_signing_in_types_again_what_the_page_script_cleared(
    page: Page, shop: ShopServer, base: Region, hydration_ms: int
):
    prefix, url = _hydrated(shop, base, hydration_ms)
    site = RetailerSite(page, url)
    site.sign_in(JANE, PASSWORD)
    assert site.is_signed_in()
    assert [a["ok"] for a in shop.sign_in_attempts(prefix)] == [True]


@pytest.mark.parametrize("hydration_ms", HYDRATION_MS)
def test_the_second_step_code_is_typed_again_when_cleared(
    page: Page, shop: ShopServer, hydration_ms: int
):
    _prefix, url = _hydrated(shop, US, hydration_ms)
    site = RetailerSite(page, url)
    site.sign_in(TOM, PASSWORD, totp=totp_code)
    assert site.is_signed_in()
    assert site.open_order("71001").status == "processing"


def _cancellation_sent_in_full(site: RetailerSite, shop: ShopServer, prefix: str) -> None:
    """Jane asks for 70001's cancellation; the shop's inbox holds every field she gave."""
    order = site.open_order("70001")
    receipt = site.request_cancellation(
        order,
        name="Jane Shopper",
        email=JANE,
        reason="Ordered by mistake",
        message="Please cancel order 70001, I ordered it by mistake.",
    )
    assert receipt.reference
    [case] = shop.inbox(prefix)
    assert case["order"] == "70001"
    assert case["email"] == JANE
    assert case["name"] == "Jane Shopper"
    assert "by mistake" in case["message"]


@pytest.mark.parametrize("base", [US, UK], ids=["us", "uk"])
@pytest.mark.parametrize("hydration_ms", HYDRATION_MS)
def test_the_contact_form_is_sent_with_every_field_it_was_given(
    open_site: OpenSite, shop: ShopServer, base: Region, hydration_ms: int
):
    # Only the contact page: the sign-in before it is not what this test is about (the
    # site starts signed in: tests/flows/conftest.py).
    prefix, _url = _hydrated(shop, base, hydration_ms, pages=("contact",))
    _cancellation_sent_in_full(open_site(prefix), shop, prefix)


@pytest.mark.parametrize("base", [US, UK], ids=["us", "uk"])
def test_a_contact_form_that_is_gone_for_a_moment_is_waited_for(
    open_site: OpenSite, shop: ShopServer, base: Region
):
    # Once the first field is typed in, the script takes the form away and mounts its
    # own, empty, a second later: the agent finds the form back rather than giving up.
    prefix, _url = _hydrated(shop, base, 0, pages=("contact",), gap_ms=1_000)
    _cancellation_sent_in_full(open_site(prefix), shop, prefix)


@pytest.mark.parametrize("base", [US, UK], ids=["us", "uk"])
@pytest.mark.parametrize("hydration_ms", HYDRATION_MS)
def test_the_return_form_is_sent_with_the_items_reasons_and_method_chosen(
    open_site: OpenSite, shop: ShopServer, base: Region, hydration_ms: int
):
    # The return form's own page, or the order page that reveals it in place (the site
    # starts signed in: the sign-in page is not hydrated here).
    prefix, _url = _hydrated(shop, base, hydration_ms, pages=("order", "return"))
    site = open_site(prefix)
    order = site.open_order("70012")
    receipt = site.start_return(order)
    assert receipt.reference
    [started] = shop.returns(prefix)
    assert started["order"] == "70012"
    assert started["method"] == "mail"
