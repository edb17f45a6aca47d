"""Read-only looks at a shop for ``order-agent doctor``: nothing is typed, clicked or sent.

* ``contact_fields``: each Contact Us field the contract names, found the way
  ``ContactPage.fill_request`` finds it;
* ``list_statuses``: the status words shown on the order list, order by order.
"""

from __future__ import annotations

from dataclasses import dataclass

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator

from flows.contact_pages import ContactPage
from flows.findings import Finding, describe
from flows.forms import options_of
from flows.locating import textbox, visible_now
from flows.matching import pattern
from flows.order_pages import OrderListPage
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


def list_statuses(listing: OrderListPage) -> list[tuple[str, str | None]]:
    """(order number as shown, status words beside it or None) for each order on the list:
    read the way ``RetailerSite.open_order`` reads an order's row (``listed_status``)."""
    found: list[tuple[str, str | None]] = []
    for number in listing.order_numbers():
        try:
            listed = listing.listed_status(number)
        except PlaywrightError:
            listed = None
        found.append((number, listed.text if listed is not None else None))
    return found
