"""``order-agent history``: what was done for each order, when, with which case or return
number, and which proof files (receipts, screenshots, labels) back it up.

Read, never written: the ledger (``<data_dir>/ledger.sqlite3``: orders, their events and
the write-ahead intents of every request sent) and the proof folders
(``<data_dir>/orders/<order>/``, see ``agent.receipts``). Nothing here creates the data
dir or the ledger; a current ledger is opened read-only.

Everything leaves through the redactor (``history_json`` is redacted, text is scrubbed).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from agent.history_proofs import (
    Proof,
    ProofFolder,
    Receipt,
    proof_folders,
    read_folders,
    what_words,
)
from agent.ledger import (
    LEDGER_FILENAME,
    Event,
    Intent,
    IntentKind,
    IntentState,
    Ledger,
    TrackedOrder,
)
from agent.receipts import account_folder_name, order_folder_name, shop_folder_name
from agent.redaction import redact, scrub
from ordercore.errors import UsageError
from ordercore.order_numbers import normalise_order_number

# A screenshot taken this close around a request belongs to it (the filled form before
# the click, the confirmation after): the runner takes them within seconds.
_SCREENSHOT_WINDOW = timedelta(seconds=90)

_REQUESTS = {
    IntentKind.CANCELLATION_REQUEST: ("Cancellation requested", "Case"),
    IntentKind.FOLLOW_UP: ("Follow-up sent", "Case"),
    IntentKind.RETURN_REQUEST: ("Return started", "Return"),
    IntentKind.CHAT_REQUEST: ("Asked in the shop's live chat", "Case"),
}
_RECEIPT_ACTIONS = {
    "cancellation_requested": (IntentKind.CANCELLATION_REQUEST, "Cancellation requested", "Case"),
    "return_started": (IntentKind.RETURN_REQUEST, "Return started", "Return"),
    "label_downloaded": (None, "Return label saved", "Return"),
}


@dataclass
class Entry:
    """One thing that happened to an order."""

    at: datetime
    what: str
    kind: str  # request, return, label, status, tracking, problem, proof
    reference_name: str | None = None  # "Case", "Return"
    reference: str | None = None
    detail: str | None = None
    proofs: list[Proof] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(timespec="seconds"),
            "what": self.what,
            "kind": self.kind,
            "reference_name": self.reference_name,
            "reference": self.reference,
            "detail": self.detail,
            "proofs": [proof.to_json() for proof in self.proofs],
        }


@dataclass
class OrderHistory:
    """An order's timeline, newest first, and where it stands now."""

    number: str  # as the shop shows it when a receipt says so ("MK-70001"), else the ledger's
    key_number: str  # the ledger's spelling ("70001")
    site: str | None
    account: str | None
    status: str | None
    raw_status: str | None
    state: str  # "tracked", "not tracked", or the end state ("cancelled", "label saved", ...)
    state_message: str | None
    entries: list[Entry]

    @property
    def last_at(self) -> datetime:
        return self.entries[0].at if self.entries else datetime.min.replace(tzinfo=UTC)

    def references(self, name: str) -> list[str]:
        found: list[str] = []
        for entry in reversed(self.entries):
            if entry.reference_name == name and entry.reference and entry.reference not in found:
                found.append(entry.reference)
        return found

    def proofs(self, kind: str) -> list[Path]:
        return [
            proof.path for entry in self.entries for proof in entry.proofs if proof.kind == kind
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "order": self.number,
            "site": self.site,
            "account": self.account,
            "status": self.status,
            "raw_status": self.raw_status,
            "state": self.state,
            "state_message": self.state_message,
            "cases": self.references("Case"),
            "returns": self.references("Return"),
            "labels": [str(path) for path in self.proofs("label")],
            "entries": [entry.to_json() for entry in self.entries],
        }


class NoHistory(UsageError):
    """The order asked for is neither in the ledger nor in the proof folders (exit 2)."""


