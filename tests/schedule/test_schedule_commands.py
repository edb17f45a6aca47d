"""The scheduled-mode commands that never need a browser: add, list, forget, an idle run."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent.cli import main
from agent.durations import format_duration, parse_duration, parse_optional_duration
from agent.ledger import EndState, OrderKey
from agent.scheduler import WatchPlan
from ordercore.errors import UsageError
from tests.support.ledgers import open_ledger
from tests.support.people import JANE

from .helpers import REPO, agent_env

SITE = "https://shop.example.com/us/"


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Jane at an unreachable shop: nothing in these tests may go near a browser."""
    data_dir = tmp_path / "data"
    for name, value in agent_env(SITE, data_dir).items():
        if name.startswith("ORDER_AGENT_"):
            monkeypatch.setenv(name, value)
    return data_dir


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict]]:
    """Exit code and the JSON objects printed; what went to stderr stays readable."""
    code = main(list(args))
    captured = capsys.readouterr()
    sys.stderr.write(captured.err)
    return code, [json.loads(line) for line in captured.out.splitlines() if line.startswith("{")]


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("15m", timedelta(minutes=15)),
        ("24h", timedelta(hours=24)),
        ("14d", timedelta(days=14)),
        ("1h30m", timedelta(minutes=90)),
        (" 2W ", timedelta(weeks=2)),
        ("90s", timedelta(seconds=90)),
    ],
)
def test_durations_read_like_people_write_them(text: str, span: timedelta) -> None:
    assert parse_duration(text) == span
    assert parse_duration(format_duration(span)) == span


@pytest.mark.parametrize("text", ["", "15", "m", "1.5h", "-3h", "0m", "3 days"])
def test_durations_refuse_anything_else(text: str) -> None:
    with pytest.raises(UsageError):
        parse_duration(text)


def test_follow_up_can_be_switched_off_and_checks_cannot_hammer_the_shop() -> None:
    assert parse_optional_duration("never") is None
    assert parse_optional_duration("36h") == timedelta(hours=36)
    with pytest.raises(UsageError, match="at least 1m"):
        WatchPlan(every=timedelta(seconds=20))


def test_add_list_forget(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, [added] = run_cli(
        capsys,
        "add",
        "#MK-70001",
        "--every",
        "30m",
        "--for",
        "2d",
        "--reason",
        "Gift",
        "--no-check",  # no look-up at the shop: nothing here goes near a browser
        "--json",
    )
    assert code == 0
    assert added["order"] == "70001"
    assert (added["every"], added["follow_up_after"], added["reason"]) == ("30m", "1d", "Gift")
    assert added["end_state"] == "none"
    assert added["next_check"] is not None  # due at once
    until = datetime.fromisoformat(added["until"])
    assert timedelta(days=2) - timedelta(minutes=5) < until - datetime.now(UTC) <= timedelta(days=2)

    assert run_cli(capsys, "add", "70002", "--follow-up-after", "never", "--no-check")[0] == 0
    assert run_cli(capsys, "add", "70004", "--ship-by", "3d", "--no-check")[0] == 0
    assert run_cli(capsys, "add", "70012", "--ship-by", "never", "--no-check")[0] == 0
    code, [listing] = run_cli(capsys, "list", "--json")
    assert code == 0
    assert [(o["order"], o["follow_up_after"], o["ship_by"]) for o in listing["orders"]] == [
        ("70001", "1d", "7d"),
        ("70002", "never", "7d"),
        ("70004", "1d", "3d"),
        ("70012", "1d", "never"),
    ]
    assert all(o["return_label"] is None and o["refund"] is None for o in listing["orders"])
    for number in ("70004", "70012"):
        assert run_cli(capsys, "forget", number)[0] == 0

    code, [forgotten] = run_cli(capsys, "forget", "MK-70002", "--json")
    assert (code, forgotten["end_state"], forgotten["next_check"]) == (0, "forgotten", None)
    assert [o["order"] for o in run_cli(capsys, "list", "--json")[1][0]["orders"]] == ["70001"]
    everything = run_cli(capsys, "list", "--all", "--json")[1][0]["orders"]
    assert [o["order"] for o in everything] == ["70001", "70002", "70004", "70012"]

    # Forgetting what is not tracked is a usage error, with one JSON object all the same.
    code, [error] = run_cli(capsys, "forget", "70009", "--json")
    assert code == 2
    assert "not tracked" in error["message"]

    # A bad duration is refused before anything is written.
    code, _ = run_cli(capsys, "add", "70003", "--every", "soon", "--no-check")
    assert code == 2
    assert "'soon' is not a duration" in capsys.readouterr().err
    with open_ledger(cli_env) as ledger:
        assert ledger.get(OrderKey(SITE, JANE, "70003")) is None


def test_a_run_with_nothing_due_starts_no_browser(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    now = datetime.now(UTC)
    with open_ledger(data_dir) as ledger:
        later = OrderKey(SITE, JANE, "70001")
        ledger.track(later, "cancel", every=timedelta(minutes=15), until=now + timedelta(days=1))
        ledger.schedule_next(later, now + timedelta(hours=1))
        overdue = OrderKey(SITE, JANE, "70002")
        ledger.track(overdue, "cancel", every=timedelta(minutes=15), until=now - timedelta(hours=1))
    # No password: an idle run must not even ask for one.
    env = agent_env(SITE, data_dir)
    del env["ORDER_AGENT_PASSWORD"]
    probe = (
        "import json, sys\n"
        "from agent.cli import main\n"
        "code = main(['run', '--json'])\n"
        "print(json.dumps({'exit': code, 'playwright': 'playwright' in sys.modules,"
        " 'flows': any(name.startswith('flows') for name in sys.modules)}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    report, probed = (json.loads(line) for line in done.stdout.splitlines())
    assert probed == {"exit": 75, "playwright": False, "flows": False}, done.stderr
    assert report["outcome"] == "waiting"
    assert report["not_due"] == 1
    [expired] = report["orders"]
    assert (expired["order"], expired["end_state"]) == ("70002", "expired")
    with open_ledger(data_dir) as ledger:
        assert ledger.get(overdue).end_state is EndState.EXPIRED
        assert ledger.get(later).end_state is EndState.NONE


def test_a_run_with_nothing_tracked_is_done(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "agent", "run", "--json"],
        env=agent_env(SITE, tmp_path / "data"),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "command": "run",
        "outcome": "done",
        "message": "No tracked order is waiting for anything.",
        "orders": [],
        "not_due": 0,
    }
