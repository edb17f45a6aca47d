"""What one page load can tell about several orders at once (scheduled batches).

A batch of due orders would otherwise load the order list once per order only to
follow each order's link. One look at the list gives every listed order's address;
``RetailerSite.open_order`` then goes straight there (and still checks that the page
is that order's, falling back to the list when it is not).
"""

from __future__ import annotations

from collections.abc import Sequence

from playwright.sync_api import Error as PlaywrightError

from flows.matching import order_number_core
from flows.order_pages import OrderListPage
from flows.politeness import origin_pattern
from flows.site import RetailerSite

# Where a link points, resolved against the page (a button has none).
_ADDRESSES_OF = "links => links.map(link => link.href || '')"


def remembered_order_name(number: str) -> str:
    """The name ``RetailerSite.open_order`` remembers an order's page under."""
    return f"order:{order_number_core(number)}"


def order_addresses(site: RetailerSite, numbers: Sequence[str]) -> dict[str, str]:
    """One look at the order list: the address of each of ``numbers`` it links to.

    Keyed by :func:`remembered_order_name`. An order the list does not show, shows
    as a button, or links to two different places (or off the shop) is left out:
    ``open_order`` finds it the usual way.
    """
    site.visible_order_numbers()  # loads the list, unless this page is the list already
    listing = OrderListPage(site.page, site.words)
    on_the_shop = origin_pattern(site.site_url)
    found: dict[str, str] = {}
    for number in numbers:
        try:
            hrefs = listing.order_link(number).evaluate_all(_ADDRESSES_OF)
        except PlaywrightError:
            continue
        addresses = {str(href) for href in hrefs if on_the_shop.match(str(href))}
        if len(addresses) == 1:
            found[remembered_order_name(number)] = addresses.pop()
    return found
