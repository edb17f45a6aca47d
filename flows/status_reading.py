"""Which text on an order's page is *this order's* status, and where it was read.

A status word is taken only from a place where a shop shows the order's status
(``ordercore.models.StatusPlace``; docs/shops.md, "Where the status is read"):

* a value next to a status label ("Order Status: Shipped", dt/dd, a row header);
* the order's own row of a table, the cell under a Status column header; a one-row
  table's cell;
* a short text inside or right beside the order's heading (a badge);
* the current step of a progress tracker (``aria-current``, else a current/active
  state, else the last completed step); a tracker with no step marked says nothing;
* the latest entry of a history table or timeline (by date, else by the order the
  table declares).

Status words anywhere else are set aside, each with the reason: a legend (a table or
list of status words), another order's row or card, a sentence or a promise
("Delivered in 2 days!"), a link or filter control. Places that disagree make the
status unknown: the agent then stops and shows each candidate. The combination table
(``vocabulary.STATUS_PAIRS``) settles only the shop's own pairs: labelled values under
different labels (shipment + order + payment) and two badges by the heading.

One in-page script (``status_script.js``) finds the structure; the words and dates are
judged here. A place still showing "Loading…" is waited for, bounded, before anything
else is judged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Protocol

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Frame, Page

from flows.entry_dates import latest_entry
from flows.facts import label_source
from flows.limits import current as current_limits
from flows.limits import without_control_characters
from flows.matching import alternatives, order_number_in_text
from flows.vocabulary import (
    STATUS_TEXT_MAX_WORDS,
    StatusReading,
    Vocabulary,
    combined_status,
    read_status_text,
)
from ordercore.models import OrderStatus, StatusCandidate, StatusEvidence, StatusPlace


def describe(candidate: StatusCandidate) -> str:
    """Where a candidate was seen, in words ("labelled 'Order Status'")."""
    return candidate.where


@dataclass(frozen=True)
class StatusRead:
    """The order's status words (as the shop shows them), their meaning, and the evidence."""

    raw: str
    status: OrderStatus
    evidence: StatusEvidence


# -- what the page script is given --------------------------------------------------------
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_TIME = r"(?:,?\s+(?:at\s+)?\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?)?"
DATE_SOURCE = (
    r"\b(?:\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2})?)?"
    rf"|\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}{_TIME}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}}{_TIME}"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}{_TIME})"
)
_DATE_HEADER = r"^\W*(?:date(?:\s+(?:added|modified|updated))?|added|updated|time|when)\W*$"
# A status place a script has not filled in yet.
PENDING_SOURCE = (
    r"^\W*(?:loading|please wait|fetching|updating|checking)\b|^[\s.\u2026\-\u2013\u2014]+$"
)
# The heading's words around the number ("Order #", "Order No.").
_NUMBER_WORDS = r"\b(?:order|number|no|ref(?:erence)?|id|details?)\b\.?|#"
# An order's reference in text: "Order #70002", "Order No. 70002", "#70002".
_ORDER_REFERENCE = (
    r"(?:\border\b\s*(?:number|no\.?|#|id|ref(?:erence)?)?\s*[:#]?\s*#?\s*|#\s*)"
    r"([A-Za-z]{0,6}-?[0-9]{3,}[A-Za-z0-9-]*)"
)
# A promise or a sentence holding a status word is not a status.
_PROMISE = re.compile(
    r"[!?]|\b(?:in|within)\s+\d+(?:\s*[-\u2013]\s*\d+)?\s*(?:business\s+|working\s+)?"
    r"(?:hours?|days?|weeks?)\b|\b(?:free|get it|arrives?|expected|estimated)\b",
    re.IGNORECASE,
)
# How many status badges by a heading may be read together (a shipment's and an order's).
MAX_BADGES = 2


@cache
def _script() -> str:
    return resources.files("flows").joinpath("status_script.js").read_text(encoding="utf-8")


def _arguments(number: str, words: Vocabulary) -> dict[str, str]:
    phrases = [*words.status_words, *words.agreeing_status_words]
    return {
        "ours": order_number_in_text(number).pattern,
        "orderRef": _ORDER_REFERENCE,
        "statusSource": rf"(?<![\w])(?:{alternatives(phrases)})(?![\w])",
        "labelSource": label_source(words.status_labels, words.status_label_qualifiers),
        "dateSource": DATE_SOURCE,
        "dateHeaderSource": _DATE_HEADER,
        "pendingSource": PENDING_SOURCE,
        "numberWords": _NUMBER_WORDS,
    }


