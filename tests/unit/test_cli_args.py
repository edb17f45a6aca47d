"""The command-line boundary: parsing, exit codes, one-line errors, JSON on failure.

The runner (written separately, driving a real browser) is replaced by a fake
module here: these tests are about what the CLI does around it.
"""

from __future__ import annotations

import io
import json
import shlex
import subprocess
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import pytest
import structlog

from agent.cli import COMMANDS, EXIT_CODE_BY_OUTCOME, EXIT_CODES, main, normalize_order_number
from agent.commands.root import build_group
from agent.output import CORE_KEYS, StepPrinter
from agent.settings import Settings
from ordercore.errors import (
    AlreadyRunning,
    ConfigError,
    CredentialsRejected,
    LedgerError,
    OrderAgentError,
    SiteUnavailable,
    StorageError,
    TransientError,
    UnknownStatus,
    UsageError,
)
from ordercore.models import Action, CommandOptions, OrderStatus, Outcome, Result

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class FakeRunner:
    """Stands in for agent.runner: records each call, then answers or raises."""

    outcome: Outcome = Outcome.DONE
    raises: BaseException | None = None
    during: Callable[[StepPrinter | None], None] | None = None
    calls: list[tuple[str, str, CommandOptions, Settings, StepPrinter | None]] = field(
        default_factory=list
    )

    def run(
        self,
        command: str,
        order: str,
        options: CommandOptions,
        settings: Settings,
        steps: StepPrinter | None,
    ) -> Result:
        self.calls.append((command, order, options, settings, steps))
        if self.during is not None:
            self.during(steps)
        if self.raises is not None:
            raise self.raises
        return Result(
            order=f"MK-{order}",
            status=OrderStatus.PROCESSING,
            raw_status="Processing",
            action=Action.CANCELLATION_REQUESTED if self.outcome is Outcome.DONE else Action.NONE,
            outcome=self.outcome,
            reference="CS-482913" if self.outcome is Outcome.DONE else None,
            label=None,
            message="Cancellation requested.",
        )


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> FakeRunner:
    fake = FakeRunner()
    module = types.ModuleType("agent.runner")
    module.run = fake.run  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "agent.runner", module)
    return fake


@pytest.fixture
def no_runner(monkeypatch: pytest.MonkeyPatch) -> None:
    """Importing agent.runner fails, as it does before the lead writes it."""
    monkeypatch.setitem(sys.modules, "agent.runner", None)


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# -- order numbers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "core"),
    [
        ("70001", "70001"),
        ("#70001", "70001"),
        ("#MK-70001", "70001"),
        ("MK-70001", "70001"),
        ("mk-70001", "70001"),
        ("  70001 ", "70001"),
        ("# 70001", "70001"),
        ("Order #70001", "70001"),
        ("order no. 70001", "70001"),
        ("No. 70001", "70001"),
        ("Order Number 70001", "70001"),
        ("112-3456789-0123456", "112-3456789-0123456"),
        ("W123456", "123456"),
        ("MK70001", "70001"),
        ("ab12", "AB12"),
        ("ORD-2024-001", "2024-001"),
    ],
)
def test_order_numbers_are_normalised(given: str, core: str) -> None:
    assert normalize_order_number(given) == core


@pytest.mark.parametrize(
    "given",
    [
        "",
        "   ",
        "#",
        "MK-",
        "70 001",
        "70001; rm -rf /",
        "../70001",
        "abc",
        "7" * 41,
        "70001-",
        "-70001",
        "70\u200b001",
        "\x1b[31m70001",
        "70001/",
        "７００１",
    ],
)
def test_malformed_order_numbers_are_usage_errors(given: str) -> None:
    with pytest.raises(UsageError) as raised:
        normalize_order_number(given)
    assert "\n" not in str(raised.value)


# -- help, version, argparse's own errors ---------------------------------------


def test_help_lists_every_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "--help")
    assert code == 0
    assert err == ""
    assert "Exit codes:" in out
    for exit_code, meaning in EXIT_CODES:
        assert f"{exit_code:>3}  {meaning}" in out
    for command in ("status", "cancel", "return", "site", "demo"):
        assert command in out


