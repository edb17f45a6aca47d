"""What order-agent writes to a retailer's customer service, in the shopper's name."""

from __future__ import annotations

DEFAULT_REASON = "I no longer need it"


def cancellation_message(*, order: str, name: str, reason: str | None) -> str:
    """A polite, concise request that always names the order, the reason and the shopper."""
    why = (reason or DEFAULT_REASON).strip().rstrip(".")
    return (
        f"Hello, please cancel my order {order} before it ships. "
        f"Reason: {why}. "
        "If it has already shipped, please let me know and I will return it. "
        f"Thank you, {name}"
    )


def follow_up_message(*, order: str, name: str, case: str) -> str:
    """The one follow-up a scheduled job may send, quoting the first case number."""
    return (
        f"Hello, I am following up on case {case}: please cancel my order {order} "
        "before it ships, and confirm once it is done. "
        f"Thank you, {name}"
    )
