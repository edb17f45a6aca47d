"""`order-agent` as a shopper or a script runs it: a separate process, settings from the
environment, one JSON object on stdout, one-line messages on stderr, the exit code."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from agent.output import CORE_KEYS
from fixtures.server import ShopServer
from tests.support.environment import agent_environment
from tests.support.people import JANE, JANE_NAME, PASSWORD

pytestmark = pytest.mark.slow

PROCESS_TIMEOUT_S = 110


# The console script `pip install` makes for the entry point agent.cli:main.
ORDER_AGENT = Path(sys.executable).with_name("order-agent")


def order_agent_command() -> list[str]:
    assert ORDER_AGENT.is_file(), f"{ORDER_AGENT} is missing: `make browser` installs it"
    return [str(ORDER_AGENT)]


def process_env(tmp_path: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """No ORDER_AGENT_* from outside, no secrets dir, no real user's profiles: then ``env``."""
    (tmp_path / "no-secrets").mkdir(exist_ok=True)
    clean = agent_environment()
    clean["ORDER_AGENT_SECRETS_DIR"] = str(tmp_path / "no-secrets")
    clean["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    return {**clean, **(env or {})}


def order_agent_process(
    tmp_path: Path, *argv: str, env: dict[str, str] | None = None, script: bool = False
) -> subprocess.CompletedProcess[str]:
    """``python -m agent ARGV``, or with ``script`` the installed ``order-agent ARGV``."""
    work = tmp_path / "cwd"
    work.mkdir(exist_ok=True)
    command = order_agent_command() if script else [sys.executable, "-m", "agent"]
    return subprocess.run(
        [*command, *argv],
        cwd=work,
        env=process_env(tmp_path, env),
        capture_output=True,
        text=True,
        timeout=PROCESS_TIMEOUT_S,
        check=False,
    )


def shopper_env(shop: ShopServer, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "ORDER_AGENT_SITE_URL": shop.region_url("us"),
        "ORDER_AGENT_EMAIL": JANE,
        "ORDER_AGENT_PASSWORD": PASSWORD,
        "ORDER_AGENT_NAME": JANE_NAME,
        "ORDER_AGENT_DATA_DIR": str(tmp_path / "data"),
        **extra,
    }


def one_json_object(stdout: str) -> dict[str, Any]:
    lines = stdout.splitlines()
    assert len(lines) == 1, stdout
    obj = json.loads(lines[0])
    assert isinstance(obj, dict)
    return obj


def said(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("order-agent: ")]


def test_cancel_prints_one_json_object_and_exits_0(shop: ShopServer, tmp_path: Path):
    env = shopper_env(shop, tmp_path)
    done = order_agent_process(
        tmp_path, "cancel", "#MK-70001", "--reason", "Bought it twice", "--json", env=env
    )

    assert done.returncode == 0, done.stderr
    result = one_json_object(done.stdout)
    assert list(result)[: len(CORE_KEYS)] == list(CORE_KEYS)
    [request] = shop.inbox("us")
    assert (result["order"], result["reference"]) == ("MK-70001", request["case"])
    assert "Bought it twice" in str(request["message"])
    assert said(done.stderr) == []
    assert PASSWORD not in done.stdout + done.stderr


def test_an_order_in_transit_tells_a_person_to_watch_it_and_exits_75(
    shop: ShopServer, tmp_path: Path
):
    done = order_agent_process(tmp_path, "cancel", "70003", env=shopper_env(shop, tmp_path))

    assert done.returncode == 75, done.stderr
    assert "order-agent watch 70003" in done.stdout
    assert "shipped" in done.stdout
    assert not done.stdout.lstrip().startswith("{")


def test_wrong_credentials_give_a_one_line_reason_and_exit_3(shop: ShopServer, tmp_path: Path):
    env = shopper_env(shop, tmp_path, ORDER_AGENT_PASSWORD="Nope-not-it-99")
    done = order_agent_process(tmp_path, "status", "70001", "--json", env=env)

    assert done.returncode == 3
    lines = said(done.stderr)
    assert lines and "incorrect" in lines[0]
    assert "Traceback" not in done.stderr
    result = one_json_object(done.stdout)
    assert (result["outcome"], result["order"]) == ("needs_human", "70001")
    assert "Nope-not-it-99" not in done.stdout + done.stderr


def test_missing_settings_are_named_before_any_browser_starts(tmp_path: Path):
    done = order_agent_process(
        tmp_path, "cancel", "70001", "--json", env={"ORDER_AGENT_EMAIL": JANE}
    )

    assert done.returncode == 2
    [line] = said(done.stderr)
    assert "ORDER_AGENT_SITE_URL" in line and "ORDER_AGENT_PASSWORD" in line
    assert one_json_object(done.stdout)["outcome"] == "error"


def test_the_demo_needs_no_configuration_and_shows_a_case_and_a_valid_label(tmp_path: Path):
    done = order_agent_process(tmp_path, "demo")

    assert done.returncode == 0, done.stdout + done.stderr
    proof = done.stdout.split("Where the proof is", 1)[-1]
    case = re.search(r"Cancellation case (CS-\d+)", proof)
    return_number = re.search(r"Return (RA-\d+)", proof)
    paths = {kind: Path(path) for kind, path in re.findall(r"(\w+): +(/\S+)", proof)}
    assert case and return_number, done.stdout
    demo_data = tmp_path / "cwd" / "demo-data"
    label = paths["label"]
    assert label.is_relative_to(demo_data)
    text = "".join(page.extract_text() for page in PdfReader(label).pages).replace(" ", "")
    assert return_number.group(1) in text
    [cancellation] = demo_data.rglob("*-cancellation_requested.json")
    receipt = json.loads(cancellation.read_text())
    assert receipt["reference"] == case.group(1)
    assert "Jane Shopper" in receipt["sent"]["message"]
    for shown in re.findall(r"screenshot: +(/\S+)", proof):
        assert Path(shown).read_bytes().startswith(b"\x89PNG")
    assert len(re.findall(r"receipt: +(/\S+)", proof)) == 2


# -- the command line itself, as the installed `order-agent` script ------------------------


def test_bare_order_agent_prints_the_help_and_exits_0(tmp_path: Path):
    done = order_agent_process(tmp_path, script=True)

    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("Usage: order-agent [OPTIONS] [COMMAND]")
    assert "Commands:" in done.stdout and "Examples" in done.stdout
    assert "-v, --verbose  Print each step on stderr as it happens" in done.stdout


def test_a_misspelled_command_gets_did_you_mean_and_exit_2(tmp_path: Path):
    done = order_agent_process(tmp_path, "canel", "70001", script=True)

    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        "order-agent: no such command 'canel'; did you mean 'cancel'? (see `order-agent --help`)\n"
    )


