"""``order-agent``: the command line, and the ONLY place exceptions become exit codes.

Everything below ``main`` raises; ``main`` catches, prints one line on stderr
(``order-agent: <message>``), with ``--json`` also prints one JSON object on
stdout, and returns the exit code. People never see a traceback unless they
ask for one with ``ORDER_AGENT_LOG_LEVEL=debug``.

The commands are click commands in ``agent.commands.*``, listed in
:data:`COMMANDS` and imported only when named (``agent.commands.root``). This
module stays import-light: an idle ``run`` (cron, every few minutes) is answered
before click, pydantic or structlog is imported.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import os
import re
import sys
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.commands.exit_codes import (
    EXIT_CODE_BY_OUTCOME,
    EXIT_CODES,
    EXIT_INTERRUPTED,
)
from agent.commands.invocation import Invocation
from agent.output import can_encode, render_error_json
from agent.redaction import sanitize_exception, scrub
from ordercore.errors import EXIT_ERROR, NeedsHuman, OrderAgentError, UsageError
from ordercore.order_numbers import normalise_order_number as normalize_order_number

if TYPE_CHECKING:
    import click

__all__ = [
    "COMMANDS",
    "EXIT_CODES",
    "EXIT_CODE_BY_OUTCOME",
    "EXIT_INTERRUPTED",
    "PROG",
    "main",
    "normalize_order_number",
]

PROG = "order-agent"

# Every command: name -> "module:attribute" of its click command, imported only when
# the command is named (or for the top-level --help and completion). Shown in this order.
COMMANDS: dict[str, str] = {
    # One order, once, in a browser.
    "status": "agent.commands.orders:status",
    "cancel": "agent.commands.orders:cancel",
    "return": "agent.commands.orders:return_",
    # Scheduled mode: the ledger, cron, systemd timers.
    "watch": "agent.commands.schedule:watch",
    "add": "agent.commands.schedule:add",
    "list": "agent.commands.schedule:list_",
    "forget": "agent.commands.schedule:forget",
    "run": "agent.commands.schedule:run",
    "accounts": "agent.commands.accounts:accounts",
    "history": "agent.commands.history:command",
    # Many workers: Celery on a Redis broker, one shared ledger.
    "worker": "agent.commands.distributed:worker",
    "beat": "agent.commands.distributed:beat",
    # Setting up: the config file, the password, a systemd timer or a cron line.
    "init": "agent.commands.init:command",
    # Tools.
    "doctor": "agent.commands.tools:doctor",
    "site": "agent.commands.tools:site",
    "demo": "agent.commands.tools:demo",
    "completion": "agent.commands.tools:completion",
    "install-browser": "agent.commands.tools:install_browser",
}


# -- ASCII-only terminals ------------------------------------------------------------------

# Error handlers for a stdout/stderr that cannot take what order-agent prints.
ASCII_FORMS = "order-agent-ascii"  # stdout: "✓" -> "+", "…" -> "...", "é" -> "e"
ASCII_ESCAPES = "order-agent-ascii-escape"  # stderr: the same symbols, else "\\xe9"
_SYMBOL_FORMS = {
    "✓": "+",
    "✗": "x",
    "•": "*",
    "→": "->",
    "…": "...",
    "–": "-",
    "—": "-",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "×": "x",
    "\u00a0": " ",
}


def _ascii_form(char: str, *, transliterate: bool) -> str:
    form = _SYMBOL_FORMS.get(char)
    if form is not None:
        return form
    if transliterate:
        return unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode() or "?"
    return char.encode("ascii", "backslashreplace").decode("ascii")


def _handler(*, transliterate: bool) -> Any:
    def handle(error: UnicodeError) -> tuple[str, int]:
        if not isinstance(error, UnicodeEncodeError):
            raise error
        unencodable = error.object[error.start : error.end]
        shown = "".join(_ascii_form(char, transliterate=transliterate) for char in unencodable)
        return shown, error.end

    return handle


codecs.register_error(ASCII_FORMS, _handler(transliterate=True))
codecs.register_error(ASCII_ESCAPES, _handler(transliterate=False))


def use_ascii_fallbacks() -> None:
    """On a stdout/stderr that cannot take ``✓`` or ``…`` (PYTHONIOENCODING=ascii, an old
    console), what it cannot take is written in an ASCII form instead of failing the
    command with a UnicodeEncodeError: results read "Pave" for "Pavé"; messages, which
    may quote what was typed, keep it exact as ``\\xe9``."""
    for stream, errors in ((sys.stdout, ASCII_FORMS), (sys.stderr, ASCII_ESCAPES)):
        if isinstance(stream, io.TextIOWrapper) and not can_encode(stream, "✓…’é"):
            stream.reconfigure(errors=errors)


# -- reporting -----------------------------------------------------------------------------


def _log() -> Any:
    from agent.logs import get_logger

    return get_logger("agent.cli")


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


def _report_error(exc: OrderAgentError, invocation: Invocation) -> int:
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
    if invocation.json_output:
        print(_json_line(render_error_json(clean, invocation.order)), flush=True)
    return clean.exit_code


def _report_unexpected(exc: Exception, invocation: Invocation) -> int:
    _log().debug("unexpected error", exc_info=exc)
    clean = sanitize_exception(exc)
    summary = (str(clean).splitlines() or [type(exc).__name__])[0].rstrip(": ")
    if len(summary) > 200:
        summary = summary[:199] + "…"
    _say(f"unexpected error: {summary}; run with ORDER_AGENT_LOG_LEVEL=debug for details")
    if invocation.json_output:
        error = OrderAgentError(f"unexpected error: {summary}")
        rendered = render_error_json(error, invocation.order, error=type(exc).__name__)
        print(_json_line(rendered), flush=True)
    return EXIT_ERROR


def _report_interrupt(invocation: Invocation) -> int:
    """Ctrl-C: say what it left behind (``watch``: the order is still tracked), exit 130."""
    lines = ["interrupted"]
    if invocation.on_interrupt is not None:
        with contextlib.suppress(KeyboardInterrupt):  # a second Ctrl-C: stop explaining
            lines = invocation.on_interrupt()
    for line in lines:
        _say(line)
    return EXIT_INTERRUPTED


def _json_line(text: str) -> str:
    """A rendered JSON object, with \\u escapes where stdout cannot take its characters."""
    if can_encode(sys.stdout, text):
        return text
    import json

    return json.dumps(json.loads(text))


def _usage_error(exc: click.ClickException) -> UsageError:
    """click's own complaint (missing argument, unknown option...) as our one-liner."""
    message = " ".join(exc.format_message().split()).rstrip(".")
    message = message[:1].lower() + message[1:]
    # One sentence, like ours: "no such option '--jsn'; did you mean '--json'?".
    message = re.sub(
        r"\.\s*\(?(Did you mean|Choose from)([^()]*)\)?",
        lambda match: f"; {match.group(1).lower()}{match.group(2)}",
        message,
    )
    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else PROG
    return UsageError(f"{message} (see `{where} --help`)")


