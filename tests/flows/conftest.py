"""Fixtures for the flow tests: sites on the fixture shop, signed in or not."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page

from fixtures.server import ShopServer
from flows.site import RetailerSite
from flows.vocabulary import DEFAULT_VOCABULARY, Vocabulary

from .shopper import JANE, PASSWORD, OpenSite


@pytest.fixture
def open_site(page: Page, shop: ShopServer) -> OpenSite:
    """``open_site("us")``: a ``RetailerSite`` on a region, signed in as Jane unless told."""

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
        if email is not None:
            site.sign_in(email, PASSWORD)
        return site

    return make


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