def load_history(
    data_dir: Path, order: str | None = None, *, database_url: str | None = None
) -> list[OrderHistory]:
    """Every order's history in ``data_dir`` (newest activity first), or ``order``'s.

    Raises :class:`NoHistory` when ``order`` is given and nothing is known about it.
    """
    data_dir = Path(data_dir).expanduser()
    # Any spelling of the number finds the order: "#MK-70001", "000070001", "70001".
    wanted = order_folder_name(order) if order is not None else None
    if wanted is not None:
        normalise_order_number(order or "")  # what is no order number is a usage error
    tracked = _ledger_orders(data_dir, database_url)
    folders = proof_folders(data_dir)
    histories: list[OrderHistory] = []
    used: set[Path] = set()
    for order_row, intents, events in tracked:
        key = order_row.key
        number = order_folder_name(key.number)
        if wanted is not None and number != wanted:
            continue
        own = folders.keyed.get(
            (shop_folder_name(key.site), account_folder_name(key.email), number)
        )
        legacy = folders.legacy.get(number, [])
        used.update(f for f in (own, *legacy) if f is not None)
        proofs = read_folders(own, legacy, site=key.site)
        histories.append(_history(order_row, intents, events, proofs))
    for (_shop, _account, number), folder in folders.keyed.items():
        if folder in used or (wanted is not None and number != wanted):
            continue
        histories.append(_folder_only_history(number, read_folders(folder, [], site=None)))
    for number, legacy_folders in folders.legacy.items():
        left = [folder for folder in legacy_folders if folder not in used]
        if not left or (wanted is not None and number != wanted):
            continue
        histories.append(_folder_only_history(number, read_folders(None, left, site=None)))
    if wanted is not None and not histories:
        raise NoHistory(
            f"no history for order {order}: `order-agent list` shows the tracked orders"
        )
    histories.sort(key=lambda history: history.last_at, reverse=True)
    return histories


# -- the ledger, read-only ----------------------------------------------------------------


def _ledger_orders(
    data_dir: Path, database_url: str | None
) -> list[tuple[TrackedOrder, list[Intent], list[Event]]]:
    if database_url is not None:
        ledger = Ledger.open(data_dir, database_url=database_url)  # the shared ledger
    elif not (data_dir / LEDGER_FILENAME).is_file():
        return []
    else:
        # A current file is read on a read-only connection; an older one is brought up to
        # date.
        ledger = Ledger.open_read_only(data_dir) or Ledger.open(data_dir)
    with ledger:
        return [
            (order, ledger.intents(order.key), ledger.events(order.key))
            for order in ledger.list_tracked(include_forgotten=True)
        ]


# -- the proof folders ------------------------------------------------------------------


def _history(
    order: TrackedOrder, intents: Sequence[Intent], events: Sequence[Event], folder: ProofFolder
) -> OrderHistory:
    by_intent = {intent.id: _intent_entry(intent) for intent in intents}
    entries = [*_event_entries(events), *by_intent.values()]
    _attach_receipts(entries, intents, by_intent, folder.receipts)
    _attach_loose_files(entries, intents, by_intent, folder)
    entries.sort(key=lambda entry: entry.at, reverse=True)
    if order.end_state.value != "none":
        state = order.end_state.value.replace("_", " ")
    else:
        state = "tracked" if order.every else "not tracked"
    return OrderHistory(
        number=folder.shown_number or order.key.number,
        key_number=order.key.number,
        site=order.key.site,
        account=order.key.email,
        status=order.last_status.value if order.last_status else None,
        raw_status=order.last_raw_status,
        state=state,
        state_message=order.end_message,
        entries=entries,
    )


def _folder_only_history(number: str, folder: ProofFolder) -> OrderHistory:
    entries: list[Entry] = []
    _attach_receipts(entries, [], {}, folder.receipts)
    _attach_loose_files(entries, [], {}, folder)
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return OrderHistory(
        number=folder.shown_number or number,
        key_number=number,
        site=None,
        account=None,
        status=None,
        raw_status=None,
        state="not in the ledger",
        state_message=None,
        entries=entries,
    )


def state_words(state: str, message: str | None) -> str:
    """ "cancelled: the order is cancelled", never "forgotten: forgotten" (a message that only
    says the state again adds nothing)."""
    if not message or message.strip().casefold() == state.strip().casefold():
        return state
    return f"{state}: {message}"


def _every(seconds: object) -> str:
    from agent.durations import format_duration

    return format_duration(timedelta(seconds=float(seconds))) if seconds else ""


