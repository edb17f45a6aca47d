"""Reading and setting form controls as a person sees them: a field's label, a select's options."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator

from flows.locating import look_ms


@dataclass(frozen=True)
class Filled:
    """Something the agent put in a form, and how to tell it is still there before sending.

    ``what`` names the field for messages (its label): never the value, which may be
    a password or a code.
    """

    what: str
    still_there: Callable[[], bool]


def typed(field: Locator, value: str, what: str) -> Filled:
    """A text field that should still hold ``value`` (spacing aside)."""

    def still_there() -> bool:
        try:
            held = field.input_value(timeout=look_ms())
        except PlaywrightError:
            return False
        return held == value or (bool(held) and held.split() == value.split())

    return Filled(what, still_there)


def selected(field: Locator, label: str, what: str) -> Filled:
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

    return Filled(what, still_there)


def ticked(box: Locator, what: str) -> Filled:
    """A checkbox or radio that should stay ticked."""

    def still_there() -> bool:
        try:
            return box.is_checked(timeout=look_ms())
        except PlaywrightError:
            return False

    return Filled(what, still_there)


def not_kept(filled: Sequence[Filled]) -> list[str]:
    """The names of the fields that lost what was put in them."""
    return [entry.what for entry in filled if not entry.still_there()]


# The label a person reads next to a form field (its accessible name, near enough).
_LABEL_OF = """(el) => {
  const clean = (s) => (s || "").replace(/\\s+/g, " ").trim();
  const by = el.getAttribute("aria-labelledby");
  if (by) {
    return clean(by.split(/\\s+/).map((id) => {
      const node = document.getElementById(id);
      return node ? node.innerText : "";
    }).join(" "));
  }
  if (el.getAttribute("aria-label")) return clean(el.getAttribute("aria-label"));
  if (el.labels && el.labels.length) return clean(el.labels[0].innerText);
  return clean(el.getAttribute("title") || el.getAttribute("placeholder") || "");
}"""

# A select's choices as the browser holds them.
_OPTIONS_OF = """(el) => [...el.options].map((o) => ({
  label: (o.label || o.textContent || "").replace(/\\s+/g, " ").trim(),
  value: o.value,
  disabled: o.disabled,
}))"""


def label_of(field: Locator) -> str:
    try:
        return str(field.evaluate(_LABEL_OF))
    except PlaywrightError:
        return ""


def label_and_value(field: Locator) -> tuple[str, str]:
    """The field's label and the value it now holds, in one round trip to the page."""
    label, value = field.evaluate(f"(el) => [({_LABEL_OF})(el), el.value]")
    return str(label), str(value)


def options_of(field: Locator) -> list[dict[str, object]]:
    return list(field.evaluate(_OPTIONS_OF))


def select_matching(
    field: Locator, wanted: re.Pattern[str], prefer: re.Pattern[str] | None = None
) -> str | None:
    """Select the first enabled option whose label matches ``wanted``; return its label.

    Of several, the first that also matches ``prefer`` ("Cancel an order" before
    "Cancel my subscription").
    """
    usable = [o for o in options_of(field) if not o["disabled"] and wanted.search(str(o["label"]))]
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
