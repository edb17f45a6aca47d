"""How the tests start `order-agent init` and `order-agent` itself, as separate processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROCESS_TIMEOUT_S = 110


def init_argv(*args: str) -> list[str]:
    """The command line of `order-agent init ARGS` (the one place that names it)."""
    return agent_argv("init", *args)


def agent_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "agent", *args]


def run(
    argv: list[str], env: dict[str, str], cwd: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=PROCESS_TIMEOUT_S,
        check=False,
    )
