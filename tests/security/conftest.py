"""Fixtures for the security tests: ``order-agent`` as a process against the shop."""

from __future__ import annotations

from tests.support.agent_cli import agent

__all__ = ["agent"]  # ``agent.run("status", "70001")``: see support.agent_cli
