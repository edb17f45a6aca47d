"""Pre-seeded data dirs: a saved session from an HTTP sign-in, the order list remembered.

Tests that are not about signing in need not pay for a sign-in through the shop's
pages (four page loads and a form, seconds a run). ``seed_data_dir`` signs in the
way a browser's form post would (urllib and a cookie jar, the page's CSRF token),
writes the cookie as Playwright storage state where the agent keeps its saved session
(``agent.session_vault.session_file``), and remembers the order list's URL in the ledger, as
an earlier run would have. The agent then takes its real saved-session path in a real
Chromium: straight to a remembered page, signing in through the pages only if the shop
says the session is gone. The shop forgets its sessions on ``reset()``, so a data dir
is seeded per test (a few milliseconds), not once per session.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.parse
import urllib.request
from pathlib import Path

from agent.session_vault import session_file
from agent.settings import load_settings
from fixtures.regions import Region
from fixtures.seed import PASSWORD
from fixtures.server import ShopServer
from flows.remembered import ORDER_LIST
from tests.support.ledgers import open_ledger

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # the 303 after signing in is the answer itself


def http_sign_in(
    region: Region, shop: ShopServer, email: str, password: str = PASSWORD
) -> list[dict]:
    """Sign in with a form post; the session as Playwright cookies (empty if refused)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirects())
    url = shop.url + region.url("sign_in")
    with opener.open(url, timeout=10) as answer:
        found = CSRF.search(answer.read().decode("utf-8", "replace"))
    if found is None:
        return []  # no sign-in form there (a bot check, a hostile page): nothing to seed
    form = urllib.parse.urlencode({"csrf": found.group(1), "email": email, "password": password})
    try:
        opener.open(url, data=form.encode(), timeout=10).close()
        return []  # 200: the form again, with an error
    except urllib.error.HTTPError as answer:
        if answer.code != 303 or region.url("two_step") in answer.headers.get("Location", ""):
            return []  # refused, or a second step to go: that is a sign-in test's business
    return [
        {
            "name": cookie.name,
            "value": cookie.value or "",
            "domain": cookie.domain,
            "path": cookie.path,
            "expires": -1,
            "httpOnly": True,
            "secure": False,
            "sameSite": "Lax",
        }
        for cookie in jar
    ]


def seed_data_dir(
    data_dir: Path, shop: ShopServer, region: str, email: str, password: str = PASSWORD
) -> bool:
    """Seed ``data_dir`` for ``email`` on ``region``; ``False`` when the shop refused the
    sign-in (the run then signs in through the pages, as it would have anyway)."""
    shown = shop.shop.regions[region]
    site_url = shop.region_url(region)
    cookies = http_sign_in(shown, shop, email, password)
    if not cookies:
        return False
    settings = load_settings(site_url=site_url, email=email, password=password, data_dir=data_dir)
    path = session_file(settings)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.write_text(json.dumps({"cookies": cookies, "origins": []}))
    path.chmod(0o600)
    with open_ledger(data_dir) as ledger:  # on the test's ledger backend
        ledger.remember_url(site_url, ORDER_LIST, shop.url + shown.url("orders"))
    return True


ORDER_COMMANDS = frozenset({"status", "cancel", "return"})


def seed_for_command(shop: ShopServer, argv: tuple[str, ...], env: dict[str, str]) -> bool:
    """Seed the data dir an ``order-agent ARGV`` process with ``env`` will use, when that
    is an order command as the seed's own account on one of the shop's regions, with the
    seed's password, and the data dir has no saved session yet; ``True`` if seeded."""
    site_url = env.get("ORDER_AGENT_SITE_URL", "")
    email, data_dir = env.get("ORDER_AGENT_EMAIL"), env.get("ORDER_AGENT_DATA_DIR")
    regions = [name for name in shop.shop.regions if shop.region_url(name) == site_url]
    if not (argv and argv[0] in ORDER_COMMANDS and regions and email and data_dir):
        return False
    if env.get("ORDER_AGENT_PASSWORD") != PASSWORD:
        return False  # a wrong one would count as a failed attempt; none is the test's point
    settings = load_settings(site_url=site_url, email=email, password=PASSWORD, data_dir=data_dir)
    if session_file(settings).is_file():
        return False
    return seed_data_dir(Path(data_dir), shop, regions[0], email)
