"""Fixtures for the flow tests: sites on the fixture shop, signed in or not."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest
from playwright.sync_api import Browser, Page

from fixtures.server import ShopServer
from flows import limits
from flows.limits import Limits
from flows.site import RetailerSite
from flows.vocabulary import DEFAULT_VOCABULARY, Vocabulary
from tests.support.people import JANE, PASSWORD
from tests.support.seeding import http_sign_in

from .shopper import OpenSite


@pytest.fixture
def open_site(page: Page, shop: ShopServer, request: pytest.FixtureRequest) -> OpenSite:
    """``open_site("us")``: a ``RetailerSite`` on a region, signed in as Jane unless told.

    Signed in over HTTP (``tests.support.seeding``), the session handed to the browser, which
    then opens the account page, where signing in through the pages lands too; through
    the pages for a test marked ``ui_sign_in``, or when the shop wants a second step.
    """
    through_pages = request.node.get_closest_marker("ui_sign_in") is not None

    def make(
        region: str = "us",
        *,
        email: str | None = JANE,
        vocabulary: Vocabulary = DEFAULT_VOCABULARY,
        remembered: dict[str, str] | None = None,
    ) -> RetailerSite:
        site = RetailerSite(
            page, shop.region_url(region), vocabulary=vocabulary, remembered=remembered
        )
        if email is None:
            return site
        cookies = [] if through_pages else http_sign_in(shop.shop.regions[region], shop, email)
        if cookies:
            page.context.add_cookies(cookies)  # type: ignore[arg-type]
            page.goto(shop.page_url(region, "account"))
        else:
            site.sign_in(email, PASSWORD)
        return site

    return make


@pytest.fixture
def quick_looks() -> Iterator[Limits]:
    """Looks of 1.5 s, not 5 (``ORDER_AGENT_LOOK_MS``), for a test whose look runs out on
    purpose: the negative path taken as it is, without the seconds of waiting."""
    before = limits.current()
    limits.use(replace(before, look_ms=1_500, optional_ms=500))
    try:
        yield limits.current()
    finally:
        limits.use(before)


@pytest.fixture(scope="module")
def markup_page(browser: Browser) -> Iterator[Page]:
    """One page for a module's small ``set_content`` checks."""
    context = browser.new_context()
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def reading_site(
    browser: Browser, shop_server: ShopServer
) -> Iterator[Callable[[str], RetailerSite]]:
    """Signed-in sites shared by a module's read-only tests (one sign-in per region)."""
    contexts = []
    sites: dict[str, RetailerSite] = {}

    def site_for(region: str) -> RetailerSite:
        if region not in sites:
            context = browser.new_context()
            contexts.append(context)
            site = RetailerSite(context.new_page(), shop_server.region_url(region))
            site.sign_in(JANE, PASSWORD)
            sites[region] = site
        return sites[region]

    yield site_for
    for context in contexts:
        context.close()
