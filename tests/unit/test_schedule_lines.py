"""``order-agent list`` rows: how an order ended, as a plain sentence with the next step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agent.ledger import EndState, OrderKey, OrderOptions, TrackedOrder
from agent.schedule_reports import tracked_line
from ordercore.models import Goal, OrderStatus

ENDED = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)


def ended(state: EndState, message: str | None, status: OrderStatus) -> TrackedOrder:
    return TrackedOrder(
        key=OrderKey("https://shop.example.com/", "jane@example.com", "70001"),
        goal=Goal.CANCEL,
        options=OrderOptions(),
        every=timedelta(minutes=15),
        until=None,
        last_status=status,
        last_raw_status=None,
        last_seen_at=ENDED,
        next_due_at=None,
        end_state=state,
        end_message=message,
        ended_at=ENDED,
        created_at=ENDED,
        updated_at=ENDED,
    )


@pytest.mark.parametrize(
    ("state", "message", "status", "sentence"),
    [
        (
            EndState.FORGOTTEN,
            "forgotten",
            OrderStatus.SHIPPED,
            "No longer tracked (forgotten on 2026-11-30 09:15 UTC). "
            "`order-agent add 70001` tracks it again.",
        ),
        (
            EndState.LABEL_SAVED,
            "return label saved: /data/orders/MK-70001/return-label-RA-1.pdf",
            OrderStatus.RETURN_STARTED,
            "Done: return started on 2026-11-30 09:15 UTC; its label is saved at "
            "/data/orders/MK-70001/return-label-RA-1.pdf.",
        ),
        (
            EndState.CANCELLED,
            "the order is cancelled",
            OrderStatus.CANCELLED,
            "Done: the shop cancelled it on 2026-11-30 09:15 UTC.",
        ),
        (
            EndState.NEEDS_HUMAN,
            "the site has locked the account: Too many attempts.",
            OrderStatus.PROCESSING,
            "Stopped on 2026-11-30 09:15 UTC, needs you: the site has locked the account: "
            "Too many attempts. Once it is sorted out, `order-agent add 70001` puts it back "
            "to work.",
        ),
        (
            EndState.EXPIRED,
            "watched until its end date",
            OrderStatus.SHIPPED,
            "Stopped on 2026-11-30 09:15 UTC: its time limit (--for) ran out. "
            "`order-agent add 70001` watches it again.",
        ),
    ],
)
def test_an_ended_order_reads_as_a_sentence(
    state: EndState, message: str, status: OrderStatus, sentence: str
) -> None:
    line = tracked_line(ended(state, message, status))
    assert line.startswith(f"70001        {status.value.replace('_', ' '):<16} ")
    assert line.endswith(f" {sentence}  (jane@example.com)")
    for old in ("forgotten: forgotten", "label saved: return label saved", "needs human"):
        assert old not in line