def collect(scope: Page | Frame, number: str, words: Vocabulary) -> dict[str, Any] | None:
    """What the page shows where a status may be (one evaluation; ``None`` if it failed)."""
    try:
        found = scope.evaluate(_script(), _arguments(number, words))
    except PlaywrightError:
        return None
    return found if isinstance(found, dict) else None


def wait_until_filled(
    scope: Page | Frame, number: str, words: Vocabulary, timeout_ms: float
) -> None:
    """Wait (bounded) until no status place says "Loading…" any more; no error if it still does."""
    waiting = f"(args) => ({_script()})(args).pending.length === 0"
    try:
        scope.wait_for_function(
            waiting, arg=_arguments(number, words), timeout=timeout_ms, polling=100
        )
    except PlaywrightError:
        return


def read_order_status(
    scope: Page | Frame,
    number: str,
    words: Vocabulary,
    *,
    wait_ms: float,
    listed: StatusCandidate | None = None,
) -> StatusRead | None:
    """The order's status from its places on this page, else ``listed`` (its list row).

    ``None`` when neither shows one. A place still loading is waited for up to ``wait_ms``.
    """
    found = collect(scope, number, words)
    if found is None:
        return None
    if found.get("pending"):
        wait_until_filled(scope, number, words, wait_ms)
        found = collect(scope, number, words) or found
    return judge(found, words, listed=listed, url=_url(scope))


def _url(scope: Page | Frame) -> str | None:
    try:
        return scope.url
    except PlaywrightError:
        return None


# -- judging what the script found -------------------------------------------------------
def _clean(text: object) -> str:
    return " ".join(without_control_characters(str(text or "")).split())


def _is_sentence(text: str) -> bool:
    return bool(_PROMISE.search(text)) or len(text.split()) > STATUS_TEXT_MAX_WORDS


@dataclass
class _Found:
    """Candidates as they are judged, and the groups the taken ones are settled in."""

    candidates: list[StatusCandidate]
    groups: dict[str, list[tuple[StatusCandidate, StatusReading]]]
    undecided: list[StatusCandidate]  # a place that shows a status but not which one
    loading: bool = False

    def take(self, group: str, candidate: StatusCandidate, reading: StatusReading) -> None:
        self.candidates.append(candidate)
        self.groups.setdefault(group, []).append((candidate, reading))

    def aside(self, text: str, place: StatusPlace, label: str | None = None) -> None:
        if text:
            self.candidates.append(StatusCandidate(text, place, label))


class Offer(Protocol):
    """Puts a text of a status place forward: taken, or set aside as loading or a sentence."""

    def __call__(
        self, group: str, text: str, place: StatusPlace, label: str | None = None
    ) -> None: ...


def _label_key(label: str | None) -> str:
    """ "Order Status", "Your order status", "Status of your order" and "Status (updated
    hourly)" are one label; "Payment status" not."""
    unnoted = re.sub(r"\([^()]*\)", " ", (label or "").lower())
    words = re.sub(r"\b(?:your|the|this|current|latest|order|status|of)\b", " ", unnoted)
    return " ".join(re.sub(r"[^\w]+", " ", words).split()) or "status"


