"""Reading and setting form controls as a person sees them: a field's label, a select's options."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import reduce

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator

from flows.locating import look_ms
from flows.recognition import FIELD_LABEL_JS


@dataclass(frozen=True)
class Filled:
    """Something the agent put in a form, and how to tell it is still there before sending.

    ``what`` names the field for messages (its label): never the value, which may be
    a password or a code. ``field``, ``label`` and ``value`` (a text field's text, a
    select's option label), when given, let ``not_kept`` read a whole form back at once.
    """

    what: str
    still_there: Callable[[], bool]
    field: Locator | None = dataclasses.field(default=None, repr=False)
    label: str | None = None
    value: str | None = dataclasses.field(default=None, repr=False)


def _holds(held: str, value: str) -> bool:
    return held == value or (bool(held) and held.split() == value.split())


def typed(field: Locator, value: str, what: str, *, label: str | None = None) -> Filled:
    """A text field that should still hold ``value`` (spacing aside).

    ``label``: the field's label as ``label_of`` reads it (for the read-back at once).
    """

    def still_there() -> bool:
        try:
            held = field.input_value(timeout=look_ms())
        except PlaywrightError:
            return False
        return _holds(held, value)

    return Filled(what, still_there, field, label, value)


def selected(field: Locator, label: str, what: str, *, field_label: str | None = None) -> Filled:
    """A select that should still show the option labelled ``label``."""

    def still_there() -> bool:
        try:
            value = field.input_value(timeout=look_ms())
            return any(
                str(option["value"]) == value and str(option["label"]) == label
                for option in options_of(field)
            )
        except PlaywrightError:
            return False

    return Filled(what, still_there, field, field_label, label)


def ticked(box: Locator, what: str) -> Filled:
    """A checkbox or radio that should stay ticked."""

    def still_there() -> bool:
        try:
            return box.is_checked(timeout=look_ms())
        except PlaywrightError:
            return False

    return Filled(what, still_there)


def not_kept(filled: Sequence[Filled]) -> list[str]:
    """The names of the fields that lost what was put in them.

    One read of every field first; only when that cannot vouch for each of them are
    they asked one by one (which also names the ones that lost their value).
    """
    if _all_kept(filled):
        return []
    return [entry.what for entry in filled if not entry.still_there()]


# The label a person reads next to a form field (shared with ``describe``, which reads it too).
_LABEL_OF = FIELD_LABEL_JS

# A select's choices as the browser holds them.
_OPTIONS_OF = """(el) => [...el.options].map((o) => ({
  label: (o.label || o.textContent || "").replace(/\\s+/g, " ").trim(),
  value: o.value,
  disabled: o.disabled,
}))"""


# Each field's label and what it shows (a select: its chosen option's label).
_LABELS_AND_VALUES = (
    "(els) => els.map((el) => [("
    + _LABEL_OF
    + """)(el), el.tagName === "SELECT"
  ? [...el.selectedOptions]
      .map((o) => (o.label || o.textContent || "").replace(/\\s+/g, " ").trim()).join(" ")
  : el.value])"""
)


def _all_kept(filled: Sequence[Filled]) -> bool:
    """Whether one read of the fields (looked up again, as ``still_there`` does) finds every
    value where it was put: each entry matched by a field of its own holding its value
    (and labelled as the entry says, when it says)."""
    if not filled or any(e.field is None or e.value is None for e in filled):
        return False
    fields = reduce(Locator.or_, [e.field for e in filled if e.field is not None])
    try:
        shown = [
            (str(label), str(value)) for label, value in fields.evaluate_all(_LABELS_AND_VALUES)
        ]
    except PlaywrightError:
        return False
    unmatched = list(range(len(shown)))
    for entry in filled:
        match = next(
            (
                index
                for index in unmatched
                if (not entry.label or shown[index][0] == entry.label)
                and _holds(shown[index][1], entry.value or "")
            ),
            None,
        )
        if match is None:
            return False
        unmatched.remove(match)
    return True


def label_of(field: Locator) -> str:
    try:
        return str(field.evaluate(_LABEL_OF))
    except PlaywrightError:
        return ""


def options_of(field: Locator) -> list[dict[str, object]]:
    return list(field.evaluate(_OPTIONS_OF))


# A select's label and its choices, in one look.
_LABEL_AND_OPTIONS = (
    "(el) => ({label: (" + _LABEL_OF + ")(el), options: (" + _OPTIONS_OF + ")(el)})"
)


def label_and_options(field: Locator) -> tuple[str, list[dict[str, object]]]:
    """``label_of`` and ``options_of`` the field, read together."""
    seen = field.evaluate(_LABEL_AND_OPTIONS)
    return str(seen["label"] or ""), list(seen["options"])


def select_matching(
    field: Locator, wanted: re.Pattern[str], prefer: re.Pattern[str] | None = None
) -> str | None:
    """Select the first enabled option whose label matches ``wanted``; return its label.

    Of several, the first that also matches ``prefer`` ("Cancel an order" before
    "Cancel my subscription").
    """
    return select_among(field, options_of(field), wanted, prefer)


def select_among(
    field: Locator,
    options: Sequence[dict[str, object]],
    wanted: re.Pattern[str],
    prefer: re.Pattern[str] | None = None,
) -> str | None:
    """``select_matching`` with the field's ``options`` already read."""
    usable = [o for o in options if not o["disabled"] and wanted.search(str(o["label"]))]
    if prefer is not None:
        usable.sort(key=lambda o: not prefer.search(str(o["label"])))
    if not usable:
        return None
    field.select_option(value=str(usable[0]["value"]), timeout=look_ms())
    return str(usable[0]["label"])


def choose_option(field: Locator, wanted: re.Pattern[str], placeholder: re.Pattern[str]) -> str:
    """Select the first real option matching ``wanted``, else the first real one."""
    real = [
        o
        for o in options_of(field)
        if not o["disabled"] and str(o["value"]) and not placeholder.search(str(o["label"]))
    ]
    if not real:
        return ""
    chosen = next((o for o in real if wanted.search(str(o["label"]))), real[0])
    field.select_option(value=str(chosen["value"]), timeout=look_ms())
    return str(chosen["label"])
