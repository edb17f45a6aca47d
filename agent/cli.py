"""``order-agent``: the command line, and the ONLY place exceptions become exit codes.

Everything below ``main`` raises; ``main`` catches, prints one line on stderr
(``order-agent: <message>``), with ``--json`` also prints one JSON object on
stdout, and returns the exit code. People never see a traceback unless they
ask for one with ``ORDER_AGENT_LOG_LEVEL=debug``.

Commands are registered in ``build_parser``; each sets ``handler`` to a
function ``(args, context) -> int``. The scheduled-mode commands (watch, add,
list, forget, run) plug in the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from agent import __version__
from agent.durations import format_duration, parse_duration, parse_optional_duration
from agent.output import StepPrinter, can_encode, render_error_json, render_human, render_json
from agent.redaction import sanitize_exception, scrub
from ordercore.errors import (
    EXIT_ERROR,
    EXIT_NEEDS_HUMAN,
    EXIT_OK,
    EXIT_TRY_LATER,
    EXIT_USAGE,
    NeedsHuman,
    OrderAgentError,
    UsageError,
)
from ordercore.models import CommandOptions, Outcome, Result
from ordercore.order_numbers import normalise_order_number as normalize_order_number

if TYPE_CHECKING:
    from agent.scheduler import WatchPlan
    from agent.settings import Settings

PROG = "order-agent"
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells expect

# The one table of exit codes: shown in --help, used for every Result.
EXIT_CODES: tuple[tuple[int, str], ...] = (
    (EXIT_OK, "done: requested, returned, or nothing needed doing"),
    (EXIT_TRY_LATER, "try later: nothing possible yet (in transit, shop down); run again"),
    (EXIT_NEEDS_HUMAN, "a person has to step in: see the message"),
    (EXIT_USAGE, "bad arguments or settings"),
    (EXIT_ERROR, "unexpected error"),
    (EXIT_INTERRUPTED, "interrupted (Ctrl-C)"),
)
EXIT_CODE_BY_OUTCOME: dict[Outcome, int] = {
    Outcome.DONE: EXIT_OK,
    Outcome.WAITING: EXIT_TRY_LATER,
    Outcome.NEEDS_HUMAN: EXIT_NEEDS_HUMAN,
    Outcome.ERROR: EXIT_ERROR,
}

MAX_REASON_LENGTH = 1000
MAX_ITEM_LENGTH = 200


# Settings (pydantic) and logging (structlog) are imported only by the commands that
# use them: together they cost more than an idle `run` may take.
def load_settings(*, require_credentials: bool) -> Settings:
    from agent.settings import load_settings as load

    return load(require_credentials=require_credentials)


def check_profile(settings: Settings) -> None:
    """A bad site profile is a settings problem: exit 2 before any browser starts."""
    if settings.site_url or settings.profile:
        from agent.site_profiles import site_profile

        site_profile(settings)


def bind_run(command: str, order: str | None = None) -> None:
    from agent.logs import bind_run as bind

    bind(command, order)


def _log() -> Any:
    from agent.logs import get_logger

    return get_logger("agent.cli")


class _Parser(argparse.ArgumentParser):
    """argparse, but its errors are ours: one line and exit 2, like every other error."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


@dataclass
class Context:
    """What the error report needs to know about the command that failed."""

    json_output: bool = False
    order: str | None = None


Handler = Callable[[argparse.Namespace, Context], int]


def _epilog() -> str:
    rows = "\n".join(f"  {code:>3}  {meaning}" for code, meaning in EXIT_CODES)
    return (
        "exit codes:\n"
        f"{rows}\n\n"
        "settings come from ORDER_AGENT_* environment variables, a .env file or\n"
        "/run/secrets: ORDER_AGENT_SITE_URL, ORDER_AGENT_EMAIL, ORDER_AGENT_PASSWORD\n"
        "(required), ORDER_AGENT_NAME, ORDER_AGENT_PROFILE (the shop's profile: a .toml\n"
        "path or a built-in name), ORDER_AGENT_TOTP_SECRET, ORDER_AGENT_LOG_LEVEL=debug ..."
    )


