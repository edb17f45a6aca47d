"""The return form and the page that confirms a return."""

from __future__ import annotations

import re

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

from flows.forms import (
    choose_option,
    label_of,
    options_of,
)
from flows.locating import (
    Scope,
    best_of,
    button,
    control,
    labelled,
    look_ms,
    nearest_block,
    phrases,
    textbox,
    texts_of,
    visible_now,
)
from flows.matching import (
    contains,
    names,
    pattern,
    reference_in,
    starts_with,
)
from flows.recognition import (
    Step,
    best_of_shown,
)
from flows.vocabulary import Vocabulary


class ReturnPage:
    """The return form: on a page of its own, or revealed in place on the order page."""

    def __init__(self, page: Page, vocabulary: Vocabulary, *, reason: str | None = None) -> None:
        self.page = page
        self.words = vocabulary
        self.reason = reason  # the shopper's own words, when they gave some

    def item_boxes(self) -> Locator:
        return self.page.get_by_role("checkbox").filter(visible=True)

    def items(self) -> list[tuple[str, Locator, bool]]:
        """(label, checkbox, can be ticked) for every item checkbox on the form."""
        boxes = self.item_boxes()
        found = []
        for index in range(boxes.count()):
            box = boxes.nth(index)
            found.append((label_of(box), box, box.is_enabled()))
        return found

    def _reason_selects(self, scope: Scope) -> Locator:
        reason = starts_with(self.words.return_reason_labels)
        return scope.get_by_role("combobox", name=reason).filter(visible=True)

    def choose_reason(self, box: Locator) -> str | None:
        """Set the item's own reason select (the one in the item's block) to a preferred reason.

        ``None`` when the item has no reason select of its own, e.g. a form that lists
        reasons apart from the items (see ``choose_remaining_reasons``).
        """
        block = nearest_block(box, self._reason_selects, within=self.page)
        if block is None or block.get_by_role("checkbox").count() != 1:
            return None
        field = self._reason_selects(block).first
        return self._choose_in(field) if field.is_enabled() else None

    def choose_remaining_reasons(self) -> None:
        """Reason selects still on their placeholder (forms that group reasons apart)."""
        selects = self._reason_selects(self.page)

        def boxes(block: Scope) -> Locator:
            return block.get_by_role("checkbox")

        for index in range(selects.count()):
            field = selects.nth(index)
            if not field.is_enabled() or self._chosen(field):
                continue
            # The select of an item left unticked keeps its placeholder.
            own = nearest_block(field, boxes, within=self.page)
            if own is not None and boxes(own).count() == 1 and not boxes(own).first.is_checked():
                continue
            self._choose_in(field)

    def reasons_chosen(self) -> bool:
        """Whether every ticked item's own reason select is off its placeholder."""

        def boxes(block: Scope) -> Locator:
            return block.get_by_role("checkbox")

        try:
            selects = self._reason_selects(self.page)
            for index in range(selects.count()):
                field = selects.nth(index)
                own = nearest_block(field, boxes, within=self.page)
                ticked_item = own is not None and boxes(own).count() == 1
                if ticked_item and boxes(own).first.is_checked() and not self._chosen(field):
                    return False
        except PlaywrightError:
            return False
        return True

    def method_chosen(self, name: str) -> bool:
        """Whether the return method named ``name`` is still the one chosen."""
        try:
            radio = self.page.get_by_role("radio", name=name, exact=True).filter(visible=True)
            if radio.count():
                return radio.first.is_checked()
            selects = self.page.get_by_role("combobox").filter(visible=True)
            for index in range(selects.count()):
                field = selects.nth(index)
                value = field.input_value()
                if any(
                    str(o["label"]) == name and str(o["value"]) == value for o in options_of(field)
                ):
                    return True
        except PlaywrightError:
            return False
        return False

    def _chosen(self, field: Locator) -> bool:
        value = field.input_value()
        placeholder = pattern(self.words.placeholder_option_pattern)
        labels = {str(o["value"]): str(o["label"]) for o in options_of(field)}
        return bool(value) and not placeholder.search(labels.get(value, ""))

    def _choose_in(self, field: Locator) -> str:
        placeholder = pattern(self.words.placeholder_option_pattern)
        if self.reason and self.reason.strip():
            asked = names([self.reason.strip()])
            if any(asked.search(str(option["label"])) for option in options_of(field)):
                return choose_option(field, asked, placeholder)
        preferred = re.compile(rf"\b(?:{self.words.preferred_reason_pattern})\b", re.IGNORECASE)
        return choose_option(field, preferred, placeholder)

    def choose_mail_method(self) -> str | None:
        """Prefer the prepaid mail label over drop-off, whether radios or a select offer it."""
        mail = contains(self.words.mail_method)
        drop_off = contains(self.words.drop_off_method)
        radios = self.page.get_by_role("radio").filter(visible=True)
        for index in range(radios.count()):
            radio = radios.nth(index)
            name = label_of(radio)
            if mail.search(name) and not drop_off.search(name):
                radio.check(timeout=look_ms())
                return name
        selects = self.page.get_by_role("combobox").filter(visible=True)
        for index in range(selects.count()):
            field = selects.nth(index)
            labels = [str(o["label"]) for o in options_of(field)]
            if any(drop_off.search(label) for label in labels):
                for option in options_of(field):
                    label = str(option["label"])
                    if mail.search(label) and not drop_off.search(label):
                        field.select_option(value=str(option["value"]), timeout=look_ms())
                        return label
        return None

    def submit_control(self, anchor: Locator) -> Locator | None:
        words = self.words.return_submit
        block = nearest_block(anchor, lambda b: button(b, words), within=self.page)
        return best_of(button(block, words), words) if block is not None else None

    def review_confirm(self) -> Locator:
        return button(self.page, self.words.review_confirm)

    # -- a return that is a request: one item per form, no item checkboxes -----------------
    def product_field(self) -> Locator:
        """The request form's product field (its value the item's name, often read-only)."""
        return labelled(self.page, self.words.return_product_labels)

    def quantity_field(self) -> Locator:
        return labelled(self.page, self.words.return_quantity_labels)

    def details_field(self) -> Locator:
        return textbox(self.page, self.words.return_details_labels)

    def reason_radios(self) -> Locator:
        """The reason's radio buttons: in a radio group named like a reason label."""
        named = starts_with(self.words.return_reason_labels)
        groups = self.page.get_by_role("radiogroup", name=named).filter(visible=True)
        return groups.get_by_role("radio")

    def is_request(self) -> bool:
        """A request form: a product field and a reason, and no item checkboxes to tick."""
        return (
            visible_now(self.product_field())
            and (visible_now(self.reason_radios()) or visible_now(self._reason_selects(self.page)))
            and not visible_now(self.item_boxes())
        )

    def product_named(self) -> str:
        """The product field's value, as the form shows it now ("" when there is none)."""
        field = self.product_field()
        try:
            if not visible_now(field):
                return ""
            return " ".join(field.first.input_value(timeout=look_ms()).split())
        except PlaywrightError:
            return ""

    def choose_reason_radio(self) -> str | None:
        """Tick the reason the shopper gave, else a preferred one ("Other"); its label."""
        radios = self.reason_radios()
        labels = [label_of(radios.nth(i)) for i in range(radios.count())]
        wanted = []
        if self.reason and self.reason.strip():
            wanted.append(names([self.reason.strip()]))
        wanted.append(re.compile(rf"\b(?:{self.words.preferred_reason_pattern})\b", re.IGNORECASE))
        for pattern_ in wanted:
            for index, label in enumerate(labels):
                if pattern_.search(label):
                    radios.nth(index).check(timeout=look_ms())
                    return label
        return None

    def reason_radio_chosen(self, label: str) -> bool:
        try:
            radios = self.reason_radios()
            return any(
                radios.nth(i).is_checked() and label_of(radios.nth(i)) == label
                for i in range(radios.count())
            )
        except PlaywrightError:
            return False

    def request_sent(self) -> Locator:
        """What the shop says once a return request went: its words, or a return number."""
        words = self.words
        said = phrases(self.page, words.return_request_sent_words)
        number = self.page.get_by_text(pattern(words.return_number_pattern)).filter(visible=True)
        return said.or_(number)


class ReturnConfirmationPage:
    """The page that gives the return number and the label link."""

    def __init__(self, page: Page, vocabulary: Vocabulary) -> None:
        self.page = page
        self.words = vocabulary

    def return_number_text(self) -> Locator:
        return self.page.get_by_text(pattern(self.words.return_number_pattern)).filter(visible=True)

    def return_number(self) -> str | None:
        for text in texts_of(self.return_number_text()):
            found = reference_in(text, self.words.return_number_pattern)
            if found:
                return found
        return None

    def label_control(self) -> Locator | None:
        words = self.words.label_links
        wanted = control(self.page, words, Step.ORDER)
        return best_of_shown(wanted, words, Step.ORDER)
