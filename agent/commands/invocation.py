"""What the error boundary (``agent.cli.main``) needs to know about the command running.

Created by ``main`` before the command line is even parsed, handed to click as the
context's ``obj``, filled in by the command as it learns things (the order number,
how to explain an interruption). Import-light: no click, no settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Invocation:
    json_output: bool = False  # an error also prints one JSON object on stdout
    order: str | None = None  # the order the command works on, once known
    verbose: bool = False  # -v given before the command name
    # What to say (lines, without the "order-agent: " prefix) when Ctrl-C ends the
    # command; None: the plain "interrupted".
    on_interrupt: Callable[[], list[str]] | None = None
