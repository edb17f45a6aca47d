"""Starting a return from an order page: entry, items, reasons, method, submit, review.

The form may open on a page of its own, in a new tab, or be revealed in place;
the site may refuse (an alert, e.g. an outlet order past its return window).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path

from playwright.sync_api import Locator, Page

from flows.browsing import Browsing
from flows.forms import Filled, ticked
from flows.locating import (
    Sight,
    alerts,
    holding,
    look_ms,
    phone_in,
    phone_on,
    submit_ms,
    texts_of,
    visible_now,
    wait_visible,
    without_texts,
)
from flows.matching import pattern
from flows.pages import OrderPage, ReturnConfirmationPage, ReturnPage
from flows.results import ReturnReceipt
from ordercore.errors import ItemNotOnOrder, ReturnRefused, SiteNotUnderstood
from ordercore.models import Order

# Alerts that ask for a correction rather than refuse.
_VALIDATION = r"\b(?:please\s+(?:choose|select|enter|pick|tick|provide)|required)\b"

Choice = tuple[str, Locator]  # an item's checkbox label, and the checkbox


class ReturnFlow:
    """One return, from the order page's return entry to the return number."""

    def __init__(self, browsing: Browsing) -> None:
        self.browsing = browsing
        self.words = browsing.words
        self.page: Page = browsing.page  # where the confirmation ends up (maybe a new tab)

    def start(
        self,
        order: Order,
        *,
        items: Sequence[str] | None,
        dry_run: bool,
        screenshot: Path | None,
        reason: str | None = None,
        before_submit: Callable[[], None] | None = None,
    ) -> ReturnReceipt:
        """Fill the return form; submit it unless ``dry_run``, after ``before_submit``
        (the order's status read again: it raises to stop the submit)."""
        browsing = self.browsing
        entry = OrderPage(browsing.page, self.words).return_entry()
        phone = phone_on(browsing.page)
        if entry is None:
            finals = [item for item in order.items if item.final_sale]
            if order.items and len(finals) == len(order.items):
                raise ReturnRefused(
                    f"the site offers no return for order {order.number}: all of its items "
                    "are Final Sale",
                    phone=phone,
                )
            # What the page lacks, not the status (which is what makes a return possible).
            raise ReturnRefused(
                f"the page of order {order.number} shows no link or button to start a return",
                phone=phone,
            )
        before_alerts = texts_of(alerts(browsing.page))
        target = self.page = browsing.click_maybe_new_page(entry)
        form = ReturnPage(target, self.words, reason=reason)
        refusal = without_texts(alerts(target), before_alerts if target is browsing.page else [])
        browsing.expect(form.item_boxes().or_(refusal), "no return form", page=target)
        said = " ".join(texts_of(refusal))
        if said and not visible_now(form.item_boxes()):
            raise ReturnRefused(
                f"the site refused the return: {said}",
                phone=phone_in(said) or phone_on(target) or phone,
            )
        chosen = self._choose_items(form, order, items, phone)
        method: str | None = None

        def fill() -> list[Filled]:
            nonlocal method
            for _label, box in chosen:
                box.check(timeout=look_ms())
                form.choose_reason(box)
            form.choose_remaining_reasons()
            method = form.choose_mail_method()
            kept = [ticked(box, label) for label, box in chosen]
            kept.append(Filled("the reasons", form.reasons_chosen))
            if method is not None:
                kept.append(Filled(method, functools.partial(form.method_chosen, method)))
            return kept

        # Read back before sending: a page script may have rebuilt the form, empty.
        browsing.fill_for_submit(
            fill, lambda: form.submit_control(chosen[0][1]), "the return form", page=target
        )
        chosen_names = tuple(label for label, _box in chosen)
        if not dry_run:
            submit = form.submit_control(chosen[0][1])
            if submit is None:
                browsing.diagnose("the return form has no submit button", page=target)
            if before_submit is not None:
                before_submit()
            number = self._submit(form, submit, phone)
        else:
            number = None
        if screenshot is not None:
            browsing.screenshot(target, screenshot)
        return ReturnReceipt(reference=number, items=chosen_names, method=method, url=target.url)

    def _choose_items(
        self,
        form: ReturnPage,
        order: Order,
        wanted: Sequence[str] | None,
        phone: str | None,
    ) -> list[Choice]:
        listed = form.items()
        known = [item.name.casefold() for item in order.items]
        if known:
            # Keep to checkboxes naming an item of the order (not "email me updates").
            on_order = [
                entry
                for entry in listed
                if any(k in entry[0].casefold() or entry[0].casefold() in k for k in known)
            ]
            listed = on_order or listed
        if not wanted:
            chosen = [(label, box) for label, box, enabled in listed if enabled]
        else:
            chosen = []
            for name in wanted:
                matches = [entry for entry in listed if name.casefold() in entry[0].casefold()]
                if not matches:
                    shown = ", ".join(entry[0] for entry in listed) or "none"
                    raise ItemNotOnOrder(
                        f"the return form of order {order.number} lists no item named {name!r} "
                        f"(it lists: {shown})",
                        hint="run the command again with --item set to one of those names",
                    )
                usable = [(label, box) for label, box, enabled in matches if enabled]
                if not usable:
                    raise ReturnRefused(
                        f"{matches[0][0]} cannot be returned (the site does not let it be chosen)",
                        phone=phone,
                    )
                chosen.extend(usable)
            chosen = list({label: (label, box) for label, box in chosen}.values())
        if not chosen:
            raise ReturnRefused(
                f"no item of order {order.number} can be returned (Final Sale or already returned)",
                phone=phone,
            )
        return chosen

    def _submit(self, form: ReturnPage, submit: Locator, phone: str | None) -> str | None:
        """Submit, confirm a review step if one comes, and read the return number."""
        target = self.page
        confirmation = ReturnConfirmationPage(target, self.words)
        # A review step: its confirm button, once the item checkboxes are gone.
        review = holding(target, has=form.review_confirm(), has_not=form.item_boxes())
        for step in ("submit", "review"):
            before_numbers = texts_of(confirmation.return_number_text())
            before_alerts = texts_of(alerts(target))
            self.browsing.click(submit, page=target)
            numbers = without_texts(confirmation.return_number_text(), before_numbers)
            refused = without_texts(alerts(target), before_alerts)
            outcome = Sight(shown=numbers.or_(refused))
            if step == "submit":
                outcome = outcome.or_(Sight(present=review))
            if not wait_visible(outcome, submit_ms()):
                self.browsing.diagnose("the return form gave no return number", page=target)
            self.browsing.check_page(target)
            said = " ".join(texts_of(refused))
            if said:
                if pattern(_VALIDATION).search(said):
                    raise SiteNotUnderstood(f"the return form was not accepted: {said}")
                raise ReturnRefused(
                    f"the site refused the return: {said}",
                    phone=phone_in(said) or phone,
                )
            if visible_now(numbers):
                return confirmation.return_number()
            submit = form.review_confirm().first
        self.browsing.diagnose("the return was not confirmed", page=target)
