"""Scheduled mode: ``watch``, ``add``, ``list``, ``forget``, ``run``.

All of them keep to the ledger in the data dir (see ``agent.scheduler``); only
``watch`` and a ``run`` with something due start a browser.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import click

from agent.channels import channel_choices
from agent.commands.base import (
    ORDER_HELP,
    PROG,
    Duration,
    ItemName,
    Reason,
    bind_run,
    command_setup,
    epilog,
    invocation,
    json_option,
    order_argument,
    print_json,
    verbose_option,
    working_on,
)
from agent.commands.exit_codes import EXIT_INTERRUPTED
from agent.durations import format_duration
from ordercore.errors import (
    EXIT_ERROR,
    EXIT_NEEDS_HUMAN,
    EXIT_OK,
    EXIT_TRY_LATER,
    EXIT_USAGE,
    OrderAgentError,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from agent.output import StepPrinter
    from agent.scheduler import WatchPlan
    from agent.settings import Settings

F = TypeVar("F", bound="Callable[..., Any]")

# What a pass or a watch ends with (agent.schedule_reports), plus settings and Ctrl-C.
CHECKING_EXIT_CODES = (
    EXIT_OK,
    EXIT_TRY_LATER,
    EXIT_NEEDS_HUMAN,
    EXIT_USAGE,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
)
# add, list and forget only read and write the ledger: no shop, no lock, nothing to wait for.
LEDGER_EXIT_CODES = (EXIT_OK, EXIT_USAGE, EXIT_ERROR, EXIT_INTERRUPTED)
LEDGER_MEANINGS = {
    EXIT_ERROR: "the ledger in the data dir cannot be read or written",
    # Ctrl-C or SIGTERM ends them as it ends every command (agent.interrupts); they
    # send nothing to the shop, so there is nothing sent or unsent to tell.
    EXIT_INTERRUPTED: "interrupted (Ctrl-C; 143 for SIGTERM); it sends nothing to the shop",
}


def plan_options(func: F) -> F:
    """How to keep at an order; the defaults live in agent.scheduler.WatchPlan."""
    decorators = [
        click.option(
            "--every", type=Duration(), metavar="DURATION", help="How often to look (default 15m)."
        ),
        click.option(
            "--for",
            "duration",
            type=Duration(),
            metavar="DURATION",
            help="Give up after this long (default 14d).",
        ),
        click.option(
            "--follow-up-after",
            type=Duration(never_allowed=True),
            metavar="DURATION",
            help="With no news this long after the request, send one follow-up "
            "(default 24h; `never` for none).",
        ),
        click.option("--reason", type=Reason(), help="Why, in the message to the shop."),
        click.option(
            "--item",
            "items",
            multiple=True,
            type=ItemName(),
            metavar="NAME",
            help="If it comes to a return, return only this item (repeat for several).",
        ),
        click.option(
            "--channel",
            type=click.Choice(channel_choices()),
            default=None,
            help="How to ask for the cancellation: auto (the shop's live chat when it is "
            "online, else the Contact Us form), chat, or form (default: "
            "ORDER_AGENT_CHANNEL, the site profile's channel, else auto).",
        ),
        click.option(
            "--ship-by",
            type=Duration(never_allowed=True),
            metavar="DURATION",
            help="Once the return label is saved, remind once if the carrier has not scanned "
            "the parcel this long after (default 7d; `never` for no reminder).",
        ),
    ]
    for decorate in reversed(decorators):
        func = decorate(func)
    return func


def watch_plan(
    every: timedelta | None,
    duration: timedelta | None,
    follow_up_after: timedelta | None,
    reason: str | None,
    items: tuple[str, ...],
    channel: str | None = None,
    ship_by: timedelta | None = None,
) -> WatchPlan:
    from agent.ledger import DEFAULT_SHIP_BY
    from agent.schedule_policy import DEFAULT_EVERY, DEFAULT_FOLLOW_UP_AFTER, DEFAULT_FOR, WatchPlan

    # "never" is None too: only the parameter's source tells it from "not given".
    context = click.get_current_context()
    if context.get_parameter_source("follow_up_after") is click.core.ParameterSource.DEFAULT:
        follow_up_after = DEFAULT_FOLLOW_UP_AFTER
    if context.get_parameter_source("ship_by") in (None, click.core.ParameterSource.DEFAULT):
        ship_by = DEFAULT_SHIP_BY
    return WatchPlan(
        every=every or DEFAULT_EVERY,
        duration=duration or DEFAULT_FOR,
        follow_up_after=follow_up_after,
        reason=reason or None,
        items=items,
        channel=channel,
        ship_by=ship_by,
    )


def planned_command(
    order: str,
    planned: dict[str, Any],
    *,
    json_output: bool,
    verbose: bool,
    require_credentials: bool,
) -> tuple[str, WatchPlan, Settings, StepPrinter]:
    """What ``watch`` and ``add`` start from: the order number, the plan the options
    say (``plan_options``), the settings and the step printer."""
    number = working_on(order)
    assert number is not None
    plan = watch_plan(**planned)
    settings, steps = command_setup(
        json_output=json_output, verbose=verbose, require_credentials=require_credentials
    )
    return number, plan, settings, steps


def interrupted_watch(settings: Settings, order: str) -> list[str]:
    """What Ctrl-C on ``watch`` leaves behind, read back from the ledger (not assumed)."""
    from agent.ledger import LEDGER_FILENAME, Ledger
    from agent.schedule_reports import shown
    from agent.scheduler import Scheduler

    database_url = settings.database_url_text()
    if database_url is None and not (settings.data_dir / LEDGER_FILENAME).is_file():
        return [f"watch interrupted before order {order} was tracked: nothing was recorded"]
    key = Scheduler(settings).key(order)
    with Ledger.open(settings.data_dir, database_url=database_url) as ledger:
        tracked = ledger.get(key)
        unresolved = ledger.open_intents(key) if tracked is not None else []
    if tracked is None:
        return [f"watch interrupted before order {order} was tracked: nothing was recorded"]
    if not tracked.active:
        ended = tracked.end_message or tracked.end_state.value.replace("_", " ")
        return [f"watch interrupted; order {order} had already reached its end: {ended}"]
    until = f" until {shown(tracked.until)}" if tracked.until else ""
    every = f"every {format_duration(tracked.every)}" if tracked.every else "tracked"
    when = f"; next check {shown(tracked.next_due_at)}" if tracked.next_due_at else ""
    lines = [
        f"watch interrupted; order {order} is still tracked ({every}{until}{when})",
        f"`{PROG} run` (cron or a systemd timer) or the same `{PROG} watch` again carries "
        f"on from there; `{PROG} forget {order}` stops tracking it",
    ]
    if unresolved:
        lines.append(
            "a request may have been sent just before Ctrl-C: the next check looks on the "
            "shop's site before sending anything again"
        )
    return lines


def _on_interrupt(settings: Settings, order: str) -> Callable[[], list[str]]:
    def explain() -> list[str]:
        try:
            return interrupted_watch(settings, order)
        except OrderAgentError:  # the ledger cannot be read: say only what is sure
            return ["interrupted"]

    return explain


@click.command(
    "watch",
    short_help="Keep at an order, in the foreground, until it is done.",
    help="Checks the order every --every until it is cancelled, its return is refunded, "
    "a person has to step in, or --for runs out: requests the cancellation, follows up "
    "once, waits through shipping, then returns it, saves the label and follows the "
    "parcel back until the shop shows the refund (one reminder if it is not sent within "
    "--ship-by). Prints one line per check. Ctrl-C stops watching; the order stays "
    f"tracked for `{PROG} run`. {ORDER_HELP}",
    epilog=epilog(
        [
            f"{PROG} watch 70003     # shipped: waits for delivery, then returns it",
            f"{PROG} watch MK-70001 --every 30m --for 7d --follow-up-after never",
        ],
        CHECKING_EXIT_CODES,
        {
            EXIT_OK: "the order reached its end: cancelled, or its return refunded",
            EXIT_TRY_LATER: "--for ran out first, or another run holds the data dir",
            EXIT_NEEDS_HUMAN: "a person has to step in: see the message",
            EXIT_ERROR: "the last check failed unexpectedly",
        },
    ),
)
@order_argument
@plan_options
@json_option
@verbose_option
def watch(order: str, json_output: bool, verbose: bool, **planned: Any) -> int:
    number, plan, settings, steps = planned_command(
        order, planned, json_output=json_output, verbose=verbose, require_credentials=True
    )
    invocation().on_interrupt = _on_interrupt(settings, number)
    bind_run("watch", number)
    from agent.schedule_reports import Check
    from agent.scheduler import Scheduler

    shown: list[Check] = []

    def show(check: Check) -> None:
        shown.append(check)
        print(check.line(), flush=True)

    scheduler = Scheduler(settings, steps=steps, on_check=None if json_output else show)
    report = scheduler.watch(number, plan)
    if json_output:
        print_json(report.to_json())
    elif shown and shown[-1] is report.last:
        print(f"Watch ended: {report.outcome.value.replace('_', ' ')}.", flush=True)
    else:
        print(f"Watch ended: {report.last.line()}", flush=True)
    return report.exit_code


@click.command(
    "add",
    short_help=f"Track an order for `{PROG} run` (cron, timers).",
    help=f"Records the order in the ledger, due at once; `{PROG} run`, started by cron or a "
    "systemd timer, then checks it every --every until it reaches an end or --for runs "
    "out. With a password set, it first signs in once, read-only, and refuses an order "
    "the shop does not list (--no-check skips that and starts no browser); if the shop "
    f"cannot be asked now, the order is tracked and the first run checks it. {ORDER_HELP}",
    epilog=epilog(
        [
            f"{PROG} add 70001",
            f'{PROG} add MK-70001 --every 1h --for 3d --reason "Wrong size"',
            f'{PROG} add 70004 --item "Logo Cashmere Scarf" --json',
            f"{PROG} add 70002 --no-check",
            f"{PROG} add 70003 --account jane     # a stored account (`{PROG} accounts`)",
        ],
        LEDGER_EXIT_CODES,
        {
            EXIT_OK: "tracked (or already at its end)",
            EXIT_USAGE: "bad arguments or settings, or the shop lists no such order",
            **LEDGER_MEANINGS,
        },
    ),
)
@order_argument
@plan_options
@click.option(
    "--no-check",
    is_flag=True,
    help="Track it without looking it up on the shop first (no browser).",
)
@click.option(
    "--account",
    metavar="NAME",
    help=f"Work on it as the stored account NAME (`{PROG} accounts add`): its shop, "
    "e-mail, password, TOTP secret and name instead of the environment's.",
)
@json_option
@verbose_option
def add(
    order: str,
    no_check: bool,
    account: str | None,
    json_output: bool,
    verbose: bool,
    **planned: Any,
) -> int:
    number, plan, settings, steps = planned_command(
        order, planned, json_output=json_output, verbose=verbose, require_credentials=False
    )
    from agent.schedule_reports import tracked_json
    from agent.scheduler import OrderLookup, Scheduler

    if account is not None:
        from agent.shopper_accounts import account_settings

        # The account's shop, e-mail and secrets (a wrong key stops here, exit 2).
        settings = account_settings(settings, account)
    scheduler = Scheduler(settings)
    lookup = (
        OrderLookup(False, f"Not looked up (--no-check): the first `{PROG} run` checks it.")
        if no_check
        else scheduler.look_up(number, steps)
    )
    tracked = scheduler.add(number, plan, account=account)
    if json_output:
        print_json({"command": "add", **tracked_json(tracked), "lookup": lookup.to_json()})
    elif tracked.active:
        until = f"{tracked.until:%Y-%m-%d %H:%M} UTC" if tracked.until else "it is done"
        print(
            f"Tracking order {tracked.key.number}: checked every {format_duration(plan.every)} "
            f"until {until} by `{PROG} run` (cron or a systemd timer). {lookup.message}",
            flush=True,
        )
    else:
        print(
            f"Order {tracked.key.number} already reached its end: {tracked.end_message}.",
            flush=True,
        )
    return EXIT_OK


@click.command(
    "list",
    short_help="Show the tracked orders.",
    help="One line per tracked order: its last status, the next check or how it ended, "
    "and the account. Reads the ledger only.",
    epilog=epilog(
        [f"{PROG} list", f"{PROG} list --all --json"],
        LEDGER_EXIT_CODES,
        {EXIT_OK: "listed (also when nothing is tracked)", **LEDGER_MEANINGS},
    ),
)
@click.option("--all", "show_all", is_flag=True, help="Also show forgotten orders.")
@json_option
@verbose_option
def list_(show_all: bool, json_output: bool, verbose: bool) -> int:
    settings, _ = command_setup(json_output=json_output, verbose=verbose, require_credentials=False)
    from agent.schedule_reports import tracked_json, tracked_line
    from agent.scheduler import Scheduler

    # One-shot commands also leave rows in the ledger; only scheduled ones are "tracked".
    tracked = [t for t in Scheduler(settings).tracked(include_forgotten=show_all) if t.every]
    if json_output:
        print_json({"command": "list", "orders": [tracked_json(t) for t in tracked]})
    elif tracked:
        for order in tracked:
            print(tracked_line(order), flush=True)
    else:
        print(f"No order is tracked (`{PROG} add ORDER` tracks one).", flush=True)
    return EXIT_OK


@click.command(
    "forget",
    short_help="Stop tracking an order (its history stays).",
    help=f"Takes the order off `{PROG} run`'s list and ends a `watch` of it at its next "
    f"check; what was sent and saved stays in the ledger. {ORDER_HELP}",
    epilog=epilog(
        [f"{PROG} forget 70001", f"{PROG} forget MK-70001 --json"],
        LEDGER_EXIT_CODES,
        {
            EXIT_OK: "no longer tracked",
            EXIT_USAGE: "bad arguments or settings, or the order is not tracked",
            **LEDGER_MEANINGS,
        },
    ),
)
@order_argument
@json_option
@verbose_option
def forget(order: str, json_output: bool, verbose: bool) -> int:
    number = working_on(order)
    assert number is not None
    settings, _ = command_setup(json_output=json_output, verbose=verbose, require_credentials=False)
    from agent.schedule_reports import tracked_json
    from agent.scheduler import Scheduler

    forgotten = Scheduler(settings).forget(number)
    if json_output:
        print_json({"command": "forget", **tracked_json(forgotten)})
    else:
        print(f"Order {forgotten.key.number} is no longer tracked.", flush=True)
    return EXIT_OK


@click.command(
    "run",
    short_help="Check every tracked order that is due, once (for cron).",
    help="Checks every tracked order that is due, once, and prints one line per check and "
    "a summary. Once signed in, the due orders go in several tabs at once "
    "(ORDER_AGENT_CONCURRENCY, default 4), never more than ORDER_AGENT_SHOP_MAX_IN_FLIGHT "
    "requests at the shop at once. Orders tied to a stored account (`add --account`) are "
    "checked as that account, in a browser of its own. With nothing due it starts no "
    "browser and needs no password. A run while another run or watch holds the data dir "
    "exits at once with 75.",
    epilog=epilog(
        [f"{PROG} run", f"{PROG} run --json"],
        CHECKING_EXIT_CODES,
        {
            EXIT_OK: "every tracked order reached its end (or nothing is tracked)",
            EXIT_TRY_LATER: "some are still waiting, or another run holds the data dir",
            EXIT_NEEDS_HUMAN: "some need a person: see the message",
            EXIT_ERROR: "some checks failed unexpectedly",
        },
    ),
)
@json_option
@verbose_option
def run(json_output: bool, verbose: bool) -> int:
    # Credentials are checked only once an order is due: an idle run needs none.
    # The profile too is read only once an order is due: an idle run loads no flows.
    settings, steps = command_setup(
        json_output=json_output, verbose=verbose, require_credentials=False, profile_now=False
    )
    bind_run("run")
    from agent.scheduler import Scheduler

    report = Scheduler(settings, steps=steps).run_pass()
    if json_output:
        print_json(report.to_json())
    else:
        for check in report.checks:
            print(check.line(), flush=True)
        print(report.message, flush=True)
    return report.exit_code
