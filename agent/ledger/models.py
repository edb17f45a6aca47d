"""What the ledger holds, as Python values: keys, tracked orders, intents, events.

Plain dataclasses and enums, free of any database: :mod:`agent.ledger` stores them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ordercore.errors import LedgerError, UsageError
from ordercore.models import Goal, OrderStatus
from ordercore.order_numbers import normalise_order_number

# How long after its label is saved a return's parcel may go unscanned before one reminder.
DEFAULT_SHIP_BY = timedelta(days=7)


def utc_now() -> datetime:
    return datetime.now(UTC)


def seconds(span: timedelta | None) -> int | None:
    return round(span.total_seconds()) if span is not None else None


def to_timedelta(count: float | None) -> timedelta | None:
    return timedelta(seconds=count) if count is not None else None


class EndState(StrEnum):
    """Why an order is no longer worked on (``NONE``: it still is)."""

    NONE = "none"
    CANCELLED = "cancelled"
    LABEL_SAVED = "label_saved"
    NEEDS_HUMAN = "needs_human"
    EXPIRED = "expired"
    FORGOTTEN = "forgotten"
    # The return followed to its end: the shop shows the refund. A scheduled
    # order whose label is saved goes on until then; LABEL_SAVED stays for ledgers written
    # before v3 (an order ended there), and for an order returned without our label.
    REFUNDED = "refunded"


class IntentKind(StrEnum):
    """Irreversible steps that are written ahead."""

    CANCELLATION_REQUEST = "cancellation_request"
    FOLLOW_UP = "follow_up"
    RETURN_REQUEST = "return_request"
    # A conversation in the shop's live chat: its outcome ("cancelled",
    # "case", "nothing") is in the intent's details; a useful one is also recorded as the
    # order's cancellation request (adopted, how "live chat").
    CHAT_REQUEST = "chat_request"


class IntentState(StrEnum):
    OPEN = "open"  # begun, no outcome: the process died (or is still clicking)
    UNCERTAIN = "uncertain"  # failed in a way that may still have reached the shop
    SENT = "sent"  # the shop confirmed it (or showed it when reconciling)
    NOT_SENT = "not_sent"  # it certainly did not reach the shop: safe to submit again


UNRESOLVED_INTENT_STATES = (IntentState.OPEN, IntentState.UNCERTAIN)


class IntentConflict(LedgerError):
    """An intent of this kind is already sent or still unresolved for the order."""


class OrderNotTracked(LedgerError):
    """The order has no row in the ledger (call ``track`` or ``ensure_order`` first)."""


# --- keys ---------------------------------------------------------------------------------


def normalise_site(url: str) -> str:
    """The site URL as the ledger keys it: lower-case scheme and host, no trailing '/'."""
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        raise UsageError(f"not a site URL: {url.strip()!r}")
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), parts.query, "")
    )


def normalise_email(email: str) -> str:
    return email.strip().lower()


@dataclass(frozen=True)
class OrderKey:
    """One order of one account on one site; every field normalised on construction."""

    site: str
    email: str
    number: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "site", normalise_site(self.site))
        object.__setattr__(self, "email", normalise_email(self.email))
        object.__setattr__(self, "number", normalise_order_number(self.number))

    def __str__(self) -> str:
        return f"{self.number} ({self.email} at {self.site})"


# --- records ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderOptions:
    """What the shopper asked for besides the goal (``every``/``until`` live on the order)."""

    reason: str | None = None
    items: tuple[str, ...] = ()
    no_return: bool = False
    follow_up_after: timedelta | None = None
    channel: str | None = None  # --channel of add/watch; None: the settings'
    # A saved return label whose parcel the carrier has not scanned this long after: one
    # reminder (``--ship-by``; None: never). Rows from before it was an option get the default.
    ship_by: timedelta | None = field(default_factory=lambda: DEFAULT_SHIP_BY)

    def to_json(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "items": list(self.items),
            "no_return": self.no_return,
            "follow_up_after": seconds(self.follow_up_after),
            **({"channel": self.channel} if self.channel else {}),
            "ship_by": seconds(self.ship_by),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OrderOptions:
        return cls(
            reason=data.get("reason"),
            items=tuple(data.get("items") or ()),
            no_return=bool(data.get("no_return", False)),
            follow_up_after=to_timedelta(data.get("follow_up_after")),
            channel=data.get("channel"),
            ship_by=to_timedelta(data["ship_by"]) if "ship_by" in data else DEFAULT_SHIP_BY,
        )


@dataclass(frozen=True)
class Finding:
    """Something that stopped a check but may be a hiccup: retried on later passes.

    ``kind`` names it (the error's class, e.g. ``SiteNotUnderstood``); ``count`` is how
    many passes in a row found it, from ``first_at`` to ``last_at``.
    """

    kind: str
    message: str
    count: int
    first_at: datetime
    last_at: datetime

    @property
    def span(self) -> timedelta:
        return self.last_at - self.first_at


@dataclass(frozen=True)
class TrackedOrder:
    key: OrderKey
    goal: Goal
    options: OrderOptions
    every: timedelta | None  # None: a one-shot order, never due by itself
    until: datetime | None
    last_status: OrderStatus | None
    last_raw_status: str | None
    last_seen_at: datetime | None
    next_due_at: datetime | None
    end_state: EndState
    end_message: str | None
    ended_at: datetime | None
    created_at: datetime
    updated_at: datetime
    # The last passes' finding, while it may still be a hiccup (None after a good check).
    finding: Finding | None = None
    # Parked until the configured credentials change: the fingerprint they were refused on.
    parked_fingerprint: str | None = None
    # A return followed to its refund (schema v3): the label saved and when, the carrier's
    # tracking number of the parcel going back, the refund's amount as the shop showed it.
    return_label: str | None = None
    label_saved_at: datetime | None = None
    return_tracking: str | None = None
    refund: str | None = None

    @property
    def active(self) -> bool:
        return self.end_state is EndState.NONE


@dataclass(frozen=True)
class Intent:
    id: int
    key: OrderKey
    kind: IntentKind
    state: IntentState
    payload: dict[str, Any]
    reference: str | None
    details: dict[str, Any]
    reason: str | None  # why it failed
    how: str | None  # how a reconciliation decided
    started_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str
    data: dict[str, Any] = field(default_factory=dict)