def _reason(text: str) -> str:
    reason = text.strip()
    if len(reason) > MAX_REASON_LENGTH:
        raise argparse.ArgumentTypeError(f"at most {MAX_REASON_LENGTH} characters")
    return reason


def _item(text: str) -> str:
    item = " ".join(text.split())
    if not item:
        raise argparse.ArgumentTypeError("an item name cannot be empty")
    if len(item) > MAX_ITEM_LENGTH:
        raise argparse.ArgumentTypeError(f"at most {MAX_ITEM_LENGTH} characters")
    return item


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError("a port is between 0 and 65535")
    return port


def _speed(text: str) -> float:
    try:
        speed = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= speed <= 1_000_000:
        raise argparse.ArgumentTypeError("the clock speed is between 0 and 1000000")
    return speed


def _seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def _duration(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def _optional_duration(text: str) -> timedelta | None:
    try:
        return parse_optional_duration(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Cancels online orders for you in a real browser: a cancellation "
        "request while the order is processing, a return with its prepaid label once delivered.",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="print each step, even when not on a terminal"
    )

    # Sub-command copies of -v must not reset a -v given before the command.
    common = _Parser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS)
    order_options = _Parser(add_help=False, parents=[common])
    order_options.add_argument(
        "order", metavar="ORDER", help="order number, e.g. 70001 or #MK-70001"
    )
    order_options.add_argument(
        "--json", action="store_true", help="print one JSON object on stdout (for programs)"
    )
    order_options.add_argument(
        "--trace",
        action="store_true",
        help="keep a Playwright trace for debugging in DATA_DIR/traces "
        "(signing in is never recorded; cookies are scrubbed)",
    )

    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_order_commands(commands, order_options)
    _add_schedule_commands(commands, common)
    _add_tool_commands(commands, common)
    return parser


def _add_order_commands(commands: argparse._SubParsersAction, parent: _Parser) -> None:
    epilog = _epilog()
    fmt = argparse.RawDescriptionHelpFormatter

    status = commands.add_parser(
        "status",
        parents=[parent],
        help="show an order's status",
        epilog=epilog,
        formatter_class=fmt,
    )
    status.set_defaults(handler=_order_command)

    cancel = commands.add_parser(
        "cancel",
        parents=[parent],
        help="cancel an order (or return it, once delivered)",
        description="Requests the cancellation of a processing order; a delivered order is "
        "returned instead (unless --no-return); a shipped one can only be waited for.",
        epilog=epilog,
        formatter_class=fmt,
    )
    cancel.add_argument("--reason", type=_reason, help="why, in the message to the shop")
    cancel.add_argument("--dry-run", action="store_true", help="look and decide, send nothing")
    cancel.add_argument(
        "--no-return", action="store_true", help="if already delivered, do not start a return"
    )
    cancel.set_defaults(handler=_order_command)

    returns = commands.add_parser(
        "return",
        parents=[parent],
        help="return a delivered order and save its label",
        epilog=epilog,
        formatter_class=fmt,
    )
    returns.add_argument(
        "--item",
        dest="items",
        action="append",
        type=_item,
        metavar="NAME",
        help="return only this item (repeat for several; default: every returnable item)",
    )
    returns.add_argument("--reason", type=_reason, help="return reason, when the shop asks")
    returns.add_argument("--dry-run", action="store_true", help="look and decide, send nothing")
    returns.set_defaults(handler=_order_command)


