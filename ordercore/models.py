"""The words order-agent thinks in, independent of any site's markup."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class OrderStatus(StrEnum):
    """The contract's canonical statuses; ``UNKNOWN`` for any other word."""

    PROCESSING = "processing"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURN_STARTED = "return_started"
    RETURNED = "returned"
    # Past the contract's ``returned``: the shop shows the refund (a refund line with its
    # amount, or a word that says only that, "Refund Issued"). Issue #13.
    REFUNDED = "refunded"
    UNKNOWN = "unknown"


class ReturnStage(StrEnum):
    """How far a started return has gone, as its order's page shows it (issue #13)."""

    STARTED = "started"  # label out, the parcel not scanned by the carrier yet
    IN_TRANSIT = "in_transit"  # the parcel is on its way back
    RECEIVED = "received"  # the shop has it; no refund shown yet
    REFUNDED = "refunded"  # the shop shows the refund (with its amount, or a word saying so)


class Goal(StrEnum):
    """What the shopper asked for."""

    STATUS = "status"  # only look
    CANCEL = "cancel"  # get me out of this order (cancel, else return)
    RETURN = "return"  # return a delivered order


class Action(StrEnum):
    """What the agent did, as reported in ``--json``."""

    CANCELLATION_REQUESTED = "cancellation_requested"
    RETURN_STARTED = "return_started"
    LABEL_DOWNLOADED = "label_downloaded"
    NONE = "none"


class Outcome(StrEnum):
    DONE = "done"  # exit 0
    WAITING = "waiting"  # exit 75
    NEEDS_HUMAN = "needs_human"  # exit 3
    ERROR = "error"  # exit 1 or 2


@dataclass(frozen=True)
class Item:
    name: str
    price: str | None = None
    quantity: int = 1
    final_sale: bool = False
    returnable: bool = True


@dataclass(frozen=True)
class Order:
    """An order as read from its page."""

    number: str  # as the shop shows it, e.g. "MK-70001"
    status: OrderStatus
    raw_status: str  # the words on the page
    items: tuple[Item, ...] = ()
    tracking: str | None = None
    url: str | None = None
    label_available: bool = False
    return_available: bool = False
    # A return followed to its refund (issue #13): the carrier's tracking number of the
    # parcel going back, and the refund's amount as the shop shows it ("$426.00").
    return_tracking: str | None = None
    refund: str | None = None
    return_stage: ReturnStage | None = None  # for return_started / returned / refunded


@dataclass
class Result:
    """One command's result: what ``--json`` prints and what people read."""

    order: str
    status: OrderStatus | None
    raw_status: str | None
    action: Action
    outcome: Outcome
    reference: str | None
    label: str | None
    message: str
    details: dict[str, object] = field(default_factory=dict)
    # The first line people read, when the usual "<what was done>: order N" says too little
    # (a status report, a dry run). ``message`` starts with it; never part of the JSON.
    headline: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "order": self.order,
            "status": self.status.value if self.status else None,
            "raw_status": self.raw_status,
            "action": self.action.value,
            "outcome": self.outcome.value,
            "reference": self.reference,
            "label": self.label,
            "message": self.message,
            **self.details,
        }


@dataclass(frozen=True)
class CommandOptions:
    """What the shopper asked for on the command line, beyond the order number."""

    reason: str | None = None  # free text for the cancellation message / return reason
    dry_run: bool = False  # look and decide, but submit nothing
    no_return: bool = False  # `cancel`: never fall back to a return once delivered
    items: tuple[str, ...] = ()  # `return`: only these items (by name); empty = all returnable
    json: bool = False  # one JSON object on stdout instead of human lines
    trace: bool = False  # keep a Playwright trace (secrets scrubbed) under DATA_DIR/traces
    # `cancel`: "auto" | "chat" | "form" (issue #13); None: ORDER_AGENT_CHANNEL, the site
    # profile's ``channel``, else "auto".
    channel: str | None = None
    print_label: bool = False  # `cancel`/`return --print`: the saved label to the printer (lp)
