"""The Contact Us form and the list of earlier requests (Support Requests, My Cases)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

from flows.forms import (
    Filled,
    label_and_options,
    select_among,
    selected,
    typed,
)
from flows.limits import without_control_characters
from flows.locating import (
    best_of,
    button,
    look_ms,
    nearest_block,
    select,
    textbox,
    texts_of,
    visible_now,
    wait_visible,
)
from flows.matching import (
    bounded_reference,
    order_number_in_text,
    pattern,
    reference_in,
)
from flows.pages import SitePage
from flows.recognition import (
    Step,
    describe,
    first_shown,
)
from flows.results import SupportRequest
from flows.vocabulary import Vocabulary

_ORDER_IN_TEXT = re.compile(
    r"\border\b\s*(?:number|no\.?|#|id|reference|ref\.?)?\s*[:#]?\s*#?"
    r"((?=[A-Za-z-]*[0-9])[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])",
    re.IGNORECASE,
)
# A reference-looking token ("CS-482913", "REF-12345") when no phrase introduces it.
_REFERENCE_TOKEN = re.compile(r"\b([A-Za-z]{1,6}-?[0-9]{3,}[A-Za-z0-9-]*)\b")


class ContactPage(SitePage):
    """The Contact Us form, used to ask for a cancellation."""

    def __init__(self, page: Page, vocabulary: Vocabulary) -> None:
        super().__init__(page, vocabulary)
        self._form_block: tuple[str, Locator | Page] | None = None

    @property
    def topic(self) -> Locator:
        return select(self.page, self.words.topic_labels)

    @property
    def message(self) -> Locator:
        return textbox(self.page, self.words.message_labels)

    def form_field(self) -> Locator:
        """What shows that the form is there: its topic select, else its message box (a form
        of only name, e-mail and message)."""
        return self.topic.or_(self.message)

    def fill_request(
        self, *, order_number: str, name: str, email: str, reason: str, message: str
    ) -> dict[str, str]:
        """Fill every field the contract names; return label -> value as the form now holds.

        A form without a topic or an order-number field (name, e-mail and message only)
        gets the order number and the request in the message itself. ``kept`` then tells,
        field by field, whether the form still holds it all.
        """
        filled: dict[str, str] = {}
        self.kept: list[Filled] = []
        self._form_block = None  # filled again: a script may have rebuilt the form
        words = self.words
        wait_visible(self.form_field(), look_ms())
        has_topic = visible_now(self.topic)
        if has_topic:
            topic = self.topic.first
            # An option about the order ("Cancel an order") before another cancellation.
            about_order = re.compile(r"\border\b", re.IGNORECASE)
            topic_label, options = label_and_options(topic)
            cancel = pattern(words.cancel_option_pattern)
            chosen = select_among(topic, options, cancel, about_order)
            if chosen is None:
                raise LookupError("the topic list has no cancellation option")
            filled[topic_label or "Topic"] = chosen
            self.kept.append(
                selected(topic, chosen, topic_label or "Topic", field_label=topic_label)
            )
        form = self.form_block(has_topic=has_topic)
        text = message or reason
        labels = words.order_number_labels
        has_number = self._fill(filled, form, labels, order_number, "Order Number", optional=True)
        if not has_number and not order_number_in_text(order_number).search(text):
            text = f"Order {order_number}: {text}"  # the message must name the order
        self._fill(filled, form, words.contact_email_labels, email, "Email", Step.EMAIL)
        full_name = textbox(form, words.name_labels, Step.FULL_NAME)
        # Which names the form asks for is read off a form that is there (see _fill).
        wait_visible(full_name.or_(textbox(form, words.first_name_labels)), look_ms())
        full_names = words.name_labels
        if not self._fill(filled, form, full_names, name, "Name", Step.FULL_NAME, optional=True):
            first, _, last = name.strip().rpartition(" ")
            if not first:  # one word: it is all we have for both
                first = last
            self._fill(filled, form, words.first_name_labels, first, "First Name")
            self._fill(filled, form, words.last_name_labels, last, "Last Name")
        self._fill(filled, form, words.message_labels, text, "Message")
        return filled

    def form_block(self, *, has_topic: bool | None = None) -> Locator | Page:
        """The smallest block holding both the topic and the message: the form itself.

        Its fields are looked up there, so that a newsletter "Email" box elsewhere on
        the page is never filled in. Found once per filling of the form (the locator is
        resolved again at each use), then kept for its picture.
        """
        if self._form_block is None or self._form_block[0] != self.page.url:
            self._form_block = (self.page.url, self._find_form_block(has_topic))
        return self._form_block[1]

    def _find_form_block(self, has_topic: bool | None) -> Locator | Page:
        if has_topic is None:
            has_topic = visible_now(self.topic)
        if not has_topic:
            # No topic: the smallest block holding the message box and a submit button.
            submit = self.words.contact_submit
            block = nearest_block(self.message.first, lambda b: button(b, submit), within=self.page)
            return block if block is not None else self.page
        words = self.words.message_labels
        block = nearest_block(self.topic.first, lambda b: textbox(b, words), within=self.page)
        return block if block is not None else self.page

    def _fill(
        self,
        filled: dict[str, str],
        form: Locator | Page,
        labels: Sequence[str],
        value: str,
        fallback: str,
        step: Step = Step.FIELD,
        *,
        optional: bool = False,
    ) -> bool:
        """Fill the field best labelled like ``labels`` ("Order number" before "Order # or ID").

        ``optional``: a field the form may not have (an order number, a full name); ``False``
        when it shows none now. A field the form must have is waited for.
        """
        # One look: the best of the visible fields and its label, or none shows.
        boxes = textbox(form, labels, step)  # shown fields only
        described = describe(boxes, labels, step)
        if optional and not described:
            return False
        chosen = first_shown(described, step)
        if chosen is None and wait_visible(boxes, look_ms()):
            # A page's script may take its form away for a moment and mount its own.
            chosen = first_shown(describe(boxes, labels, step), step)
        if chosen is None:
            raise LookupError(f"no {fallback.lower()} field")
        self._type(filled, boxes.nth(chosen.index), chosen.label, value, fallback)
        return True

    def _type(
        self, filled: dict[str, str], field: Locator, label: str, value: str, fallback: str
    ) -> None:
        field.fill(value, timeout=look_ms())
        # What the form holds is read back once for all fields before the submit
        # (``Browsing.fill_for_submit``): a value it did not keep never gets that far.
        filled[label or fallback] = value
        self.kept.append(typed(field, value, label or fallback, label=label))

    def submit_control(self) -> Locator | None:
        words = self.words.contact_submit
        block = nearest_block(self.message.first, lambda b: button(b, words), within=self.page)
        return best_of(button(block, words), words) if block is not None else None


# The texts of cells, grouped by the row each sits in (rows in document order).
_CELL_TEXTS_BY_ROW = """(cells) => {
  const rows = new Map();
  for (const cell of cells) {
    const row = cell.closest("tr, [role=row]");
    if (!rows.has(row)) rows.set(row, []);
    rows.get(row).push(cell.innerText);
  }
  return [...rows.values()];
}"""


class SupportRequestsPage(SitePage):
    """Earlier requests ("Support Requests", "My Cases"...), with their order numbers."""

    def requests(self) -> list[SupportRequest]:
        return [self._parse(text) for text in self._entries() if text.strip()]

    def _entries(self) -> list[str]:
        content = self.content
        # ``has`` is matched inside each row: built from the page, not from ``content``.
        rows = content.get_by_role("row").filter(has=self.page.get_by_role("cell"))
        # Every row's cells in one look, however many requests the shop keeps.
        try:
            cells_by_row = [
                [" ".join(str(text).split()) for text in row]
                for row in rows.get_by_role("cell").evaluate_all(_CELL_TEXTS_BY_ROW)
            ]
        except PlaywrightError:
            cells_by_row = []
        if cells_by_row:
            headers = texts_of(content.get_by_role("columnheader"))
            skip = 0
            if not headers:
                # A head row of plain cells (some stock themes): its texts head the columns.
                head = content.locator("thead tr").first
                if head.count():
                    headers = texts_of(head.get_by_role("cell"))
                    skip = 1
            entries = []
            for cells in cells_by_row[skip:]:
                if headers and len(headers) == len(cells):
                    pairs = zip(headers, cells, strict=True)
                    entries.append("\n".join(f"{h}: {c}" for h, c in pairs))
                else:
                    entries.append("\n".join(cells))
            return entries
        for found in (content.get_by_role("article"), content.get_by_role("listitem")):
            if found.count():
                return [text.strip() for text in found.all_inner_texts()]
        return []

    def _parse(self, text: str) -> SupportRequest:
        text = without_control_characters(text)
        order_found = _ORDER_IN_TEXT.search(text)
        order = order_found.group(1) if order_found else None
        reference = reference_in(text, self.words.confirmation_pattern)
        if reference is None or reference == order:
            tokens = [t for t in _REFERENCE_TOKEN.findall(text) if t != order]
            reference = bounded_reference(tokens[0]) if tokens else None
        return SupportRequest(reference=reference, order=order, text=" ".join(text.split()))
