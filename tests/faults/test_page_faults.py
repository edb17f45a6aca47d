"""The shop misbehaves while the agent reads it: every fault ends in a clean outcome.

Safe steps (reading pages, signing in, fetching a label) are retried or redone;
an outcome the agent cannot reach ends with exit 75 ("try later") or 3 ("a
person has to step in"), one clear line, and nothing sent or half-written.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from fixtures.server import ShopServer
from tests.support.agent_cli import AgentCLI, files_under
from tests.support.processes import browser_processes

EXIT_ERROR = 1
EXIT_NEEDS_HUMAN = 3
EXIT_TRY_LATER = 75
ORDER_PAGE = r"/us/account/orders/MK-70001$"
LABEL = r"/us/account/returns/[^/]+/label$"
FAULT_WAIT_S = 90


def test_5xx_pages_are_retried_then_the_run_succeeds(agent: AgentCLI, shop: ShopServer) -> None:
    shop.fail(r"/us/account/orders$", "5xx", times=2)
    run = agent.run("status", "70001", "--json")
    assert run.code == 0, run.explain()
    assert run.json["status"] == "processing"
    assert shop.shop.faults.pending() == []  # both 503s were met, and got past


def test_a_page_slower_than_every_wait_is_site_unavailable_and_nothing_is_sent(
    agent: AgentCLI, shop: ShopServer
) -> None:
    # Held until the test ends (reset releases it): slower than any wait, on any machine.
    # Page loads get a short time-out. The click on the order's link waits for the held
    # page to start for a click's whole time-out, on each of the three attempts: 5 s, not
    # the default 15 s; still five times the 1 s tries that close a promotion, so a busy
    # CPU cannot turn an overlay that closes a little late into a different failure.
    shop.fail(ORDER_PAGE, "slow", delay=600, times=10)
    run = agent.run("cancel", "70001", navigation_timeout_ms="2000", timeout_ms="5000")
    assert run.code == EXIT_TRY_LATER, run.explain()
    assert run.said[0].startswith("the shop stayed unavailable after 3 attempts")
    assert run.said[0].endswith("(nothing was sent; run the command again later)")
    assert shop.inbox("us") == []


def test_a_page_slower_than_the_configured_timeout_is_site_unavailable(
    agent: AgentCLI, shop: ShopServer
) -> None:
    shop.fail(ORDER_PAGE, "slow", delay=600, times=10)
    run = agent.run("cancel", "70001", navigation_timeout_ms="1000", timeout_ms="5000")
    assert run.code == EXIT_TRY_LATER, run.explain()
    assert shop.inbox("us") == []


@pytest.mark.ui_sign_in  # the sign-ins are counted: the first one through the pages
def test_session_expired_mid_flow_signs_in_again_and_finishes(
    agent: AgentCLI, shop: ShopServer
) -> None:
    shop.fail(ORDER_PAGE, "expire_session")
    run = agent.run("cancel", "70001", "--json")
    assert run.code == 0, run.explain()
    assert run.json["action"] == "cancellation_requested"
    assert [a["ok"] for a in shop.sign_in_attempts("us")] == [True, True]
    assert len(shop.inbox("us")) == 1


@pytest.mark.ui_sign_in  # the sign-ins are counted: the first one through the pages
def test_session_expired_at_the_label_signs_in_again_and_saves_it(
    agent: AgentCLI, shop: ShopServer
) -> None:
    shop.fail(LABEL, "expire_session")
    run = agent.run("return", "70012", "--json")
    assert run.code == 0, run.explain()
    assert Path(run.json["label"]).read_bytes().startswith(b"%PDF-")
    assert [a["ok"] for a in shop.sign_in_attempts("us")] == [True, True]
    assert len(shop.returns("us")) == 1


@pytest.mark.parametrize(
    ("kind", "said"),
    [
        ("html", "the label link gave no file"),
        ("empty", "the return label is not a PDF"),
    ],
)
def test_a_label_that_is_not_a_pdf_is_not_kept(
    agent: AgentCLI, shop: ShopServer, kind: str, said: str
) -> None:
    shop.fail(LABEL, kind, times=10)
    run = agent.run("return", "70012")
    assert run.code == EXIT_TRY_LATER, run.explain()
    assert said in run.said[0]
    kept = [path.name for path in files_under(agent.data_dir / "orders")]
    assert not [name for name in kept if name.startswith("return-label")], kept
    assert not [name for name in kept if name.endswith((".part", ".tmp"))], kept


@pytest.mark.parametrize("where", ["sign-in", "order page"])
def test_a_bot_check_needs_a_person(agent: AgentCLI, shop: ShopServer, where: str) -> None:
    if where == "sign-in":
        shop.set_bot_check(True, region="us")
    else:
        shop.fail(ORDER_PAGE, "bot_check", times=10)
    run = agent.run("cancel", "70001", "--json")
    assert run.code == EXIT_NEEDS_HUMAN, run.explain()
    assert "the site wants to check that we are human" in run.said[0]
    assert run.json["error"] == "BotCheck"
    assert shop.inbox("us") == []


@pytest.mark.ui_sign_in  # the sign-ins are counted: the first one through the pages
def test_browser_killed_mid_flow_is_restarted_and_the_run_finishes(
    agent: AgentCLI, shop: ShopServer
) -> None:
    slow = shop.fail(ORDER_PAGE, "slow", delay=15)
    process = agent.start("cancel", "70001", "--json")
    try:
        assert slow.arrived.wait(FAULT_WAIT_S), "the agent never asked for the order page"
        browsers = browser_processes(process.pid)
        assert browsers, "no Chromium under the agent"
        for pid in browsers:
            os.kill(pid, signal.SIGKILL)
    finally:
        run = agent.finish(process, ("cancel", "70001", "--json"))
    assert run.code == 0, run.explain()
    assert run.json["action"] == "cancellation_requested"
    assert any(line.get("event") == "browser died; starting a new one" for line in run.logs)
    assert len(shop.inbox("us")) == 1
    assert [a["ok"] for a in shop.sign_in_attempts("us")] == [True, True]


def test_data_dir_under_a_regular_file_is_a_clear_error(agent: AgentCLI, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("keep me\n")
    run = agent.run("status", "70001", data_dir=blocker / "order-agent")
    assert run.code == EXIT_ERROR, run.explain()
    assert run.said == [f"cannot write to {blocker / 'order-agent'}: Not a directory"]
    assert blocker.read_text() == "keep me\n"


def test_proof_folder_unwritable_after_sending_keeps_the_ledger_right(
    agent: AgentCLI, shop: ShopServer
) -> None:
    agent.data_dir.mkdir(mode=0o700)
    (agent.data_dir / "orders").write_text("in the way\n")
    failed = agent.run("cancel", "70001")
    assert failed.code == EXIT_ERROR, failed.explain()
    assert failed.said == [f"cannot write to {agent.data_dir / 'orders'}: Not a directory"]
    assert len(shop.inbox("us")) == 1  # sent before the proof could be kept
    assert not [p for p in files_under(agent.data_dir) if p.name.endswith((".part", ".tmp"))]

    (agent.data_dir / "orders").unlink()
    again = agent.run("cancel", "70001", "--json")
    assert again.code == 0, again.explain()
    assert again.json["reference"] == shop.inbox("us")[0]["case"]
    assert "not sending it again" in again.json["message"]
    assert len(shop.inbox("us")) == 1
