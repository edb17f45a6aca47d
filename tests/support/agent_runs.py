"""What one ``order-agent`` command showed, whether it ran in this process or as its own."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

PROG_PREFIX = "order-agent: "


def said_lines(stderr: str) -> list[str]:
    """The one-line messages for people (``order-agent: ...``), prefix cut."""
    return [
        line[len(PROG_PREFIX) :] for line in stderr.splitlines() if line.startswith(PROG_PREFIX)
    ]


@dataclass
class AgentRun:
    """One finished ``order-agent`` command: exit code, stdout, stderr and its arguments."""

    code: int
    stdout: str
    stderr: str
    args: tuple[str, ...] = ()

    @property
    def said(self) -> list[str]:
        return said_lines(self.stderr)

    @property
    def json(self) -> dict[str, Any]:
        """The one JSON object on stdout (fails the test if there is not exactly one)."""
        lines = [line for line in self.stdout.splitlines() if line.strip()]
        assert len(lines) == 1, f"expected one JSON line on stdout, got: {self.stdout!r}"
        obj = json.loads(lines[0])
        assert isinstance(obj, dict)
        return obj

    @property
    def message(self) -> str:
        """Everything told to the person: stderr lines and the human block on stdout."""
        return "\n".join([*self.said, self.stdout])

    @property
    def logs(self) -> list[dict[str, Any]]:
        """The JSON log lines on stderr."""
        return [json.loads(line) for line in self.stderr.splitlines() if line.startswith("{")]

    def explain(self) -> str:
        return f"order-agent {' '.join(self.args)} -> {self.code}\n{self.stdout}\n{self.stderr}"
