"""What a terminal can show: colour, and one live line with a spinner.

Colour follows the usual conventions: ``NO_COLOR`` (any value) turns it off,
``FORCE_COLOR`` (any value but ``0``/``false``) turns it on even off a terminal,
otherwise a terminal gets it unless ``TERM=dumb``. The spinner needs a real
terminal (a file descriptor that is a TTY, ``TERM`` not dumb); off one, nothing
here writes a byte, so pipes and log files read exactly as before.

``rich`` draws the spinner and is imported only when a terminal shows one: a
scheduled run, a pipe or ``--json`` never pays for it.

While a live line is shown, everything else written to the same terminal (the
result on stdout, log lines, ``order-agent:`` messages) is printed above it, so
the spinner never tears a line in two.
"""

from __future__ import annotations

import atexit
import io
import os
import sys
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult
    from rich.live import Live
    from rich.spinner import Spinner

_SGR = {"green": "32", "red": "31", "yellow": "33", "cyan": "36", "dim": "2"}
_OFF_VALUES = ("0", "false", "no")
_DUMB_TERMINALS = ("dumb", "unknown")
# Frames a spinner shows per second: smooth enough, cheap for a 2-core machine.
REFRESH_PER_SECOND = 12.5


def is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or fake streams
        return False


def _real_terminal(stream: TextIO) -> bool:
    try:
        return os.isatty(stream.fileno())
    except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
        return False


def _dumb() -> bool:
    return os.environ.get("TERM", "").strip().lower() in _DUMB_TERMINALS


def colour_wanted(stream: TextIO) -> bool:
    """Whether text written to ``stream`` may carry colour codes."""
    if os.environ.get("NO_COLOR", ""):
        return False
    force = os.environ.get("FORCE_COLOR", "").strip().lower()
    if force and force not in _OFF_VALUES:
        return True
    return is_terminal(stream) and not _dumb()


def can_animate(stream: TextIO) -> bool:
    """Whether a spinner can redraw its line on ``stream`` (a real, capable terminal)."""
    return is_terminal(stream) and _real_terminal(stream) and not _dumb()


def paint(text: str, colour: str | None, *, enabled: bool) -> str:
    """``text`` in ``colour`` (an ANSI SGR code pair around it) when ``enabled``."""
    if not enabled or colour is None or not text:
        return text
    return f"\x1b[{_SGR[colour]}m{text}\x1b[0m"


def _same_terminal(one: TextIO, other: TextIO) -> bool:
    if one is other:
        return True
    try:
        return os.path.sameopenfile(one.fileno(), other.fileno())
    except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
        return False


# The live line being shown in this process, if any (there is one terminal).
_showing: LiveLine | None = None


def live_line_on(stream: TextIO) -> LiveLine | None:
    """The live line shown on the terminal ``stream`` writes to, if one is."""
    live = _showing
    if live is None or not _same_terminal(live.stream, stream):
        return None
    return live