def _event_entries(events: Iterable[Event]) -> list[Entry]:
    entries: list[Entry] = []
    for event in events:
        data = event.data
        if event.kind == "recorded":
            entries.append(
                Entry(event.at, f"First looked at by `order-agent {data.get('goal')}`", "tracking")
            )
        elif event.kind in ("tracked", "revived", "updated"):
            every = _every(data.get("every"))
            words = {
                "tracked": "Tracked",
                "revived": "Tracked again",
                "updated": "Tracking changed",
            }
            detail = f"checked every {every}" if every else None
            if detail and data.get("until"):
                detail += f" until {str(data['until'])[:16].replace('T', ' ')} UTC"
            entries.append(Entry(event.at, words[event.kind], "tracking", detail=detail))
        elif event.kind == "status":
            status = str(data.get("status", "")).replace("_", " ")
            raw = data.get("raw")
            words = f' ("{raw}")' if raw and str(raw).lower() != status else ""
            entries.append(Entry(event.at, f"Status: {status}{words}", "status"))
        elif event.kind == "finished":
            end = str(data.get("end_state", "")).replace("_", " ")
            entries.append(Entry(event.at, f"Ended: {end}", "tracking", detail=data.get("message")))
        elif event.kind == "forgotten":
            entries.append(Entry(event.at, "No longer tracked (`order-agent forget`)", "tracking"))
        elif event.kind == "resumed":
            entries.append(Entry(event.at, "Tracked again: the credentials changed", "tracking"))
        elif event.kind == "finding":
            count = data.get("count")
            times = f" ({count} checks in a row)" if count and count != 1 else ""
            entries.append(
                Entry(
                    event.at, f"A check was stopped{times}", "problem", detail=data.get("message")
                )
            )
        elif event.kind == "notification":
            if data.get("configured") is False:
                # No notifier set up: the change was logged, nothing failed.
                told = "Change noted (no notifications set up)"
            else:
                told = "Notification " + (
                    "sent" if data.get("delivered") else "could not be delivered"
                )
            entries.append(Entry(event.at, told, "tracking", detail=data.get("title")))
        elif event.kind == "return":  # a return followed to its refund (schema v3)
            said = {
                "return_label": "label saved at {}",
                "return_tracking": "return tracking number {}",
                "refund": "refund shown: {}",
            }
            detail = "; ".join(
                words.format(data[name]) for name, words in said.items() if data.get(name)
            )
            entries.append(Entry(event.at, "Return followed", "tracking", detail=detail or None))
        elif event.kind == "extended":
            until = str(data.get("until", ""))[:16].replace("T", " ")
            entries.append(
                Entry(event.at, "Watched longer, to follow the return", "tracking",
                      detail=f"until {until} UTC" if until else None)
            )  # fmt: skip
        # intent_* events repeat the intents, read whole below; finding_cleared says nothing new.
    return entries


def _intent_entry(intent: Intent) -> Entry:
    what, reference_name = _REQUESTS.get(intent.kind, (what_words(intent.kind.value), "Reference"))
    kind = "return" if intent.kind is IntentKind.RETURN_REQUEST else "request"
    at = intent.finished_at or intent.started_at
    if intent.state is IntentState.SENT and intent.payload.get("adopted"):
        where = intent.how or "the shop"
        return Entry(
            at, f"{what} (found on {where}, not sent again)", kind, reference_name, intent.reference
        )
    if intent.state is IntentState.SENT:
        detail = f"settled from {intent.how}" if intent.how else None
        return Entry(at, what, kind, reference_name, intent.reference, detail=detail)
    if intent.state is IntentState.NOT_SENT and intent.how:
        # An interrupted try, found later not to have reached the shop: nothing failed
        # then, and a later entry says what was sent instead.
        return Entry(
            at, f"{what}: an interrupted try never reached the shop", "tracking",
            detail=f"checked on the {intent.how}",
        )  # fmt: skip
    if intent.state is IntentState.NOT_SENT:
        # Refused before it went (the form's answer, a status that changed): say why.
        why = intent.reason or intent.how
        return Entry(at, f"{what}: not sent", "problem", detail=why or "stopped before the click")
    return Entry(
        at,
        f"{what}: may not have reached the shop",
        "problem",
        detail=(intent.reason or "interrupted")
        + "; the next run checks the shop before sending anything again",
    )


