"""The exit codes, their meanings, and the per-command tables shown in ``--help``.

Import-light on purpose (the idle ``run`` fast path and ``agent.cli`` use it
before click is imported).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ordercore.errors import EXIT_ERROR, EXIT_NEEDS_HUMAN, EXIT_OK, EXIT_TRY_LATER, EXIT_USAGE
from ordercore.models import Outcome

EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells expect

# The one table of exit codes: shown in the top-level --help, used for every Result.
EXIT_CODES: tuple[tuple[int, str], ...] = (
    (EXIT_OK, "done: requested, returned, or nothing needed doing"),
    (EXIT_TRY_LATER, "try later: nothing possible yet (in transit, shop down); run again"),
    (EXIT_NEEDS_HUMAN, "a person has to step in: see the message"),
    (EXIT_USAGE, "bad arguments or settings"),
    (EXIT_ERROR, "unexpected error"),
    (EXIT_INTERRUPTED, "interrupted (Ctrl-C; 143 for SIGTERM): says what was and was not sent"),
)
MEANING: dict[int, str] = dict(EXIT_CODES)

EXIT_CODE_BY_OUTCOME: dict[Outcome, int] = {
    Outcome.DONE: EXIT_OK,
    Outcome.WAITING: EXIT_TRY_LATER,
    Outcome.NEEDS_HUMAN: EXIT_NEEDS_HUMAN,
    Outcome.ERROR: EXIT_ERROR,
}


def exit_code_rows(codes: Iterable[int], meanings: Mapping[int, str] | None = None) -> list[str]:
    """``"   75  try later: ..."`` for each code, in the order given."""
    own = meanings or {}
    return [f"  {code:>3}  {own.get(code, MEANING[code])}" for code in codes]