def _add_schedule_commands(commands: argparse._SubParsersAction, parent: _Parser) -> None:
    epilog = _epilog()
    fmt = argparse.RawDescriptionHelpFormatter
    json_only = _Parser(add_help=False, parents=[parent])
    json_only.add_argument(
        "--json", action="store_true", help="print one JSON object on stdout (for programs)"
    )
    # Not the one-shot commands' parent: their browser options (--trace ...) mean nothing here.
    order_parent = _Parser(add_help=False, parents=[json_only])
    order_parent.add_argument(
        "order", metavar="ORDER", help="order number, e.g. 70001 or #MK-70001"
    )
    # Defaults live in agent.scheduler.WatchPlan; SUPPRESS tells "not given" from "never".
    plan = _Parser(add_help=False)
    plan.add_argument(
        "--every", type=_duration, metavar="DURATION", help="how often to look (default 15m)"
    )
    plan.add_argument(
        "--for",
        dest="duration",
        type=_duration,
        metavar="DURATION",
        help="give up after this long (default 14d)",
    )
    plan.add_argument(
        "--follow-up-after",
        type=_optional_duration,
        default=argparse.SUPPRESS,
        metavar="DURATION",
        help="with no news this long after the request, send one follow-up "
        "(default 24h; `never` for none)",
    )
    plan.add_argument("--reason", type=_reason, help="why, in the message to the shop")
    plan.add_argument(
        "--item",
        dest="items",
        action="append",
        type=_item,
        metavar="NAME",
        help="if it comes to a return, return only this item (repeat for several)",
    )

    watch = commands.add_parser(
        "watch",
        parents=[order_parent, plan],
        help="stay in the foreground and keep at an order until it is cancelled or returned",
        description="Checks the order every --every until it is cancelled, its return label "
        "is saved, a person has to step in, or --for runs out: requests the cancellation, "
        "follows up once, waits through shipping, then returns it and saves the label.",
        epilog=epilog,
        formatter_class=fmt,
    )
    watch.set_defaults(handler=_watch_command)

    add = commands.add_parser(
        "add",
        parents=[order_parent, plan],
        help="track an order for `order-agent run` (cron, systemd timers)",
        epilog=epilog,
        formatter_class=fmt,
    )
    add.add_argument(
        "--no-check",
        action="store_true",
        help="track it without looking it up on the shop first (by default, with a password "
        "set, add signs in once, read-only, and refuses an order the shop does not list)",
    )
    add.set_defaults(handler=_add_command)

    listing = commands.add_parser(
        "list", parents=[json_only], help="show tracked orders", epilog=epilog, formatter_class=fmt
    )
    listing.add_argument("--all", action="store_true", help="also show forgotten orders")
    listing.set_defaults(handler=_list_command)

    forget = commands.add_parser(
        "forget",
        parents=[order_parent],
        help="stop tracking an order (its history stays)",
        epilog=epilog,
        formatter_class=fmt,
    )
    forget.set_defaults(handler=_forget_command)

    run = commands.add_parser(
        "run",
        parents=[json_only],
        help="one pass over every tracked order that is due (for cron / systemd timers)",
        description="Checks every tracked order that is due, once. Exit 0: every tracked "
        "order reached its end; 75: some are still waiting; 3: some need a person; 1: errors. "
        "A run while another holds the data dir exits at once with 75.",
        epilog=epilog,
        formatter_class=fmt,
    )
    run.set_defaults(handler=_run_command)


