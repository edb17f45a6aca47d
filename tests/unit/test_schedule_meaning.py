"""What a scheduled check's result means for the order: the one table, read by status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agent.ledger import EndState, OrderKey, OrderOptions, TrackedOrder
from agent.schedule_meaning import AFTER_STATUS, Next, next_after
from ordercore.models import Action, Goal, OrderStatus, Outcome, Result, ReturnProgress, ReturnStage

NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


def _tracked(*, return_label: str | None = None) -> TrackedOrder:
    return TrackedOrder(
        key=OrderKey("https://shop.example/", "jane@example.com", "70001"),
        goal=Goal.CANCEL,
        options=OrderOptions(),
        every=timedelta(minutes=15),
        until=NOW + timedelta(days=14),
        last_status=None,
        last_raw_status=None,
        last_seen_at=None,
        next_due_at=NOW,
        end_state=EndState.NONE,
        end_message=None,
        ended_at=None,
        created_at=NOW,
        updated_at=NOW,
        return_label=return_label,
    )


def _result(
    status: OrderStatus | None,
    *,
    label: str | None = None,
    stage: ReturnStage | None = None,
) -> Result:
    return Result(
        order="70001",
        status=status,
        raw_status=None,
        action=Action.NONE,
        outcome=Outcome.DONE,
        reference=None,
        label=label,
        message="as read",
        return_progress=ReturnProgress(stage, None, None),
    )


@pytest.mark.parametrize(
    ("status", "then"),
    [
        (OrderStatus.PROCESSING, Next.WAIT_FOR_SHOP),
        (OrderStatus.SHIPPED, Next.WAIT_FOR_DELIVERY),
        (OrderStatus.CANCELLED, Next.END_CANCELLED),
        (OrderStatus.RETURNED, Next.END_RETURNED),
        (OrderStatus.REFUNDED, Next.FOLLOW_RETURN),
        (OrderStatus.DELIVERED, Next.CHECK_AGAIN),
        (OrderStatus.RETURN_STARTED, Next.CHECK_AGAIN),
        (OrderStatus.UNKNOWN, Next.CHECK_AGAIN),
        (None, Next.CHECK_AGAIN),
    ],
)
def test_a_check_is_read_by_the_status_it_found(status: OrderStatus | None, then: Next) -> None:
    assert next_after(_tracked(), _result(status)) is then


def test_every_status_the_table_names_is_a_status_and_every_status_has_a_reading() -> None:
    assert set(AFTER_STATUS) <= set(OrderStatus)
    # A status the table does not name is checked again: never an end by default.
    unnamed = set(OrderStatus) - set(AFTER_STATUS)
    for status in unnamed:
        assert next_after(_tracked(), _result(status)) is Next.CHECK_AGAIN


def test_a_label_saved_now_is_a_return_to_follow_whatever_the_status() -> None:
    saved = _result(OrderStatus.RETURN_STARTED, label="/data/return-label-RA-1.pdf")
    assert next_after(_tracked(), saved) is Next.FOLLOW_RETURN


def test_a_return_followed_before_stays_followed_while_the_shop_shows_its_stage() -> None:
    followed = _tracked(return_label="/data/return-label-RA-1.pdf")
    moving = _result(OrderStatus.RETURN_STARTED, stage=ReturnStage.IN_TRANSIT)
    assert next_after(followed, moving) is Next.FOLLOW_RETURN
    # No stage shown: nothing to follow on this check (the status is read as usual).
    assert next_after(followed, _result(OrderStatus.RETURN_STARTED)) is Next.CHECK_AGAIN
