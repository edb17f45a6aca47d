"""Retrying what is safe to repeat: reading the shop, signing in, downloading a label.

Only transient failures (``TransientError``: a page that did not load, a server error)
are tried again, at most ``RETRY_ATTEMPTS`` times, after a jittered exponential wait whose
bounds are settings (``ORDER_AGENT_RETRY_WAIT_*``: the tests take the real path in
milliseconds); anything else is raised at once. A submit is never wrapped in this:
``agent.submitting`` sends once, and a failure that may have reached the shop is
reconciled before anything is sent again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from tenacity import (
    Retrying,
    retry_if_exception_type,
    retry_if_not_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from flows.limits import current as current_limits
from ordercore.errors import SiteUnavailable, TransientError

T = TypeVar("T")

RETRY_ATTEMPTS = 3


def retrying(
    step: Callable[[], T],
    *,
    attempts: int = RETRY_ATTEMPTS,
    final: tuple[type[TransientError], ...] = (),
) -> T:
    """Run a step that is safe to repeat, retrying transient failures only.

    ``final``: transient kinds not worth repeating this time (they are raised as they are).
    """
    try:
        for attempt in Retrying(
            retry=retry_if_exception_type(TransientError)
            & retry_if_not_exception_type(final or ()),
            stop=stop_after_attempt(attempts),
            # Settings (ORDER_AGENT_RETRY_WAIT_*): tests take the real path in milliseconds.
            wait=wait_random_exponential(
                multiplier=current_limits().retry_wait_multiplier_s,
                max=current_limits().retry_wait_max_s,
            ),
            reraise=True,
        ):
            with attempt:
                return step()
    except TransientError as exc:
        if isinstance(exc, final):
            raise
        raise SiteUnavailable(
            f"the shop stayed unavailable after {attempts} attempts: {exc}",
            hint="nothing was sent; run the command again later",
        ) from exc
    raise AssertionError("unreachable")  # pragma: no cover
