"""The decision table, cell by cell: every status for every goal and option."""

from __future__ import annotations

import itertools

import pytest

from agent.decisions import Decision, Step, decide
from ordercore.models import Goal, OrderStatus, Outcome

S = OrderStatus
G = Goal

# The whole grid with default options: (status, goal) -> (step, outcome).
DEFAULT_GRID: dict[tuple[OrderStatus, Goal], tuple[Step, Outcome]] = {
    (S.PROCESSING, G.STATUS): (Step.NOTHING, Outcome.DONE),
    (S.SHIPPED, G.STATUS): (Step.NOTHING, Outcome.DONE),
    (S.DELIVERED, G.STATUS): (Step.NOTHING, Outcome.DONE),
    (S.CANCELLED, G.STATUS): (Step.NOTHING, Outcome.DONE),
    (S.RETURN_STARTED, G.STATUS): (Step.NOTHING, Outcome.DONE),
    (S.RETURNED, G.STATUS): (Step.NOTHING, Outcome.DONE),
    (S.REFUNDED, G.STATUS): (Step.NOTHING, Outcome.DONE),
    (S.UNKNOWN, G.STATUS): (Step.ASK_HUMAN, Outcome.NEEDS_HUMAN),
    (S.PROCESSING, G.CANCEL): (Step.REQUEST_CANCELLATION, Outcome.DONE),
    (S.SHIPPED, G.CANCEL): (Step.WAIT, Outcome.WAITING),
    (S.DELIVERED, G.CANCEL): (Step.START_RETURN, Outcome.DONE),
    (S.CANCELLED, G.CANCEL): (Step.NOTHING, Outcome.DONE),
    (S.RETURN_STARTED, G.CANCEL): (Step.DOWNLOAD_LABEL, Outcome.DONE),
    (S.RETURNED, G.CANCEL): (Step.NOTHING, Outcome.DONE),
    (S.REFUNDED, G.CANCEL): (Step.NOTHING, Outcome.DONE),
    (S.UNKNOWN, G.CANCEL): (Step.ASK_HUMAN, Outcome.NEEDS_HUMAN),
    (S.PROCESSING, G.RETURN): (Step.ASK_HUMAN, Outcome.NEEDS_HUMAN),
    (S.SHIPPED, G.RETURN): (Step.WAIT, Outcome.WAITING),
    (S.DELIVERED, G.RETURN): (Step.START_RETURN, Outcome.DONE),
    (S.CANCELLED, G.RETURN): (Step.NOTHING, Outcome.DONE),
    (S.RETURN_STARTED, G.RETURN): (Step.DOWNLOAD_LABEL, Outcome.DONE),
    (S.RETURNED, G.RETURN): (Step.NOTHING, Outcome.DONE),
    (S.REFUNDED, G.RETURN): (Step.NOTHING, Outcome.DONE),
    (S.UNKNOWN, G.RETURN): (Step.ASK_HUMAN, Outcome.NEEDS_HUMAN),
}


def test_the_grid_covers_every_status_and_goal() -> None:
    assert set(DEFAULT_GRID) == set(itertools.product(OrderStatus, Goal))


def assert_one_sentence(decision: Decision) -> None:
    assert decision.reason
    assert "\n" not in decision.reason
    assert decision.reason[0].isupper()
    assert decision.reason.endswith(".")


@pytest.mark.parametrize(("status", "goal"), list(DEFAULT_GRID), ids=lambda v: str(v))
def test_default_grid(status: OrderStatus, goal: Goal) -> None:
    decision = decide(status, goal)
    assert (decision.step, decision.outcome) == DEFAULT_GRID[(status, goal)]
    assert_one_sentence(decision)


# With a saved label, a return under way needs nothing more; nothing else changes.
@pytest.mark.parametrize(("status", "goal"), list(DEFAULT_GRID), ids=lambda v: str(v))
def test_grid_with_label_saved(status: OrderStatus, goal: Goal) -> None:
    expected = DEFAULT_GRID[(status, goal)]
    if status is S.RETURN_STARTED and goal is not G.STATUS:
        expected = (Step.NOTHING, Outcome.DONE)
    decision = decide(status, goal, label_saved=True)
    assert (decision.step, decision.outcome) == expected
    assert_one_sentence(decision)


# --no-return only changes a delivered order for the cancel goal.
@pytest.mark.parametrize(("status", "goal"), list(DEFAULT_GRID), ids=lambda v: str(v))
def test_grid_with_no_return(status: OrderStatus, goal: Goal) -> None:
    expected = DEFAULT_GRID[(status, goal)]
    if (status, goal) == (S.DELIVERED, G.CANCEL):
        expected = (Step.NOTHING, Outcome.DONE)
    decision = decide(status, goal, allow_return=False)
    assert (decision.step, decision.outcome) == expected
    assert_one_sentence(decision)


