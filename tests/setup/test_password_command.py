"""ORDER_AGENT_PASSWORD_COMMAND end to end: init stores the command (never a password),
`status` signs in with what it prints; a failing command is exit 2 in one line that
never shows what it printed."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from fixtures.server import ShopServer
from tests.support.people import JANE, JANE_NAME, PASSWORD

from .conftest import FreshHome
from .process import agent_argv, init_argv, run

pytestmark = pytest.mark.slow


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    """Where the helper keeps the password (outside HOME): no command line holds it."""
    path = tmp_path / "vault"
    path.write_text(PASSWORD + "\n", encoding="utf-8")
    return path


def helper(vault: Path, *, code: int = 0) -> str:
    """A password helper: prints the vault's password on stdout and stderr, exits ``code``."""
    script = (
        f"import sys; p = open({str(vault)!r}).read(); print(p); sys.stderr.write(p); "
        f"sys.exit({code})"
    )
    return shlex.join([sys.executable, "-c", script])


def said(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def test_init_stores_the_command_and_status_signs_in_with_it(
    shop: ShopServer, fresh_home: FreshHome, vault: Path
) -> None:
    command = helper(vault)
    argv = init_argv(
        "--site-url",
        shop.region_url("us"),
        "--email",
        JANE,
        "--name",
        JANE_NAME,
        "--password-command",
        command,
        "--schedule",
        "no",
    )
    done = run(argv, fresh_home.env(), fresh_home.work)
    assert done.returncode == 0, done.stderr
    assert "ORDER_AGENT_PASSWORD_COMMAND prints it when needed" in done.stdout

    config = fresh_home.config_file.read_text(encoding="utf-8")
    assert "ORDER_AGENT_PASSWORD_COMMAND=" in config
    assert PASSWORD not in config
    assert not fresh_home.password_file.exists()

    status = run(agent_argv("status", "MK-70001", "--json"), fresh_home.env(), fresh_home.work)
    assert status.returncode == 0, status.stderr
    assert '"status": "processing"' in status.stdout
    assert PASSWORD not in status.stdout + status.stderr + done.stdout + done.stderr


def test_failing_command_is_exit_2_in_one_line_showing_nothing_it_printed(
    shop: ShopServer, fresh_home: FreshHome, vault: Path
) -> None:
    env = fresh_home.env(
        ORDER_AGENT_SITE_URL=shop.region_url("us"),
        ORDER_AGENT_EMAIL=JANE,
        ORDER_AGENT_PASSWORD_COMMAND=helper(vault, code=1),
    )
    status = run(agent_argv("status", "MK-70001"), env, fresh_home.work)

    assert status.returncode == 2
    assert status.stdout == ""
    [line] = said(status.stderr)
    assert line.startswith("order-agent: ORDER_AGENT_PASSWORD_COMMAND failed: ")
    assert "exited with status 1" in line
    assert PASSWORD not in status.stderr


def test_init_with_a_failing_command_stops_before_the_browser_and_writes_nothing(
    shop: ShopServer, fresh_home: FreshHome, vault: Path
) -> None:
    argv = init_argv(
        "--site-url",
        shop.region_url("us"),
        "--email",
        JANE,
        "--password-command",
        helper(vault, code=4),
    )
    done = run(argv, fresh_home.env(), fresh_home.work)

    assert done.returncode == 2
    [line] = said(done.stderr)
    assert line.startswith("order-agent: ORDER_AGENT_PASSWORD_COMMAND failed: ")
    assert PASSWORD not in done.stdout + done.stderr
    assert not fresh_home.config_dir.exists()
