"""Feedback while it works: on a terminal (a real pseudo-terminal) a live line from the
first instant and colour that follows NO_COLOR; in a pipe, the plain lines of before."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from fixtures.server import ShopServer
from tests.support.people import JANE, JANE_NAME, PASSWORD

pytestmark = pytest.mark.slow

PROCESS_TIMEOUT_S = 110
SGR = re.compile(r"\x1b\[[0-9;]*m")  # colour codes (cursor movement is not colour)
SPINNER_FRAMES = re.compile(r"[\u2800-\u28ff]")  # the braille dots a spinner draws


def agent_env(shop: ShopServer, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a shopper's shell: the fixture shop, nothing from outside."""
    (tmp_path / "no-secrets").mkdir(exist_ok=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("ORDER_AGENT_") and key not in ("NO_COLOR", "FORCE_COLOR")
    }
    env.update(
        {
            "TERM": "xterm-256color",
            "ORDER_AGENT_SECRETS_DIR": str(tmp_path / "no-secrets"),
            "ORDER_AGENT_SITE_URL": shop.region_url("us"),
            "ORDER_AGENT_EMAIL": JANE,
            "ORDER_AGENT_PASSWORD": PASSWORD,
            "ORDER_AGENT_NAME": JANE_NAME,
            "ORDER_AGENT_DATA_DIR": str(tmp_path / "data"),
            **extra,
        }
    )
    return env


def on_a_terminal(env: dict[str, str], cwd: Path, *argv: str) -> tuple[int, list[str], str]:
    """``order-agent ARGV`` on a pseudo-terminal: its exit code, which of "Starting the
    browser" / "Signed in" came first (in order), and everything the terminal got."""
    cwd.mkdir(exist_ok=True)
    child = pexpect.spawn(
        sys.executable,
        ["-m", "agent", *argv],
        env=env,
        cwd=str(cwd),
        encoding="utf-8",
        timeout=PROCESS_TIMEOUT_S,
        dimensions=(24, 120),
    )
    seen: list[str] = []
    shown = ""
    try:
        while True:
            found = child.expect(["Starting the browser", "Signed in", pexpect.EOF])
            shown += child.before + (child.after if isinstance(child.after, str) else "")
            if found == 2:
                break
            seen.append(["Starting the browser", "Signed in"][found])
    finally:
        child.close()
    return child.exitstatus, seen, shown


def test_on_a_terminal_a_live_line_comes_first_and_steps_are_in_colour(
    shop: ShopServer, tmp_path: Path
):
    code, seen, shown = on_a_terminal(
        agent_env(shop, tmp_path), tmp_path / "cwd", "status", "70001"
    )

    assert code == 0, shown
    # The live line is up before the browser (Playwright itself) has even started.
    assert seen[0] == "Starting the browser", shown
    assert "Signed in" in seen[seen.index("Starting the browser") :], shown
    assert SPINNER_FRAMES.search(shown), shown
    assert "\x1b[32m✓\x1b[0m Signed in" in shown  # green
    assert "\x1b[32m✓\x1b[0m Order MK-70001 is still processing" in shown  # the result, too
    assert PASSWORD not in shown


def test_no_color_on_a_terminal_keeps_the_spinner_and_drops_every_colour(
    shop: ShopServer, tmp_path: Path
):
    env = agent_env(shop, tmp_path, NO_COLOR="1")
    code, seen, shown = on_a_terminal(env, tmp_path / "cwd", "status", "70001")

    assert code == 0, shown
    assert seen[0] == "Starting the browser", shown
    assert SPINNER_FRAMES.search(shown), shown
    assert not SGR.search(shown), shown
    assert "✓ Signed in" in shown
    assert "✓ Order MK-70001 is still processing" in shown


def test_a_failure_on_a_terminal_marks_the_step_that_was_under_way(
    shop: ShopServer, tmp_path: Path
):
    env = agent_env(shop, tmp_path, NO_COLOR="1", ORDER_AGENT_PASSWORD="Wrong-password-77")
    code, seen, shown = on_a_terminal(env, tmp_path / "cwd", "status", "70001")

    assert code == 3, shown
    assert seen[0] == "Starting the browser" and "Signed in" not in seen, shown
    assert "✗ Signing in" in shown
    assert "order-agent: " in shown
    assert "Wrong-password-77" not in shown