def test_list_and_forget_help_list_only_their_exit_codes(tmp_path: Path):
    for command in ("list", "forget"):
        done = order_agent_process(tmp_path, command, "--help", script=True)
        assert done.returncode == 0
        rows = done.stdout.split("Exit codes:", 1)[1].split("\n\n", 1)[0].splitlines()
        listed = {int(row.split()[0]): row for row in rows if row.strip()}
        assert listed.keys() == {0, 1, 2, 130}, command
        # SIGTERM ends them too (agent.interrupts, for every command): 143, said in 130's row.
        assert "143 for SIGTERM" in listed[130], command
        assert "Examples:" in done.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_site_on_a_taken_port_says_so_in_one_line_and_exits_2(tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = order_agent_process(tmp_path, "site", "--port", str(port), script=True)

    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        f"order-agent: port {port} is already in use: pick another with --port "
        "(--port 0 takes any free one)\n"
    )


ASCII_ONLY = {"PYTHONIOENCODING": "ascii", "LANG": "C", "LC_ALL": "C"}


def test_an_ascii_only_terminal_gets_ascii_results(shop: ShopServer, tmp_path: Path):
    env = shopper_env(shop, tmp_path, **ASCII_ONLY)

    # 70003's watch is a "Lexington Pavé Gold-Tone Watch": not ASCII.
    status = order_agent_process(tmp_path, "status", "70003", "-v", env=env, script=True)
    assert status.returncode == 0, status.stderr
    assert "Lexington Pave Gold-Tone Watch" in status.stdout
    assert status.stdout.startswith("+ ")  # for "✓"
    assert "Order MK-70003" in status.stdout.splitlines()[0]
    assert any(line.startswith("+ ") for line in status.stderr.splitlines())  # the steps
    assert "unexpected error" not in status.stderr

    as_json = order_agent_process(tmp_path, "status", "70003", "--json", env=env, script=True)
    assert as_json.returncode == 0, as_json.stderr
    assert "Pav\\u00e9" in as_json.stdout  # escaped, not lost: the JSON says "Pavé"
    assert "Pavé" in one_json_object(as_json.stdout)["message"]

    cancel = order_agent_process(tmp_path, "cancel", "70001", "-v", env=env, script=True)
    assert cancel.returncode == 0, cancel.stderr
    [request] = shop.inbox("us")
    assert cancel.stdout.startswith("+ ")
    assert "order MK-70001" in cancel.stdout.splitlines()[0]
    assert request["case"] in cancel.stdout
    assert any(line.startswith("-> ") for line in cancel.stderr.splitlines())  # for "→"
    for done in (status, cancel):
        (done.stdout + done.stderr).encode("ascii")  # nothing else got through


