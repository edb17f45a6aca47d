"""Several jobs on Playwright's sync API at once, in one thread, each in a greenlet of its own.

Playwright's sync API runs its event loop in a *dispatcher* greenlet: every sync
call parks the greenlet that made it until the driver answers
(``playwright._impl._greenlets.wait_for_future``). Locator handlers, routes and
event listeners already run that way, each in a greenlet of its own, so that
they may block in sync calls of their own. Jobs started the same way interleave
at every Playwright call: while one tab waits for its page, another's Python
runs. There is one thread and no lock on our side; a job's plain Python code
(a ledger write, a file save) runs to its end before any other job's resumes.

This is the one module that reaches into Playwright's private greenlet plumbing
(the loop, the dispatcher fiber, ``wait_for_future``); pyproject pins the minor
version it was written for, and ``tests/flows/test_flows_together.py`` fails
first if the plumbing changes. :func:`event_loop` and :func:`wait_for` lend the same
plumbing to code that must wait without blocking the other jobs (``flows.politeness``:
a route handler waiting for a free slot, a timer of the loop for the per-second window).

::

    outcomes = run_together(context, [lambda: check(a), lambda: check(b)], limit=4)
    # -> [Done(value) | Failed(exception), ...] in the order of the jobs
"""

from __future__ import annotations

import asyncio
import contextvars
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import greenlet
from playwright._impl._greenlets import wait_for_future

T = TypeVar("T")


@dataclass(frozen=True)
class Done(Generic[T]):
    value: T


@dataclass(frozen=True)
class Failed:
    error: Exception


Outcome = Done[T] | Failed


class _Worker(greenlet.greenlet):
    def __str__(self) -> str:
        return "<order-agent worker>"


def run_together(
    anchor: Any, jobs: Sequence[Callable[[], T]], *, limit: int
) -> list[Done[T] | Failed]:
    """Run ``jobs`` with at most ``limit`` of them under way at once; one outcome per job.

    ``anchor`` is any object of the sync API (a page, a context, a browser): it
    names the Playwright instance whose event loop carries the jobs. An
    ``Exception`` in a job is that job's ``Failed`` outcome and never disturbs
    the others. Anything else (Ctrl-C, a test's timeout) stops every job where it
    is, lets none start, and is raised here.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    outcomes: list[Done[T] | Failed | None] = [None] * len(jobs)
    if not jobs:
        return []
    if limit == 1 or len(jobs) == 1:
        # Nothing to interleave: the caller's own greenlet does the work.
        for index, job in enumerate(jobs):
            outcomes[index] = _outcome(job)
        return [outcome for outcome in outcomes if outcome is not None]

    loop = anchor._loop
    dispatcher = anchor._dispatcher_fiber
    waiting = deque(enumerate(jobs))
    all_done = loop.create_future()
    workers: list[_Worker] = []
    stopping = False
    running = min(limit, len(jobs))
    # Every worker starts from the caller's context (structlog's contextvars) and
    # binds its own order's values in a copy of its own.
    context = contextvars.copy_context()

    def work() -> None:
        nonlocal running
        try:
            while waiting and not stopping:
                index, job = waiting.popleft()
                outcomes[index] = _outcome(job)
        finally:
            running -= 1
            if running == 0 and not all_done.done():
                all_done.set_result(None)

    def start() -> None:
        # A loop callback: it runs in the dispatcher fiber, so each worker's first
        # Playwright call switches back here and the next worker starts.
        for _ in range(running):
            worker = _Worker(work)
            worker.gr_context = context.copy()
            workers.append(worker)
            worker.switch()

    loop.call_soon(start)
    try:
        wait_for_future(loop, dispatcher, all_done)
    except BaseException:
        stopping = True
        here = greenlet.getcurrent()
        for worker in workers:
            if not worker.dead:
                # Back here, not into the event loop, once the worker has wound up.
                worker.parent = here
                worker.throw(greenlet.GreenletExit)
        raise
    return [outcome for outcome in outcomes if outcome is not None]


def event_loop(anchor: Any) -> asyncio.AbstractEventLoop:
    """The event loop carrying ``anchor``'s Playwright instance (for futures and timers)."""
    loop: asyncio.AbstractEventLoop = anchor._loop
    return loop


def wait_for(anchor: Any, future: asyncio.Future[Any]) -> None:
    """Park the calling greenlet (a job, a route or event handler) until ``future`` is done.

    The other jobs and handlers go on meanwhile, as during any sync Playwright call.
    Must not be called from the dispatcher itself (a loop callback).
    """
    wait_for_future(anchor._loop, anchor._dispatcher_fiber, future)


def _outcome(job: Callable[[], T]) -> Done[T] | Failed:
    try:
        return Done(job())
    except Exception as exc:
        return Failed(exc)
