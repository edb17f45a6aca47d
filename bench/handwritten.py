"""The yardstick: a minimal hand-written Playwright script for ONE shop.

It does what ``order-agent cancel ORDER`` does for a processing order on the
fixture shop's US store (sign in, read the order's status, send the Contact Us
form asking to cancel, read the case number), the way someone would write it
for that single site: hard-coded URL paths and CSS selectors, no retries, no
ledger, no proof on disk, no saved session. It is the floor the agent is
measured against, not an example to follow: ``flows/`` must never look like this.

    ORDER_AGENT_PASSWORD=... python bench/handwritten.py --site URL --email E --order 80001

The password comes from the environment (never argv, which ``ps`` shows). It
prints one JSON line: ``{"order", "status", "reference"}`` (with several
``--order``: ``{"orders": [...]}``, signed in once); exit 1 when an order is not
processing or no case number came back. Each phase is one function
(``sign_in``, ``read_status``, ``fill_form``, ``submit``): ``bench.probe`` times
the script's Playwright calls by them.

Same Chromium and flags as the agent: ``agent.browser.find_browser`` /
``launch_options``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import Browser, Page, sync_playwright

from agent.browser import find_browser, launch_options

CASE_NUMBER = re.compile(r"case number is ([A-Z]+-\d+)")
REASON = "I no longer need it."


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", required=True, help="the US store's home page, .../us/")
    parser.add_argument("--email", required=True)
    parser.add_argument(
        "--order",
        required=True,
        action="append",
        help="order number without prefix, e.g. 80001; repeat it for a batch (one sign-in)",
    )
    parser.add_argument("--name", default="Jane Shopper")
    return parser.parse_args(argv)


def consent_cookies(site: str) -> list[dict[str, str]]:
    # Someone scripting one shop pre-sets its consent and promotion cookies
    # rather than clicking the dialogs away on every page.
    parts = urlsplit(site)
    origin = f"{parts.scheme}://{parts.netloc}"
    return [
        {"name": name, "value": value, "url": urljoin(origin, parts.path)}
        for name, value in (("kora_consent", "accepted"), ("kora_promo", "seen"))
    ]


def new_context(browser: Browser, site: str, storage: str | None = None) -> Page:
    """A fresh context (or one with a saved session), its consent cookies, one tab."""
    context = browser.new_context(storage_state=storage)
    context.add_cookies(consent_cookies(site))  # type: ignore[arg-type]
    return context.new_page()


def sign_in(page: Page, site: str, email: str, password: str) -> None:
    page.goto(urljoin(site, "account/login"))
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/account")


def read_status(page: Page, site: str, order: str) -> str:
    page.goto(urljoin(site, f"account/orders/MK-{order}"))
    return page.inner_text("dl.facts div:has(dt:text-is('Order Status')) dd").strip()


def fill_form(page: Page, site: str, order: str, email: str, name: str) -> None:
    first_name, _, last_name = name.partition(" ")
    page.goto(urljoin(site, "contact-us"))
    page.select_option("#topic", "Cancel an Order")
    page.fill("#order", f"MK-{order}")
    page.fill("#email", email)
    page.fill("#first_name", first_name)
    page.fill("#last_name", last_name)
    page.fill("#message", f"Please cancel my order MK-{order}. Reason: {REASON}")


def submit(page: Page) -> str:
    """Send the filled form; the case number the confirmation shows ("" when none)."""
    page.click("main form button[type=submit]")
    confirmation = page.locator("main p", has_text="case number is").inner_text()
    found = CASE_NUMBER.search(confirmation)
    return found.group(1) if found else ""


def cancel_on(page: Page, site: str, email: str, order: str, name: str) -> dict[str, str]:
    """One order on a signed-in tab: read its status, ask to cancel it if it is processing."""
    status = read_status(page, site, order)
    if status not in ("Processing", "Order Placed"):
        return {"order": order, "status": status, "reference": ""}
    fill_form(page, site, order, email, name)
    return {"order": order, "status": status, "reference": submit(page)}


def cancel(
    site: str, email: str, password: str, orders: Sequence[str], name: str
) -> list[dict[str, str]]:
    """Sign in once, then each order in turn, in one tab."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_options(find_browser()))  # type: ignore[arg-type]
        try:
            page = new_context(browser, site)
            sign_in(page, site, email, password)
            return [cancel_on(page, site, email, order, name) for order in orders]
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    password = os.environ.get("ORDER_AGENT_PASSWORD", "")
    if not password:
        print("handwritten: ORDER_AGENT_PASSWORD is missing", file=sys.stderr)
        return 2
    results = cancel(args.site, args.email, password, args.order, args.name)
    print(json.dumps(results[0] if len(results) == 1 else {"orders": results}))
    return 0 if all(result["reference"] for result in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
