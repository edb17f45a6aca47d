"""The addresses a visit knows: those it remembers, and a site profile's start paths.

``RetailerSite.remembered`` holds the pages the engine found its way to once and goes
straight to the next time, under the names below (each order's page under
``"order:<number>"``); a profile's start paths (same names) are the way there when a
page offers no link or button for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from flows.findings import note_url

if TYPE_CHECKING:
    from flows.browsing import Browsing

ORDER_LIST = "order_list"
CONTACT = "contact"
SUPPORT_REQUESTS = "support_requests"
RETURN_REQUESTS = "return_requests"  # a shop's list of return requests ("Product Returns")
CHAT = "chat"  # the page the chat launcher was seen on; "" when it was not
# A start URL for signing in (from a site profile); not remembered, only a way in.
SIGN_IN = "sign_in"


def go_to_start(browsing: Browsing, start_urls: Mapping[str, str], name: str) -> bool:
    """Go to the profile's start URL for ``name`` (when the page offers no way there)."""
    url = start_urls.get(name)
    if not url or browsing.goto(url, ok_below=400) is None:
        return False
    browsing.check_page()
    note_url(name, url, "the profile's start path")
    return True
