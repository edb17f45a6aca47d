"""A look that fails on a busy page is retried; only a settled page without it is "not understood".

Busy: a navigation or requests under way, the document not complete, an interruption
over the page. The fixture shop's ``late_fetch`` makes every page's script fetch a path
once loaded (as a widget would); a ``slow`` fault on that path keeps the page busy.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from fixtures.regions import US, unguessable
from fixtures.server import ShopServer
from flows.browsing import Browsing
from flows.locating import look_ms, wait_visible
from flows.site import RetailerSite
from flows.vocabulary import DEFAULT_VOCABULARY
from ordercore.errors import SiteNotUnderstood, TransientError
from tests.support.people import JANE, PASSWORD

WIDGET = "/pages/shipping"  # any page of the region will do as the widget's source
LOADED = "document.body.getAttribute('data-late-fetched') === 'true'"


def _no_sign_in_link(shop: ShopServer, prefix: str, *, widget: bool = True) -> str:
    """A shop whose way in is named outside the contract ("Enter"), with a widget or not.

    Its addresses say nothing of where they lead, so that no other way in (a link whose
    address says "login", a platform's well-known path) reaches the form either.
    """
    paths = unguessable(US.paths)
    late_fetch = f"/{prefix}{WIDGET}" if widget else None
    return shop.add_region(
        replace(US, prefix=prefix, paths=paths, sign_in_link="Enter", late_fetch=late_fetch)
    )


@pytest.mark.usefixtures("quick_looks")  # the look runs out: that is the test
def test_a_control_missing_while_the_page_is_still_busy_is_a_transient_error(
    page: Page, shop: ShopServer
):
    url = _no_sign_in_link(shop, "busy")
    shop.fail(WIDGET, "slow", delay=30, region="busy")  # the widget never answers in time
    site = RetailerSite(page, url)
    with pytest.raises(TransientError) as raised:
        site.sign_in(JANE, PASSWORD)
    assert "could not find a sign-in link" in str(raised.value)
    assert "still busy" in str(raised.value)
    assert PASSWORD not in str(raised.value)


@pytest.mark.usefixtures("quick_looks")  # the look runs out: that is the test
def test_a_control_missing_from_a_settled_page_is_not_understood(page: Page, shop: ShopServer):
    # No widget: its fetch, however quick, can still be under way when a look runs out on
    # a machine busy with the rest of the suite, and then the page is rightly not settled.
    url = _no_sign_in_link(shop, "settled", widget=False)
    site = RetailerSite(page, url)
    with pytest.raises(SiteNotUnderstood) as raised:
        site.sign_in(JANE, PASSWORD)
    assert "could not find a sign-in link" in str(raised.value)
    assert not isinstance(raised.value, TransientError)


def test_a_page_is_settled_once_loaded_with_no_request_or_dialog_left(page: Page, shop: ShopServer):
    url = shop.add_region(replace(US, prefix="settle", late_fetch=f"/settle{WIDGET}"))
    shop.fail(WIDGET, "slow", delay=30, region="settle")
    browsing = Browsing(page, url, DEFAULT_VOCABULARY)  # no dialog handlers: nothing closes it
    browsing.goto(url)
    # The widget's request is held by the shop, and the cookie dialog is up.
    assert not browsing.page_is_settled()
    page.get_by_role("button", name=US.cookie_accept).click()
    assert not browsing.page_is_settled()  # the widget is still loading
    browsing.goto(url)  # the next page's widget is answered at once
    page.wait_for_function(LOADED)
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert browsing.page_is_settled()


def test_a_busy_page_that_ends_settled_still_signs_in(page: Page, shop: ShopServer):
    url = shop.add_region(replace(US, prefix="widget", late_fetch=f"/widget{WIDGET}"))
    site = RetailerSite(page, url)
    site.sign_in(JANE, PASSWORD)
    assert site.is_signed_in()


def test_a_page_replaced_during_a_look_gets_a_whole_look_of_its_own(page: Page, shop: ShopServer):
    """The sign-in page fails to load (no answer, twice: Chromium's own retry too).

    Chromium shows its error page, then reloads it by itself a moment later; the shop
    answers that reload a whole look later. The look began on the error page: the page
    that replaced it is looked at for a whole look of its own, and the form is seen. (A
    soak run on a busy machine once ended "could not find the sign-in form" this way.)
    """
    prefix = "reloaded"
    shop.add_region(replace(US, prefix=prefix))
    sign_in_path = US.paths.sign_in + "$"
    dropped = shop.fail(sign_in_path, "drop", times=2, region=prefix)
    reloaded = shop.fail(sign_in_path, "slow", delay=look_ms() / 1000, region=prefix)
    with pytest.raises(PlaywrightError, match="ERR_EMPTY_RESPONSE"):
        page.goto(shop.page_url(prefix, "sign_in"))
    assert wait_visible(page.get_by_label("Password"), look_ms())
    assert dropped.arrived.is_set() and reloaded.arrived.is_set()
