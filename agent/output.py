"""What people and programs read: a Result as one JSON object or a short block,
and the live steps printed while a command runs.

Everything passes through the redactor on its way out.
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from agent.redaction import redact, scrub
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


def render_human(result: Result, *, ascii_only: bool = False) -> str:
    """A short block for people: what happened, the order's status, the proof."""
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

    lines = [f"{symbol} {result.headline or f'{headline}: order {result.order}'}"]
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
    if message:
        lines.append(f"  {message}")
    return scrub("\n".join(lines))


class StepPrinter:
    """Prints each step as it happens, for a person watching a terminal.

    Silent when disabled (``--json``, or stderr is not a terminal and not
    verbose): programs read the result, logs tell the story.
    """

    def __init__(self, stream: TextIO | None = None, *, enabled: bool = True) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.enabled = enabled
        self._symbols = _Symbols(not can_encode(self.stream, "✓•→…"))

    @classmethod
    def for_command(
        cls, *, json_output: bool, verbose: bool = False, stream: TextIO | None = None
    ) -> StepPrinter:
        stream = sys.stderr if stream is None else stream
        try:
            interactive = stream.isatty()
        except (AttributeError, ValueError):
            interactive = False
        return cls(stream, enabled=not json_output and (interactive or verbose))

    def _print(self, symbol: str, text: str) -> None:
        if not self.enabled:
            return
        self.stream.write(f"{symbol} {scrub(text)}\n")
        self.stream.flush()

    def done(self, text: str) -> None:
        """A step that succeeded: "✓ Signed in"."""
        self._print(self._symbols.done, text)

    def info(self, text: str) -> None:
        """Something learned: "• Status: processing"."""
        self._print(self._symbols.info, text)

    def doing(self, text: str) -> None:
        """A step starting: "→ Requesting cancellation…"."""
        if not text.endswith(("…", "...")):
            text += self._symbols.ellipsis
        self._print(self._symbols.doing, text)

    def warn(self, text: str) -> None:
        """Something a person should notice: "! Retrying after a server error"."""
        self._print(self._symbols.warn, text)


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
    return redact(obj)


def render_error_json(exc: OrderAgentError, order: str | None, *, error: str | None = None) -> str:
    return json.dumps(error_object(exc, order, error=error), ensure_ascii=False, default=str)