# -- cron's idle run -----------------------------------------------------------------------

_IDLE_RUN_FLAGS = frozenset({"--json", "-v", "--verbose"})


def _idle_run_setting(name: str) -> str | None:
    """A setting as the full way would read it, from the places cheap to read; None: unsure.

    The environment outranks everything. Below it, only init's config file is read
    here: a .env file, ORDER_AGENT_ENV_FILE or a secrets directory could also set it,
    so with any of them present the answer is None and the run goes the full way.
    "" means set nowhere (the default applies).
    """
    from_environment = os.environ.get(name, "").strip()
    if from_environment:
        return from_environment
    outranking = (
        os.environ.get("ORDER_AGENT_ENV_FILE")
        or os.environ.get("ORDER_AGENT_SECRETS_DIR")
        or Path(".env").is_file()
        or Path("/run/secrets").is_dir()
    )
    if outranking:
        return None
    from agent.user_config import config_file, read_config

    config = {key.upper(): value for key, value in read_config(config_file()).items()}
    return (config.get(name) or "").strip()


def _idle_run(arguments: Sequence[str]) -> int | None:
    """``run`` with nothing due, answered without loading settings or logging; None: not idle.

    Cron starts ``run`` every few minutes and almost every time nothing is due:
    pydantic (settings), structlog (logging) and click cost more than the whole
    answer. Only when the data dir is known cheaply (see ``_idle_run_setting``) and
    the ledger already exists; anything due or past its ``--for`` goes the full way,
    which also validates every setting.
    """
    if arguments.count("run") != 1 or not set(arguments) - {"run"} <= _IDLE_RUN_FLAGS:
        return None
    if _idle_run_setting("ORDER_AGENT_DATABASE_URL"):
        return None  # a shared ledger: the full way (settings, the URL checked and masked)
    data_dir_setting = _idle_run_setting("ORDER_AGENT_DATA_DIR")
    # The full way logs nothing above debug for an idle pass: debug gets it, to be complete.
    log_level = (_idle_run_setting("ORDER_AGENT_LOG_LEVEL") or "warning").strip().lower()
    if data_dir_setting is None or log_level not in ("warning", "info"):
        return None
    if not data_dir_setting:
        from platformdirs import user_data_dir

        data_dir_setting = user_data_dir("order-agent", False)  # Settings' own default
    data_dir = Path(data_dir_setting).expanduser()
    from agent.idle_ledger import LEDGER_FILENAME, waiting_when_idle

    if not (data_dir / LEDGER_FILENAME).is_file():
        return None
    from agent.locking import DataDirLock
    from agent.schedule_reports import PassReport

    with DataDirLock(data_dir):
        waiting = waiting_when_idle(data_dir, datetime.now(UTC))
    if waiting is None:
        return None  # due, expiring or parked orders, or a ledger to migrate: the full way
    report = PassReport([], waiting)
    if "--json" in arguments:
        import json

        print(_json_line(json.dumps(report.to_json(), ensure_ascii=False)), flush=True)
    else:
        print(report.message, flush=True)
    return report.exit_code


# -- the entry point -----------------------------------------------------------------------


def _run_command_line(arguments: list[str], invocation: Invocation) -> int:
    import click

    from agent.commands.root import COMPLETE_VAR, build_group

    group = build_group(COMMANDS)
    try:
        code = group.main(
            arguments,
            prog_name=PROG,
            complete_var=COMPLETE_VAR,
            standalone_mode=False,
            obj=invocation,
        )
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__ or exc.__context__, KeyboardInterrupt):
            raise KeyboardInterrupt from None
        raise UsageError("stopped before it was done") from None
    except click.ClickException as exc:
        raise _usage_error(exc) from None
    return int(code or 0)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code (never raise, never print a traceback)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    use_ascii_fallbacks()
    invocation = Invocation(json_output=_wants_json(arguments))
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
        return _run_command_line(arguments, invocation)
    except SystemExit as exit_request:  # shell completion answers, then exits
        code = exit_request.code
        return code if isinstance(code, int) else 0 if code is None else EXIT_ERROR
    except KeyboardInterrupt:
        return _report_interrupt(invocation)
    except OrderAgentError as exc:
        return _report_error(exc, invocation)
    except Exception as exc:
        return _report_unexpected(exc, invocation)
