"""Ctrl-C and SIGTERM: heard once, by the agent alone, and told as one line.

A terminal's Ctrl-C goes to the whole process group, and systemd's stop sends SIGTERM to
every process of the unit. Left alone, the Playwright driver and Chromium would die at
the same moment as the agent hears the signal, and the agent would report the browser's
death ("TargetClosedError") instead of the interruption. So:

* ``install()`` (the CLI's first step) turns both signals into :class:`Interrupted` (a
  ``KeyboardInterrupt``) raised in the main thread, and remembers which came;
* ``driver_in_its_own_session()`` wraps the start of the Playwright driver: it leads a
  session of its own, so a terminal's Ctrl-C reaches the agent alone, and the driver and
  the browser live until the agent closes them, after it has said what was and was not
  sent;
* ``received()`` tells the error boundary that whatever failed, failed because of the
  signal: it is reported as the interruption it is (exit 130, 143 for SIGTERM).

The standard library only.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_TERMINATED = 143  # 128 + SIGTERM
_SIGNALS = (signal.SIGINT, signal.SIGTERM)

_received: list[int] = []


class Interrupted(KeyboardInterrupt):
    """The command was stopped by SIGINT (Ctrl-C) or SIGTERM."""

    def __init__(self, signal_number: int) -> None:
        super().__init__(signal.Signals(signal_number).name)
        self.signal_number = signal_number


def _handler(signal_number: int, _frame: FrameType | None) -> None:
    first = not _received
    _received.append(signal_number)
    if first:
        raise Interrupted(signal_number)
    # A second signal while the first is being told: stop telling, leave at once.
    raise KeyboardInterrupt


def install() -> None:
    """Hear SIGINT and SIGTERM as :class:`Interrupted` (main thread only; else a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        return
    _received.clear()
    for number in _SIGNALS:
        # A process started to ignore a signal (nohup, a background job) keeps ignoring it.
        if signal.getsignal(number) is not signal.SIG_IGN:
            signal.signal(number, _handler)


def received() -> int | None:
    """The first signal heard since ``install()``, if any."""
    return _received[0] if _received else None


def exit_code() -> int:
    return EXIT_TERMINATED if received() == signal.SIGTERM else EXIT_INTERRUPTED


@contextlib.contextmanager
def driver_in_its_own_session() -> Iterator[None]:
    """The Playwright driver started in here leads a session of its own: a terminal's
    Ctrl-C (sent to the terminal's process group) reaches the agent, not the driver, and
    so not the browser, which Playwright starts in a process group of its own already.

    The driver is started by ``asyncio.create_subprocess_exec``: for the duration of the
    block, that call starts its process in a new session. (Ignoring the signals instead
    does not last: the driver resets its signal dispositions as it starts.) A driver
    whose agent dies any other way still ends: it stops when its pipe closes.
    """
    if not hasattr(os, "setsid"):
        yield
        return
    import asyncio  # here: the cheap commands (an idle `run`) never load it

    real = asyncio.create_subprocess_exec

    async def own_session(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("start_new_session", True)
        return await real(*args, **kwargs)

    asyncio.create_subprocess_exec = own_session  # type: ignore[assignment]
    try:
        yield
    finally:
        asyncio.create_subprocess_exec = real  # type: ignore[assignment]
