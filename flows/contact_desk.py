"""The shop's customer-service desk: the Contact Us form and the lists of open requests.

:class:`ContactDesk` finds the contact form the way a person does (a remembered
address, a Contact Us link here or on the home page, a Customer Service or Help page
on the way, the profile's start path), fills it in for a cancellation request, reads it
back before sending, sends it once and reads the shop's answer (a case number, or words
saying it was sent). It also reads the Support Requests and return requests lists,
which the agent checks before sending anything. ``RetailerSite`` hands it the tab, the
words and the remembered addresses it shares with the rest of the visit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator

from flows.account_names import account_page_link
from flows.browsing import Browsing, TabPart
from flows.contact_pages import ContactPage, SupportRequestsPage
from flows.findings import note
from flows.forms import Filled
from flows.limits import quoted_words
from flows.locating import (
    Sight,
    alerts,
    best_of,
    button,
    control,
    holding,
    look_ms,
    optional_ms,
    phrases,
    submit_ms,
    texts_of,
    visible_now,
    wait_visible,
    without_texts,
)
from flows.matching import pattern, reference_in
from flows.pages import SitePage
from flows.recognition import Step, best_of_shown, name_pattern
from flows.remembered import CONTACT, RETURN_REQUESTS, SUPPORT_REQUESTS, go_to_start
from flows.results import CancellationReceipt, SupportRequest
from flows.ways_in import Destination
from ordercore.errors import (
    SiteNotUnderstood,
    StorageError,
)
from ordercore.models import Order


class ContactDesk(TabPart):
    """The contact form and the request lists of one visit (``RetailerSite``'s)."""

    def __init__(
        self,
        browsing: Browsing,
        *,
        start_urls: Mapping[str, str],
        confirm_status: Callable[[Order], None],
    ) -> None:
        """``confirm_status`` reads the order's status again just before the click (a
        request for an order that moved on is not sent)."""
        super().__init__(browsing)
        self.start_urls = start_urls
        self.confirm_status = confirm_status

    def request_cancellation(
        self,
        order: Order,
        *,
        name: str,
        email: str,
        reason: str,
        message: str,
        dry_run: bool = False,
        screenshot: Path | None = None,
        filled_form: Path | None = None,
    ) -> CancellationReceipt:
        """Fill the Contact Us form for ``order``; submit it unless ``dry_run``.

        ``screenshot`` keeps the filled form (dry run) or the confirmation (sent).
        ``filled_form`` keeps the filled form just before it is submitted: the proof of
        what was sent (order number, message), which the confirmation page does not show.
        ``reason`` stands in for an empty ``message``.
        """
        browsing = self.browsing
        contact = self.open_contact()
        fields: dict[str, str] = {}

        def fill() -> list[Filled]:
            nonlocal fields
            try:
                fields = contact.fill_request(
                    order_number=order.number,
                    name=name,
                    email=email,
                    reason=reason,
                    message=message,
                )
            except LookupError as exc:
                browsing.diagnose(f"the contact form: {exc}")
            except PlaywrightError:
                browsing.diagnose("could not fill in the contact form")
            return contact.kept

        submits: list[Locator | None] = []

        def submit_control() -> Locator | None:
            # Found once per fill: its locator is looked up again on the page at the click.
            submits.append(contact.submit_control())
            return submits[-1]

        # Read back before sending (and before a dry run's screenshot): a page script may
        # have rebuilt the form, empty, since it was filled.
        browsing.fill_for_submit(fill, submit_control, "the contact form")
        form = contact.form_block()
        whole_form = form if isinstance(form, Locator) else None
        if dry_run:
            if screenshot is not None:
                browsing.screenshot(self.page, screenshot, of=whole_form)
            return CancellationReceipt(reference=None, fields=fields, url=self.page.url)
        submit = submits[-1] if submits else contact.submit_control()
        if submit is None:
            browsing.diagnose("the contact form has no Submit/Send button")
        if filled_form is not None:
            # Proof is best effort: a picture that cannot be taken or kept never stops, nor
            # muddles, the submit (the receipt says when there is none).
            with contextlib.suppress(StorageError, PlaywrightError):
                browsing.screenshot(self.page, filled_form, of=whole_form)
        self.confirm_status(order)
        reference, said = self._send(submit)
        if screenshot is not None:
            browsing.screenshot(self.page, screenshot)
        return CancellationReceipt(
            reference=reference, fields=fields, url=self.page.url, confirmation=said
        )

    def _send(self, submit: Locator) -> tuple[str | None, str | None]:
        """Submit the contact form: the reference its confirmation gives (if it gives one),
        and the confirmation's words.

        Sent is what the shop says: a reference ("Your case number is CS-482913"), or a
        line saying it was sent with no reference ("Your enquiry has been successfully
        sent"), or the form gone with no error.
        """
        source = self.words.confirmation_pattern
        confirmation = self.page.get_by_text(pattern(source)).filter(visible=True)
        sent = phrases(self.page, self.words.contact_sent_words)
        # What already said such things before the click, read in one look: none of it is
        # the shop's answer (a text shown before in any of the three is not one either).
        before = texts_of(confirmation.or_(sent).or_(alerts(self.page)))
        # The page is checked once the answer came (just after the click, it is the form).
        self.browsing.click(submit, check=False)
        confirmed = without_texts(confirmation, before)
        said_sent = without_texts(sent, before)
        refused = without_texts(alerts(self.page), before)
        form_gone = holding(self.page, has_not=button(self.page, self.words.contact_submit))
        answered = Sight(shown=confirmed.or_(refused).or_(said_sent), present=form_gone)
        if not wait_visible(answered, submit_ms()):
            self.browsing.diagnose("the contact form gave no confirmation")
        self.browsing.check_page()
        said = " ".join(texts_of(refused))
        if said:
            raise SiteNotUnderstood(f"the contact form was not accepted: {said}")
        shown = texts_of(confirmed)
        if not shown and not visible_now(said_sent):
            # The form went away; give a confirmation built by script a moment to appear.
            wait_visible(confirmed.or_(said_sent), look_ms())
            shown = texts_of(confirmed)
        # The words are proof, quoted in the receipt and the message: bounded, like all
        # of a page's text the agent repeats (a broken number is not copied whole).
        for text in shown:
            reference = reference_in(text, source)
            if reference:
                return reference, quoted_words(text)
        words = shown or texts_of(said_sent)
        return None, quoted_words(" ".join(words))

    def open_contact(self) -> ContactPage:
        browsing = self.browsing
        contact = ContactPage(self.page, self.words)
        remembered = self.remembered.get(CONTACT)
        if remembered and self.page.url == remembered and visible_now(contact.form_field()):
            return contact  # opened ahead (``prepare_cancellation``): no second load
        if remembered:
            if browsing.goto(remembered, ok_below=400) is not None:
                browsing.check_page()
                if wait_visible(contact.form_field(), look_ms()):
                    return contact
            self.remembered.pop(CONTACT, None)
        link = self._contact_link()
        if link is None and self.page.url != self.site_url:
            browsing.goto(self.site_url)
            browsing.check_page()
            link = self._contact_link()
        if link is not None:
            note(CONTACT, link)
            browsing.follow(link, arrived=contact.form_field())
            if not wait_visible(contact.form_field(), look_ms()):
                # A help page named like the contact link ("Help & Contact") leads on to
                # the form through its own, better named link ("Contact us"): once.
                onward = self._contact_link()
                if onward is not None:
                    note(CONTACT, onward)
                    browsing.follow(onward, arrived=contact.form_field())
        elif not go_to_start(self.browsing, self.start_urls, CONTACT) and not browsing.other_way_in(
            Destination.CONTACT, contact.form_field()
        ):
            browsing.diagnose("could not find a Contact Us link")
        browsing.expect(contact.form_field(), "no contact form with a topic list")
        self.remembered[CONTACT] = self.page.url
        return contact

    def _contact_link(self) -> Locator | None:
        """Contact Us, from here or from the Customer Service / Help page."""
        words = self.words
        contact = control(self.page, words.contact_links, Step.HELP)
        help_page = control(self.page, words.customer_service_links, Step.HELP)
        if not wait_visible(contact.or_(help_page), look_ms()):
            return None
        shown = best_of_shown(contact, words.contact_links, Step.HELP)
        if shown is not None:
            return shown
        help_link = best_of(help_page, words.customer_service_links, Step.HELP)
        note("customer_service", help_link)
        self.browsing.follow(help_link, arrived=contact)
        if not wait_visible(contact, look_ms()):
            return None
        return best_of(contact, words.contact_links, Step.HELP)

    def prepare_cancellation(self) -> list[SupportRequest] | None:
        """The shop's open requests read, then its contact form opened, nothing filled in.

        What a cancellation request needs before its write-ahead intent, done in a tab of
        its own while another tab reads the order (``agent.runner``). Returns what
        ``support_requests`` returns; ``request_cancellation`` then finds the form open.
        """
        if not self.remembered.get(SUPPORT_REQUESTS):
            # A new tab shows nothing to click yet: start where a person would.
            self.browsing.goto(self.site_url)
            self.browsing.check_page()
        requests = self.support_requests()
        self.open_contact()
        return requests

    def support_requests(self) -> list[SupportRequest] | None:
        return self._requests_listed(self.words.support_request_pages, SUPPORT_REQUESTS)

    def return_requests(self) -> list[SupportRequest] | None:
        """The shop's list of return requests ("Product Returns"), with their orders; None
        when the shop shows none."""
        return self._requests_listed(
            self.words.return_request_pages, RETURN_REQUESTS, via_account=True
        )

    def _requests_listed(
        self, pages: Sequence[str], key: str, *, via_account: bool = False
    ) -> list[SupportRequest] | None:
        """A list of requests, read from its page: remembered, linked from here or home,
        else (``via_account``: read rarely, so worth a look there) from the account page."""
        browsing = self.browsing
        support = SupportRequestsPage(self.page, self.words)
        heading = self.page.get_by_role("heading", name=name_pattern(pages)).filter(visible=True)
        remembered = self.remembered.get(key)
        if remembered:
            if browsing.goto(remembered, ok_below=400) is not None:
                browsing.check_page()
                if wait_visible(heading, look_ms()):
                    return support.requests()
            self.remembered.pop(key, None)
        # Optional in the contract: a short look, so that a shop without one is not slow.
        link = browsing.find_from_here_or_home(pages, optional_ms())
        if link is None and via_account:
            account = account_page_link(self.page, self.words, optional_ms())
            if account is not None:
                browsing.follow(account)
                link = SitePage(self.page, self.words).find_now(pages)
        if link is not None:
            note(key, link)
            browsing.follow(link, arrived=heading)
        elif not go_to_start(self.browsing, self.start_urls, key):
            return None
        wait_visible(heading, look_ms())
        self.remembered[key] = self.page.url
        return support.requests()