def _attach_receipts(
    entries: list[Entry],
    intents: Sequence[Intent],
    by_intent: dict[int, Entry],
    receipts: Iterable[Receipt],
) -> None:
    for receipt in receipts:
        kind, what, reference_name = _RECEIPT_ACTIONS.get(
            receipt.action, (None, what_words(receipt.action).capitalize(), "Reference")
        )
        match = next(
            (
                by_intent[intent.id]
                for intent in intents
                if kind is not None
                and intent.kind is kind
                and intent.state is IntentState.SENT
                and (receipt.reference is None or intent.reference == receipt.reference)
            ),
            None,
        )
        if match is not None:
            match.proofs.extend(receipt.files)
            continue
        entry_kind = "label" if receipt.action == "label_downloaded" else "request"
        entries.append(
            Entry(
                receipt.at,
                what,
                entry_kind,
                reference_name,
                receipt.reference,
                proofs=list(receipt.files),
            )
        )


def _attach_loose_files(
    entries: list[Entry],
    intents: Sequence[Intent],
    by_intent: dict[int, Entry],
    folder: ProofFolder,
) -> None:
    for at, proof in folder.screenshots:
        entry = next(
            (
                by_intent[intent.id]
                for intent in intents
                if intent.started_at - _SCREENSHOT_WINDOW
                <= at
                <= (intent.finished_at or intent.started_at) + _SCREENSHOT_WINDOW
            ),
            None,
        )
        if entry is not None:
            entry.proofs.append(proof)
        else:
            entries.append(Entry(at, f"Screenshot: {proof.what}", "proof", proofs=[proof]))
    for at, reference, proof in folder.labels:
        holder = next(
            (entry for entry in entries if entry.reference == reference and entry.kind == "return"),
            None,
        )
        if holder is not None:
            holder.proofs.append(proof)
        else:
            entries.append(
                Entry(at, "Return label saved", "label", "Return", reference, proofs=[proof])
            )


# -- for people and programs -------------------------------------------------------------


def history_json(histories: Sequence[OrderHistory], data_dir: Path) -> dict[str, Any]:
    """The one JSON object of ``history --json`` (redacted)."""
    return redact(
        {
            "command": "history",
            "data_dir": str(data_dir),
            "orders": [history.to_json() for history in histories],
        }
    )


def local_time(moment: datetime) -> str:
    """A moment as people read it: in the machine's own time zone, named ("CET", "UTC").
    (The JSON keeps UTC.)"""
    local = moment.astimezone()
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or local.strftime('%z')}"


def _when(moment: datetime) -> str:
    return local_time(moment)


def _now_line(history: OrderHistory) -> str:
    parts: list[str] = []
    if history.status:
        status = history.status.replace("_", " ")
        raw = history.raw_status
        parts.append(f'{status} ("{raw}")' if raw and raw.lower() != status else status)
    parts.append(state_words(history.state, history.state_message))
    return "; ".join(dict.fromkeys(parts))


def render_text(histories: Sequence[OrderHistory], data_dir: Path) -> str:
    """The history for people: per order, newest first, each proof file on its own line."""
    if not histories:
        return f"Nothing done yet: no order in {data_dir} (`order-agent status ORDER` starts one)."
    blocks: list[str] = []
    indent = " " * 24
    for history in histories:
        where = ", ".join(part for part in (history.site, history.account) if part)
        lines = [f"Order {history.number}" + (f" ({where})" if where else "")]
        lines.append(f"  Now: {_now_line(history)}")
        for entry in history.entries:
            text = entry.what
            if entry.reference:
                text += f": {(entry.reference_name or 'reference').lower()} {entry.reference}"
            lines.append(f"  {_when(entry.at)}  {text}")
            if entry.detail:
                lines.append(f"{indent}{entry.detail}")
            for proof in entry.proofs:
                label = f"{proof.kind}:"
                lines.append(f"{indent}{label:<11} {proof.path}")
        blocks.append("\n".join(lines))
    return scrub("\n\n".join(blocks))
