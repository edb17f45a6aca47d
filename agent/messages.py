"""What order-agent writes: to a retailer's customer service in the shopper's name,
and about an order for the shopper."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from agent.redaction import scrub
from ordercore.errors import (
    AccountLocked,
    BotCheck,
    CredentialsRejected,
    NeedsHuman,
    ReturnRefused,
    SiteNotUnderstood,
    TwoStepCodeMissing,
    UnsafeSignIn,
)
from ordercore.models import Item, Order, StatusEvidence

if TYPE_CHECKING:
    from flows.chatting import ChatResult

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


def _item_words(item: Item) -> str:
    notes = [note for note in (item.price, "Final Sale" if item.final_sale else None) if note]
    count = f"{item.quantity} x " if item.quantity > 1 else ""
    return f"{count}{item.name}" + (f" ({', '.join(notes)})" if notes else "")


def order_summary(order: Order, status_sentence: str) -> str:
    """One line for people: the status sentence, the tracking number and the items."""
    parts = [status_sentence.strip()]
    if order.tracking:
        parts.append(f"Tracking number: {order.tracking}.")
    if order.return_tracking:
        parts.append(f"Return tracking number: {order.return_tracking}.")
    if order.refund:
        parts.append(f"Refund shown: {order.refund}.")
    if order.items:
        parts.append("Items: " + "; ".join(_item_words(item) for item in order.items) + ".")
    return " ".join(parts)


# What a person can do about each kind of stop, for when the place that stopped did not say.
_NEXT_STEPS: tuple[tuple[type[NeedsHuman], str], ...] = (
    (
        CredentialsRejected,
        "sign in on the shop's site yourself to check the e-mail and password, then run "
        "`order-agent init` again (or set ORDER_AGENT_EMAIL, ORDER_AGENT_PASSWORD and "
        "ORDER_AGENT_TOTP_SECRET where you keep them)",
    ),
    (AccountLocked, "call customer service to unlock the account, then run the command again"),
    (BotCheck, "sign in once on the shop's site yourself, then run the command again later"),
    (
        TwoStepCodeMissing,
        "set ORDER_AGENT_TOTP_SECRET to the account's authenticator secret "
        "(the text behind the QR code the shop showed)",
    ),
    (UnsafeSignIn, "check that ORDER_AGENT_SITE_URL is the shop's own https:// address"),
    (ReturnRefused, "ask customer service how to send it back"),
    (SiteNotUnderstood, "do this step on the shop's site yourself; its pages may have changed"),
)


def next_step(error: NeedsHuman) -> str | None:
    """What the person should do about ``error``: its own hint, else the usual advice."""
    if error.hint:
        return error.hint
    return next((advice for kind, advice in _NEXT_STEPS if isinstance(error, kind)), None)


def chat_shortfall(chat: ChatResult | None, *, tried: bool) -> str:
    """Why the live chat put nothing on file, as a clause ("is away", "could not help")."""
    if chat is None:
        return "was tried before and could not help" if tried else "is away right now"
    said = f': "{scrub(chat.said)}"' if chat.said else ""
    return f"could not help{said}" if chat.said or chat.transcript else "gave no answer"


def unclear_status_message(number: str, evidence: StatusEvidence) -> str:
    """What to say when the places that show a status disagree, or none shows one."""
    if evidence.conflict:
        said = "; ".join(f"{c.text!r} ({c.where})" for c in evidence.taken)
        return (
            f"order {number} shows statuses that disagree: {said}; order-agent acts only on "
            "one status in its place, so nothing was done"
        )
    seen = "; ".join(f"{c.text!r} ({c.where})" for c in evidence.set_aside[:4])
    return (
        f"order {number} shows no status in a place order-agent reads it from"
        + (f" (seen: {seen})" if seen else "")
        + "; nothing was done"
    )


def unknown_status_message(number: str, raw: str) -> str:
    """What to say about status words order-agent does not know, with the profile lines
    that would teach them (the canonical status is the person's to choose)."""
    # A TOML basic string is a JSON string: quotes and backslashes escaped alike.
    key = json.dumps(raw, ensure_ascii=False)
    return (
        f"order {number} shows the status {key}, which order-agent does not know; "
        "to teach it, add to the shop's profile (choose processing, shipped, delivered, "
        f'cancelled, return_started, returned or refunded):\n[status]\n{key} = "processing"'
    )