def judge(
    found: Mapping[str, Any],
    words: Vocabulary,
    *,
    listed: StatusCandidate | None = None,
    url: str | None = None,
) -> StatusRead | None:
    """Decide the order's status from what ``status_script.js`` found (see the module doc)."""
    pending = re.compile(PENDING_SOURCE, re.IGNORECASE)
    state = _Found([], {}, [])

    def offer(group: str, text: str, place: StatusPlace, label: str | None = None) -> None:
        if not text or pending.search(text):
            state.loading = True
            state.aside(text or "(empty)", StatusPlace.STILL_LOADING, label)
            return
        if _is_sentence(text):
            state.aside(text, StatusPlace.SENTENCE, label)
            return
        state.take(
            group, StatusCandidate(text, place, label, taken=True), read_status_text(text, words)
        )

    for item in found.get("labelled", []):
        text, label = _clean(item.get("text")), _clean(item.get("label")) or None
        place = StatusPlace(item.get("place", "elsewhere"))
        if place.is_status_place:
            offer(f"labelled:{_label_key(label)}", text, place, label)
        else:
            state.aside(text, place, label)
    for history in found.get("histories", []):
        _judge_history(state, offer, history, _clean(history.get("label")) or None)
    for timeline in found.get("timelines", []):
        if timeline.get("other"):
            for entry in timeline.get("entries", []):
                state.aside(_clean(entry.get("text")), StatusPlace.OTHER_ORDER)
            continue
        _judge_history(state, offer, timeline, None)
    badges = [
        _clean(badge.get("text"))
        for badge in found.get("badges", [])
        if read_status_text(_clean(badge.get("text")), words).says_anything
        or pending.search(_clean(badge.get("text")))
    ]
    for index, text in enumerate(dict.fromkeys(badges)):
        offer(f"badge:{index}", text, StatusPlace.HEADING_BADGE)
    for tracker in found.get("trackers", []):
        _judge_tracker(state, offer, tracker, words)
    for stray in found.get("strays", []):
        state.aside(_clean(stray.get("text")), StatusPlace(stray.get("why", "elsewhere")))
    if found.get("pending") and not state.loading and not state.groups:
        state.loading = True
        state.aside(_clean(found["pending"][0]), StatusPlace.STILL_LOADING)
    return _settle(state, words, listed, url)


def _judge_tracker(
    state: _Found, offer: Offer, tracker: Mapping[str, Any], words: Vocabulary
) -> None:
    steps = [(_clean(step.get("text")), step) for step in tracker.get("steps", [])]
    if tracker.get("other"):
        for text, _ in steps:
            state.aside(text, StatusPlace.OTHER_ORDER)
        return
    by_aria = [i for i, (_, step) in enumerate(steps) if step.get("current") == 2]
    by_state = [i for i, (_, step) in enumerate(steps) if step.get("current") == 1]
    done = [i for i, (_, step) in enumerate(steps) if step.get("done")]
    chosen, place = None, StatusPlace.TRACKER_STEP
    if by_aria:
        chosen = by_aria[0] if len(by_aria) == 1 else None
    elif by_state:
        chosen = by_state[0] if len(by_state) == 1 else None
    elif done:
        chosen, place = done[-1], StatusPlace.TRACKER_LAST_DONE
    if chosen is None:
        for text, _ in steps:
            if read_status_text(text, words).says_anything:
                candidate = StatusCandidate(text, StatusPlace.UNMARKED_TRACKER)
                state.candidates.append(candidate)
                state.undecided.append(candidate)
        return
    for index, (text, _) in enumerate(steps):
        if index == chosen:
            offer(f"tracker:{id(tracker)}", text, place)
        elif read_status_text(text, words).says_anything:
            state.aside(text, StatusPlace.EARLIER_ENTRY)


def _judge_history(
    state: _Found, offer: Offer, history: Mapping[str, Any], label: str | None
) -> None:
    entries = [(_clean(e.get("date")), _clean(e.get("text"))) for e in history.get("entries", [])]
    latest = latest_entry(
        [date for date, _ in entries],
        declared=_declared_order(_clean(history.get("sorted")), _clean(history.get("caption"))),
    )
    if latest is None:
        for _, text in entries:
            candidate = StatusCandidate(text, StatusPlace.EARLIER_ENTRY, label)
            state.candidates.append(candidate)
        if entries:
            state.undecided.append(
                StatusCandidate(entries[-1][1], StatusPlace.EARLIER_ENTRY, label)
            )
        return
    for index, (_, text) in enumerate(entries):
        if index == latest:
            offer(f"history:{id(history)}", text, StatusPlace.HISTORY_LATEST, label)
        else:
            state.aside(text, StatusPlace.EARLIER_ENTRY, label)


def _declared_order(sorted_attribute: str, caption: str) -> str | None:
    """ "asc"/"desc" when the table says how it is sorted (aria-sort, its caption)."""
    declared = {"ascending": "asc", "descending": "desc"}.get(sorted_attribute.lower())
    if declared:
        return declared
    if re.search(r"\b(?:newest|latest|most recent)\s+first\b", caption, re.IGNORECASE):
        return "desc"
    if re.search(r"\boldest\s+first\b", caption, re.IGNORECASE):
        return "asc"
    return None