def test_every_outcome_has_an_exit_code() -> None:
    assert set(EXIT_CODE_BY_OUTCOME) == set(Outcome)
    assert EXIT_CODE_BY_OUTCOME == {
        Outcome.DONE: 0,
        Outcome.WAITING: 75,
        Outcome.NEEDS_HUMAN: 3,
        Outcome.ERROR: 1,
    }
    listed = {code for code, _meaning in EXIT_CODES}
    assert set(EXIT_CODE_BY_OUTCOME.values()) <= listed
    assert {2, 130} <= listed


@pytest.mark.parametrize("command", ["cancel", "return", "status"])
def test_sub_command_help(capsys: pytest.CaptureFixture[str], command: str) -> None:
    code, out, _err = run_cli(capsys, command, "--help")
    assert code == 0
    assert "ORDER" in out
    assert "--json" in out
    assert "Exit codes:" in out
    assert "Examples:" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run_cli(capsys, "--version")
    assert code == 0
    assert out.strip() == "order-agent 0.1.0"


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["cancel"], "missing argument 'ORDER'"),
        (["frobnicate", "70001"], "no such command 'frobnicate'"),
        (["cancel", "70001", "--bogus"], "no such option '--bogus'"),
        (["cancel", "70001", "--jsn"], "no such option '--jsn'; did you mean one of: '--json'"),
        (["completion"], "missing argument 'SHELL'; choose from: bash, zsh, fish"),
        (["return", "70004", "--item", "  "], "an item name cannot be empty"),
        (["status", "70001", "--reason", "x"], "no such option '--reason'"),
        (["status", "70001", "--dry-run"], "no such option '--dry-run'"),
        (["return", "70004", "--no-return"], "no such option '--no-return'"),
        (["watch", "70001", "--every", "soon"], "'soon' is not a duration"),
        (["completion", "powershell"], "'powershell' is not one of 'bash', 'zsh', 'fish'"),
        (["cancel", "70001", "--reason", "x" * 1001], "at most 1000 characters"),
        (["site", "--port", "99999"], "a port is between 0 and 65535"),
        (["site", "--port", "http"], "'http' is not a port number"),
        (["site", "--clock-speed", "fast"], "'fast' is not a number"),
        (["site", "--chaos", "wild"], "'wild' is not a whole number"),
        (["cancel", "70001", "70002"], "got unexpected extra argument (70002)"),
    ],
)
def test_argument_errors_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], runner: FakeRunner, argv: list[str], fragment: str
) -> None:
    code, out, err = run_cli(capsys, *argv)
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith("order-agent: ")
    assert fragment in err
    assert err.rstrip().endswith(" --help`)")  # where to look next
    assert "usage:" not in err.lower()
    assert runner.calls == []


@pytest.mark.parametrize("order", ["70 001", "#", "70001;DROP", "../../x"])
def test_malformed_order_exits_2_before_settings_are_read(
    capsys: pytest.CaptureFixture[str], runner: FakeRunner, order: str
) -> None:
    # No settings at all: the order number is checked first.
    code, out, err = run_cli(capsys, "cancel", order)
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith("order-agent: ")
    assert "ORDER_AGENT_" not in err
    assert runner.calls == []