def piped(env: dict[str, str], cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    cwd.mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "agent", *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=PROCESS_TIMEOUT_S,
        check=False,
    )


def test_in_a_pipe_verbose_steps_are_the_plain_lines_without_codes_or_spinner(
    shop: ShopServer, tmp_path: Path
):
    done = piped(agent_env(shop, tmp_path), tmp_path / "cwd", "status", "70001", "-v")

    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout + done.stderr
    assert not SPINNER_FRAMES.search(done.stdout + done.stderr)
    assert done.stderr.splitlines() == [
        "✓ Signed in",
        "✓ Found order MK-70001",
        '• Status: processing ("Processing")',
    ]
    assert done.stdout.splitlines()[0] == "✓ Order MK-70001 is still processing"


def test_verbose_with_json_keeps_one_object_on_stdout_and_tells_the_rest_on_stderr(
    shop: ShopServer, tmp_path: Path
):
    done = piped(agent_env(shop, tmp_path), tmp_path / "cwd", "status", "70001", "-v", "--json")

    assert done.returncode == 0, done.stderr
    [line] = done.stdout.splitlines()
    assert json.loads(line)["order"] == "MK-70001"
    steps = [text for text in done.stderr.splitlines() if not text.startswith("{")]
    assert steps == ["✓ Signed in", "✓ Found order MK-70001", '• Status: processing ("Processing")']
    logged = [json.loads(text) for text in done.stderr.splitlines() if text.startswith("{")]
    [handled] = [entry for entry in logged if entry["event"] == "order handled"]
    assert (handled["order"], handled["outcome"], handled["command"]) == ("70001", "done", "status")
    assert "\x1b" not in done.stdout + done.stderr


def test_on_a_terminal_log_lines_go_to_the_log_file_not_between_the_steps(
    shop: ShopServer, tmp_path: Path
):
    # A scheduled pass whose order the shop does not list: a finding, logged as a warning.
    env = agent_env(shop, tmp_path, NO_COLOR="1", ORDER_AGENT_DEMO_DIR=str(tmp_path / "demo"))
    added = piped(env, tmp_path / "cwd", "add", "99999", "--no-check")
    assert added.returncode == 0, added.stderr
    code, _seen, shown = on_a_terminal(env, tmp_path / "cwd", "run")

    assert code in (0, 3, 75), shown
    assert "[warning" not in shown and "run_id=" not in shown and "kind=" not in shown, shown
    # A variable the agent does read is no "unknown environment variable".
    assert "ORDER_AGENT_DEMO_DIR" not in shown, shown
    logged = (tmp_path / "data" / "logs" / "order-agent.log").read_text(encoding="utf-8")
    lines = [json.loads(line) for line in logged.splitlines()]
    assert any(line.get("event") == "finding" for line in lines), logged
    assert PASSWORD not in logged


def _default_ctrl_c() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_watch_on_a_terminal_says_when_the_next_check_is(shop: ShopServer, tmp_path: Path):
    env = agent_env(shop, tmp_path, NO_COLOR="1")
    (tmp_path / "cwd").mkdir(exist_ok=True)
    # Ctrl-C as a shopper's terminal delivers it: a suite started in the background
    # (`make test &` from a script, some CI runners) ignores SIGINT, a child inherits
    # that, and the agent keeps ignoring what it was started to ignore (agent.interrupts).
    child = pexpect.spawn(
        sys.executable, ["-m", "agent", "watch", "70003", "--every", "30m"], env=env,
        cwd=str(tmp_path / "cwd"), encoding="utf-8", timeout=PROCESS_TIMEOUT_S,
        dimensions=(24, 120), preexec_fn=_default_ctrl_c,
    )  # fmt: skip
    try:
        child.expect("Waiting: next check at ")  # a shipped order: nothing to do until then
        child.sendintr()
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 130


def test_doctor_on_a_terminal_shows_each_step_once_as_it_is_found(shop: ShopServer, tmp_path: Path):
    env = agent_env(shop, tmp_path, NO_COLOR="1", ORDER_AGENT_PROFILE="maison-kora-us")
    code, _seen, shown = on_a_terminal(env, tmp_path / "cwd", "doctor")

    assert code == 0, shown
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown)
    for step in ("sign-in link", "order list", "order status", "contact topic"):
        rows = [line for line in plain.splitlines() if line.lstrip("\r").startswith(f"✓ {step} ")]
        assert len(rows) == 1, (step, plain)
    assert "All " in plain
