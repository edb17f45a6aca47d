"""`order-agent history` after real runs on the fixture shop: the case number, the return
number and the label as text, as JSON, and as a page checked in a real Chromium."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from playwright.sync_api import Page, expect

from agent.redaction import REDACTED
from fixtures.server import ShopServer
from tests.support.people import JANE, JANE_NAME, PASSWORD

pytestmark = pytest.mark.slow

PROCESS_TIMEOUT_S = 60
AGENT_TIMEOUT_S = 110


def history(tmp_path: Path, data_dir: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """``order-agent history ARGV`` as a separate process (settings from the environment)."""
    (tmp_path / "no-secrets").mkdir(exist_ok=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORDER_AGENT_")}
    env.update(
        {
            "ORDER_AGENT_SECRETS_DIR": str(tmp_path / "no-secrets"),
            "ORDER_AGENT_DATA_DIR": str(data_dir),
            # Known to the redactor: it must never show, whatever a proof file holds.
            "ORDER_AGENT_PASSWORD": PASSWORD,
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "agent", "history", *argv],
        cwd=tmp_path / "cwd",
        env=env,
        capture_output=True,
        text=True,
        timeout=PROCESS_TIMEOUT_S,
        check=False,
    )


def agent_process(shop: ShopServer, data_dir: Path, tmp_path: Path, *argv: str) -> dict[str, Any]:
    """A real ``order-agent ARGV --json`` on the fixture shop, in its own process (the
    page test's browser runs an event loop that Playwright's sync API must not share)."""
    (tmp_path / "cwd").mkdir(exist_ok=True)
    (tmp_path / "no-secrets").mkdir(exist_ok=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORDER_AGENT_")}
    env.update(
        {
            "ORDER_AGENT_SECRETS_DIR": str(tmp_path / "no-secrets"),
            "ORDER_AGENT_SITE_URL": shop.region_url("us"),
            "ORDER_AGENT_EMAIL": JANE,
            "ORDER_AGENT_PASSWORD": PASSWORD,
            "ORDER_AGENT_NAME": JANE_NAME,
            "ORDER_AGENT_DATA_DIR": str(data_dir),
        }
    )
    done = subprocess.run(
        [sys.executable, "-m", "agent", *argv, "--json"],
        cwd=tmp_path / "cwd",
        env=env,
        capture_output=True,
        text=True,
        timeout=AGENT_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    [line] = done.stdout.splitlines()
    result = json.loads(line)
    assert isinstance(result, dict)
    return result


def cancel_and_return(shop: ShopServer, data_dir: Path, tmp_path: Path) -> tuple[str, str, Path]:
    """A real cancellation (70001) then a real return (70004): case, return number, label."""
    cancelled = agent_process(shop, data_dir, tmp_path, "cancel", "70001")
    returned = agent_process(shop, data_dir, tmp_path, "return", "70004")
    label = Path(returned["label"])
    assert label.is_file()
    return cancelled["reference"], returned["reference"], label


def test_history_tells_what_was_done_with_its_numbers_and_proof(
    shop: ShopServer, data_dir: Path, tmp_path: Path
):
    case, return_number, label = cancel_and_return(shop, data_dir, tmp_path)

    shown = history(tmp_path, data_dir)
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    # Newest first: the return came after the cancellation.
    assert text.index("Order MK-70004") < text.index("Order MK-70001")
    assert f"Cancellation requested: case {case}" in text
    assert f"Return started: return {return_number}" in text
    assert re.search(rf"label: +{re.escape(str(label))}$", text, re.MULTILINE)
    screenshots = [Path(path) for path in re.findall(r"screenshot: +(\S+)", text)]
    assert screenshots and all(path.read_bytes().startswith(b"\x89PNG") for path in screenshots)

    as_json = history(tmp_path, data_dir, "#MK-70004", "--json")
    assert as_json.returncode == 0, as_json.stderr
    [line] = as_json.stdout.splitlines()
    [order] = json.loads(line)["orders"]
    assert (order["order"], order["returns"], order["labels"]) == (
        "MK-70004",
        [return_number],
        [str(label)],
    )
    [started] = [entry for entry in order["entries"] if entry["reference"] == return_number]
    assert {proof["kind"] for proof in started["proofs"]} == {"receipt", "label", "screenshot"}
    cancelled = json.loads(history(tmp_path, data_dir, "70001", "--json").stdout)
    assert cancelled["orders"][0]["cases"] == [case]
    assert PASSWORD not in text + as_json.stdout


def test_an_order_without_history_is_one_line_and_exit_2(data_dir: Path, tmp_path: Path):
    (tmp_path / "cwd").mkdir(exist_ok=True)
    shown = history(tmp_path, data_dir, "99999")

    assert shown.returncode == 2
    assert shown.stdout == ""
    [line] = shown.stderr.splitlines()
    assert line.startswith("order-agent: no history for order 99999")
    assert "order-agent list" in line
    assert not data_dir.exists()  # reading history creates nothing


def test_the_history_page_shows_the_timeline_in_a_real_browser(
    shop: ShopServer, data_dir: Path, tmp_path: Path, page: Page
):
    # pytest-playwright's page: agent runs take threads of their own (tests.support.threads).
    case, return_number, label = cancel_and_return(shop, data_dir, tmp_path)
    # A proof file that somehow holds the password: the page must still never show it.
    [folder] = data_dir.glob("orders/*/*/70001")  # the order's own: shop, account, order
    planted = folder / "20200101T000000Z-label_downloaded.json"
    planted.write_text(
        json.dumps({"order": "MK-70001", "action": "label_downloaded", "reference": PASSWORD})
    )
    page_path = tmp_path / "pages" / "history.html"

    written = history(tmp_path, data_dir, "--html", str(page_path))

    assert written.returncode == 0, written.stderr
    assert str(page_path) in written.stdout
    html = page_path.read_text(encoding="utf-8")
    assert PASSWORD not in html and REDACTED in html
    assert not re.search(r"""(src|href)=["']https?:""", html)  # nothing fetched from anywhere
    assert "<script" not in html
    assert not [p for p in page_path.parent.iterdir() if p.name.endswith(".tmp")]

    page.goto(page_path.as_uri())
    expect(page.get_by_role("heading", name="Order MK-70001")).to_be_visible()
    cancellation = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name="Cancellation requested")
    )
    expect(cancellation.get_by_text(case, exact=True)).to_be_visible()
    # Both pictures back the request: the filled form (order number, message) and the
    # confirmation (case number).
    for shown in ("cancellation form", "cancellation confirmation"):
        screenshot = cancellation.get_by_role("img", name=f"Screenshot: {shown}, order MK-70001")
        expect(screenshot).to_be_visible()
        assert screenshot.evaluate("img => img.complete && img.naturalWidth") > 0
    order_70004 = page.get_by_role("region", name="Order MK-70004")
    expect(order_70004.get_by_text(return_number).first).to_be_visible()
    link = order_70004.get_by_role("link", name=f"Return label {return_number} (PDF)")
    href = link.evaluate("a => a.href")  # resolved against the page's own URL
    assert href.startswith("file:")
    target = Path(unquote(urlsplit(href).path))
    assert target.is_file() and target.resolve() == label.resolve()
    assert target.read_bytes().startswith(b"%PDF")
