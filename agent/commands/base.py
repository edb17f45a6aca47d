"""What every command module shares: option types and decorators, the help layout,
and the few steps each command takes before its real work (settings, logging).

Settings (pydantic) and logging (structlog) are imported only inside the helpers:
together they cost more than an idle ``run`` may take, and ``--help`` needs neither.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import click

from agent.commands.exit_codes import exit_code_rows
from agent.commands.invocation import Invocation
from agent.durations import parse_duration, parse_optional_duration
from agent.output import StepPrinter, can_encode
from ordercore.errors import UsageError
from ordercore.order_numbers import normalise_order_number

if TYPE_CHECKING:
    from agent.settings import Settings

PROG = "order-agent"
MAX_REASON_LENGTH = 1000
MAX_ITEM_LENGTH = 200

F = TypeVar("F", bound=Callable[..., Any])


# -- help layout ------------------------------------------------------------------------


def keep_lines(text: str) -> str:
    """Mark every paragraph of ``text`` so that click prints its lines as written.

    Examples and exit-code tables are laid out by hand; click would otherwise
    join their lines into one wrapped paragraph.
    """
    paragraphs = [p.strip("\n") for p in text.split("\n\n") if p.strip()]
    return "\n\n".join(p if p.startswith("\b") else f"\b\n{p}" for p in paragraphs)


def epilog(
    examples: Iterable[str],
    codes: Iterable[int],
    meanings: Mapping[int, str] | None = None,
    note: str | None = None,
) -> str:
    """The end of a command's help: examples (on the demo shop), then its exit codes."""
    parts = ["Examples:\n" + "\n".join(f"  {example}" for example in examples)]
    if note:
        parts.append(note)
    parts.append("Exit codes:\n" + "\n".join(exit_code_rows(codes, meanings)))
    return keep_lines("\n\n".join(parts))


# -- what a command knows about its run -------------------------------------------------


def invocation() -> Invocation:
    """The Invocation ``agent.cli.main`` handed to click (a blank one outside ``main``)."""
    ctx = click.get_current_context()
    found = ctx.find_object(Invocation)
    if found is None:
        found = ctx.ensure_object(Invocation)
    return found


def working_on(order_text: str | None) -> str | None:
    """Normalise ORDER (exit 2 if it is not an order number) and tell the error report."""
    order = normalise_order_number(order_text) if order_text is not None else None
    invocation().order = order
    return order


def is_verbose(verbose: bool) -> bool:
    """``-v`` after the command, or before it (``order-agent -v cancel ...``)."""
    return verbose or invocation().verbose


# -- option types: their messages become "order-agent: <message> (see ... --help)" -------


class Reason(click.ParamType):
    name = "TEXT"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        reason = str(value).strip()
        if len(reason) > MAX_REASON_LENGTH:
            self.fail(f"at most {MAX_REASON_LENGTH} characters", param, ctx)
        return reason


class ItemName(click.ParamType):
    name = "NAME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        item = " ".join(str(value).split())
        if not item:
            self.fail("an item name cannot be empty", param, ctx)
        if len(item) > MAX_ITEM_LENGTH:
            self.fail(f"at most {MAX_ITEM_LENGTH} characters", param, ctx)
        return item


class Duration(click.ParamType):
    """``15m``, ``24h``, ``14d``, ``1h30m``; with ``never_allowed``, also ``never`` (None)."""

    name = "DURATION"

    def __init__(self, *, never_allowed: bool = False) -> None:
        self.never_allowed = never_allowed

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> timedelta | None:
        if isinstance(value, timedelta):
            return value
        try:
            if self.never_allowed:
                return parse_optional_duration(str(value))
            return parse_duration(str(value))
        except UsageError as exc:
            self.fail(exc.message, param, ctx)


def order_argument(func: F) -> F:
    return click.argument("order", metavar="ORDER")(func)


ORDER_HELP = "ORDER is the order number as the shop shows it: 70001, #70001 or MK-70001."


def json_option(func: F) -> F:
    return click.option(
        "--json",
        "json_output",
        is_flag=True,
        help="Print one JSON object on stdout (for programs).",
    )(func)


def verbose_option(func: F) -> F:
    return click.option(
        "-v",
        "--verbose",
        is_flag=True,
        help="Print each step on stderr as it happens, even when not on a terminal.",
    )(func)


def trace_option(func: F) -> F:
    return click.option(
        "--trace",
        is_flag=True,
        help="Keep a Playwright trace for debugging in DATA_DIR/traces "
        "(signing in is never recorded; cookies are scrubbed).",
    )(func)


# -- the steps before a command's real work ---------------------------------------------


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


def command_setup(
    *,
    json_output: bool,
    verbose: bool,
    require_credentials: bool,
    profile_now: bool = True,
) -> tuple[Settings, StepPrinter]:
    """Settings (exit 2 on a problem, before any browser), the step printer, logging."""
    settings = load_settings(require_credentials=require_credentials)
    if profile_now:
        check_profile(settings)
    steps = StepPrinter.for_command(json_output=json_output, verbose=is_verbose(verbose))
    from agent.run_logging import configure_logging

    configure_logging(settings, steps)
    return settings, steps


# -- printing ---------------------------------------------------------------------------


def print_json(obj: dict[str, object]) -> None:
    """One JSON object on one line; \\u escapes where stdout cannot take the characters."""
    text = json.dumps(obj, ensure_ascii=False, default=str)
    if not can_encode(sys.stdout, text):
        text = json.dumps(obj, default=str)
    print(text, flush=True)


def print_json_text(text: str) -> None:
    """An already-rendered JSON line, re-escaped if stdout cannot take its characters."""
    if not can_encode(sys.stdout, text):
        text = json.dumps(json.loads(text))
    print(text, flush=True)


def ascii_only() -> bool:
    """Whether stdout needs the ASCII forms of the symbols (``+`` for ``✓``...)."""
    return not can_encode(sys.stdout, "✓…✗•–→")
