"""The live line on a real pseudo-terminal: lines written meanwhile are never torn, the
cursor comes back, and nothing changes for streams that are not that terminal."""

from __future__ import annotations

import io
import os
import pty
import re
import sys
import threading
from collections.abc import Iterator

import pytest

from agent.output import StepPrinter
from agent.terminal import follow_live_line, live_line_on

CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class _Terminal:
    """A pseudo-terminal: ``stream`` is what a program writes to; a thread reads the
    other end all along (a full terminal buffer would block the writer)."""

    def __init__(self) -> None:
        self.master, slave = pty.openpty()
        self.stream = open(slave, "w", encoding="utf-8", closefd=True)  # noqa: SIM115
        self._chunks: list[bytes] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: the writer's end is closed and everything was read
                return
            if not chunk:
                return
            self._chunks.append(chunk)

    def everything_shown(self) -> str:
        """All the terminal received, once the writer's end is closed."""
        if not self.stream.closed:
            self.stream.close()
        self._reader.join(timeout=10)
        return b"".join(self._chunks).decode("utf-8")

    def close(self) -> None:
        self.everything_shown()
        os.close(self.master)


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Terminal]:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    shown = _Terminal()
    yield shown
    shown.close()


def test_lines_written_while_the_spinner_turns_stay_whole(terminal: _Terminal) -> None:
    stream = terminal.stream
    printer = StepPrinter(stream)
    log = follow_live_line(stream)
    with printer.progress("Signing in"):
        assert live_line_on(stream) is not None
        log.write("2026-11-30 [info] a log line")
        log.write("\n")
    printer.done("Signed in")
    printer.stop()
    assert live_line_on(stream) is None

    shown = terminal.everything_shown()
    assert "Signing in" in shown
    lines = [CONTROL.sub("", line).strip() for line in re.split(r"[\r\n]+", shown)]
    assert "2026-11-30 [info] a log line" in lines
    assert "✓ Signed in" in lines
    assert "\x1b[32m✓\x1b[0m Signed in" in shown
    assert shown.rstrip("\r\n").endswith("Signed in")
    assert "\x1b[?25h" in shown  # the cursor is back


def test_a_failed_step_is_marked_and_the_line_erased(terminal: _Terminal) -> None:
    stream = terminal.stream
    printer = StepPrinter(stream)
    with pytest.raises(RuntimeError), printer.progress("Opening order 70001"):
        raise RuntimeError("the shop went away")
    printer.stop()

    shown = terminal.everything_shown()
    assert "\x1b[31m✗\x1b[0m Opening order 70001" in shown


def test_a_stdout_that_is_not_the_terminal_is_left_alone(terminal, monkeypatch: pytest.MonkeyPatch):
    stream = terminal.stream
    piped = io.StringIO()
    monkeypatch.setattr(sys, "stdout", piped)
    printer = StepPrinter(stream)
    printer.progress("Starting the browser")
    assert sys.stdout is piped
    print('{"order": "MK-70001"}')
    printer.stop()
    assert piped.getvalue() == '{"order": "MK-70001"}\n'
    terminal.everything_shown()


def test_without_a_live_line_log_writes_pass_through_byte_for_byte() -> None:
    target = io.StringIO()
    log = follow_live_line(target)
    log.write("partial ")
    log.write("line\n")
    log.write('{"event": "x"}\n')
    log.flush()
    assert target.getvalue() == 'partial line\n{"event": "x"}\n'
