"""What people and programs read: a Result as one JSON object or a short block,
and the live steps printed while a command runs.

Everything passes through the redactor on its way out.
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from agent.redaction import redact, scrub
from agent.terminal import LiveLine, can_animate, colour_wanted, is_terminal, paint
from ordercore.errors import OrderAgentError
from ordercore.models import Action, Outcome, Result

CORE_KEYS = ("order", "status", "raw_status", "action", "outcome", "reference", "label", "message")


def can_encode(stream: TextIO, text: str) -> bool:
    encoding = getattr(stream, "encoding", None)
    if encoding is None:  # in-memory text streams take any character
        return True
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


class _Symbols:
    def __init__(self, ascii_only: bool) -> None:
        self.done = "+" if ascii_only else "✓"
        self.info = "*" if ascii_only else "•"
        self.doing = "->" if ascii_only else "→"
        self.warn = "!"
        self.waiting = "..." if ascii_only else "…"
        self.failed = "x" if ascii_only else "✗"
        self.ellipsis = "..." if ascii_only else "…"


def result_object(result: Result) -> dict[str, Any]:
    """The JSON object: the core keys, then any ``details`` that do not shadow them."""
    obj: dict[str, Any] = {
        "order": result.order,
        "status": result.status.value if result.status else None,
        "raw_status": result.raw_status,
        "action": result.action.value,
        "outcome": result.outcome.value,
        "reference": result.reference,
        "label": result.label,
        "message": result.message,
    }
    for key, value in result.details.items():
        obj.setdefault(key, value)
    return redact(obj)


def render_json(result: Result) -> str:
    """Exactly one JSON object on one line (``jq``- and log-friendly)."""
    return json.dumps(result_object(result), ensure_ascii=False, default=str)


_HEADLINES = {
    Action.CANCELLATION_REQUESTED: "Cancellation requested",
    Action.RETURN_STARTED: "Return started",
    Action.LABEL_DOWNLOADED: "Return label saved",
}
_OUTCOME_HEADLINES = {
    Outcome.WAITING: "Nothing possible yet",
    Outcome.NEEDS_HUMAN: "A person needs to step in",
    Outcome.ERROR: "Something went wrong",
}
_REFERENCE_NAMES = {
    Action.CANCELLATION_REQUESTED: "Case",
    Action.RETURN_STARTED: "Return",
    Action.LABEL_DOWNLOADED: "Return",
}


_OUTCOME_COLOURS = {
    Outcome.DONE: "green",
    Outcome.WAITING: "yellow",
    Outcome.NEEDS_HUMAN: "yellow",
    Outcome.ERROR: "red",
}


def render_human(result: Result, *, ascii_only: bool = False, colour: bool = False) -> str:
    """A short block for people: what happened, the order's status, the proof.

    ``colour``: the first line's mark in colour (see ``agent.terminal.colour_wanted``).
    """
    symbols = _Symbols(ascii_only)
    if result.outcome is Outcome.DONE:
        symbol = symbols.done
        headline = _HEADLINES.get(result.action, "Nothing to do")
    else:
        symbol = {
            Outcome.WAITING: symbols.waiting,
            Outcome.NEEDS_HUMAN: symbols.warn,
        }.get(result.outcome, symbols.failed)
        headline = _OUTCOME_HEADLINES[result.outcome]
    if result.details.get("dry_run"):
        headline += " (dry run: nothing was sent)"

    mark = paint(symbol, _OUTCOME_COLOURS.get(result.outcome), enabled=colour)
    lines = [f"{mark} {result.headline or f'{headline}: order {result.order}'}"]
    message = result.message
    if result.headline and message.startswith(result.headline):
        message = message[len(result.headline) :].lstrip(" .:;")  # said once, as the headline
    if result.status is not None and not result.headline:
        shown = f"  Status:    {result.status.value.replace('_', ' ')}"
        if result.raw_status and result.raw_status.lower() != result.status.value:
            shown += f' ("{result.raw_status}")'
        lines.append(shown)
    if result.reference:
        name = _REFERENCE_NAMES.get(result.action, "Reference")
        lines.append(f"  {name + ':':<10} {result.reference}")
    if result.label:
        lines.append(f"  Label:     {result.label}")
    if "printed" in result.details:  # --print
        lines.append(f"  Printed:   {result.details.get('print_message')}")
    if message:
        lines.append(f"  {message}")
    return scrub("\n".join(lines))


class _Activity:
    """What is being done right now; as a context manager, it ends with its block.

    A block left by an exception marks it failed ("✗ Signing in") on a live terminal.
    """

    def __init__(self, printer: StepPrinter, text: str) -> None:
        self.printer = printer
        self.text = text

    def __enter__(self) -> _Activity:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        if exc_type is None:
            self.printer._end(self)
        else:
            self.printer._fail(self)


class StepPrinter:
    """Prints each step as it happens, for a person watching a terminal.

    Silent when disabled (``--json`` without ``-v``, or stderr is not a terminal and
    not verbose): programs read the result, logs tell the story.

    On a real terminal, what is being done (``progress``, ``doing``) shows on one
    live line with a spinner that each finished step ("✓ Signed in") replaces, in
    colour unless ``NO_COLOR``. Anywhere else the lines are exactly the plain ones.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        enabled: bool = True,
        replaces_logs: bool | None = None,
    ) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.enabled = enabled
        # Steps shown to a person make info logs redundant; with --json -v they go together.
        self.replaces_logs = enabled if replaces_logs is None else replaces_logs
        ascii_only = not can_encode(self.stream, "✓•→…✗")
        self._symbols = _Symbols(ascii_only)
        self._colour = enabled and colour_wanted(self.stream)
        self._terminal = enabled and is_terminal(self.stream)
        self._live: LiveLine | None = None
        if enabled and can_animate(self.stream):
            self._live = LiveLine(self.stream, colour=self._colour, ascii_only=ascii_only)
        self._activity: _Activity | None = None

    @classmethod
    def for_command(
        cls, *, json_output: bool, verbose: bool = False, stream: TextIO | None = None
    ) -> StepPrinter:
        """Steps on a terminal, or anywhere with ``-v``; ``--json`` alone keeps them off
        (stdout stays one JSON object either way: steps go to ``stream``, stderr)."""
        stream = sys.stderr if stream is None else stream
        enabled = verbose or (is_terminal(stream) and not json_output)
        return cls(stream, enabled=enabled, replaces_logs=enabled and not json_output)

    @property
    def on_terminal(self) -> bool:
        """Steps shown to a person at a terminal (their logs then go to the log file)."""
        return self._terminal and self.replaces_logs

    def _print(self, symbol: str, text: str, colour: str | None = None) -> None:
        if not self.enabled:
            return
        line = f"{paint(symbol, colour, enabled=self._colour)} {scrub(text)}"
        if self._live is not None:
            self._live.write_line(line)
            return
        self.stream.write(line + "\n")
        self.stream.flush()

    def done(self, text: str) -> None:
        """A step that succeeded: "✓ Signed in" (it ends what was being done)."""
        self._clear()
        self._print(self._symbols.done, text, "green")

    def info(self, text: str) -> None:
        """Something learned: "• Status: processing" (what was being done is over)."""
        self._clear()
        self._print(self._symbols.info, text, "dim")

    def doing(self, text: str) -> _Activity:
        """A step starting: "→ Requesting cancellation…" (the live line, on a terminal).

        Usable as a context manager: the live line ends with the block.
        """
        if not text.endswith(("…", "...")):
            text += self._symbols.ellipsis
        if self._live is not None:
            return self._show(text)
        self._print(self._symbols.doing, text, "cyan")
        return _Activity(self, text)

    def progress(self, text: str) -> _Activity:
        """What is being done, for a person watching: "Starting the browser".

        The live line on a real terminal; a plain "→" line on a terminal that cannot
        redraw one (``TERM=dumb``); nothing off a terminal (pipes and logs stay as they were).
        """
        if self._live is not None:
            return self._show(text)
        if self._terminal:
            shown = text if text.endswith(("…", "...")) else text + self._symbols.ellipsis
            self._print(self._symbols.doing, shown, "cyan")
        return _Activity(self, text)

    def warn(self, text: str) -> None:
        """Something a person should notice: "! Retrying after a server error"."""
        self._print(self._symbols.warn, text, "yellow")

    def fail(self) -> None:
        """What was being done did not finish: "✗ Signing in" on a live terminal."""
        if self._activity is not None:
            self._fail(self._activity)

    def stop(self) -> None:
        """Erase the live line, if one is shown (the end of a command)."""
        self._clear()

    def _show(self, text: str) -> _Activity:
        activity = _Activity(self, text)
        self._activity = activity
        assert self._live is not None
        self._live.show(scrub(text))
        return activity

    def _clear(self) -> None:
        self._activity = None
        if self._live is not None:
            self._live.hide()

    def _end(self, activity: _Activity) -> None:
        if self._activity is activity:
            self._clear()

    def _fail(self, activity: _Activity) -> None:
        if self._activity is not activity:
            return
        self._clear()
        if self._live is not None:
            self._print(self._symbols.failed, activity.text, "red")


def error_object(
    exc: OrderAgentError, order: str | None, *, error: str | None = None
) -> dict[str, Any]:
    """The JSON object for a command that ended in an error instead of a Result.

    ``error`` names the failure (default: the exception's class name).
    """
    obj: dict[str, Any] = {
        "order": order,
        # Errors that read the order's status before stopping (UnknownStatus) carry it.
        "status": getattr(exc, "status", None),
        "raw_status": getattr(exc, "raw_status", None),
        "action": Action.NONE.value,
        "outcome": exc.outcome,
        "reference": None,
        "label": None,
        "message": exc.message,
        "error": error or type(exc).__name__,
    }
    for key in ("hint", "phone", "evidence"):
        value = getattr(exc, key, None)
        if value:
            obj[key] = value
    for key, value in (getattr(exc, "status_details", None) or {}).items():
        obj.setdefault(key, value)
    return redact(obj)


def render_error_json(exc: OrderAgentError, order: str | None, *, error: str | None = None) -> str:
    return json.dumps(error_object(exc, order, error=error), ensure_ascii=False, default=str)
