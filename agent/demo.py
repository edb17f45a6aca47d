"""``order-agent demo``: the agent at work on the fixture shop, with no configuration.

Starts the fixture shop on a free loopback port, then, as the demo shopper:
reads the status of a few orders, asks to cancel a processing order (Contact
Us, case number), and returns a delivered one (return number, label PDF).
Proof lands in ``./demo-data`` (or ``ORDER_AGENT_DEMO_DIR``).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from agent.errors import OrderAgentError
from agent.models import CommandOptions, Result
from agent.output import StepPrinter, can_encode, render_human
from agent.settings import load_settings

DEMO_EMAIL = "jane@example.com"
DEMO_PASSWORD = "correct-horse-battery-staple"  # the fixture shop's public demo account
DEMO_DIR_ENV = "ORDER_AGENT_DEMO_DIR"

# (command, order, what it shows)
SCRIPT: tuple[tuple[str, str, str], ...] = (
    ("status", "70003", "an order in transit"),
    ("status", "MK-70005", "an order that is already cancelled"),
    ("cancel", "70001", "a processing order: cancellation through Contact Us"),
    ("cancel", "#70012", "a delivered order: a return with its prepaid label"),
)


def _banner(text: str) -> None:
    print(f"\n=== {text}", flush=True)


def main(data_dir: Path | None = None) -> int:
    from agent.runner import run
    from fixtures.server import ShopServer

    folder = data_dir or Path(os.environ.get(DEMO_DIR_ENV, "demo-data")).resolve()
    # Each demo starts from a clean slate so its case and return are new.
    shutil.rmtree(folder, ignore_errors=True)
    ascii_only = not can_encode(sys.stdout, "✓…✗•")
    results: list[Result] = []
    with ShopServer(control=False, clock_speed=0.0) as shop:
        site_url = shop.region_url("us")
        print(f"Fixture shop (Maison Kora, US store) at {site_url}")
        print(f"Signing in as {DEMO_EMAIL}; proof goes to {folder}")
        settings = load_settings(
            site_url=site_url,
            email=DEMO_EMAIL,
            password=DEMO_PASSWORD,
            data_dir=folder,
            headless=True,
        )
        for command, order, what in SCRIPT:
            _banner(f"order-agent {command} {order}  ({what})")
            steps = StepPrinter(sys.stdout, enabled=True)
            try:
                result = run(command, order.lstrip("#"), CommandOptions(), settings, steps)
            except OrderAgentError as exc:
                print(f"order-agent: {exc}")
                return exc.exit_code
            results.append(result)
            print(render_human(result, ascii_only=ascii_only), flush=True)
        case = next(r.reference for r in results if r.action.value == "cancellation_requested")
        returned = next(r for r in results if r.label)
        inbox = shop.inbox("us")
    _banner("Where the proof is")
    print(f"Cancellation case {case} (the shop's inbox now holds {len(inbox)} request)")
    print(f"Return {returned.reference}: label {returned.label}")
    print(f"Receipts and screenshots: {folder / 'orders'}")
    return 0