def test_an_ascii_only_terminal_gets_ascii_errors(tmp_path: Path):
    done = order_agent_process(tmp_path, "cancel", "MK-7000é", env=ASCII_ONLY, script=True)

    assert done.returncode == 2
    # What was typed stays exact (escaped), so the message does not seem to contradict itself.
    assert done.stderr == (
        "order-agent: 'MK-7000\\xe9' does not look like an order number "
        "(letters, digits and dashes, e.g. 70001)\n"
    )


def _default_ctrl_c() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_on_watch_says_the_order_is_still_tracked_and_exits_130(
    shop: ShopServer, tmp_path: Path
):
    env = process_env(tmp_path, shopper_env(shop, tmp_path))
    watch = subprocess.Popen(
        [*order_agent_command(), "watch", "70001", "--every", "30m"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As from a terminal: a suite started in the background (`make test &`, some CI
        # runners) ignores SIGINT, and a child inherits that and would never see Ctrl-C.
        preexec_fn=_default_ctrl_c,
    )
    try:
        first_check = watch.stdout.readline() if watch.stdout else ""
        assert "order MK-70001: waiting: " in first_check  # asked, now waiting for the shop
        watch.send_signal(signal.SIGINT)
        _out, err = watch.communicate(timeout=PROCESS_TIMEOUT_S)
    finally:
        if watch.poll() is None:
            watch.kill()
            watch.wait()

    assert watch.returncode == 130
    said_lines = said(err)
    assert said_lines[0].startswith(
        "order-agent: watch interrupted; order 70001 is still tracked (every 30m until "
    )
    assert "next check" in said_lines[0]
    assert said_lines[1] == (
        "order-agent: `order-agent run` (cron or a systemd timer) or the same "
        "`order-agent watch` again carries on from there; "
        "`order-agent forget 70001` stops tracking it"
    )
    # True: the ledger still has it, and `run` would carry on with it.
    listing = order_agent_process(tmp_path, "list", "--json", env=shopper_env(shop, tmp_path))
    [tracked] = one_json_object(listing.stdout)["orders"]
    assert (tracked["order"], tracked["end_state"], tracked["every"]) == ("70001", "none", "30m")
    assert tracked["next_check"] is not None
    assert len(shop.inbox("us")) == 1


def test_bash_completes_a_command_from_the_printed_script(tmp_path: Path):
    script = order_agent_process(tmp_path, "completion", "bash", script=True)
    assert script.returncode == 0
    assert "complete -o nosort -F _order_agent_completion order-agent" in script.stdout
    (tmp_path / "order-agent.bash").write_text(script.stdout)
    probe = (
        f"source {tmp_path / 'order-agent.bash'}\n"
        "COMP_WORDS=(order-agent can); COMP_CWORD=1; COMPREPLY=()\n"
        "_order_agent_completion order-agent\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
        "COMP_WORDS=(order-agent cancel --dr); COMP_CWORD=2; COMPREPLY=()\n"
        "_order_agent_completion order-agent\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = process_env(tmp_path, {"PATH": f"{ORDER_AGENT.parent}{os.pathsep}{os.environ['PATH']}"})
    done = subprocess.run(
        ["bash", "-c", probe],
        env=env,
        capture_output=True,
        text=True,
        timeout=PROCESS_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["cancel", "--dry-run"]


def test_the_completion_protocol_answers_directly(tmp_path: Path):
    env = {"_ORDER_AGENT_COMPLETE": "bash_complete", "COMP_WORDS": "order-agent can"}
    done = order_agent_process(tmp_path, env={**env, "COMP_CWORD": "1"}, script=True)
    assert (done.returncode, done.stdout) == (0, "plain,cancel\n")
    for shell, marker in (("zsh", "#compdef order-agent"), ("fish", "complete --no-files")):
        printed = order_agent_process(tmp_path, "completion", shell, script=True)
        assert printed.returncode == 0
        assert marker in printed.stdout and "_ORDER_AGENT_COMPLETE" in printed.stdout


def test_no_browser_to_start_is_one_line_with_the_command_that_fixes_it(
    shop: ShopServer, tmp_path: Path
) -> None:
    # No Chromium anywhere: an empty PATH for browsers, an empty Playwright download folder.
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    env = {
        "ORDER_AGENT_SITE_URL": shop.region_url("us"),
        "ORDER_AGENT_EMAIL": JANE,
        "ORDER_AGENT_PASSWORD": PASSWORD,
        "ORDER_AGENT_DATA_DIR": str(tmp_path / "data"),
        "PATH": str(empty),
        "PLAYWRIGHT_BROWSERS_PATH": str(empty),
    }
    done = order_agent_process(tmp_path, "status", "70001", env=env)

    assert done.returncode == 2, done.stderr
    [line] = [line for line in done.stderr.splitlines() if line.startswith("order-agent:")]
    assert line.startswith("order-agent: no Chromium found to start")
    assert "`order-agent install-browser`" in line
    assert "Traceback" not in done.stderr and "Executable doesn't exist" not in done.stderr

    wrong = order_agent_process(
        tmp_path, "status", "70001", env={**env, "ORDER_AGENT_BROWSER": str(empty / "chrome")}
    )
    assert wrong.returncode == 2, wrong.stderr
    assert "is not an executable file" in wrong.stderr


def test_install_browser_says_which_chromium_it_found(tmp_path: Path) -> None:
    done = order_agent_process(tmp_path, "install-browser")

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("order-agent: using Chromium at /")


# Each phase of a cancel, held by a slow page of the shop (released by the test, not a
# timer): the signal comes while the agent waits there.
PHASES = {
    "before signing in": (r"/us/account/login$", "GET", "interrupted before anything was sent"),
    "signed in": (
        r"/us/account/orders/MK-70001$",
        "GET",
        "interrupted before anything was sent",
    ),
    "between the click and the confirmation": (
        r"/us/contact-us$",
        "POST",
        "interrupted while sending: the next run checks the shop before sending again",
    ),
}


@pytest.mark.parametrize(
    ("phase", "signal_number"),
    [(phase, signal.SIGINT) for phase in PHASES]
    + [("between the click and the confirmation", signal.SIGTERM)],
    ids=[f"{phase}-SIGINT" for phase in PHASES] + ["sending-SIGTERM"],
)
def test_a_signal_to_the_process_group_is_one_line_saying_what_was_sent(
    shop: ShopServer, tmp_path: Path, phase: str, signal_number: int
):
    path, method, told = PHASES[phase]
    held = shop.fail(path, "slow", delay=PROCESS_TIMEOUT_S, method=method, region="us")
    env = process_env(tmp_path, shopper_env(shop, tmp_path))
    (tmp_path / "cwd").mkdir(exist_ok=True)
    cancel = subprocess.Popen(
        [*order_agent_command(), "cancel", "70001"],
        cwd=tmp_path / "cwd",
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Its own process group, as a job a terminal started: the signal goes to all of it.
        start_new_session=True,
        preexec_fn=_default_ctrl_c,
    )
    try:
        assert held.arrived.wait(PROCESS_TIMEOUT_S), "the agent never reached that page"
        os.killpg(cancel.pid, signal_number)
        _out, err = cancel.communicate(timeout=PROCESS_TIMEOUT_S)
    finally:
        held.release()
        if cancel.poll() is None:
            cancel.kill()
            cancel.wait()

    assert cancel.returncode == (143 if signal_number == signal.SIGTERM else 130), err
    assert said(err) == [f"order-agent: {told}"], err
    assert "Traceback" not in err and "unexpected error" not in err
    assert "TargetClosedError" not in err and "[warning" not in err

    # The ledger is consistent: the next run sends exactly one request in all.
    again = order_agent_process(
        tmp_path, "cancel", "70001", "--json", env=shopper_env(shop, tmp_path)
    )
    assert again.returncode == 0, again.stderr
    assert len(shop.inbox("us")) == 1


def test_site_says_which_account_to_try_it_with(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (tmp_path / "cwd").mkdir(exist_ok=True)
    site = subprocess.Popen(
        [*order_agent_command(), "site", "--port", str(port)],
        cwd=tmp_path / "cwd",
        env=process_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert site.stdout is not None
        lines = []
        while not lines or ("demo account" not in lines[-1] and len(lines) < 12):
            line = site.stdout.readline()
            if not line:
                break
            lines.append(line)
    finally:
        site.terminate()
        site.wait(timeout=PROCESS_TIMEOUT_S)
    [account] = [line for line in lines if "demo account" in line]
    assert f"{JANE}, password {PASSWORD}" in account
    assert f"http://127.0.0.1:{port}/us/" in account
