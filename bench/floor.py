"""The floor: the same cancellation with only the page loads it strictly needs.

A signed-in context from a saved session (``--storage``, made once beforehand by
``--sign-in-only``, not measured), then per order: the order's page (its status),
the contact form, the submit. No sign-in, no home page, no order list, no proof:
nothing a cancellation could do without. It shows how close the agent and the
hand-written script are to the limit of this machine (Python, Playwright's
driver, Chromium, three page loads an order).

    ORDER_AGENT_PASSWORD=... python bench/floor.py --site URL --email E --storage S --sign-in-only
    python bench/floor.py --site URL --email E --storage S --order 80001 [--order 80002 ...]

With ``--duties`` it is the floor of an agent with order-agent's duties, which the
script skips: the Support Requests page read before the form (a request already on
file is never sent again), a picture of the filled form and of the confirmation,
the session saved after; and, without ``--storage`` (a first run on a shop known
only by its address), signing in from the home page and finding the order through
the order list. Still hard-coded: no looking for anything, so it is what such an
agent cannot go below on this machine.

    ORDER_AGENT_PASSWORD=... python bench/floor.py --site URL --email E --duties --order 80001
    python bench/floor.py --site URL --email E --storage S --duties --order 80002

Hard-coded for the fixture shop's US store, like ``bench/handwritten.py``, whose
phase functions it reuses; same Chromium and flags as the agent.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import urljoin

from playwright.sync_api import Page, sync_playwright

from agent.browser import find_browser, launch_options
from bench.handwritten import cancel_on, fill_form, new_context, read_status, sign_in, submit


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", required=True, help="the US store's home page, .../us/")
    parser.add_argument("--email", required=True)
    parser.add_argument("--storage", help="the saved session (storage state)")
    parser.add_argument("--sign-in-only", action="store_true", help="sign in, save, stop")
    parser.add_argument(
        "--duties", action="store_true", help="also what order-agent must do (see above)"
    )
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


def sign_in_from_home(page: Page, site: str, email: str, password: str) -> None:
    """The home page first: a shop known only by its address shows its sign-in link there."""
    page.goto(site)
    sign_in(page, site, email, password)


def open_order(page: Page, site: str, order: str) -> str:
    """Through the order list: an unknown shop's order addresses are learnt there."""
    page.goto(urljoin(site, "account/orders"))
    return read_status(page, site, order)


def read_support_requests(page: Page, site: str) -> list[str]:
    """The shop's open requests, in one call: the order numbers already asked about."""
    page.goto(urljoin(site, "account/support-requests"))
    return page.locator("main table tr").all_inner_texts()


def picture(page: Page, folder: Path, what: str) -> None:
    """The viewport, kept on disk: the agent's proof of what it sent and what came back."""
    (folder / f"{what}.png").write_bytes(page.screenshot())


def keep_session(page: Page, folder: Path) -> None:
    """The signed-in session, kept for the next run (the agent's saved session)."""
    page.context.storage_state(path=str(folder / "session.json"))


def cancel_with_duties(
    site: str, email: str, password: str, storage: str | None, order: str, name: str
) -> dict[str, str]:
    with (
        sync_playwright() as playwright,
        tempfile.TemporaryDirectory(prefix="floor-proof-") as proof,
    ):
        folder = Path(proof)
        browser = playwright.chromium.launch(**launch_options(find_browser()))  # type: ignore[arg-type]
        try:
            page = new_context(browser, site, storage)
            if storage is None:
                sign_in_from_home(page, site, email, password)
                status = open_order(page, site, order)
            else:
                status = read_status(page, site, order)
            if status not in ("Processing", "Order Placed"):
                return {"order": order, "status": status, "reference": ""}
            requests = read_support_requests(page, site)
            if any(f"MK-{order}" in row for row in requests):
                return {"order": order, "status": status, "reference": ""}
            fill_form(page, site, order, email, name)
            picture(page, folder, "form")
            reference = submit(page)
            picture(page, folder, "confirmation")
            keep_session(page, folder)
            return {"order": order, "status": status, "reference": reference}
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    password = os.environ.get("ORDER_AGENT_PASSWORD", "")
    if not password and (args.sign_in_only or (args.duties and args.storage is None)):
        print("floor: ORDER_AGENT_PASSWORD is missing", file=sys.stderr)
        return 2
    if args.storage is None and not args.duties:
        print("floor: give --storage (or --duties, which then signs in)", file=sys.stderr)
        return 2
    if args.sign_in_only:
        save_session(args.site, args.email, password, args.storage)
        return 0
    if not args.order:
        print("floor: give at least one --order", file=sys.stderr)
        return 2
    if args.duties:
        if len(args.order) != 1:
            print("floor: --duties takes one --order", file=sys.stderr)
            return 2
        result = cancel_with_duties(
            args.site, args.email, password, args.storage, args.order[0], args.name
        )
        print(json.dumps(result))
        return 0 if result["reference"] else 1
    results = cancel(args.site, args.email, args.storage, args.order, args.name)
    print(json.dumps(results[0] if len(results) == 1 else {"orders": results}))
    return 0 if all(result["reference"] for result in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
