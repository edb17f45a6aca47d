"""The floor: the same cancellation with only the page loads it strictly needs.

A signed-in context from a saved session (``--storage``, made once beforehand by
``--sign-in-only``, not measured), then per order: the order's page (its status),
the contact form, the submit. No sign-in, no home page, no order list, no proof:
nothing a cancellation could do without. It shows how close the agent and the
hand-written script are to the limit of this machine (Python, Playwright's
driver, Chromium, three page loads an order).

    ORDER_AGENT_PASSWORD=... python bench/floor.py --site URL --email E --storage S --sign-in-only
    python bench/floor.py --site URL --email E --storage S --order 80001 [--order 80002 ...]

Hard-coded for the fixture shop's US store, like ``bench/handwritten.py``, whose
phase functions it reuses; same Chromium and flags as the agent.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from playwright.sync_api import sync_playwright

from agent.browser import find_browser, launch_options
from bench.handwritten import cancel_on, new_context, sign_in


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", required=True, help="the US store's home page, .../us/")
    parser.add_argument("--email", required=True)
    parser.add_argument("--storage", required=True, help="the saved session (storage state)")
    parser.add_argument("--sign-in-only", action="store_true", help="sign in, save, stop")
    parser.add_argument("--order", action="append", default=[], help="order number, e.g. 80001")
    parser.add_argument("--name", default="Jane Shopper")
    return parser.parse_args(argv)


def save_session(site: str, email: str, password: str, storage: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_options(find_browser()))  # type: ignore[arg-type]
        try:
            page = new_context(browser, site)
            sign_in(page, site, email, password)
            page.context.storage_state(path=storage)
        finally:
            browser.close()


def cancel(
    site: str, email: str, storage: str, orders: list[str], name: str
) -> list[dict[str, str]]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_options(find_browser()))  # type: ignore[arg-type]
        try:
            page = new_context(browser, site, storage)
            return [cancel_on(page, site, email, order, name) for order in orders]
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.sign_in_only:
        password = os.environ.get("ORDER_AGENT_PASSWORD", "")
        if not password:
            print("floor: ORDER_AGENT_PASSWORD is missing", file=sys.stderr)
            return 2
        save_session(args.site, args.email, password, args.storage)
        return 0
    if not args.order:
        print("floor: give at least one --order", file=sys.stderr)
        return 2
    results = cancel(args.site, args.email, args.storage, args.order, args.name)
    print(json.dumps(results[0] if len(results) == 1 else {"orders": results}))
    return 0 if all(result["reference"] for result in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
