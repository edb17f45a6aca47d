"""The history's timeline from a ledger and proof folders written by the real writers
(``Ledger``, ``ProofStore``), without a browser: every kind of request outcome, proof
attached to the request it backs, and a ledger that is only ever read."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent.history import NoHistory, history_json, load_history, render_text
from agent.history_html import render_html, write_page
from agent.ledger import LEDGER_FILENAME, EndState, IntentKind, Ledger, OrderKey
from agent.receipts import ProofStore
from agent.redaction import REDACTED, register_secret
from ordercore.models import Action, Goal, OrderStatus

SITE = "https://shop.example.com/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def key(number: str) -> OrderKey:
    return OrderKey(SITE, "jane@example.com", number)


def test_a_cancellation_and_a_return_with_their_numbers_and_proof(
    tmp_path: Path, clock: Clock
) -> None:
    proofs = ProofStore(tmp_path, site_url=SITE)
    with Ledger.open(tmp_path, clock=clock) as ledger:
        ledger.ensure_order(key("70001"), Goal.CANCEL)
        ledger.record_status(key("70001"), OrderStatus.PROCESSING, "Processing")
        clock.advance(seconds=5)
        intent = ledger.begin_intent(key("70001"), IntentKind.CANCELLATION_REQUEST, {"m": "x"})
        clock.advance(seconds=2)
        ledger.complete_intent(intent, "CS-1001")
        ledger.track(key("70004"), Goal.RETURN, every=timedelta(minutes=15))
        clock.advance(minutes=20)
        ledger.record_status(key("70004"), OrderStatus.DELIVERED, "Delivered")
        ledger.adopt_intent(key("70004"), IntentKind.RETURN_REQUEST, "RA-7", "the order page")
        ledger.finish(key("70004"), EndState.LABEL_SAVED, "return label saved")
    shot = proofs.save_screenshot("MK-70001", "cancellation-confirmation", PNG)
    receipt = proofs.save_receipt(
        "MK-70001", Action.CANCELLATION_REQUESTED, {}, "CS-1001", {"screenshot": str(shot)}
    )
    label = proofs.save_label("MK-70004", "RA-7", b"%PDF-1.4 label")
    before = hashlib.sha256((tmp_path / LEDGER_FILENAME).read_bytes()).hexdigest()

    histories = load_history(tmp_path)

    assert [history.number for history in histories] == ["MK-70004", "MK-70001"]
    returned, cancelled = histories
    assert cancelled.references("Case") == ["CS-1001"]
    [request] = [entry for entry in cancelled.entries if entry.reference == "CS-1001"]
    assert {(proof.kind, proof.path) for proof in request.proofs} == {
        ("receipt", receipt),
        ("screenshot", shot),
    }
    assert returned.references("Return") == ["RA-7"]
    assert returned.proofs("label") == [label]
    assert returned.state == "label saved"
    text = render_text(histories, tmp_path)
    assert "Cancellation requested: case CS-1001" in text
    assert "Return started (found on the order page, not sent again): return RA-7" in text
    assert text.index("Status: delivered") < text.index("Tracked")  # newest first
    obj = history_json(histories, tmp_path)
    assert [order["cases"] for order in obj["orders"]] == [[], ["CS-1001"]]
    # Read, never written.
    assert hashlib.sha256((tmp_path / LEDGER_FILENAME).read_bytes()).hexdigest() == before


def test_requests_that_did_not_go_through_say_so(tmp_path: Path, clock: Clock) -> None:
    with Ledger.open(tmp_path, clock=clock) as ledger:
        ledger.ensure_order(key("70002"), Goal.CANCEL)
        refused = ledger.begin_intent(key("70002"), IntentKind.CANCELLATION_REQUEST, {})
        ledger.fail_intent(refused, "the form would not submit", definitely_not_sent=True)
        clock.advance(minutes=1)
        ledger.begin_intent(key("70002"), IntentKind.CANCELLATION_REQUEST, {})  # died mid-click

    [history] = load_history(tmp_path, "#MK-70002")

    whats = [entry.what for entry in history.entries]
    assert whats[0] == "Cancellation requested: may not have reached the shop"
    assert "Cancellation requested: not sent" in whats
    assert history.entries[0].detail and "checks the shop" in history.entries[0].detail


def test_an_order_with_proof_but_no_ledger_row_is_shown(tmp_path: Path) -> None:
    proofs = ProofStore(tmp_path, site_url=SITE)
    proofs.save_receipt("MK-70009", Action.LABEL_DOWNLOADED, {}, "RA-9")

    [history] = load_history(tmp_path, "70009")

    assert (history.number, history.state) == ("MK-70009", "not in the ledger")
    assert history.references("Return") == ["RA-9"]


def test_unknown_orders_and_empty_data_dirs(tmp_path: Path) -> None:
    with pytest.raises(NoHistory) as raised:
        load_history(tmp_path / "nothing", "70001")
    assert raised.value.exit_code == 2
    assert "\n" not in str(raised.value)
    assert not (tmp_path / "nothing").exists()
    assert load_history(tmp_path / "nothing") == []
    assert render_text([], tmp_path).startswith("Nothing done yet")


def test_the_page_is_one_file_written_whole_and_scrubbed(
    tmp_path: Path, clock: Clock, canary: str
) -> None:
    register_secret(canary)
    proofs = ProofStore(tmp_path / "data", site_url=SITE)
    with Ledger.open(tmp_path / "data", clock=clock) as ledger:
        ledger.ensure_order(key("70001"), Goal.CANCEL)
        ledger.record_status(key("70001"), OrderStatus.UNKNOWN, f"On hold {canary}")
    proofs.save_screenshot("MK-70001", "unknown-status", PNG)
    page = tmp_path / "out" / "history.html"

    write_page(page, render_html(load_history(tmp_path / "data"), tmp_path / "data", page))

    html = page.read_text(encoding="utf-8")
    assert canary not in html and REDACTED in html
    assert 'src="data:image/png;base64,' in html
    assert "<script" not in html
    assert oct(page.stat().st_mode & 0o777) == "0o600"
    assert [path.name for path in page.parent.iterdir()] == ["history.html"]
    json.dumps(history_json(load_history(tmp_path / "data"), tmp_path / "data"))


def test_a_data_dir_reached_through_a_link_shows_each_proof_once_under_that_link(
    tmp_path: Path, clock: Clock
) -> None:
    # The demo writes into runs/<stamp>/ and points `latest` at it; receipts keep the
    # paths they were written under.
    written = tmp_path / "runs" / "20260301T100000Z"
    proofs = ProofStore(written, site_url=SITE)
    with Ledger.open(written, clock=clock) as ledger:
        ledger.ensure_order(key("70001"), Goal.CANCEL)
        intent = ledger.begin_intent(key("70001"), IntentKind.CANCELLATION_REQUEST, {"m": "x"})
        ledger.complete_intent(intent, "CS-1001")
    form = proofs.save_screenshot("MK-70001", "cancellation-form", PNG)
    shot = proofs.save_screenshot("MK-70001", "cancellation-confirmation", PNG)
    proofs.save_receipt(
        "MK-70001",
        Action.CANCELLATION_REQUESTED,
        {},
        "CS-1001",
        {"screenshot": str(shot), "form_screenshot": str(form)},
    )
    latest = tmp_path / "latest"
    latest.symlink_to(written, target_is_directory=True)

    [history] = load_history(latest)

    [request] = [entry for entry in history.entries if entry.reference == "CS-1001"]
    shown = [proof.path for proof in request.proofs if proof.kind == "screenshot"]
    assert sorted(shown) == sorted(latest / path.relative_to(written) for path in (form, shot))


def test_a_return_followed_to_its_refund_reads_in_the_timeline(
    tmp_path: Path, clock: Clock
) -> None:
    with Ledger.open(tmp_path, clock=clock) as ledger:
        ledger.track(
            key("70012"),
            Goal.CANCEL,
            every=timedelta(hours=1),
            until=clock.now + timedelta(days=14),
        )
        ledger.record_return(key("70012"), label="/data/return-label-RA-7.pdf")
        ledger.extend_until(key("70012"), clock.now + timedelta(days=60))
        clock.advance(days=3)
        ledger.record_return(key("70012"), tracking="1Z4K7R07")
        clock.advance(days=3)
        ledger.record_return(key("70012"), refund="$48.00")
        ledger.finish(key("70012"), EndState.REFUNDED, "refunded $48.00")

    [history] = load_history(tmp_path)

    said = [(e.what, e.detail) for e in history.entries if e.kind == "tracking"]
    assert ("Return followed", "label saved at /data/return-label-RA-7.pdf") in said
    assert ("Watched longer, to follow the return", "until 2026-04-30 10:00 UTC") in said
    assert ("Return followed", "return tracking number 1Z4K7R07") in said
    assert ("Return followed", "refund shown: $48.00") in said
    assert ("Ended: refunded", "refunded $48.00") in said
    assert history.state == "refunded"


def test_the_history_says_only_what_happened(tmp_path: Path, clock: Clock) -> None:
    with Ledger.open(tmp_path, clock=clock) as ledger:
        ledger.track(key("70001"), Goal.CANCEL, every=timedelta(minutes=15))
        # Told with no notifier set up: nothing failed to be delivered.
        ledger.record_notification(
            key("70001"), "request_sent", "Cancellation requested", delivered=False,
            configured=False,
        )  # fmt: skip
        # An interrupted try that never reached the shop, then the request that did.
        lost = ledger.begin_intent(key("70001"), IntentKind.CANCELLATION_REQUEST, {"m": "x"})
        ledger.fail_intent(lost, "TimeoutError", definitely_not_sent=False)
        ledger.resolve_intent(lost, None, "support requests page")
        sent = ledger.begin_intent(key("70001"), IntentKind.CANCELLATION_REQUEST, {"m": "x"})
        ledger.complete_intent(sent, "CS-2002")
        ledger.forget(key("70001"))

    text = render_text(load_history(tmp_path), tmp_path)

    assert "could not be delivered" not in text
    assert "Change noted (no notifications set up)" in text
    assert "not sent" not in text
    assert "an interrupted try never reached the shop" in text
    assert "forgotten: forgotten" not in text


def test_times_are_shown_in_the_local_zone_and_kept_in_utc_in_the_json(
    tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    try:
        with Ledger.open(tmp_path, clock=clock) as ledger:
            ledger.track(key("70001"), Goal.CANCEL, every=timedelta(minutes=15))
        histories = load_history(tmp_path)
        text = render_text(histories, tmp_path)
        assert "2026-03-01 11:00 CET" in text  # 10:00 UTC
        [order] = history_json(histories, tmp_path)["orders"]
        assert order["entries"][0]["at"] == "2026-03-01T10:00:00+00:00"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
