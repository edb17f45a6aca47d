"""Reading a value shown next to its label ("Order Status", "Tracking Number").

Shops lay such facts out three ways, all handled without knowing the markup:

* a term and its definition (``dt``/``dd``, ``role=term``/``definition``);
* a table header and its cell: a row header (value in the next cell) or a
  column header (value in the same column of the next row);
* text, "Status: Shipped", in one element or split ("<b>Status:</b> Shipped").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

from flows.matching import alternatives

# Runs over every element whose text is the label (or "label: value"); returns every value.
_VALUE_NEXT_TO_LABEL = r"""
(candidates, labelSource) => {
  const found = [];
  const clean = (s) => (s || "").replace(/\s+/g, " ").trim();
  const textOf = (n) => clean(n.nodeType === 3 ? n.textContent : (n.innerText ?? n.textContent));
  const prefix = new RegExp("^\\W*(?:" + labelSource + ")\\s*[:\\-\u2013\u2014]\\s*", "i");
  const bare = new RegExp("^\\W*(?:" + labelSource + ")\\W*$", "i");
  const roleOf = (el) => {
    const explicit = (el.getAttribute("role") || "").trim().toLowerCase();
    if (explicit) return explicit;
    const tag = el.tagName.toLowerCase();
    if (tag === "dt") return "term";
    if (tag === "td") return "cell";
    if (tag !== "th") return "";
    const scope = (el.getAttribute("scope") || "").toLowerCase();
    if (scope === "row") return "rowheader";
    if (scope === "col" || el.closest("thead")) return "columnheader";
    // A header cell beside data cells labels its row; a row of headers labels columns.
    const siblings = [...el.parentElement.children];
    return siblings.some((c) => c.tagName.toLowerCase() === "td") ? "rowheader" : "columnheader";
  };
  const interactive = "a, button, select, option, label, nav, [role=link], [role=button], " +
    "[role=navigation], [role=option], [role=tab], [role=menuitem]";
  for (const label of candidates) {
    if (label.closest(interactive)) continue;
    const own = textOf(label);
    if (!bare.test(own)) {
      const value = own.replace(prefix, "");
      if (value && value !== own) found.push(value);
      continue;
    }
    // From the text to the element that carries the label's role (<th><span>Status</span></th>).
    let el = label;
    for (let up = label; up && up !== document.body; up = up.parentElement) {
      if (textOf(up) !== own) break;
      el = up;
      if (roleOf(up)) break;
    }
    const role = roleOf(el);
    if (role === "columnheader") {
      const row = el.parentElement;
      const index = [...row.children].indexOf(el);
      const table = el.closest("table, [role=table], [role=grid]");
      const rows = table ? [...table.querySelectorAll("tr, [role=row]")] : [];
      const next = rows.slice(rows.indexOf(row) + 1)
        .find((r) => r.children[index] && textOf(r.children[index]));
      if (next) found.push(textOf(next.children[index]));
      continue;
    }
    if (role) {
      let sibling = el.nextElementSibling;
      while (sibling && !textOf(sibling)) sibling = sibling.nextElementSibling;
      if (sibling) found.push(textOf(sibling).split("\n")[0]);
      continue;
    }
    // Plain text: the first thing after the label on its line, else after its wrapper.
    for (let up = el; up && up !== document.body; up = up.parentElement) {
      let node = up.nextSibling;
      while (node && !textOf(node).replace(/^[:\-\u2013\u2014\s]+/, "")) node = node.nextSibling;
      if (node) {
        found.push(textOf(node).replace(/^[:\-\u2013\u2014\s]+/, "").split("\n")[0]);
        break;
      }
    }
  }
  return found;
}
"""


# Words a label may start with that change nothing: "Your order status", "Current status".
_DETERMINERS = r"(?:(?:your|the|this|current|latest)\s+)?"
# What a label may end with that changes nothing: "Status of your order", and a note in
# brackets, "Order status (updated hourly)", "Tracking number(s)". A note is one to four
# words of letters only: "(2 of 3)" or "(#70002)" say something of their own.
_OF_THE_ORDER = r"(?:\s+of\s+(?:your|the|this)\s+order)?"
LABEL_NOTE = r"\(\s*[A-Za-z]+(?:\s+[A-Za-z]+){0,3}\s*\)"


def label_source(labels: Sequence[str], qualifiers: Sequence[str] = ()) -> str:
    """The labels, each optionally after one qualifier word ("Shipment" Status).

    A plural marker or a short note in brackets may follow: "Tracking number(s)", "Order
    status (updated hourly)". With ``qualifiers``, a determiner may come first and "of your
    order" after: "Your order status", "Status of your order".
    """
    source = rf"(?:{alternatives(labels)})"
    if qualifiers:
        source = rf"{_DETERMINERS}(?:(?:{alternatives(qualifiers)})\s+)?{source}{_OF_THE_ORDER}"
    return rf"{source}(?:\s*{LABEL_NOTE})?"


def label_candidates(
    scope: Page | Locator, labels: Sequence[str], qualifiers: Sequence[str] = ()
) -> Locator:
    """Elements whose text is one of ``labels``, alone or followed by ": value".

    ``qualifiers`` may stand before a label: "Payment Status", "Shipment status".
    """
    source = label_source(labels, qualifiers)
    bare = re.compile(rf"^\W*(?:{source})\W*$", re.IGNORECASE)
    with_value = re.compile(rf"^\W*(?:{source})\s*[:\-\u2013\u2014]\s*\S", re.IGNORECASE)
    return scope.get_by_text(bare).or_(scope.get_by_text(with_value))


def values_next_to(
    scope: Page | Locator, labels: Sequence[str], qualifiers: Sequence[str] = ()
) -> list[str]:
    """Every value shown next to one of ``labels`` in ``scope``, in page order (no waiting)."""
    candidates = label_candidates(scope, labels, qualifiers)
    try:
        found = candidates.evaluate_all(_VALUE_NEXT_TO_LABEL, label_source(labels, qualifiers))
    except PlaywrightError:
        return []
    values = []
    for value in found or []:
        cleaned = " ".join(str(value).split()).strip(" .;,")
        if cleaned:
            values.append(cleaned)
    return values


def value_next_to(scope: Page | Locator, labels: Sequence[str]) -> str | None:
    """The value shown next to the first of ``labels`` found in ``scope`` (no waiting)."""
    values = values_next_to(scope, labels)
    return values[0] if values else None