def test_usage_error_with_json_also_prints_the_json_object(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_cli(capsys, "cancel", "--json")
    assert code == 2
    assert err.startswith("order-agent: missing argument 'ORDER'")
    obj = json.loads(out)
    assert obj["outcome"] == "error"
    assert obj["order"] is None
    assert obj["error"] == "UsageError"


# -- settings come first ----------------------------------------------------------


def test_missing_settings_exit_2_before_the_runner_is_even_imported(
    capsys: pytest.CaptureFixture[str],
    no_runner: None,
    shop_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ORDER_AGENT_PASSWORD")
    code, out, err = run_cli(capsys, "cancel", "70001")
    assert code == 2
    assert out == ""
    assert err == (
        "order-agent: ORDER_AGENT_PASSWORD is missing "
        "(run `order-agent init`, or set it in the environment, a .env file or a secrets "
        "directory)\n"
    )


def test_invalid_settings_with_json(
    capsys: pytest.CaptureFixture[str],
    runner: FakeRunner,
    shop_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ORDER_AGENT_SITE_URL", "http://shop.example/")
    code, out, err = run_cli(capsys, "status", "#MK-70001", "--json")
    assert code == 2
    assert err.startswith("order-agent: ORDER_AGENT_SITE_URL uses plain http://")
    obj = json.loads(out)
    assert obj["order"] == "70001"
    assert obj["error"] == "ConfigError"
    assert obj["outcome"] == "error"
    assert runner.calls == []


def test_configuration_warnings_are_logged(
    capsys: pytest.CaptureFixture[str],
    runner: FakeRunner,
    shop_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ORDER_AGENT_PASWORD", "typo")
    code, _out, err = run_cli(capsys, "status", "70001")
    assert code == 0
    assert "ignored unknown environment variables: ORDER_AGENT_PASWORD" in err


# -- what the runner is given -----------------------------------------------------


def test_cancel_options_reach_the_runner(
    capsys: pytest.CaptureFixture[str], runner: FakeRunner, shop_env: dict[str, str], canary: str
) -> None:
    code, _out, _err = run_cli(
        capsys,
        "cancel",
        "#MK-70001",
        "--reason",
        "  changed my mind ",
        "--dry-run",
        "--no-return",
        "--json",
    )
    assert code == 0
    [(command, order, options, settings, steps)] = runner.calls
    assert (command, order) == ("cancel", "70001")
    assert options == CommandOptions(
        reason="changed my mind", dry_run=True, no_return=True, items=(), json=True
    )
    assert settings.email == "jane@example.com"
    assert settings.password is not None and settings.password.get_secret_value() == canary
    assert steps is not None and steps.enabled is False


def test_return_options_reach_the_runner(
    capsys: pytest.CaptureFixture[str], runner: FakeRunner, shop_env: dict[str, str]
) -> None:
    code, _out, _err = run_cli(
        capsys, "return", "70004", "--item", "Linen  Shirt", "--item", "Wool Scarf", "--reason", ""
    )
    assert code == 0
    [(command, order, options, _settings, _steps)] = runner.calls
    assert (command, order) == ("return", "70004")
    assert options == CommandOptions(items=("Linen Shirt", "Wool Scarf"))


def test_status_has_default_options(
    capsys: pytest.CaptureFixture[str], runner: FakeRunner, shop_env: dict[str, str]
) -> None:
    run_cli(capsys, "status", "70003")
    [(command, order, options, _settings, _steps)] = runner.calls
    assert (command, order, options) == ("status", "70003", CommandOptions())


# -- results and exit codes -------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "code"),
    [(Outcome.DONE, 0), (Outcome.WAITING, 75), (Outcome.NEEDS_HUMAN, 3), (Outcome.ERROR, 1)],
)
def test_result_outcome_sets_the_exit_code_and_json(
    capsys: pytest.CaptureFixture[str],
    runner: FakeRunner,
    shop_env: dict[str, str],
    outcome: Outcome,
    code: int,
) -> None:
    runner.outcome = outcome
    exit_code, out, _err = run_cli(capsys, "cancel", "70001", "--json")
    assert exit_code == code
    assert len(out.splitlines()) == 1
    obj = json.loads(out)
    assert list(obj) == list(CORE_KEYS)
    assert obj["outcome"] == outcome.value
    assert obj["order"] == "MK-70001"


def test_human_output(
    capsys: pytest.CaptureFixture[str], runner: FakeRunner, shop_env: dict[str, str]
) -> None:
    code, out, _err = run_cli(capsys, "cancel", "70001")
    assert code == 0
    assert out.splitlines()[0] == "✓ Cancellation requested: order MK-70001"
    assert "  Case:      CS-482913" in out.splitlines()


def test_verbose_prints_steps_on_stderr(
    capsys: pytest.CaptureFixture[str], runner: FakeRunner, shop_env: dict[str, str]
) -> None:
    runner.during = lambda steps: steps.done("Signed in") if steps else None
    code, out, err = run_cli(capsys, "cancel", "70001", "-v")
    assert code == 0
    assert "✓ Signed in\n" in err
    assert "Signed in" not in out
    # -v before the command works too.
    run_cli(capsys, "-v", "cancel", "70001")
    assert runner.calls[-1][4] is not None and runner.calls[-1][4].enabled


def test_json_silences_steps_unless_verbose(
    capsys: pytest.CaptureFixture[str], runner: FakeRunner, shop_env: dict[str, str]
) -> None:
    runner.during = _sign_in_and_log
    _code, out, err = run_cli(capsys, "cancel", "70001", "--json")
    assert "Signed in" not in err
    # -v with --json: stdout stays one JSON object; the steps and the log go to stderr.
    _code, out, err = run_cli(capsys, "cancel", "70001", "-v", "--json")
    [line] = out.splitlines()
    assert json.loads(line)["order"] == "MK-70001"
    assert "✓ Signed in\n" in err
    logged = [json.loads(text) for text in err.splitlines() if text.startswith("{")]
    assert [entry["event"] for entry in logged] == ["unit of work"]


def _sign_in_and_log(steps: StepPrinter | None) -> None:
    if steps:
        steps.done("Signed in")
    structlog.get_logger("agent.runner").info("unit of work", outcome="done")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _log_a_line(_steps: StepPrinter | None) -> None:
    structlog.get_logger("agent.runner").info("unit of work", outcome="done")


@pytest.mark.parametrize(("level", "logged"), [(None, False), ("info", True), ("warning", False)])
def test_on_a_terminal_steps_replace_info_logs_unless_asked(
    capsys: pytest.CaptureFixture[str],
    runner: FakeRunner,
    shop_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    level: str | None,
    logged: bool,
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    if level:
        monkeypatch.setenv("ORDER_AGENT_LOG_LEVEL", level)
    runner.during = _log_a_line
    assert main(["status", "70001"]) == 0
    assert ("unit of work" in terminal.getvalue()) is logged


def test_info_logs_by_default_when_not_on_a_terminal(
    capsys: pytest.CaptureFixture[str], runner: FakeRunner, shop_env: dict[str, str]
) -> None:
    runner.during = _log_a_line
    _code, _out, err = run_cli(capsys, "status", "70001")
    line = json.loads(err.strip().splitlines()[-1])
    assert line["event"] == "unit of work"
    assert line["command"] == "status"
    assert line["order"] == "70001"
    assert line["run_id"]


# -- errors raised below ----------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "code", "outcome"),
    [
        (SiteUnavailable("the shop kept failing (HTTP 503)"), 75, "waiting"),
        (AlreadyRunning("another run holds the lock (pid 42)"), 75, "waiting"),
        (UnknownStatus('the order shows "On Hold"'), 3, "needs_human"),
        (ConfigError("ORDER_AGENT_TOTP_SECRET is missing"), 2, "error"),
        (StorageError("cannot write to /x: No space left on device"), 1, "error"),
        (LedgerError("the ledger is from a newer version"), 1, "error"),
        (TransientError("time-out after retries"), 1, "error"),
        (OrderAgentError("something of ours"), 1, "error"),
    ],
)
def test_errors_become_exit_codes(
    capsys: pytest.CaptureFixture[str],
    runner: FakeRunner,
    shop_env: dict[str, str],
    error: OrderAgentError,
    code: int,
    outcome: str,
) -> None:
    runner.raises = error
    exit_code, out, err = run_cli(capsys, "cancel", "70001")
    assert exit_code == code
    assert out == ""
    assert err == f"order-agent: {error.message}\n"

    exit_code, out, err = run_cli(capsys, "cancel", "70001", "--json")
    assert exit_code == code
    obj = json.loads(out)
    assert obj["outcome"] == outcome
    assert obj["message"] == error.message
    assert obj["error"] == type(error).__name__
    assert obj["order"] == "70001"


def test_needs_human_prints_hint_phone_and_evidence(
    capsys: pytest.CaptureFixture[str], runner: FakeRunner, shop_env: dict[str, str], canary: str
) -> None:
    runner.raises = CredentialsRejected(
        f"the shop rejected the password {canary}",
        hint="check ORDER_AGENT_PASSWORD",
        phone="1-800-555-0100",
        evidence="/data/orders/70001/signin.png",
    )
    code, out, err = run_cli(capsys, "cancel", "70001", "--json")
    assert code == 3
    assert err.splitlines() == [
        "order-agent: the shop rejected the password [REDACTED]",
        "order-agent: check ORDER_AGENT_PASSWORD",
        "order-agent: customer service: 1-800-555-0100",
        "order-agent: evidence: /data/orders/70001/signin.png",
    ]
    obj = json.loads(out)
    assert obj["outcome"] == "needs_human"
    assert obj["phone"] == "1-800-555-0100"
    assert obj["hint"] == "check ORDER_AGENT_PASSWORD"
    assert canary not in out + err


def _fill_timeout(canary: str) -> BaseException:
    try:
        typed = canary
        raise TimeoutError(f"Locator.fill: Timeout 15000ms exceeded.\n  - fill({typed!r})")
    except TimeoutError as exc:
        return exc


def test_unexpected_errors_are_one_scrubbed_line(
    capsys: pytest.CaptureFixture[str], runner: FakeRunner, shop_env: dict[str, str], canary: str
) -> None:
    runner.raises = _fill_timeout(canary)
    code, out, err = run_cli(capsys, "cancel", "70001")
    assert code == 1
    assert out == ""
    assert err == (
        "order-agent: unexpected error: TimeoutError: Locator.fill: Timeout 15000ms exceeded.; "
        "run with ORDER_AGENT_LOG_LEVEL=debug for details\n"
    )


def test_unexpected_error_with_json(
    capsys: pytest.CaptureFixture[str], runner: FakeRunner, shop_env: dict[str, str], canary: str
) -> None:
    runner.raises = RuntimeError(f"boom {canary}")
    code, out, err = run_cli(capsys, "status", "70001", "--json")
    assert code == 1
    obj = json.loads(out)
    assert obj["outcome"] == "error"
    assert obj["error"] == "RuntimeError"
    assert obj["message"] == "unexpected error: RuntimeError: boom [REDACTED]"
    assert canary not in out + err
    assert "Traceback" not in err


def test_debug_level_shows_the_traceback_scrubbed(
    capsys: pytest.CaptureFixture[str],
    runner: FakeRunner,
    shop_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    canary: str,
) -> None:
    monkeypatch.setenv("ORDER_AGENT_LOG_LEVEL", "debug")
    runner.raises = _fill_timeout(canary)
    code, out, err = run_cli(capsys, "cancel", "70001")
    assert code == 1
    assert "Traceback" in err
    assert "_fill_timeout" in err
    assert canary not in out + err
    assert "Canary" not in out + err


def test_runner_missing_is_an_unexpected_error(
    capsys: pytest.CaptureFixture[str], no_runner: None, shop_env: dict[str, str]
) -> None:
    code, _out, err = run_cli(capsys, "status", "70001")
    assert code == 1
    assert err.startswith("order-agent: unexpected error: ")
    assert len(err.splitlines()) == 1


def test_keyboard_interrupt_exits_130(
    capsys: pytest.CaptureFixture[str], runner: FakeRunner, shop_env: dict[str, str]
) -> None:
    runner.raises = KeyboardInterrupt()
    code, _out, err = run_cli(capsys, "cancel", "70001")
    assert code == 130
    # A blank line first ends the terminal's "^C" echo line.
    assert err.strip("\n").splitlines() == ["order-agent: interrupted"]


# -- site and demo ----------------------------------------------------------------


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    module = types.ModuleType("fixtures.server")
    module.serve = lambda **kwargs: calls.append(kwargs)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fixtures.server", module)
    return calls


def test_site_defaults(capsys: pytest.CaptureFixture[str], served: list[dict[str, Any]]) -> None:
    assert run_cli(capsys, "site")[0] == 0
    assert served == [{"port": 8000, "control": False}]


def test_site_options(capsys: pytest.CaptureFixture[str], served: list[dict[str, Any]]) -> None:
    assert run_cli(capsys, "site", "--port", "8123", "--control", "--clock-speed", "60")[0] == 0
    assert served == [{"port": 8123, "control": True, "clock_speed": 60.0}]


def test_site_chaos_seed(capsys: pytest.CaptureFixture[str], served: list[dict[str, Any]]) -> None:
    assert run_cli(capsys, "site", "--chaos", "1234")[0] == 0
    assert served == [{"port": 8000, "control": False, "chaos": 1234}]


def test_site_needs_no_credentials_but_valid_settings(
    capsys: pytest.CaptureFixture[str],
    served: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ORDER_AGENT_LOG_LEVEL", "loud")
    code, _out, err = run_cli(capsys, "site")
    assert code == 2
    assert err.startswith("order-agent: ORDER_AGENT_LOG_LEVEL is not valid")
    assert served == []


@pytest.mark.parametrize(("returned", "code"), [(None, 0), (0, 0), (3, 3), (75, 75)])
def test_demo(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    returned: int | None,
    code: int,
) -> None:
    module = types.ModuleType("agent.demo")
    module.main = lambda: returned  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "agent.demo", module)
    assert run_cli(capsys, "demo")[0] == code


# -- the real entry points --------------------------------------------------------


def test_python_dash_m_agent() -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "agent", "cancel", "70 001"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert finished.returncode == 2
    assert finished.stdout == ""
    assert finished.stderr.startswith("order-agent: '70 001' does not look like an order number")
    assert len(finished.stderr.splitlines()) == 1


def test_cli_module_does_not_import_playwright() -> None:
    finished = subprocess.run(
        [sys.executable, "-c", "import sys, agent.cli; print('playwright' in sys.modules)"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert finished.stdout.strip() == "False"


def test_every_command_in_the_table_is_a_click_command() -> None:
    group = build_group(COMMANDS)
    context = click.Context(group)
    for name in COMMANDS:
        command = group.get_command(context, name)
        assert isinstance(command, click.Command), name
        assert command.name == name


# -- help: bare, "did you mean", examples and exit codes on every command ----------------


def _help_of(capsys: pytest.CaptureFixture[str], *command: str) -> str:
    code, out, err = run_cli(capsys, *command, "--help")
    assert (code, err) == (0, "")
    return out


def _section(help_text: str, title: str) -> list[str]:
    """The indented lines under ``title`` (e.g. "Examples:") up to the next blank line."""
    lines = help_text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == title)
    section = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        section.append(line.strip())
    return section


def _exit_codes(help_text: str) -> set[int]:
    return {int(line.split()[0]) for line in _section(help_text, "Exit codes:")}


def test_bare_order_agent_prints_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys)
    assert (code, err) == (0, "")
    assert out.startswith("Usage: order-agent ")
    assert out == _help_of(capsys)
    for command in COMMANDS:
        assert f"  {command} " in out


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("canel", "cancel"), ("stauts", "status"), ("retrun", "return"), ("lsit", "list")],
)
def test_a_misspelled_command_gets_a_suggestion(
    capsys: pytest.CaptureFixture[str], runner: FakeRunner, typed: str, meant: str
) -> None:
    code, out, err = run_cli(capsys, typed, "70001")
    assert (code, out) == (2, "")
    assert err == (
        f"order-agent: no such command '{typed}'; did you mean '{meant}'? "
        "(see `order-agent --help`)\n"
    )
    assert runner.calls == []


def test_verbose_has_help_text_everywhere(capsys: pytest.CaptureFixture[str]) -> None:
    wanted = "-v, --verbose  Print each step on stderr as it happens"
    assert wanted in _help_of(capsys)
    for command in COMMANDS:
        if command in ("completion", "history", "init", "worker", "beat", "install-browser"):
            # a script, a report, a dialogue: each prints all it does anyway; the Celery
            # services log every task they take
            continue
        flat = " ".join(_help_of(capsys, command).split())
        assert "-v, --verbose Print each step on stderr as it happens" in flat, command


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_has_a_description_examples_and_exit_codes(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    text = _help_of(capsys, command)
    description = text.split("\n\n")[1].strip()
    assert len(description) > 40, description  # more than the one-line summary
    examples = _section(text, "Examples:")
    assert examples and all(
        e.startswith(("order-agent ", "ORDER_AGENT_", "eval ")) for e in examples
    )
    assert command in " ".join(examples)
    assert _exit_codes(text) >= {0, 2}


# What each command can end with: list/forget/add touch only the ledger (no shop, no lock:
# never 75 or 3), doctor reports misses as 3, site stops with Ctrl-C as 0.
EXIT_CODES_BY_COMMAND = {
    "status": {0, 75, 3, 2, 1, 130},
    "cancel": {0, 75, 3, 2, 1, 130},
    "return": {0, 75, 3, 2, 1, 130},
    "watch": {0, 75, 3, 2, 1, 130},
    "run": {0, 75, 3, 2, 1, 130},
    "add": {0, 2, 1, 130},
    "list": {0, 2, 1, 130},
    "forget": {0, 2, 1, 130},
    "accounts": {0, 2, 1, 130},
    "doctor": {0, 3, 2, 1, 130},
    "site": {0, 2, 1},
    "demo": {0, 75, 3, 2, 1, 130},
    "completion": {0, 2},
    "install-browser": {0, 2, 1},
    "history": {0, 2, 1, 130},
    "init": {0, 75, 3, 2, 1, 130},
    # Celery's own services: SIGTERM or Ctrl-C is their ordinary (warm) shutdown, 0.
    "worker": {0, 2, 1},
    "beat": {0, 2, 1},
}


def test_each_help_lists_only_the_exit_codes_its_command_can_return(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert set(EXIT_CODES_BY_COMMAND) == set(COMMANDS)
    for command, codes in EXIT_CODES_BY_COMMAND.items():
        assert _exit_codes(_help_of(capsys, command)) == codes, command


def _examples(capsys: pytest.CaptureFixture[str]) -> list[list[str]]:
    texts = [_help_of(capsys)] + [_help_of(capsys, command) for command in COMMANDS]
    found = []
    for text in texts:
        for line in _section(text, _examples_title(text)):
            lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
            lexer.whitespace_split = True
            words = list(lexer)
            for cut, word in enumerate(words):
                if word in (">", "|", "&&", ";"):  # the shell's part of the line
                    words = words[:cut]
                    break
            while words and "=" in words[0]:  # ORDER_AGENT_DEMO_DIR=... order-agent demo
                words.pop(0)
            if words[:1] == ["order-agent"]:
                found.append(words[1:])
    return found


def _examples_title(help_text: str) -> str:
    return next(
        line.strip() for line in help_text.splitlines() if line.strip().startswith("Examples")
    )


def test_every_example_parses_and_names_a_real_demo_order_and_item(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from fixtures.seed import ORDERS

    items = {order.number: {item.name for item in order.items} for order in ORDERS}
    group = build_group(COMMANDS)
    examples = _examples(capsys)
    assert len(examples) >= 2 * len(COMMANDS)
    for words in examples:
        if words[-1:] == ["--help"] or words[:1] == ["COMMAND"]:
            continue
        command = group.get_command(click.Context(group), words[0])
        assert command is not None, words
        context = command.make_context(words[0], words[1:])  # raises on any bad option
        order = context.params.get("order")
        if order:
            number = normalize_order_number(order)
            assert number in items, words
            for item in context.params.get("items", ()):
                assert item in items[number], words
