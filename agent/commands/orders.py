"""The one-shot order commands: ``status``, ``cancel``, ``return``.

Each signs in once, reads the order, decides and (unless ``status`` or
``--dry-run``) acts, in a real browser; the runner does the work.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from agent.channels import channel_choices
from agent.commands.base import (
    ORDER_HELP,
    PROG,
    ItemName,
    Reason,
    ascii_only,
    bind_run,
    command_setup,
    epilog,
    invocation,
    json_option,
    order_argument,
    print_json_text,
    trace_option,
    verbose_option,
    working_on,
)
from agent.commands.exit_codes import EXIT_CODE_BY_OUTCOME, EXIT_INTERRUPTED
from agent.output import render_human, render_json
from ordercore.errors import EXIT_ERROR, EXIT_NEEDS_HUMAN, EXIT_OK, EXIT_TRY_LATER, EXIT_USAGE
from ordercore.models import CommandOptions

if TYPE_CHECKING:
    from agent.output import StepPrinter
    from agent.settings import Settings
    from ordercore.models import Result

# Every outcome of a run in a browser can end a one-shot command.
ORDER_EXIT_CODES = (
    EXIT_OK,
    EXIT_TRY_LATER,
    EXIT_NEEDS_HUMAN,
    EXIT_USAGE,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
)
DRY_RUN_HELP = "Look and decide, fill in every form, send nothing (a screenshot shows the form)."


def chosen_options(
    *, json_output: bool, reason: str | None = None, **chosen: Any
) -> CommandOptions:
    """What the shopper chose on the command line, as the runner takes it (the options a
    command has: ``--reason``, ``--dry-run``, ``--item`` ...; an empty reason is none)."""
    return CommandOptions(reason=reason or None, json=json_output, **chosen)


def run_order_command(
    command: str, order_text: str, options: CommandOptions, *, verbose: bool
) -> int:
    order = working_on(order_text)
    assert order is not None
    # Settings problems must surface here, before any browser starts.
    settings, steps = command_setup(
        json_output=options.json, verbose=verbose, require_credentials=True
    )
    bind_run(command, order)
    invocation().on_interrupt = _on_interrupt(settings, order, datetime.now(UTC))
    # On a terminal, the live line is up before the runner (and Playwright) even loads.
    steps.progress("Starting the browser")

    from agent.runner import run  # Playwright is imported only by commands that need it

    result: Result = run(command, order, options, settings, steps)
    if options.print_label:
        _print_label(result, steps)
    if options.json:
        print_json_text(render_json(result))
    else:
        from agent.terminal import colour_wanted

        colour = colour_wanted(sys.stdout)
        print(render_human(result, ascii_only=ascii_only(), colour=colour), flush=True)
    return EXIT_CODE_BY_OUTCOME[result.outcome]


def _on_interrupt(settings: Settings, order: str, began: datetime) -> Callable[[], list[str]]:
    """What Ctrl-C or SIGTERM left behind, read back from the ledger (not assumed)."""

    def explain() -> list[str]:
        from agent.ledger import LEDGER_FILENAME, IntentState, Ledger, OrderKey

        database_url = settings.database_url_text()
        if database_url is None and not (settings.data_dir / LEDGER_FILENAME).is_file():
            return ["interrupted before anything was sent"]
        assert settings.site_url and settings.email
        key = OrderKey(settings.site_url, settings.email, order)
        with Ledger.open(settings.data_dir, database_url=database_url) as ledger:
            intents = [i for i in ledger.intents(key) if i.started_at >= began]
        if any(i.state not in (IntentState.SENT, IntentState.NOT_SENT) for i in intents):
            return ["interrupted while sending: the next run checks the shop before sending again"]
        sent = [i for i in intents if i.state is IntentState.SENT]
        if sent:
            reference = sent[-1].reference
            what = f"case {reference}" if reference else "the shop gave no reference"
            return [f"interrupted after the request was sent: {what}"]
        return ["interrupted before anything was sent"]

    return explain


PRINT_HELP = (
    "Send the saved return label to the default printer with `lp` (CUPS). Without `lp`, or "
    "when it fails, the result stays a success with a warning: the label is kept."
)


def _print_label(result: Result, steps: StepPrinter) -> None:
    """``--print``: the label, when one is saved, to the printer; what happened goes in the
    result (``printed``/``print_message`` in --json, a line for people), never its outcome."""
    from pathlib import Path

    from agent.printing import Printed, print_label

    if not result.label:
        printed = Printed(False, "nothing to print: no return label was saved")
    else:
        with steps.doing("Sending the label to the printer…"):
            printed = print_label(Path(result.label))
        if not printed.ok:
            steps.warn(f"Label {printed.message}")
    result.details.update(printed.to_json())
    steps.stop()


@click.command(
    "status",
    short_help="Show an order's status, items and tracking number.",
    help="Signs in, finds the order and prints its status (in order-agent's words and the "
    f"shop's), its items and tracking number. Changes nothing. {ORDER_HELP}",
    epilog=epilog(
        [
            f"{PROG} status MK-70001",
            f"{PROG} status 70003 --json",
        ],
        ORDER_EXIT_CODES,
        {
            EXIT_OK: "the status was read",
            EXIT_TRY_LATER: "the shop stayed unavailable after retries; run again later",
        },
    ),
)
@order_argument
@json_option
@trace_option
@verbose_option
def status(order: str, verbose: bool, **chosen: Any) -> int:
    return run_order_command("status", order, chosen_options(**chosen), verbose=verbose)


@click.command(
    "cancel",
    short_help="Cancel an order (or return it, once delivered).",
    help="Requests the cancellation of a processing order through the shop's live chat "
    "when it offers one and it is online, else its Contact Us form (--channel), and keeps "
    "the case number; a delivered order is returned instead (unless "
    "--no-return) and its prepaid label saved; a shipped one can only be waited for "
    f"(`{PROG} watch`). Running it twice never sends two requests. {ORDER_HELP}",
    epilog=epilog(
        [
            f'{PROG} cancel 70001 --reason "Ordered the wrong size"',
            f"{PROG} cancel '#MK-70001' --dry-run",
            f"{PROG} cancel 70012 --no-return --json",
            f"{PROG} cancel 70012 --print     # delivered: return it, print the label",
        ],
        ORDER_EXIT_CODES,
        {
            EXIT_OK: "cancellation requested, return started, or nothing left to do",
            EXIT_TRY_LATER: f"nothing possible yet (shipped, shop down): `{PROG} watch` it",
        },
    ),
)
@order_argument
@click.option("--reason", type=Reason(), help="Why, in the message to the shop.")
@click.option("--dry-run", is_flag=True, help=DRY_RUN_HELP)
@click.option(
    "--no-return", is_flag=True, help="If the order is already delivered, do not start a return."
)
@click.option(
    "--channel",
    type=click.Choice(channel_choices()),
    default=None,
    help="How to ask: auto (the shop's live chat when it is online, else the Contact Us "
    "form; a chat that cannot help is followed by the form, once), chat (only the chat), "
    "form (never opens the chat). Default: ORDER_AGENT_CHANNEL, the site profile's "
    "channel, else auto.",
)
@click.option("--print", "print_label", is_flag=True, help=PRINT_HELP)
@json_option
@trace_option
@verbose_option
def cancel(order: str, verbose: bool, **chosen: Any) -> int:
    return run_order_command("cancel", order, chosen_options(**chosen), verbose=verbose)


@click.command(
    "return",
    short_help="Return a delivered order and save its label.",
    help="Starts a return for a delivered order (every returnable item, or the ones named "
    "with --item), saves the prepaid return label (PDF) and keeps the return number. "
    f"{ORDER_HELP}",
    epilog=epilog(
        [
            f"{PROG} return 70004",
            f'{PROG} return 70004 --item "Logo Cashmere Scarf" --reason "Too small"',
            f"{PROG} return 70012 --dry-run --json",
            f"{PROG} return 70012 --print",
        ],
        ORDER_EXIT_CODES,
        {
            EXIT_OK: "return started and its label saved, or nothing left to do",
            EXIT_TRY_LATER: "nothing possible yet (not delivered, shop down); run again later",
        },
    ),
)
@order_argument
@click.option(
    "--item",
    "items",
    multiple=True,
    type=ItemName(),
    help="Return only this item (repeat for several; default: every returnable item).",
)
@click.option("--reason", type=Reason(), help="Return reason, when the shop asks.")
@click.option("--dry-run", is_flag=True, help=DRY_RUN_HELP)
@click.option("--print", "print_label", is_flag=True, help=PRINT_HELP)
@json_option
@trace_option
@verbose_option
def return_(order: str, verbose: bool, **chosen: Any) -> int:
    return run_order_command("return", order, chosen_options(**chosen), verbose=verbose)