def _settle(
    state: _Found, words: Vocabulary, listed: StatusCandidate | None, url: str | None
) -> StatusRead | None:
    candidates = state.candidates
    if not state.groups:
        if state.loading:
            return _unknown(candidates, url, raw="still loading")
        if listed is not None:
            taken = StatusCandidate(listed.text, StatusPlace.LIST_ROW, listed.label, taken=True)
            reading = read_status_text(taken.text, words)
            return _read([taken.text], combined_status([reading]), [taken, *candidates], url)
        if state.undecided:
            texts = [c.text for c in state.undecided]
            return _unknown(candidates, url, raw=" / ".join(dict.fromkeys(texts)))
        return None
    texts = list(dict.fromkeys(c.text for group in state.groups.values() for c, _ in group))
    status, conflict = _agreement(state.groups)
    if state.loading:
        status = OrderStatus.UNKNOWN
    return _read(texts, status, candidates, url, conflict=conflict)


def _read(
    texts: Sequence[str],
    status: OrderStatus,
    candidates: Iterable[StatusCandidate],
    url: str | None,
    *,
    conflict: bool = False,
) -> StatusRead:
    raw = " / ".join(texts)
    limit = current_limits().status_max_chars
    if len(raw) > limit:
        # No status is that long: whatever it starts with, it is not one the agent
        # may act on. Only a bounded, marked piece of it is kept (ledger, JSON, alerts).
        raw, status = f"{raw[:limit]}… ({len(raw):,} characters)", OrderStatus.UNKNOWN
    evidence = StatusEvidence(tuple(_bounded(candidates)), conflict=conflict, url=url)
    return StatusRead(raw, status, evidence)


def _unknown(candidates: Iterable[StatusCandidate], url: str | None, *, raw: str) -> StatusRead:
    return _read([raw], OrderStatus.UNKNOWN, candidates, url)


def _bounded(candidates: Iterable[StatusCandidate], most: int = 24) -> list[StatusCandidate]:
    """The candidates once each, taken ones first; texts cut to a status's length."""
    limit = current_limits().status_max_chars
    seen: dict[tuple[str, StatusPlace, str | None], StatusCandidate] = {}
    for candidate in sorted(candidates, key=lambda c: not c.taken):
        text = candidate.text if len(candidate.text) <= limit else candidate.text[:limit] + "…"
        key = (text, candidate.place, candidate.label)
        if key not in seen:
            seen[key] = StatusCandidate(text, candidate.place, candidate.label, candidate.taken)
    return list(seen.values())[:most]


def _agreement(
    groups: Mapping[str, list[tuple[StatusCandidate, StatusReading]]],
) -> tuple[OrderStatus, bool]:
    """The one status the places say, and whether they disagree.

    Labelled values under different labels, and up to two badges, are settled by the
    pairs table; within one label, and between places of different kinds, the statuses
    must be the same. Words that only agree ("Paid", "Completed") must agree with it.
    """
    labelled: list[StatusReading] = []
    badges: list[StatusReading] = []
    results: list[OrderStatus] = []
    agreeing: list[StatusReading] = []
    for name, group in groups.items():
        # "Shipped" and "Shipped on 3 March" under one label say one thing; two do not.
        said = {(r.statuses, r.agrees): r for _, r in group}
        if len(said) > 1:
            return OrderStatus.UNKNOWN, True  # one place, two statuses
        readings = list(said.values())
        kind = name.split(":", 1)[0]
        if kind == "labelled":
            labelled.extend(readings)
        elif kind == "badge":
            badges.extend(readings)
        elif _only_agreeing(readings):
            agreeing.extend(readings)
        else:
            results.append(combined_status(readings))
    if len(badges) > MAX_BADGES:
        return OrderStatus.UNKNOWN, True  # a row of status words, not a badge
    for readings in (labelled, badges):
        if _only_agreeing(readings):
            agreeing.extend(readings)
        elif readings:
            results.append(combined_status(readings))
    distinct = set(results)
    if len(distinct) != 1:
        return OrderStatus.UNKNOWN, len(distinct) > 1
    status = results[0]
    if any(status not in agreed for reading in agreeing for agreed in reading.agrees):
        return OrderStatus.UNKNOWN, True
    return status, False


def _only_agreeing(readings: Sequence[StatusReading]) -> bool:
    """Readings that settle nothing alone: "Paid" (none names a status, each agrees with some)."""
    return bool(readings) and all(not r.statuses and r.agrees for r in readings)