class _AboveTheLiveLine(io.TextIOBase):
    """A stream that prints whole lines above the live line while one is shown,
    and writes straight through (byte for byte) otherwise."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream
        self._pending = ""

    def write(self, text: str) -> int:
        live = live_line_on(self.stream)
        if live is None:
            if self._pending:
                self.stream.write(self._pending)
                self._pending = ""
            self.stream.write(text)
            return len(text)
        *lines, self._pending = (self._pending + text).split("\n")
        for line in lines:
            live.write_line(line)
        return len(text)

    def flush(self) -> None:
        if self._pending and live_line_on(self.stream) is None:
            self.stream.write(self._pending)
            self._pending = ""
        self.stream.flush()

    def isatty(self) -> bool:
        return is_terminal(self.stream)

    def fileno(self) -> int:
        return self.stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.stream, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self.stream, "errors", None)

    def writable(self) -> bool:
        return True


def follow_live_line(stream: TextIO) -> TextIO:
    """``stream``, wrapped so that its lines go above a live line shown on the same terminal."""
    if isinstance(stream, _AboveTheLiveLine):
        return stream
    return _AboveTheLiveLine(stream)  # type: ignore[return-value]


class _SpinnerLine:
    """The spinner and its text on one line, cut with "…" rather than wrapped."""

    def __init__(self, spinner: Spinner) -> None:
        self.spinner = spinner

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.text import Text

        line = self.spinner.render(console.get_time())
        if isinstance(line, Text):
            line.no_wrap = True
            line.overflow = "ellipsis"
        yield line


class LiveLine:
    """One transient line at the bottom of a terminal: a spinner and what is being done.

    ``show`` starts (or updates) it, ``hide`` erases it, ``write_line`` prints a
    finished line above it. Hidden, it costs nothing and writes nothing.
    """

    def __init__(self, stream: TextIO, *, colour: bool, ascii_only: bool) -> None:
        self.stream = stream
        self.colour = colour
        self.ascii_only = ascii_only
        self._console: Console | None = None
        self._live: Live | None = None
        self._spinner: Spinner | None = None
        self._redirected: list[tuple[str, TextIO]] = []

    @property
    def shown(self) -> bool:
        return self._live is not None

    def _make_console(self) -> Console:
        from rich.console import Console

        return Console(
            file=self.stream,
            force_terminal=True,
            force_interactive=True,
            color_system="standard" if self.colour else None,
            no_color=not self.colour,
            highlight=False,
            markup=False,
            emoji=False,
            legacy_windows=False,
        )

    def show(self, text: str) -> None:
        global _showing
        if self._live is not None and self._spinner is not None:
            self._spinner.update(text=self._text(text))
            self._live.refresh()
            return
        if _showing is not None and _showing is not self:
            _showing.hide()
        from rich.live import Live
        from rich.spinner import Spinner

        self._console = self._console or self._make_console()
        self._spinner = Spinner(
            "line" if self.ascii_only else "dots",
            text=self._text(text),
            style="cyan" if self.colour else None,
        )
        self._live = Live(
            _SpinnerLine(self._spinner),
            console=self._console,
            transient=True,
            refresh_per_second=REFRESH_PER_SECOND,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        _showing = self
        _register_exit_handler()
        self._redirect_standard_streams()
        self._live.start(refresh=True)

    def _text(self, text: str) -> Any:
        from rich.text import Text

        return Text(text, no_wrap=True, overflow="ellipsis")

    def hide(self) -> None:
        global _showing
        live, self._live, self._spinner = self._live, None, None
        if live is not None:
            live.stop()
        self._restore_standard_streams()
        if _showing is self:
            _showing = None

    def write_line(self, line: str) -> None:
        """A finished line (it may carry colour codes), printed above the spinner."""
        if self._live is None or self._console is None:
            self.stream.write(line + "\n")
            self.stream.flush()
            return
        from rich.text import Text

        self._console.print(
            Text.from_ansi(line), no_wrap=True, overflow="ignore", crop=False, soft_wrap=True
        )

    def _redirect_standard_streams(self) -> None:
        # print() to stdout/stderr of the same terminal goes above the spinner. A stdout
        # that is a pipe or a file is left alone: not one byte of it changes.
        for name in ("stdout", "stderr"):
            current = getattr(sys, name)
            if isinstance(current, _AboveTheLiveLine) or not _same_terminal(current, self.stream):
                continue
            self._redirected.append((name, current))
            setattr(sys, name, _AboveTheLiveLine(current))

    def _restore_standard_streams(self) -> None:
        while self._redirected:
            name, original = self._redirected.pop()
            wrapper = getattr(sys, name)
            if isinstance(wrapper, _AboveTheLiveLine) and wrapper.stream is original:
                wrapper.flush()
                setattr(sys, name, original)


_exit_handler_registered = False


def _register_exit_handler() -> None:
    global _exit_handler_registered
    if not _exit_handler_registered:
        _exit_handler_registered = True
        atexit.register(_hide_at_exit)


def _hide_at_exit() -> None:
    # Whatever ended the process, the cursor comes back and the spinner goes.
    if _showing is not None:
        _showing.hide()