# Without returnable items, every would-be return becomes a person's call.
@pytest.mark.parametrize(("status", "goal"), list(DEFAULT_GRID), ids=lambda v: str(v))
def test_grid_without_returnable_items(status: OrderStatus, goal: Goal) -> None:
    expected = DEFAULT_GRID[(status, goal)]
    if expected[0] is Step.START_RETURN:
        expected = (Step.ASK_HUMAN, Outcome.NEEDS_HUMAN)
    decision = decide(status, goal, return_items_available=False)
    assert (decision.step, decision.outcome) == expected
    assert_one_sentence(decision)


def test_no_return_message_says_what_happened_and_what_to_do() -> None:
    decision = decide(S.DELIVERED, G.CANCEL, allow_return=False, order="70004")
    assert "--no-return" in decision.reason
    assert decision.next_step == "`order-agent return 70004` sends it back."
    assert decision.message == f"{decision.reason} {decision.next_step}"


def test_shipped_points_at_watch() -> None:
    decision = decide(S.SHIPPED, G.CANCEL, order="70003")
    assert decision.message == (
        "The order is in transit: nothing can be done until it is delivered. "
        "`order-agent watch 70003` keeps trying and returns it once it arrives."
    )


def test_return_of_a_processing_order_points_at_cancel() -> None:
    decision = decide(S.PROCESSING, G.RETURN, order="70001")
    assert decision.reason == "The order has not shipped yet, so it cannot be returned."
    assert decision.next_step == "`order-agent cancel 70001` asks the shop to cancel it instead."


def test_final_sale_only_order_mentions_final_sale() -> None:
    decision = decide(S.DELIVERED, G.RETURN, return_items_available=False)
    assert "final sale" in decision.reason


def test_plain_strings_are_accepted() -> None:
    assert decide("processing", "cancel").step is Step.REQUEST_CANCELLATION  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        decide("lost", "cancel")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("step", "acts"),
    [
        (Step.REQUEST_CANCELLATION, True),
        (Step.START_RETURN, True),
        (Step.DOWNLOAD_LABEL, True),
        (Step.WAIT, False),
        (Step.NOTHING, False),
        (Step.ASK_HUMAN, False),
    ],
)
def test_acts_on_site(step: Step, acts: bool) -> None:
    assert Decision(step, Outcome.DONE, "Because.").acts_on_site is acts


def test_decision_is_frozen() -> None:
    decision = decide(S.PROCESSING, G.CANCEL)
    with pytest.raises(AttributeError):
        decision.step = Step.NOTHING  # type: ignore[misc]


# `status` says the order's state (in the shop's words when they differ) and the one next step.
@pytest.mark.parametrize(
    ("status", "raw", "message"),
    [
        (
            S.PROCESSING,
            "Order Placed",
            'Order MK-70001 is still processing ("Order Placed"). '
            "`order-agent cancel MK-70001` asks the shop to cancel it.",
        ),
        (
            S.PROCESSING,
            "Processing",
            "Order MK-70001 is still processing. "
            "`order-agent cancel MK-70001` asks the shop to cancel it.",
        ),
        (
            S.SHIPPED,
            "Shipped",
            "Order MK-70001 has shipped. Nothing can be done until it is "
            "delivered; `order-agent watch MK-70001` keeps at it and returns it once it arrives.",
        ),
        (
            S.DELIVERED,
            "Delivered",
            "Order MK-70001 was delivered. "
            "`order-agent return MK-70001` starts a return and saves the prepaid label.",
        ),
        (S.CANCELLED, "Canceled", 'Order MK-70001 is cancelled ("Canceled"). Nothing more to do.'),
        (
            S.RETURN_STARTED,
            "Return Started",
            "Order MK-70001 has a return under way. "
            "`order-agent return MK-70001` saves its prepaid return label.",
        ),
        (S.RETURNED, "Returned", "Order MK-70001 has been returned. Nothing more to do."),
        (
            S.REFUNDED,
            "Refund Issued",
            'Order MK-70001 has been refunded ("Refund Issued"). Nothing more to do.',
        ),
    ],
)
def test_status_says_the_state_and_the_next_step(
    status: OrderStatus, raw: str, message: str
) -> None:
    decision = decide(status, G.STATUS, order="MK-70001", raw_status=raw)
    assert decision.message == message
