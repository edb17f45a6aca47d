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
from flows.forms import Filled, ticked, typed
from flows.limits import quoted_words
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
from flows.matching import pattern, reference_in
from flows.order_pages import OrderPage
from flows.results import ReturnReceipt
from flows.return_pages import ReturnConfirmationPage, ReturnPage
from ordercore.errors import (
    ItemNotOnOrder,
    NeedsHuman,
    ReturnRefused,
    SiteNotUnderstood,
    TransientError,
)
from ordercore.models import Item, Order
from ordercore.steps import SafeStep, once

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
        safe_step: SafeStep = once,
    ) -> ReturnReceipt:
        """Fill the return form; submit it unless ``dry_run``, after ``before_submit``
        (the order's status read again: it raises to stop the submit). ``safe_step``
        repeats what sends nothing between two requests of a request-kind return."""
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
        shown = form.item_boxes().or_(refusal).or_(form.product_field())
        browsing.expect(shown, "no return form", page=target)
        said = " ".join(texts_of(refusal))
        if said and not visible_now(form.item_boxes()) and not visible_now(form.product_field()):
            raise ReturnRefused(
                f"the site refused the return: {said}",
                phone=phone_in(said) or phone_on(target) or phone,
            )
        if form.is_request():
            requests = ReturnRequests(self, order, reason=reason, phone=phone, safe_step=safe_step)
            return requests.send(
                form, items=items, dry_run=dry_run, screenshot=screenshot, before=before_submit
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


class ReturnRequests:
    """A return that is a request: one form per item (product, quantity, reason, details),
    answered with words and maybe a number, never a label (the shop mails it later).

    The items are requested one after the other, each from its own entry on the order
    page. Opening the next item's form sends nothing, so a transient failure there (or a
    sign-in the shop asks for again) is repeated by ``safe_step``. One that still fails
    after others went is reported as not sent (``not_sent``), never tried again here: what
    went must not go twice.
    """

    def __init__(
        self,
        flow: ReturnFlow,
        order: Order,
        *,
        reason: str | None,
        phone: str | None,
        safe_step: SafeStep = once,
    ):
        self.flow = flow
        self.safe_step = safe_step
        self.browsing = flow.browsing
        self.words = flow.words
        self.order = order
        self.reason = reason
        self.phone = phone

    def send(
        self,
        first: ReturnPage,
        *,
        items: Sequence[str] | None,
        dry_run: bool,
        screenshot: Path | None,
        before: Callable[[], None] | None,
    ) -> ReturnReceipt:
        chosen = self._chosen(items)
        sent: list[str] = []
        not_sent: list[str] = []
        said: str | None = None
        number: str | None = None
        for index, item in enumerate(chosen):
            # The form the entry opened serves the item it is about; the others open theirs.
            opened = index == 0 and _names_item(first.product_named(), item.name)
            try:
                form = first if opened else self.safe_step(functools.partial(self._open, item.name))
                self._fill(form)
                if dry_run:
                    if screenshot is not None:
                        self.browsing.screenshot(form.page, screenshot)
                    names = tuple(i.name for i in chosen)
                    return ReturnReceipt(None, names, url=form.page.url, kind="request")
                if index == 0 and before is not None:
                    before()  # the order's status read again: it raises to stop the submit
                said, found = self._submit(form)
            except (NeedsHuman, TransientError) as exc:
                if not sent:
                    raise
                # This item (and why) and those after it: never asked for again here.
                not_sent = [f"{item.name} ({exc.message})", *(i.name for i in chosen[index + 1 :])]
                break
            number = number or found
            sent.append(item.name)
        if screenshot is not None:
            self.browsing.screenshot(self.flow.page, screenshot)
        return ReturnReceipt(
            number,
            tuple(sent),
            url=self.flow.page.url,
            kind="request",
            confirmation=said,
            not_sent=tuple(not_sent),
        )

    def _chosen(self, wanted: Sequence[str] | None) -> list[Item]:
        order = self.order
        returnable = [item for item in order.items if item.returnable]
        if not wanted:
            if not returnable:
                raise ReturnRefused(
                    f"no item of order {order.number} can be returned (Final Sale)",
                    phone=self.phone,
                )
            return returnable
        chosen = []
        for name in wanted:
            matches = [i for i in order.items if name.casefold() in i.name.casefold()]
            if not matches:
                listed = ", ".join(i.name for i in order.items) or "none"
                raise ItemNotOnOrder(
                    f"order {order.number} has no item named {name!r} (it has: {listed})",
                    hint="run the command again with --item set to one of those names",
                )
            usable = [i for i in matches if i.returnable]
            if not usable:
                raise ReturnRefused(f"{matches[0].name} cannot be returned", phone=self.phone)
            chosen.extend(usable)
        return list({i.name: i for i in chosen}.values())

    def _open(self, name: str) -> ReturnPage:
        """The request form of one item, from its own entry on the order's page."""
        browsing = self.browsing
        if self.order.url:
            browsing.goto(self.order.url)
            browsing.check_page()
        entry = OrderPage(browsing.page, self.words).item_return_entry(name)
        if entry is None:
            browsing.diagnose(f"no return link beside {name!r} on the order's page")
        target = self.flow.page = browsing.click_maybe_new_page(entry)
        form = ReturnPage(target, self.words, reason=self.reason)
        browsing.expect(form.product_field(), "no return request form", page=target)
        if not _names_item(form.product_named(), name):
            browsing.diagnose(f"the return form is not about {name!r}", page=target)
        return form

    def _fill(self, form: ReturnPage) -> None:
        reason_text = (self.reason or "No longer needed").strip()

        def fill() -> list[Filled]:
            kept: list[Filled] = []
            quantity = form.quantity_field()
            if visible_now(quantity):
                item = next(
                    (i for i in self.order.items if _names_item(form.product_named(), i.name)),
                    None,
                )
                count = str(item.quantity if item else 1)
                quantity.first.fill(count, timeout=look_ms())
                kept.append(typed(quantity.first, count, "the quantity"))
            if visible_now(form.reason_radios()):
                chosen = form.choose_reason_radio()
                if chosen is None:
                    raise SiteNotUnderstood("the return form has no reason order-agent can pick")
                kept.append(
                    Filled("the reason", functools.partial(form.reason_radio_chosen, chosen))
                )
            else:
                form.choose_remaining_reasons()
                kept.append(Filled("the reason", form.reasons_chosen))
            details = form.details_field()
            if visible_now(details):
                details.first.fill(reason_text, timeout=look_ms())
                kept.append(typed(details.first, reason_text, "the details"))
            return kept

        anchor = form.product_field().first
        self.browsing.fill_for_submit(
            fill, lambda: form.submit_control(anchor), "the return request", page=form.page
        )

    def _submit(self, form: ReturnPage) -> tuple[str | None, str | None]:
        """Send one request: what the shop said, and the return number if it gave one."""
        target = form.page
        submit = form.submit_control(form.product_field().first)
        if submit is None:
            self.browsing.diagnose("the return request has no submit button", page=target)
        before_said = texts_of(form.request_sent())
        before_alerts = texts_of(alerts(target))
        self.browsing.click(submit, page=target)
        said = without_texts(form.request_sent(), before_said)
        refused = without_texts(alerts(target), before_alerts)
        gone = holding(target, has_not=form.product_field())
        if not wait_visible(Sight(shown=said.or_(refused), present=gone), submit_ms()):
            self.browsing.diagnose("the return request gave no answer", page=target)
        self.browsing.check_page(target)
        problem = " ".join(texts_of(refused))
        if problem:
            if pattern(_VALIDATION).search(problem) or "must" in problem.lower():
                raise SiteNotUnderstood(f"the return request was not accepted: {problem}")
            raise ReturnRefused(
                f"the site refused the return: {problem}", phone=phone_in(problem) or self.phone
            )
        if not visible_now(said):
            wait_visible(said, look_ms())
        words = " ".join(texts_of(said))
        # The number from the whole answer; the words kept as proof are bounded (a
        # broken number of thousands of digits is not copied into receipts or messages).
        number = reference_in(words, self.words.return_number_pattern)
        return quoted_words(words), number


def _names_item(shown: str, name: str) -> bool:
    """Whether a product field's value is this item ("Logo Cashmere Scarf")."""
    shown, name = shown.casefold().strip(), name.casefold().strip()
    return bool(shown) and (shown == name or name in shown or shown in name)
