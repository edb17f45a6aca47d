"""`order-agent cancel ORDER`: what happens in each status, and the proof it leaves."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from agent.output import StepPrinter
from fixtures.server import ShopServer
from ordercore.models import Action, CommandOptions, OrderStatus, Outcome
from tests.support.people import JANE, JANE_NAME

from .conftest import OrderAgent, RunAgent


def file_mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def read_receipt(path: str) -> dict[str, Any]:
    receipt = json.loads(Path(path).read_text())
    assert isinstance(receipt, dict)
    return receipt


def pdf_text(path: Path) -> str:
    return "".join(page.extract_text() for page in PdfReader(path).pages).replace(" ", "")


@pytest.mark.parametrize("region", ["us", "uk"])
def test_a_processing_order_gets_one_polite_request_with_proof_and_never_a_second(
    order_agent: OrderAgent, shop: ShopServer, region: str
):
    reason = "I ordered the wrong colour"
    first = order_agent(
        "cancel", "#70001", "--json", "--reason", reason, region=region, name=JANE_NAME
    )

    assert first.code == 0, first.stderr
    result = first.json
    assert (result["status"], result["action"], result["outcome"]) == (
        "processing",
        "cancellation_requested",
        "done",
    )
    [request] = shop.inbox(region)
    assert result["reference"] == request["case"]
    assert result["label"] is None
    assert "70001" in str(request["order"])
    assert (request["email"], request["name"]) == (JANE, JANE_NAME)
    assert "cancel" in str(request["topic"]).lower()
    message = str(request["message"])
    for needed in ("70001", reason, JANE_NAME):
        assert needed in message
    assert not request["phone"], "optional phone fields stay empty"

    receipt_path = Path(result["receipt"])
    receipt = read_receipt(result["receipt"])
    assert receipt["action"] == "cancellation_requested"
    assert receipt["reference"] == request["case"]
    assert receipt["saved_at"] and receipt["site_url"] == shop.region_url(region)
    assert receipt["sent"]["message"] == message
    assert JANE in receipt["sent"].values()
    screenshot = Path(receipt["screenshot"])
    assert screenshot.read_bytes().startswith(b"\x89PNG")
    assert file_mode(receipt_path) == file_mode(screenshot) == 0o600

    again = order_agent("cancel", "70001", "--json", region=region, name=JANE_NAME)

    assert again.code == 0, again.stderr
    assert (again.json["action"], again.json["outcome"]) == ("none", "done")
    assert again.json["reference"] == request["case"]
    assert "already requested" in again.json["message"]
    assert len(shop.inbox(region)) == 1


def test_a_dry_run_fills_the_form_keeps_a_screenshot_and_sends_nothing(
    order_agent: OrderAgent, shop: ShopServer
):
    # No ORDER_AGENT_NAME: the name is read from the account ("Welcome back, Jane Shopper").
    run = order_agent("cancel", "70002", "--dry-run", "--reason", "Too late", "--json", region="uk")

    assert run.code == 0, run.stderr
    result = run.json
    assert (result["action"], result["outcome"], result["reference"]) == ("none", "done", None)
    assert "dry run" in result["message"].lower()
    assert Path(result["screenshot"]).read_bytes().startswith(b"\x89PNG")
    fields = result["fields"]
    assert fields["Full Name"] == "Jane Shopper" and fields["Email"] == JANE
    assert fields["Order Reference"] == "70002"
    for needed in ("70002", "Too late", "Jane Shopper"):
        assert needed in fields["Your Message"]
    assert shop.inbox("uk") == []


@pytest.mark.parametrize("region", ["us", "uk"])
def test_a_delivered_order_is_returned_with_a_valid_label(
    order_agent: OrderAgent, shop: ShopServer, region: str
):
    run = order_agent("cancel", "70012", "--json", region=region)

    assert run.code == 0, run.stderr
    result = run.json
    assert (result["status"], result["action"], result["outcome"]) == (
        "delivered",
        "return_started",
        "done",
    )
    [started] = shop.returns(region)
    assert result["reference"] == started["return_number"]
    assert started["method"] == "mail" and started["items"]
    label = Path(result["label"])
    assert label.is_absolute() and label.read_bytes().startswith(b"%PDF-")
    assert str(started["return_number"]) in pdf_text(label)
    assert file_mode(label) == 0o600
    receipt = read_receipt(result["receipt"])
    assert receipt["reference"] == started["return_number"]
    assert receipt["label"] == str(label)
    assert Path(receipt["screenshot"]).read_bytes().startswith(b"\x89PNG")
    assert [p.name for p in label.parent.iterdir() if p.suffix in (".part", ".tmp")] == []
    assert len(shop.returns(region)) == 1 and shop.inbox(region) == []


def test_no_return_keeps_a_delivered_order_and_each_step_is_shown_as_it_happens(
    run_agent: RunAgent, shop: ShopServer
):
    shown = io.StringIO()
    result = run_agent(
        "cancel",
        "70012",
        region="uk",
        options=CommandOptions(no_return=True),
        steps=StepPrinter(shown, enabled=True),
    )

    assert (result.status, result.action, result.outcome) == (
        OrderStatus.DELIVERED,
        Action.NONE,
        Outcome.DONE,
    )
    assert "order-agent return 70012" in result.message
    assert shop.returns("uk") == []
    assert [line.split(" ", 1)[1] for line in shown.getvalue().splitlines()] == [
        "Signed in",
        "Found order 70012",
        'Status: delivered ("Delivered")',
    ]


def test_an_order_in_transit_can_only_be_waited_for(order_agent: OrderAgent, shop: ShopServer):
    # (US "Shipped" is the subprocess test's case.)
    region, number = "uk", "70010"
    run = order_agent("cancel", number, "--json", region=region)

    assert run.code == 75
    result = run.json
    assert (result["status"], result["action"], result["outcome"]) == ("shipped", "none", "waiting")
    assert f"order-agent watch {number}" in result["message"]
    assert shop.inbox(region) == [] and shop.returns(region) == []


@pytest.mark.parametrize(
    ("region", "number", "status"),
    [("uk", "70005", "cancelled"), ("us", "70007", "returned")],
)
def test_nothing_is_left_to_do_for_a_cancelled_or_returned_order(
    order_agent: OrderAgent, shop: ShopServer, region: str, number: str, status: str
):
    run = order_agent("cancel", number, "--json", region=region)

    assert run.code == 0, run.stderr
    assert (run.json["status"], run.json["action"], run.json["outcome"]) == (status, "none", "done")
    assert "already" in run.json["message"]
    assert shop.inbox(region) == [] and shop.returns(region) == []


@pytest.mark.parametrize("region", ["us", "uk"])
def test_a_started_return_gets_its_label_saved_once(
    order_agent: OrderAgent, shop: ShopServer, region: str
):
    seeded = {"us": "RA-500006", "uk": "R500006"}[region]
    run = order_agent("cancel", "70006", "--json", region=region)

    assert run.code == 0, run.stderr
    result = run.json
    assert (result["status"], result["action"], result["outcome"]) == (
        "return_started",
        "label_downloaded",
        "done",
    )
    assert result["reference"] == seeded
    label = Path(result["label"])
    assert label.name == f"return-label-{seeded}.pdf"
    assert seeded in pdf_text(label)
    receipt = read_receipt(result["receipt"])
    assert (receipt["action"], receipt["reference"]) == ("label_downloaded", seeded)
    assert Path(receipt["screenshot"]).read_bytes().startswith(b"\x89PNG")
    assert [d["return_number"] for d in shop.label_downloads(region)] == [seeded]

    again = order_agent("cancel", "70006", "--json", region=region)

    assert again.code == 0, again.stderr
    assert (again.json["action"], again.json["label"]) == ("none", str(label))
    assert "nothing" in again.stdout.lower() or "saved" in again.json["message"]
    assert len(shop.label_downloads(region)) == 1
    assert shop.returns(region) == []


@pytest.mark.parametrize("region", ["us", "uk"])
def test_a_second_data_dir_adopts_the_open_request_instead_of_sending_another(
    order_agent: OrderAgent, shop: ShopServer, region: str, tmp_path: Path
):
    first = order_agent("cancel", "70001", "--json", region=region, data_dir=tmp_path / "a")
    assert first.code == 0, first.stderr
    [request] = shop.inbox(region)

    # Another machine, or a fresh data dir: its ledger knows nothing of the request.
    second = order_agent("cancel", "70001", "--json", region=region, data_dir=tmp_path / "b")

    assert second.code == 0, second.stderr
    result = second.json
    assert (result["action"], result["outcome"], result["reference"]) == (
        "none",
        "done",
        request["case"],
    )
    assert "already lists an open cancellation request" in result["message"]
    assert shop.inbox(region) == [request]  # exactly one request on the shop

    # The adopted case is the second ledger's own from now on: a third run asks nobody.
    third = order_agent("cancel", "70001", "--json", region=region, data_dir=tmp_path / "b")
    assert third.code == 0, third.stderr
    assert third.json["reference"] == request["case"]
    assert "already requested" in third.json["message"]
    assert shop.inbox(region) == [request]


def test_a_closed_case_for_the_order_is_not_taken_for_an_open_request(
    order_agent: OrderAgent, shop: ShopServer, tmp_path: Path
):
    # The shop answered (and closed) the first request, yet the order is processing again.
    first = order_agent("cancel", "70002", "--json", data_dir=tmp_path / "a")
    assert first.code == 0, first.stderr
    shop.set_status("us", "70002", "Shipped")
    shop.advance(minutes=61)  # the warehouse declines it: the case is closed
    [closed] = shop.inbox("us")
    assert str(closed["status"]).lower() == "closed"
    shop.set_status("us", "70002", "Processing")

    second = order_agent("cancel", "70002", "--json", data_dir=tmp_path / "b")

    assert second.code == 0, second.stderr
    assert second.json["action"] == "cancellation_requested"
    assert [r["case"] for r in shop.inbox("us")] == [closed["case"], second.json["reference"]]


def test_a_second_data_dir_fetches_the_label_of_a_started_return_instead_of_a_new_one(
    order_agent: OrderAgent, shop: ShopServer, tmp_path: Path
):
    first = order_agent("cancel", "70012", "--json", data_dir=tmp_path / "a")
    assert first.code == 0, first.stderr
    [started] = shop.returns("us")

    second = order_agent("cancel", "70012", "--json", data_dir=tmp_path / "b")

    assert second.code == 0, second.stderr
    assert (second.json["action"], second.json["reference"]) == (
        "label_downloaded",
        started["return_number"],
    )
    assert shop.returns("us") == [started]


def test_the_next_order_goes_straight_to_its_page_on_the_saved_session(
    order_agent: OrderAgent, shop: ShopServer
):
    first = order_agent("cancel", "70001", "--json", name=JANE_NAME)
    assert first.code == 0, first.stderr
    attempts = len(shop.sign_in_attempts("us"))
    # From now on the order list answers only with server errors: the next order is
    # reached by the first one's address, its number swapped, on the saved session.
    shop.fail(r"/account/orders/?$", "5xx", times=100, region="us")

    second = order_agent("cancel", "70002", "--json", name=JANE_NAME)

    assert second.code == 0, second.stderr
    assert second.json["action"] == "cancellation_requested"
    assert len(shop.sign_in_attempts("us")) == attempts  # no sign-in either
    first_case, second_case = shop.inbox("us")
    assert "70002" in str(second_case["order"])
    assert second.json["reference"] == second_case["case"] != first_case["case"]
    receipt = read_receipt(second.json["receipt"])
    # The filled form, pictured in the tab that opened it ahead, is part of the proof.
    assert Path(receipt["form_screenshot"]).is_file()
