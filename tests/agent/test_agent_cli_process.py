"""`order-agent` as a shopper or a script runs it: a separate process, settings from the
environment, one JSON object on stdout, one-line messages on stderr, the exit code."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from agent.output import CORE_KEYS
from fixtures.server import ShopServer

from .shopper import JANE, JANE_NAME, PASSWORD

pytestmark = pytest.mark.slow

PROCESS_TIMEOUT_S = 110


def order_agent_process(
    tmp_path: Path, *argv: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    work = tmp_path / "cwd"
    work.mkdir(exist_ok=True)
    (tmp_path / "no-secrets").mkdir(exist_ok=True)
    clean = {key: value for key, value in os.environ.items() if not key.startswith("ORDER_AGENT_")}
    clean["ORDER_AGENT_SECRETS_DIR"] = str(tmp_path / "no-secrets")
    return subprocess.run(
        [sys.executable, "-m", "agent", *argv],
        cwd=work,
        env={**clean, **(env or {})},
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
