"""Read-only looks at a shop for ``order-agent doctor``: nothing is typed, clicked or sent.

* ``contact_fields``: each Contact Us field the contract names, found the way
  ``ContactPage.fill_request`` finds it;
* ``list_statuses``: the status words shown on the order list, order by order.
"""

from __future__ import annotations

from dataclasses import dataclass

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator

from flows.findings import Finding, describe
from flows.forms import options_of
from flows.locating import textbox, visible_now
from flows.matching import alternatives, first_group, order_link_numbers, pattern
from flows.pages import ContactPage, OrderListPage
from flows.recognition import Step
from flows.vocabulary import Vocabulary


@dataclass(frozen=True)
class FieldCheck:
    """One field of a form: found (``finding``) or not; ``phrases`` names the words to add."""

    step: str
    phrases: str  # the Vocabulary field (a profile's [phrases] key) that names it
    finding: Finding | None
    detail: str = ""


def _check(step: str, phrases: str, found: Locator | None) -> FieldCheck:
    if found is None or not visible_now(found):
        return FieldCheck(step, phrases, None)
    return FieldCheck(step, phrases, describe(step, found))


def contact_fields(contact: ContactPage) -> list[FieldCheck]:
    """The topic select (and its cancellation option), order number, e-mail, name, message
    and submit button of the Contact Us form on the page."""
    words: Vocabulary = contact.words
    checks = [_check("contact topic", "topic_labels", contact.topic)]
    topic = contact.topic
    if visible_now(topic):
        wanted = pattern(words.cancel_option_pattern)
        try:
            labels = [str(o["label"]) for o in options_of(topic.first) if not o["disabled"]]
        except PlaywrightError:
            labels = []
        chosen = next((label for label in labels if wanted.search(label)), None)
        finding = checks[0].finding
        checks.append(
            FieldCheck(
                "cancel option",
                "cancel_option_pattern",
                Finding("cancel option", "option", chosen, None, finding.url)
                if chosen and finding
                else None,
                detail="" if chosen else f"options: {', '.join(labels) or 'none'}",
            )
        )
    form = contact.form_block()
    # The same lookups, with the same recognition steps, as ContactPage.fill_request.
    wanted = [
        ("order number field", "order_number_labels", Step.FIELD),
        ("e-mail field", "contact_email_labels", Step.EMAIL),
    ]
    if visible_now(textbox(form, words.name_labels, Step.FULL_NAME)):
        wanted.append(("name field", "name_labels", Step.FULL_NAME))
    else:
        wanted += [
            ("first name field", "first_name_labels", Step.FIELD),
            ("last name field", "last_name_labels", Step.FIELD),
        ]
    for step, phrases, recognition_step in wanted:
        field = textbox(form, getattr(words, phrases), recognition_step)
        checks.append(_check(step, phrases, field))
    checks.append(_check("message field", "message_labels", textbox(form, words.message_labels)))
    message = contact.message
    submit = contact.submit_control() if visible_now(message) else None
    checks.append(_check("submit button", "contact_submit", submit))
    return checks


# For each order link: the status in its table row (under a Status column), or in the
# smallest block around it that holds a "Status: ..." line and no other order's link.
_STATUS_BESIDE_LINK = r"""
(link, [labelSource, orderSource]) => {
  const clean = (s) => (s || "").replace(/\s+/g, " ").trim();
  const label = new RegExp("^\\W*(?:" + labelSource + ")\\W*$", "i");
  const labelled = new RegExp(
    "(?:^|\\n)\\s*(?:" + labelSource + ")\\s*[:\\-\u2013\u2014]\\s*([^\\n]+)", "i");
  const order = new RegExp(orderSource, "i");
  const row = link.closest("tr, [role=row]");
  if (row) {
    const table = row.closest("table, [role=table], [role=grid]");
    const headers = table ? [...table.querySelectorAll("th, [role=columnheader]")] : [];
    const header = headers.find((h) => label.test(clean(h.innerText)));
    if (header) {
      const index = [...header.parentElement.children].indexOf(header);
      const cell = row.children[index];
      if (cell) return clean(cell.innerText);
    }
  }
  for (let up = link.parentElement, level = 0; up && level < 6; up = up.parentElement, level++) {
    const controls = [...up.querySelectorAll("a, button, [role=link], [role=button]")];
    if (controls.filter((c) => order.test(clean(c.innerText))).length > 1) return null;
    const found = labelled.exec(up.innerText || "");
    if (found) return clean(found[1]);
  }
  return null;
}
"""


def list_statuses(listing: OrderListPage) -> list[tuple[str, str | None]]:
    """(order number as shown, status words beside it or None) for each order on the list."""
    words = listing.words
    numbered = order_link_numbers(words.order_link_formats)
    links = listing.order_links()
    found: list[tuple[str, str | None]] = []
    source = alternatives(words.status_labels)
    for index in range(links.count()):
        link = links.nth(index)
        try:
            # An icon link ("View order 70001" as its aria-label) has no text to read.
            label = link.get_attribute("aria-label")
            name = " ".join((label or link.inner_text()).split())
            number = numbered.search(name)
            raw = link.evaluate(_STATUS_BESIDE_LINK, [source, numbered.pattern])
        except PlaywrightError:
            continue
        if number is None:
            continue
        found.append((first_group(number), str(raw) if raw else None))
    unique = dict(found)
    return list(unique.items())
