"""Other ways in: when a page offers no control for a step, addresses that may lead there.

First the links on the page whose address says what the step needs ("/login",
"/account/orders", "/contact-us"), then addresses that big shop platforms use
for that step. Every one is only a candidate: ``Browsing.other_way_in`` loads it
(a GET, on the shop's own origin, a bounded number of them) and keeps the first
that shows what the step needs. The platforms the addresses come from are listed
in docs/shops.md; this module knows no shop and branches on none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from types import MappingProxyType
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page


class Destination(Enum):
    """Where a step needs to go."""

    SIGN_IN = "sign_in"
    ORDERS = "order_list"
    CONTACT = "contact"
    RETURNS = "returns"


# Words an address may hold for each destination, best first ("sign-in" is the words
# "sign" and "in" in a row, whatever stands between them).
PATH_WORDS: Mapping[Destination, tuple[str, ...]] = MappingProxyType(
    {
        Destination.SIGN_IN: ("login", "log-in", "signin", "sign-in", "authentication", "account"),
        Destination.ORDERS: ("orders", "order-history", "order-status", "history"),
        Destination.CONTACT: ("contact", "contact-us", "customer-service", "help"),
        Destination.RETURNS: ("returns", "return"),
    }
)

# Well-known addresses of the widely used shop platforms, per destination (sources in
# docs/shops.md, "Other ways in"). Tried relative to the site URL's own path first (a
# store under "/us/" or a channel prefix), then from the origin's root.
WELL_KNOWN_PATHS: Mapping[Destination, tuple[str, ...]] = MappingProxyType(
    {
        Destination.SIGN_IN: (
            "login",
            "account/login",
            "customer/account/login/",
            "my-account/",
            "accounts/login/",
            "login.php",
            "index.php?controller=authentication",
        ),
        Destination.ORDERS: (
            "orders",
            "account/orders",
            "account",
            "sales/order/history/",
            "my-account/orders/",
            "accounts/orders/",
            "account.php?action=order_status",
            "index.php?controller=history",
        ),
        Destination.CONTACT: (
            "contact",
            "contact-us",
            "pages/contact",
            "contact/",
            "contact-us/",
            "index.php?controller=contact",
        ),
        Destination.RETURNS: (
            "returns",
            "account/returns",
            "account.php?action=view_returns",
            "index.php?controller=order-follow",
        ),
    }
)

# Addresses never opened, whatever they say: a GET there changes something.
_NEVER = re.compile(
    r"log\W*out|sign\W*out|log\W*off|delete|remove|cancel|unsubscribe|logout", re.IGNORECASE
)

# At most this many addresses are tried for one step.
MAX_TRIES = 8

_HREFS = """() => [...document.querySelectorAll("a[href]")].map((a) => a.href)"""


def _tokens(url: str) -> list[str]:
    parts = urlsplit(url)
    return [t for t in re.split(r"[^a-z0-9]+", f"{parts.path} {parts.query}".lower()) if t]


def _says(tokens: Sequence[str], word: str) -> bool:
    wanted = [t for t in re.split(r"[^a-z0-9]+", word.lower()) if t]
    size = len(wanted)
    return any(list(tokens[i : i + size]) == wanted for i in range(len(tokens) - size + 1))


def same_origin(url: str, site_url: str) -> bool:
    here, site = urlsplit(url), urlsplit(site_url)
    return (here.scheme, here.netloc.lower()) == (site.scheme, site.netloc.lower())


def links_saying(hrefs: Iterable[str], site_url: str, destination: Destination) -> list[str]:
    """Same-origin links whose address holds a word of ``destination``, best word first."""
    words = PATH_WORDS[destination]
    scored: dict[str, int] = {}
    for href in hrefs:
        url = href.split("#", 1)[0]
        if not url or not same_origin(url, site_url) or _NEVER.search(url):
            continue
        tokens = _tokens(url)
        rank = next((i for i, word in enumerate(words) if _says(tokens, word)), None)
        if rank is not None and rank < scored.get(url, len(words)):
            scored[url] = rank
    return sorted(scored, key=lambda url: scored[url])


def well_known(site_url: str, destination: Destination) -> list[str]:
    """The platforms' addresses for ``destination``, under the site's path, then the root."""
    parts = urlsplit(site_url)
    base = site_url if parts.path.endswith("/") else site_url.rsplit("/", 1)[0] + "/"
    root = f"{parts.scheme}://{parts.netloc}/"
    urls = [urljoin(base, path) for path in WELL_KNOWN_PATHS[destination]]
    urls += [urljoin(root, path) for path in WELL_KNOWN_PATHS[destination]]
    return list(dict.fromkeys(urls))


def candidates(page: Page, site_url: str, destination: Destination) -> list[str]:
    """Addresses to try, in order, at most ``MAX_TRIES``; the page's own address left out."""
    try:
        hrefs = [str(h) for h in page.evaluate(_HREFS)]
    except PlaywrightError:
        hrefs = []
    here = page.url.split("#", 1)[0]
    found = links_saying(hrefs, site_url, destination) + well_known(site_url, destination)
    return [url for url in dict.fromkeys(found) if url != here][:MAX_TRIES]
