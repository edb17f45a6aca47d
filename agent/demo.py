"""``order-agent demo``: the agent at work on the fixture shop, with no configuration.

Starts the fixture shop on a free loopback port, then, as the demo shopper:
reads the status of a few orders, asks to cancel a processing order (Contact
Us, case number), and returns a delivered one (return number, label PDF).
Each run's proof lands in a folder of its own, ``./demo-data/runs/<UTC time>/`` (or under
``ORDER_AGENT_DEMO_DIR``), and ``demo-data/latest`` links to the newest: earlier runs stay.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from agent.output import StepPrinter, can_encode, render_human
from agent.settings import load_settings
from agent.settings_files import DEMO_DIR_ENV
from ordercore.errors import OrderAgentError
from ordercore.models import Action, CommandOptions, Result
from ordercore.order_numbers import normalise_order_number as normalize_order_number

DEMO_EMAIL = "jane@example.com"
DEMO_PASSWORD = "correct-horse-battery-staple"  # the fixture shop's public demo account
# The account holder's name as the shop knows it; guessed from the e-mail it would
# be "Jane", and a form asking for First + Last Name would get "Jane" twice.
DEMO_NAME = "Jane Shopper"

# (command, order, what it shows)
SCRIPT: tuple[tuple[str, str, str], ...] = (
    ("status", "70003", "an order in transit"),
    ("status", "MK-70005", "an order that is already cancelled"),
    ("cancel", "70001", "a processing order: cancellation through Contact Us"),
    ("cancel", "#70012", "a delivered order: a return with its prepaid label"),
)


RUNS = "runs"  # one folder per demo run, named after its UTC start time
LATEST = "latest"  # symlink to the newest run's folder


def _new_run_folder(base: Path) -> Path:
    """A fresh folder for this run under ``base/runs/``, and ``base/latest`` pointed at it."""
    from datetime import UTC, datetime

    runs = base / RUNS
    runs.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder, n = runs / stamp, 1
    while True:
        try:
            folder.mkdir(mode=0o700)
            break
        except FileExistsError:  # two runs in the same second
            n += 1
            folder = runs / f"{stamp}-{n}"
    # Relative, so the whole demo folder can be moved; swapped in with one rename.
    link, temporary = base / LATEST, base / f".{LATEST}.{os.getpid()}"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(Path(RUNS) / folder.name, target_is_directory=True)
    temporary.replace(link)
    return folder


def _banner(text: str) -> None:
    print(f"\n=== {text}", flush=True)


def main(data_dir: Path | None = None) -> int:
    from agent.runner import run
    from fixtures.server import ShopServer

    base = data_dir or Path(os.environ.get(DEMO_DIR_ENV, "demo-data")).resolve()
    # Each demo starts from a clean slate so its case and return are new; earlier runs stay.
    folder = _new_run_folder(base)
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
            name=DEMO_NAME,
            data_dir=folder,
            headless=True,
        )
        for command, order, what in SCRIPT:
            _banner(f"order-agent {command} {order}  ({what})")
            steps = StepPrinter(sys.stdout, enabled=True)
            try:
                number = normalize_order_number(order)  # as `order-agent` itself would
                result = run(command, number, CommandOptions(), settings, steps)
            except OrderAgentError as exc:
                print(f"order-agent: {exc}")
                return exc.exit_code
            results.append(result)
            print(render_human(result, ascii_only=ascii_only), flush=True)
        cancelled = next(r for r in results if r.action is Action.CANCELLATION_REQUESTED)
        returned = next(r for r in results if r.action is Action.RETURN_STARTED)
        inbox = shop.inbox("us")
    _banner("Where the proof is")
    print(f"Cancellation case {cancelled.reference} (the shop's inbox holds {len(inbox)} request)")
    _print_proof(cancelled)
    print(f"Return {returned.reference}")
    print(f"  label:      {returned.label}")
    _print_proof(returned)
    print(
        f"\nThis run's proof: {folder}\n"
        f"{base / LATEST} always points at the newest run; earlier runs stay in {base / RUNS}/."
    )
    return 0


def _print_proof(result: Result) -> None:
    """The receipt of ``result`` and the screenshot it names."""
    receipt = Path(str(result.details.get("receipt", "")))
    if not receipt.is_file():
        return
    print(f"  receipt:    {receipt}")
    kept = json.loads(receipt.read_text(encoding="utf-8"))
    if kept.get("form_screenshot"):
        print(f"  filled form: {kept['form_screenshot']}")
    if kept.get("screenshot"):
        print(f"  screenshot: {kept['screenshot']}")
