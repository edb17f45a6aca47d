"""The scheduling recipes init gives: user systemd units that `systemd-analyze verify`
accepts, and a cron line that works as written on a fresh account."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from agent.browser import find_browser
from agent.schedule_recipes import SYSTEMCTL_COMMANDS, agent_executable, cron_line, systemd_units
from fixtures.server import ShopServer
from tests.support.people import JANE, JANE_NAME, PASSWORD

from .conftest import FreshHome
from .process import PROCESS_TIMEOUT_S, agent_argv, init_argv, run

SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
needs_systemd_analyze = pytest.mark.skipif(
    SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed"
)


def init_for(shop: ShopServer, home: FreshHome, schedule: str) -> subprocess.CompletedProcess[str]:
    """`init` as a script runs it: every answer as a flag, the password on stdin."""
    argv = init_argv(
        "--site-url",
        shop.region_url("us"),
        "--email",
        JANE,
        "--name",
        JANE_NAME,
        "--password-stdin",
        "--schedule",
        schedule,
    )
    done = run(argv, home.env(), home.work, stdin=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    return done


def verify(*units: Path, user: bool, runtime_dir: Path) -> subprocess.CompletedProcess[str]:
    assert SYSTEMD_ANALYZE is not None
    argv = [SYSTEMD_ANALYZE, *(["--user"] if user else []), "verify", *map(str, units)]
    # --user needs a runtime directory; a container's root session has none of its own.
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime_dir)}
    return subprocess.run(argv, env=env, capture_output=True, text=True, check=False, timeout=60)


# -- systemd -------------------------------------------------------------------------------------
@pytest.mark.slow
@needs_systemd_analyze
def test_init_installs_user_units_that_systemd_analyze_verifies(
    shop: ShopServer, fresh_home: FreshHome, tmp_path: Path
) -> None:
    done = init_for(shop, fresh_home, "systemd")

    unit_dir = fresh_home.path / ".config" / "systemd" / "user"
    service, timer = unit_dir / "order-agent.service", unit_dir / "order-agent.timer"
    for line in (f"Wrote {service} and {timer}", *SYSTEMCTL_COMMANDS):
        assert line in done.stdout
    text = service.read_text(encoding="utf-8")
    exec_start = next(line for line in text.splitlines() if line.startswith("ExecStart="))
    executable = Path(shlex.split(exec_start.removeprefix("ExecStart="))[0])
    assert executable.is_absolute() and os.access(executable, os.X_OK)
    assert executable.name == "order-agent"
    assert "WorkingDirectory" not in text and "EnvironmentFile" not in text
    assert stat.S_IMODE(service.stat().st_mode) == 0o644

    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    for user in (True, False):
        checked = verify(service, timer, user=user, runtime_dir=runtime)
        assert checked.returncode == 0, checked.stderr
        assert checked.stderr == "", checked.stderr


@needs_systemd_analyze
def test_systemd_analyze_would_catch_a_broken_unit(tmp_path: Path) -> None:
    """The check above can fail: a unit naming a missing executable does not verify."""
    units = systemd_units(tmp_path / "no such dir" / "order-agent")
    service = tmp_path / "order-agent.service"
    service.write_text(units.service, encoding="utf-8")
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    checked = verify(service, user=True, runtime_dir=runtime)
    assert checked.returncode != 0
    assert "is not executable" in checked.stderr


def test_units_quote_odd_executable_paths_and_escape_specifiers() -> None:
    units = systemd_units(Path("/opt/my tools/100%/order-agent"))
    assert 'ExecStart="/opt/my tools/100%%/order-agent" run' in units.service
    units = systemd_units(Path("/usr/bin/order-agent"), config_home=Path("/srv/conf"))
    assert "Environment=XDG_CONFIG_HOME=/srv/conf" in units.service


# -- cron -----------------------------------------------------------------------------------------
def test_cron_line_names_the_executable_and_creates_the_log_folder() -> None:
    line = cron_line(Path("/opt/my tools/100%/order-agent"))
    assert line == (
        '*/15 * * * * mkdir -p "$HOME/.local/state/order-agent" && '
        "'/opt/my tools/100\\%/order-agent' run "
        '>>"$HOME/.local/state/order-agent/run.log" 2>&1'
    )


def cron_runs(line: str, home: Path) -> subprocess.CompletedProcess[str]:
    """The line's command as cron runs it: `sh -c`, a bare environment, cron's PATH."""
    fields = line.split(None, 5)
    assert fields[:5] == ["*/15", "*", "*", "*", "*"], line
    command = fields[5].replace("\\%", "%")  # what cron hands the shell
    return subprocess.run(
        ["env", "-i", f"HOME={home}", "PATH=/usr/bin:/bin", "sh", "-c", command],
        capture_output=True,
        text=True,
        check=False,
        timeout=PROCESS_TIMEOUT_S,
    )


@pytest.mark.slow
def test_cron_line_from_init_runs_on_a_fresh_home_and_appends_to_its_log(
    shop: ShopServer, fresh_home: FreshHome
) -> None:
    done = init_for(shop, fresh_home, "cron")
    [line] = [line for line in done.stdout.splitlines() if line.startswith("*/15 ")]
    # The password for cron is in the 0600 file: cron jobs cannot reach a keyring.
    assert f"The password is in {fresh_home.password_file} (mode 0600)" in done.stdout
    log_dir = fresh_home.path / ".local" / "state" / "order-agent"
    assert not log_dir.exists()
    browser = find_browser()
    if browser is not None:  # cron's PATH may not find the browser this machine uses
        with fresh_home.config_file.open("a", encoding="utf-8") as config:
            config.write(f"ORDER_AGENT_BROWSER='{browser}'\n")

    idle = cron_runs(line, fresh_home.path)  # nothing tracked yet: an idle pass
    assert idle.returncode == 0, idle.stderr
    log = log_dir / "run.log"
    assert "No tracked order is waiting for anything." in log.read_text(encoding="utf-8")

    added = run(agent_argv("add", "MK-70001"), fresh_home.env(), fresh_home.work)
    assert added.returncode == 0, added.stderr
    real = cron_runs(line, fresh_home.path)  # due now: signs in and asks to cancel
    # 75: the request is sent, the order stays tracked until the shop cancels it.
    assert real.returncode == 75, real.stderr
    [request] = shop.inbox("us")
    text = log.read_text(encoding="utf-8")
    assert text.startswith("No tracked order is waiting for anything.")  # appended, not replaced
    assert f"order MK-70001: waiting: Cancellation requested: case {request['case']}" in text
    assert PASSWORD not in text


# -- docs/scheduled.md shows what init writes --------------------------------------------------
SCHEDULED_DOC = Path(__file__).resolve().parents[2] / "docs" / "scheduled.md"
DOC_EXECUTABLE = Path("/home/jane/src/order-agent/.venv/bin/order-agent")


def doc_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", SCHEDULED_DOC.read_text(encoding="utf-8"), re.S)


def test_the_docs_show_the_units_and_cron_line_init_writes(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HOME", "/home/jane")
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    units = systemd_units(DOC_EXECUTABLE)
    assert units.service in doc_blocks("ini")
    assert units.timer in doc_blocks("ini")
    [cron] = doc_blocks("cron")
    assert cron.splitlines()[-1] == cron_line(DOC_EXECUTABLE)


def test_executable_is_the_running_script_else_the_one_beside_this_python(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    link_dir = tmp_path / "bin"
    link_dir.mkdir()
    script = link_dir / "order-agent"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["bin/order-agent", "init"])
    assert agent_executable() == script  # absolute, links kept (a pipx upgrade keeps it)

    monkeypatch.setattr(sys, "argv", [str(tmp_path / "agent" / "__main__.py"), "init"])
    assert agent_executable() == Path(sys.executable).parent / "order-agent"
