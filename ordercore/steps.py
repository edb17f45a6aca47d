"""A step that sends nothing, and who repeats it: shared by ``agent`` and ``flows``.

The agent repeats such a step through transient failures and signs in again when the
shop signed us out (its tenacity retry around its sign-in-again); a flow or the
submitter used without an agent tries it once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

T = TypeVar("T")


class SafeStep(Protocol):
    """Runs a step that sends nothing, repeating it as the caller sees fit."""

    def __call__(self, step: Callable[[], T], /) -> T: ...


def once(step: Callable[[], T], /) -> T:
    """A :class:`SafeStep` that tries once (no agent around to sign in again)."""
    return step()