def _add_tool_commands(commands: argparse._SubParsersAction, parent: _Parser) -> None:
    doctor = commands.add_parser(
        "doctor",
        parents=[parent],
        help="check, read-only, that order-agent understands the configured shop",
        description="Signs in, finds the order list, opens one order (or ORDER), finds the "
        "returns entry on a delivered order and the Contact Us form with its fields; submits "
        "nothing. Prints one row per step (found or not, what it matched, where), the status "
        "words on the order list, and for every miss the site-profile lines to add. Exit 0: "
        "every step found; 3: some were not (a screenshot of each miss is in DATA_DIR/doctor).",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    doctor.add_argument(
        "order", metavar="ORDER", nargs="?", help="the order to open (default: the first listed)"
    )
    doctor.add_argument(
        "--json", action="store_true", help="print one JSON object on stdout (for programs)"
    )
    doctor.set_defaults(handler=_doctor_command)

    site = commands.add_parser("site", parents=[parent], help="serve the fixture shop locally")
    site.add_argument("--port", type=_port, default=8000, help="port (default 8000; 0 = any)")
    site.add_argument(
        "--control", action="store_true", help="also serve the test control API (/__control)"
    )
    site.add_argument(
        "--clock-speed",
        type=_speed,
        metavar="X",
        help="shop time runs X times real time (0: frozen; default: the shop's own)",
    )
    site.add_argument(
        "--chaos",
        type=_seed,
        metavar="SEED",
        help="a hostile shop, all drawn from SEED: 0-6 overlays 0-2 s after load, 0-800 ms "
        "latency per request, one 503 or dropped connection on a GET, a session that expires "
        "mid-run, late hydration (see fixtures/chaos.py)",
    )
    site.set_defaults(handler=_site_command)

    demo = commands.add_parser("demo", parents=[parent], help="watch the agent work on a demo shop")
    demo.set_defaults(handler=_demo_command)


def _interactive_log_level(settings: Settings, steps: StepPrinter | None) -> str:
    # People watching steps on a terminal would otherwise read everything
    # twice; an explicit ORDER_AGENT_LOG_LEVEL always wins.
    if steps is not None and steps.enabled and "log_level" not in settings.model_fields_set:
        return "warning"
    return settings.log_level


def _configure_logging(settings: Settings, steps: StepPrinter | None = None) -> None:
    from agent.logs import configure_logging

    configure_logging(
        _interactive_log_level(settings, steps), settings.log_format, settings.secret_values()
    )
    for warning in settings.config_warnings:
        _log().warning("configuration", problem=warning)


def _options(args: argparse.Namespace) -> CommandOptions:
    return CommandOptions(
        reason=getattr(args, "reason", None) or None,
        dry_run=getattr(args, "dry_run", False),
        no_return=getattr(args, "no_return", False),
        items=tuple(getattr(args, "items", None) or ()),
        json=args.json,
        trace=getattr(args, "trace", False),
    )


def _order_command(args: argparse.Namespace, context: Context) -> int:
    order = normalize_order_number(args.order)
    context.order = order
    options = _options(args)
    # Settings problems must surface here, before any browser starts.
    settings = load_settings(require_credentials=True)
    check_profile(settings)
    steps = StepPrinter.for_command(json_output=args.json, verbose=args.verbose)
    _configure_logging(settings, steps)
    bind_run(args.command, order)

    from agent.runner import run  # Playwright is imported only by commands that need it

    result: Result = run(args.command, order, options, settings, steps)
    if result.order:
        context.order = result.order
    if args.json:
        print(render_json(result), flush=True)
    else:
        ascii_only = not can_encode(sys.stdout, "✓…✗•")
        print(render_human(result, ascii_only=ascii_only), flush=True)
    return EXIT_CODE_BY_OUTCOME[result.outcome]


def _watch_plan(args: argparse.Namespace) -> WatchPlan:
    from agent.scheduler import DEFAULT_EVERY, DEFAULT_FOLLOW_UP_AFTER, DEFAULT_FOR, WatchPlan

    return WatchPlan(
        every=args.every or DEFAULT_EVERY,
        duration=args.duration or DEFAULT_FOR,
        follow_up_after=getattr(args, "follow_up_after", DEFAULT_FOLLOW_UP_AFTER),
        reason=args.reason or None,
        items=tuple(args.items or ()),
    )


def _schedule_setup(
    args: argparse.Namespace, *, require_credentials: bool, profile_now: bool = True
) -> tuple[Settings, StepPrinter]:
    settings = load_settings(require_credentials=require_credentials)
    if profile_now:
        check_profile(settings)
    steps = StepPrinter.for_command(json_output=args.json, verbose=args.verbose)
    _configure_logging(settings, steps)
    return settings, steps


def _print_json(obj: dict[str, object]) -> None:
    print(json.dumps(obj, ensure_ascii=False, default=str), flush=True)


def _watch_command(args: argparse.Namespace, context: Context) -> int:
    order = normalize_order_number(args.order)
    context.order = order
    plan = _watch_plan(args)
    settings, steps = _schedule_setup(args, require_credentials=True)
    bind_run(args.command, order)
    from agent.schedule_reports import Check
    from agent.scheduler import Scheduler

    shown: list[Check] = []

    def show(check: Check) -> None:
        shown.append(check)
        print(check.line(), flush=True)

    scheduler = Scheduler(settings, steps=steps, on_check=None if args.json else show)
    report = scheduler.watch(order, plan)
    if args.json:
        _print_json(report.to_json())
    elif shown and shown[-1] is report.last:
        print(f"Watch ended: {report.outcome.value.replace('_', ' ')}.", flush=True)
    else:
        print(f"Watch ended: {report.last.line()}", flush=True)
    return report.exit_code


def _add_command(args: argparse.Namespace, context: Context) -> int:
    order = normalize_order_number(args.order)
    context.order = order
    plan = _watch_plan(args)
    settings, steps = _schedule_setup(args, require_credentials=False)
    from agent.schedule_reports import tracked_json
    from agent.scheduler import OrderLookup, Scheduler

    scheduler = Scheduler(settings)
    lookup = (
        OrderLookup(False, "Not looked up (--no-check): the first `order-agent run` checks it.")
        if args.no_check
        else scheduler.look_up(order, steps)
    )
    tracked = scheduler.add(order, plan)
    if args.json:
        _print_json({"command": "add", **tracked_json(tracked), "lookup": lookup.to_json()})
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


def _list_command(args: argparse.Namespace, context: Context) -> int:
    settings, _ = _schedule_setup(args, require_credentials=False)
    from agent.schedule_reports import tracked_json, tracked_line
    from agent.scheduler import Scheduler

    # One-shot commands also leave rows in the ledger; only scheduled ones are "tracked".
    tracked = [t for t in Scheduler(settings).tracked(include_forgotten=args.all) if t.every]
    if args.json:
        _print_json({"command": "list", "orders": [tracked_json(t) for t in tracked]})
    elif tracked:
        for order in tracked:
            print(tracked_line(order), flush=True)
    else:
        print(f"No order is tracked (`{PROG} add ORDER` tracks one).", flush=True)
    return EXIT_OK


def _forget_command(args: argparse.Namespace, context: Context) -> int:
    order = normalize_order_number(args.order)
    context.order = order
    settings, _ = _schedule_setup(args, require_credentials=False)
    from agent.schedule_reports import tracked_json
    from agent.scheduler import Scheduler

    forgotten = Scheduler(settings).forget(order)
    if args.json:
        _print_json({"command": "forget", **tracked_json(forgotten)})
    else:
        print(f"Order {forgotten.key.number} is no longer tracked.", flush=True)
    return EXIT_OK


def _run_command(args: argparse.Namespace, context: Context) -> int:
    # Credentials are checked only once an order is due: an idle run needs none.
    # The profile too is read only once an order is due: an idle run loads no flows.
    settings, steps = _schedule_setup(args, require_credentials=False, profile_now=False)
    bind_run(args.command)
    from agent.scheduler import Scheduler

    report = Scheduler(settings, steps=steps).run_pass()
    if args.json:
        _print_json(report.to_json())
    else:
        for check in report.checks:
            print(check.line(), flush=True)
        print(report.message, flush=True)
    return report.exit_code


def _doctor_command(args: argparse.Namespace, context: Context) -> int:
    order = normalize_order_number(args.order) if args.order else None
    context.order = order
    settings = load_settings(require_credentials=True)
    check_profile(settings)
    steps = StepPrinter.for_command(json_output=args.json, verbose=args.verbose)
    _configure_logging(settings, steps)
    bind_run(args.command, order)
    from agent.doctor import run_doctor

    report = run_doctor(settings, order, steps)
    if args.json:
        _print_json(report.to_json())
    else:
        print(report.render(ascii_only=not can_encode(sys.stdout, "✓✗–→…")), flush=True)
    return report.exit_code


def _site_command(args: argparse.Namespace, context: Context) -> int:
    _configure_logging(load_settings(require_credentials=False))
    from fixtures.server import serve

    options: dict[str, object] = {"port": args.port, "control": args.control}
    if args.clock_speed is not None:
        options["clock_speed"] = args.clock_speed
    if args.chaos is not None:
        options["chaos"] = args.chaos
    serve(**options)
    return EXIT_OK


def _demo_command(args: argparse.Namespace, context: Context) -> int:
    # The demo prints every step itself; logs below warning would repeat them.
    _configure_logging(load_settings(require_credentials=False), StepPrinter(enabled=True))
    from agent.demo import main as demo_main

    code = demo_main()
    return EXIT_OK if code is None else int(code)


def _wants_json(argv: Sequence[str]) -> bool:
    """Whether --json was asked for, even if the rest of the line does not parse."""
    for arg in argv:
        if arg == "--":
            return False
        if arg == "--json":
            return True
    return False


def _say(message: str) -> None:
    for line in scrub(message).splitlines() or [""]:
        print(f"{PROG}: {line}", file=sys.stderr, flush=True)


def _report_error(exc: OrderAgentError, context: Context) -> int:
    _log().debug("command failed", exc_info=exc)
    clean = sanitize_exception(exc)
    if isinstance(clean, NeedsHuman):
        _say(clean.message)
        if clean.hint:
            _say(clean.hint)
        if clean.phone:
            _say(f"customer service: {clean.phone}")
        if clean.evidence:
            _say(f"evidence: {clean.evidence}")
    else:
        _say(str(clean))
    if context.json_output:
        print(render_error_json(clean, context.order), flush=True)
    return clean.exit_code


def _report_unexpected(exc: Exception, context: Context) -> int:
    _log().debug("unexpected error", exc_info=exc)
    clean = sanitize_exception(exc)
    summary = (str(clean).splitlines() or [type(exc).__name__])[0].rstrip(": ")
    if len(summary) > 200:
        summary = summary[:199] + "…"
    _say(f"unexpected error: {summary}; run with ORDER_AGENT_LOG_LEVEL=debug for details")
    if context.json_output:
        error = OrderAgentError(f"unexpected error: {summary}")
        print(render_error_json(error, context.order, error=type(exc).__name__), flush=True)
    return EXIT_ERROR


_IDLE_RUN_FLAGS = frozenset({"--json", "-v", "--verbose"})


def _idle_run(arguments: Sequence[str]) -> int | None:
    """``run`` with nothing due, answered without loading settings or logging; None: not idle.

    Cron starts ``run`` every few minutes and almost every time nothing is due:
    pydantic (settings) and structlog (logging) cost more than the whole answer.
    Only when the environment names the data dir (it outranks .env files and
    secrets) and the ledger already exists; anything due or past its ``--for``
    goes the full way, which also validates every setting.
    """
    if arguments.count("run") != 1 or not set(arguments) - {"run"} <= _IDLE_RUN_FLAGS:
        return None
    data_dir_setting = os.environ.get("ORDER_AGENT_DATA_DIR", "").strip()
    # The full way logs nothing above debug for an idle pass: debug gets it, to be complete.
    log_level = os.environ.get("ORDER_AGENT_LOG_LEVEL", "warning").strip().lower()
    if not data_dir_setting or log_level not in ("warning", "info"):
        return None
    data_dir = Path(data_dir_setting).expanduser()
    from agent.state import LEDGER_FILENAME

    if not (data_dir / LEDGER_FILENAME).is_file():
        return None
    from agent.locking import DataDirLock
    from agent.schedule_reports import PassReport
    from agent.state import Ledger, utc_now

    with DataDirLock(data_dir), Ledger.open(data_dir) as ledger:
        now = utc_now()
        tracked = ledger.list_tracked()
        active = [order for order in tracked if order.active]
        if any(order.until is not None and order.until <= now for order in active):
            return None  # expiring writes the ledger and reports: the full path does that
        if ledger.due(now) or ledger.has_parked():
            return None  # parked orders: only the full path knows the configured credentials
        waiting = sum(
            1 for order in active if order.next_due_at is not None and order.next_due_at > now
        )
    report = PassReport([], waiting)
    if "--json" in arguments:
        _print_json(report.to_json())
    else:
        print(report.message, flush=True)
    return report.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code (never raise, never print a traceback)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    context = Context(json_output=_wants_json(arguments))
    try:
        try:
            idle_code = _idle_run(arguments)
        except OrderAgentError:
            idle_code = None  # the full way meets it again and reports it, logging set up
        if idle_code is not None:
            return idle_code
        # A safe baseline until the settings are read: nothing logged before
        # then may leak, and nothing below warning clutters the terminal.
        from agent.logs import configure_logging, default_format

        configure_logging("warning", default_format(), [])
        parser = build_parser()
        try:
            args = parser.parse_args(arguments)
        except SystemExit as exit_request:  # --help and --version
            return int(exit_request.code or 0)
        context.json_output = bool(getattr(args, "json", False))
        handler: Handler = args.handler
        return handler(args, context)
    except KeyboardInterrupt:
        _say("interrupted")
        return EXIT_INTERRUPTED
    except OrderAgentError as exc:
        return _report_error(exc, context)
    except Exception as exc:
        return _report_unexpected(exc, context)
