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
    # amount, or a word that says only that, "Refund Issued").
    REFUNDED = "refunded"
    UNKNOWN = "unknown"


class ReturnStage(StrEnum):
    """How far a started return has gone, as its order's page shows it."""

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


class Channel(StrEnum):
    """How a cancellation request may be asked to go, as a person names it.

    ``AUTO``: the shop's live chat when it shows one that is online, else the contact
    form. A channel added to ``agent.channels``' registry is named by its own name.
    """

    AUTO = "auto"
    CHAT = "chat"
    FORM = "form"


class StatusPlace(StrEnum):
    """Where on a page an order's status was read (or a status word was seen).

    Only the first group are places of *this order's* status; the rest name why a
    status word seen on the page was set aside. ``docs/shops.md`` states the rules.
    """

    LABELLED = "labelled"  # a value next to a status label: dt/dd, th/td, "Status: …"
    ROW_CELL = "row_cell"  # the order's own row of a table, the cell under a Status header
    TABLE_CELL = "table_cell"  # a one-row table, the cell under a Status header
    HEADING_BADGE = "heading_badge"  # a short text in or right beside the order's heading
    TRACKER_STEP = "tracker_step"  # a progress tracker's current step
    TRACKER_LAST_DONE = "tracker_last_done"  # the last completed step (no current one marked)
    HISTORY_LATEST = "history_latest"  # the latest entry of a history table or timeline
    LIST_ROW = "list_row"  # the order's row or card in the order list
    # Set aside: never this order's status.
    LEGEND = "legend"  # a table or list of status words (what each status means)
    OTHER_ORDER = "other_order"  # another order's row, card or block
    SENTENCE = "sentence"  # a sentence or a promise ("Delivered in 2 days!")
    CONTROL = "control"  # a link, button, tab or filter ("Show: Delivered")
    EARLIER_ENTRY = "earlier_entry"  # an earlier entry of the history, a step not current
    UNMARKED_TRACKER = "unmarked_tracker"  # a progress tracker with no current step marked
    ELSEWHERE = "elsewhere"  # on the page, but not in a place of the order's status
    STILL_LOADING = "still_loading"  # a status place still filled with "Loading…"

    @property
    def is_status_place(self) -> bool:
        return self in _STATUS_PLACES


_STATUS_PLACES = frozenset(
    {
        StatusPlace.LABELLED,
        StatusPlace.ROW_CELL,
        StatusPlace.TABLE_CELL,
        StatusPlace.HEADING_BADGE,
        StatusPlace.TRACKER_STEP,
        StatusPlace.TRACKER_LAST_DONE,
        StatusPlace.HISTORY_LATEST,
        StatusPlace.LIST_ROW,
    }
)


@dataclass(frozen=True)
class StatusCandidate:
    """A status text seen on a page, where it was, and whether it was taken as the status.

    ``label`` is the label or column header it stood under ("Order Status"), when any.
    """

    text: str
    place: StatusPlace
    label: str | None = None
    taken: bool = False

    @property
    def where(self) -> str:
        """Its place in words: "labelled 'Order Status'", "progress tracker, current step"."""
        label = f"'{self.label}'" if self.label else "'Status'"
        return _PLACE_NAMES[self.place].format(label=label)

    def to_json(self) -> dict[str, object]:
        return {"text": self.text, "place": self.where, "taken": self.taken}


_PLACE_NAMES: dict[StatusPlace, str] = {
    StatusPlace.LABELLED: "labelled {label}",
    StatusPlace.ROW_CELL: "the order's row, cell under {label}",
    StatusPlace.TABLE_CELL: "cell under {label}",
    StatusPlace.HEADING_BADGE: "badge by the order's heading",
    StatusPlace.TRACKER_STEP: "progress tracker, current step",
    StatusPlace.TRACKER_LAST_DONE: "progress tracker, last completed step",
    StatusPlace.HISTORY_LATEST: "order history, latest entry",
    StatusPlace.LIST_ROW: "order list, the order's row",
    StatusPlace.LEGEND: "set aside: a table or list of statuses",
    StatusPlace.OTHER_ORDER: "set aside: another order's",
    StatusPlace.SENTENCE: "set aside: a sentence or promotion",
    StatusPlace.CONTROL: "set aside: a link, button or filter",
    StatusPlace.EARLIER_ENTRY: "set aside: an earlier entry or step",
    StatusPlace.UNMARKED_TRACKER: "set aside: a progress tracker with no current step marked",
    StatusPlace.ELSEWHERE: "set aside: not where an order's status is shown",
    StatusPlace.STILL_LOADING: "set aside: still loading",
}


@dataclass(frozen=True)
class StatusEvidence:
    """How an order's status was read: what was taken, from where, and what was set aside.

    ``conflict``: the places taken disagree (the status is then unknown). ``url``: the
    page the status was read on (the order page, or the order list for ``LIST_ROW``).
    """

    candidates: tuple[StatusCandidate, ...] = ()
    conflict: bool = False
    url: str | None = None

    @property
    def taken(self) -> tuple[StatusCandidate, ...]:
        return tuple(c for c in self.candidates if c.taken)

    @property
    def set_aside(self) -> tuple[StatusCandidate, ...]:
        return tuple(c for c in self.candidates if not c.taken)

    @property
    def where(self) -> str:
        """Where the status was taken from, in words; "" when nowhere."""
        return "; ".join(dict.fromkeys(c.where for c in self.taken))

    def to_json(self) -> dict[str, object]:
        """``status_place`` and ``status_candidates``, as ``--json`` and ``doctor`` show them."""
        return {
            "status_place": self.where or None,
            "status_conflict": self.conflict,
            "status_candidates": [c.to_json() for c in self.candidates],
        }

    @property
    def places(self) -> frozenset[tuple[StatusPlace, str | None]]:
        """Where the status was taken from: the same places must say it again."""
        return frozenset((c.place, (c.label or "").casefold() or None) for c in self.taken)


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
    # A return followed to its refund: the carrier's tracking number of the
    # parcel going back, and the refund's amount as the shop shows it ("$426.00").
    return_tracking: str | None = None
    refund: str | None = None
    return_stage: ReturnStage | None = None  # for return_started / returned / refunded
    status_evidence: StatusEvidence | None = None  # where the status was read


@dataclass(frozen=True)
class ReturnProgress:
    """How far a return has gone, as the order's page (or its label) shows it."""

    stage: ReturnStage | None = None
    tracking: str | None = None  # the returned parcel's tracking number
    refund: str | None = None  # the refund's amount as shown ("$426.00")

    def to_json(self) -> dict[str, object]:
        """``return_tracking``, ``refund``, ``return_stage``: those the shop shows."""
        shown = {
            "return_tracking": self.tracking,
            "refund": self.refund,
            "return_stage": self.stage.value if self.stage else None,
        }
        return {key: value for key, value in shown.items() if value is not None}


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
    # A return followed to its refund (what a scheduled check goes on); in ``details`` too,
    # as ``--json`` shows it.
    return_progress: ReturnProgress | None = None
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
    # `cancel`: a Channel, or the name of a channel in agent.channels' registry; None:
    # ORDER_AGENT_CHANNEL, the site profile's ``channel``, else Channel.AUTO.
    channel: str | None = None
    print_label: bool = False  # `cancel`/`return --print`: the saved label to the printer (lp)
