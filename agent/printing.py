"""``--print``: the saved return label sent to the default printer with CUPS' ``lp``.

Printing is a courtesy on top of a return that already happened: the label is
saved whatever the printer does. So a missing ``lp`` or a refusal (no default
printer, a stopped queue) is a warning next to a successful result, never an
error exit: a script that retried on a non-zero code would start the return again
for nothing. Only ``lp``'s exit status is trusted; its first line of output (the
request id, or CUPS' complaint) is what the person reads.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

# ``lp`` only queues the job: it answers at once, or something is wrong with CUPS.
LP_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Printed:
    """What happened to the label: sent to the printer (``ok``), and one line saying so."""

    ok: bool
    message: str

    def to_json(self) -> dict[str, object]:
        return {"printed": self.ok, "print_message": self.message}


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0][:200] if lines else ""


def print_label(label: Path) -> Printed:
    """``lp LABEL`` on the default printer; never raises for a printer's trouble."""
    lp = shutil.which("lp")
    if lp is None:
        return Printed(
            False,
            "not printed: `lp` (CUPS) is not on PATH; the label is kept, print it yourself",
        )
    try:
        done = subprocess.run(
            [lp, "--", str(label)],
            capture_output=True,
            text=True,
            timeout=LP_TIMEOUT_S,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return Printed(
            False, f"not printed: `lp` gave no answer in {LP_TIMEOUT_S:.0f}s; the label is kept"
        )
    except OSError as exc:
        return Printed(
            False, f"not printed: `lp` could not run ({exc.strerror}); the label is kept"
        )
    if done.returncode != 0:
        said = _first_line(done.stderr) or _first_line(done.stdout) or f"exit {done.returncode}"
        return Printed(False, f"not printed: {said}; the label is kept, print it yourself")
    said = _first_line(done.stdout)
    return Printed(True, f"sent to the default printer ({said})" if said else "sent to the printer")
