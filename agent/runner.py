"""One unit of work: sign in, find the order, decide, act, keep proof.

``run()`` is what ``order-agent status|cancel|return`` call. It joins the pure
pieces (settings, decisions, ledger, proof store) with the Playwright flows of
``flows.site.RetailerSite``. Every irreversible step goes through the ledger's
write-ahead intents, so a second ``cancel`` never sends a second request and a
run that died mid-submit is reconciled before anything is sent again.

Retries (tenacity) wrap only steps that are safe to repeat: signing in, reading
an order, downloading a label. A submit is never retried.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from agent.channels import CHAT_CHANNEL, FORM_CHANNEL, channel_named
from agent.credentials import configured_fingerprint
from agent.decisions import REFUSED_BECAUSE, Decision, Refusal, Step, decide, status_headline
from agent.ledger import IntentKind, Ledger, OrderKey, this_worker
from agent.locking import DataDirLock
from agent.logs import get_logger
from agent.messages import (
    cancellation_message,
    chat_shortfall,
    next_step,
    order_summary,
    unclear_status_message,
    unknown_status_message,
)
from agent.one_time_codes import one_time_codes
from agent.output import StepPrinter
from agent.receipts import ProofStore
from agent.redaction import scrub
from agent.retries import retrying
from agent.session_vault import keep_session, restore_session
from agent.settings import Settings, env_name
from agent.shop_browser import (
    BrowserSession,
    engine_imported,
    open_browser,
)
from agent.site_profiles import STATUS_VALUES, candidate_paths, site_profile
from agent.submitting import RETURN_REQUESTS_PAGE, How, Submission, Submitter
from agent.tracing import trace_name
from ordercore.errors import (
    AlreadyRunning,
    ConfigError,
    CredentialsRejected,
    LabelInvalid,
    NameNotResolved,
    NeedsHuman,
    OrderAgentError,
    OrderNotFound,
    ReturnRefused,
    SessionExpired,
    SiteNotUnderstood,
    SiteUnavailable,
    StorageError,
    TransientError,
    UnknownStatus,
)
from ordercore.models import (
    Action,
    Channel,
    CommandOptions,
    Goal,
    Order,
    OrderStatus,
    Outcome,
    Result,
    ReturnProgress,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from flows.chatting import ChatResult
    from flows.results import ReturnReceipt, SupportRequest
    from flows.site import RetailerSite

log = get_logger("agent.runner")
T = TypeVar("T")

# A browser that dies mid-run (killed, out of memory) is replaced this many times:
# the ledger's intents make starting over as safe as a second run.
BROWSER_RESTARTS = 1


@dataclass
class Ahead:
    """A second tab reading what a cancellation needs while the first reads the order."""

    page: Page
    site: RetailerSite
    ready: bool = False  # it read the open requests and opened the contact form
    requests: list[SupportRequest] | None = None
    taken: bool = False  # the agent carries on in it

    def close(self) -> None:
        if self.taken:
            return
        try:
            self.page.close()
        except Exception as exc:  # it goes with the browser anyway
            log.info("look-ahead tab not closed", error=type(exc).__name__)


class OrderAgent:
    """Deals with one order on one signed-in site."""

    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        proofs: ProofStore,
        session: BrowserSession,
        steps: StepPrinter,
    ) -> None:
        assert settings.site_url and settings.email and settings.password
        self.settings = settings
        self.ledger = ledger
        self.proofs = proofs
        self.session = session
        self.steps = steps
        self.signed_in = False
        self.account_name: str | None = None  # as the shop shows it, once read
        self.profile = site_profile(settings)
        self.site: RetailerSite = self._site(
            session.page, ledger.remembered_urls(settings.site_url)
        )
        # A session saved by an earlier run is tried once before signing in: see ensure_signed_in.
        self.saved_session_untried = session.storage_path.is_file()
        # Whether this data dir ever reached the shop (a saved session, pages remembered):
        # a host name that does not resolve is then DNS trouble, else most likely a typo.
        self.reached_before = self.saved_session_untried or bool(self.site.remembered)
        # A cancellation's Support Requests list and contact form are loaded in a second
        # tab while the first reads the order (see ``_open_order_looking_ahead``). The
        # one-shot commands turn it on; a batch, with tabs of its own, leaves it off.
        self.look_ahead = False
        # The shop's open requests as read earlier in this run by someone else (a batch
        # reads Support Requests once for all its tabs): the first try uses them.
        self.requests_read_earlier: Callable[[], list[SupportRequest] | None] | None = None
        self.chat_was_used = False  # this run opened the shop's live chat
        self.chat_note: str | None = None  # why the form followed the chat, for the result

    # -- signing in ------------------------------------------------------

    def ensure_signed_in(self) -> None:
        """Sign in, unless signed in already or a saved session is worth trying first.

        Loading the home page only to see "Sign Out" costs a page load per run (per
        order in a batch). A saved session is trusted once, and only when a remembered
        page (the order's, the order list) leads to the order without the home page:
        if the session has expired, that page shows the sign-in form and the flows
        raise ``SessionExpired`` (see ``open_order``, which then signs in).
        """
        if self.signed_in:
            return
        if self.saved_session_untried and self._order_reachable_directly():
            self.saved_session_untried = False
            self._refuse_blocked_credentials()
            self.session.tracer.start()
            return
        self.sign_in()

    def _site(self, page: Page, remembered: dict[str, str]) -> RetailerSite:
        """The engine on ``page``, knowing what the shop's profile teaches."""
        engine_imported()
        from flows.site import RetailerSite

        site_url = self.settings.site_url
        assert site_url
        return RetailerSite(
            page,
            site_url,
            vocabulary=self.profile.vocabulary(),
            remembered=remembered,
            start_urls=self.profile.start_urls(site_url),
            phone=self.profile.phone,
            limits=self.settings.limits(),
            safe_step=self._safe_step,
        )

    def use_page(self, page: Page) -> None:
        """Carry on in ``page``, a new tab of the same context (cookies, remembered URLs stay)."""
        self.site = self._site(page, self.site.remembered)

    def _order_reachable_directly(self) -> bool:
        from flows.site import ORDER_LIST

        return any(name == ORDER_LIST or name.startswith("order:") for name in self.site.remembered)

    def _credentials_fingerprint(self) -> str:
        fingerprint = configured_fingerprint(self.settings, self.ledger)
        assert fingerprint is not None
        return fingerprint

    def _refuse_blocked_credentials(self) -> None:
        settings = self.settings
        assert settings.site_url and settings.email
        blocked = self.ledger.credentials_blocked(
            settings.site_url, settings.email, self._credentials_fingerprint()
        )
        if blocked:
            raise CredentialsRejected(
                f"not signing in: the shop already refused these credentials ({blocked})",
                hint=settings.change_credentials_hint(),
            )

    def sign_in(self) -> None:
        settings = self.settings
        assert settings.site_url and settings.email and settings.password
        password = settings.password.get_secret_value()
        fingerprint = self._credentials_fingerprint()
        self._refuse_blocked_credentials()
        # Never record while signing in: a trace keeps typed values and the sign-in POST.
        self.session.tracer.stop()
        try:
            with self.steps.progress("Signing in"):
                retrying(
                    lambda: self.site.sign_in(
                        settings.email or "", password, one_time_codes(self.settings)
                    ),
                    final=() if self.reached_before else (NameNotResolved,),
                )
        except NameNotResolved as exc:
            raise ConfigError(
                f"cannot find the shop at {exc.host}: check {env_name('site_url')}",
                hint="nothing was sent",
            ) from exc
        except CredentialsRejected as exc:
            # One attempt per credentials: hammering a shop with a wrong
            # password gets the account locked. A locked account is not blocked
            # here: once customer service unlocks it, the same password works again.
            self.ledger.block_credentials(
                settings.site_url, settings.email, fingerprint, exc.message
            )
            if exc.hint is None and settings.stored_account:
                exc.hint = settings.change_credentials_hint()  # not init's advice
            raise
        self.signed_in = True
        # Shops often land on the account page ("Welcome back, Jane Shopper"): read the
        # name now, for free, rather than visit that page again before a request.
        self.account_name = self._name_here()
        self.session.tracer.start()
        self.steps.done("Signed in")

    def _name_here(self) -> str | None:
        try:
            return self.site.shopper_name(visit_account_page=False)
        except OrderAgentError:
            return None

    def _safe_step(self, step: Callable[[], T]) -> T:
        """A step that sends nothing: retried through transient failures, signed in again."""
        return retrying(lambda: self._with_session(step))

    def _with_session(self, step: Callable[[], T]) -> T:
        """Run a safe step; if the site signed us out meanwhile, sign in again and repeat it."""
        try:
            return step()
        except SessionExpired:
            log.info("signed out by the site; signing in again")
            self.steps.warn("The shop signed us out; signing in again")
            self.sign_in()
            return step()

    # -- the order -------------------------------------------------------

    def open_order(self, number: str) -> Order:
        with self.steps.progress(f"Opening order {number}"):
            order = retrying(lambda: self._with_session(lambda: self._open_order(number)))
        self.steps.done(f"Found order {order.number}")
        words = f' ("{order.raw_status}")' if order.raw_status else ""
        self.steps.info(f"Status: {order.status.value}{words}")
        return order

    def _open_order(self, number: str) -> Order:
        if self.signed_in:
            return self.site.open_order(number)
        # On the saved session (ensure_signed_in). The sign-in form raises SessionExpired;
        # a signed-out shop may instead hide its order pages without showing the form.
        try:
            order = self.site.open_order(number)
        except (SiteNotUnderstood, OrderNotFound):
            log.info("the saved session did not reach the order; signing in")
            self.sign_in()
            return self.site.open_order(number)
        self.signed_in = True
        self.steps.done("Signed in")
        return order

    def remember_urls(self) -> None:
        site_url = self.settings.site_url
        assert site_url
        known = self.ledger.remembered_urls(site_url)
        for name, url in self.site.remembered.items():
            if known.get(name) != url:
                self.ledger.remember_url(site_url, name, url)

    def shopper_name(self, *, required: bool = True) -> str:
        """The name to sign a request with: the account's, else ``ORDER_AGENT_NAME``.

        A full name shown by the shop wins; a first name alone ("Hi, Jane") only
        when ``ORDER_AGENT_NAME`` is not set. Never guessed from the e-mail. The
        account page is visited for it only when ``ORDER_AGENT_NAME`` is not set:
        a page load per request is too much to pay for a name the user gave.
        ``required``: with no name at all, stop (exit 2) before anything is sent.
        """
        configured = self.settings.name.strip() if self.settings.name else None
        shown = self.account_name
        if not shown or len(shown.split()) < 2:
            try:
                look = self.site.shopper_name(visit_account_page=configured is None)
                shown = look or shown
            except NeedsHuman:
                raise
            except OrderAgentError:
                pass  # the name is read best effort; the settings may still have one
            self.account_name = shown
        if shown and (len(shown.split()) > 1 or not configured):
            return shown
        if configured:
            return configured
        if required:
            raise ConfigError(
                f"{env_name('name')} is not set and the shop shows no name for this account",
                hint=f"set {env_name('name')} to the name to sign the request with; "
                "nothing was sent",
            )
        return ""

    def profile_file(self) -> str:
        """The site profile to edit: the one in use, else the one looked up by host."""
        source = Path(self.profile.source)
        if source.is_file():
            return str(source)
        found = candidate_paths(self.settings.site_url or "")
        return str(found[-1]) if found else "the shop's site profile (docs/shops.md)"

    def phone(self) -> str | None:
        try:
            return self.site.customer_service_phone()
        except Exception:  # a phone number is a courtesy, never a reason to fail
            return None

    # -- acting ----------------------------------------------------------

    def handle(self, key: OrderKey, goal: Goal, options: CommandOptions) -> Result:
        try:
            result = self._act(key, goal, options)
        except NeedsHuman as exc:
            # Whatever stopped the run, the person learns what to do and whom to call.
            exc.hint = next_step(exc)
            if exc.phone is None and exc.ask_shop:
                exc.phone = self.phone()
            raise
        # The contact form and the requests page were reached after the order: the
        # next run goes straight there (and can load them beside the order page).
        self.remember_urls()
        return result

    def _act(self, key: OrderKey, goal: Goal, options: CommandOptions) -> Result:
        self.ensure_signed_in()
        order, ahead = self._open_order_looking_ahead(key, goal, options)
        try:
            return self._decide_and_act(key, goal, options, order, ahead)
        finally:
            if ahead is not None:
                ahead.close()

    def _worth_looking_ahead(self, key: OrderKey, goal: Goal, options: CommandOptions) -> bool:
        """A cancellation that may be sent this run: its pages are worth loading early.

        Only when both addresses are remembered (a data dir that sent a request before),
        and not when the ledger already saw the order past processing (shipped,
        cancelled): the shop is then asked for nothing it will not need.
        """
        if not self.look_ahead or goal is not Goal.CANCEL or options.dry_run:
            return False
        from flows.site import CONTACT, SUPPORT_REQUESTS

        if not (self.site.remembered.get(SUPPORT_REQUESTS) and self.site.remembered.get(CONTACT)):
            # A new data dir knows neither address: the second tab would start from the home
            # page (three loads, each with its dialogs, while the first tab is busy too).
            return False
        tracked = self.ledger.get(key)
        seen = tracked.last_status if tracked is not None else None
        if seen not in (None, OrderStatus.PROCESSING, OrderStatus.UNKNOWN):
            return False
        return self.ledger.has_sent(key, IntentKind.CANCELLATION_REQUEST) is None

    def _open_order_looking_ahead(
        self, key: OrderKey, goal: Goal, options: CommandOptions
    ) -> tuple[Order, Ahead | None]:
        """The order; for a cancellation, its Support Requests list and contact form too.

        Those are only read (GETs), in a second tab of the same context, while this one
        loads the order: the page loads overlap instead of following each other. What
        the second tab found is used only if the order is to be cancelled; if it failed
        (signed out, a slow page), the usual path reads it all again, one after another.
        """
        if not self._worth_looking_ahead(key, goal, options):
            return self.open_order(key.number), None
        from flows.together import Done, run_together

        page = self.session.context.new_page()
        ahead = Ahead(page, self._site(page, self.site.remembered))
        order_read, ahead_read = run_together(
            page,
            [lambda: self.open_order(key.number), ahead.site.prepare_cancellation],
            limit=2,
        )
        if isinstance(ahead_read, Done):
            ahead.requests = ahead_read.value
            ahead.ready = True
        else:
            log.info("looking ahead failed", error=type(ahead_read.error).__name__)
        if not isinstance(order_read, Done):
            ahead.close()
            raise order_read.error
        return order_read.value, ahead

    def _take_ahead(self, ahead: Ahead) -> None:
        """Carry on in the tab that looked ahead (its contact form is open); close this one."""
        used = self.session.page
        self.site = ahead.site
        self.session.page = ahead.page
        ahead.taken = True
        try:
            used.close()
        except Exception as exc:  # the tab in use is what matters; this one goes with the browser
            log.info("order tab not closed", error=type(exc).__name__)

    def _decide_and_act(
        self,
        key: OrderKey,
        goal: Goal,
        options: CommandOptions,
        order: Order,
        ahead: Ahead | None,
    ) -> Result:
        self.ledger.ensure_order(key, goal)
        self.ledger.record_status(key, order.status, order.raw_status)
        self.remember_urls()
        label = self.saved_label(order)
        decision = decide(
            order.status,
            goal,
            allow_return=not options.no_return,
            label_saved=label is not None,
            return_items_available=any(item.returnable for item in order.items) or not order.items,
            return_offered=order.return_available or order.label_available,
            label_by_mail=self.return_requested_before(key),
            requested=self.cancellation_requested_before(key),
            order=key.number,
            number=order.number,
            raw_status=order.raw_status,
        )
        log.debug("decided", step=decision.step.value, status=order.status.value)
        if decision.step is Step.ASK_HUMAN:
            raise self.needs_human(order, decision)
        if decision.step is Step.WAIT:
            return self.result(order, Action.NONE, Outcome.WAITING, None, None, decision.message)
        if decision.step is Step.NOTHING:
            return self.nothing(order, goal, decision, label)
        if decision.step is Step.REQUEST_CANCELLATION:
            return self.request_cancellation(key, order, options, ahead=ahead)
        if decision.step is Step.START_RETURN:
            return self.start_return(key, order, options)
        return self.fetch_label(key, order)

    def cancellation_requested_before(self, key: OrderKey) -> str | None:
        """The case number of the cancellation this ledger requested ("" with none shown),
        None when none was."""
        sent = self.ledger.has_sent(key, IntentKind.CANCELLATION_REQUEST)
        return None if sent is None else (sent.reference or "")

    def return_requested_before(self, key: OrderKey) -> bool:
        """Whether the return this ledger sent was a request (the shop mails its label)."""
        sent = self.ledger.has_sent(key, IntentKind.RETURN_REQUEST)
        return sent is not None and sent.details.get("kind") == "request"

    def needs_human(self, order: Order, decision: Decision) -> NeedsHuman:
        if order.status is OrderStatus.UNKNOWN:
            phone = self.phone()
            shot = self.screenshot(order, "unknown-status")
            evidence = order.status_evidence
            if evidence is not None and (evidence.conflict or not evidence.taken):
                return UnknownStatus(
                    unclear_status_message(order.number, evidence),
                    raw_status=order.raw_status,
                    hint="look at the order on the shop's site, or call customer service",
                    phone=phone,
                    evidence=str(shot),
                    status_details=evidence.to_json(),
                )
            return UnknownStatus(
                unknown_status_message(order.number, order.raw_status or ""),
                raw_status=order.raw_status,
                status_details=evidence.to_json() if evidence is not None else None,
                hint="look at the order on the shop's site, or call customer service; "
                f"to teach it, add to {self.profile_file()}: "
                f'[status] "{order.raw_status}" = "<one of {", ".join(STATUS_VALUES)}>"',
                phone=phone,
                evidence=str(shot),
            )
        refusal = decision.refusal or Refusal.UNKNOWN_STATUS
        refused = ReturnRefused(
            f"order {order.number} {REFUSED_BECAUSE[refusal]}",
            hint=_clause(decision.next_step) if decision.next_step else None,
        )
        if refusal is Refusal.NO_RETURN_ENTRY:
            # What the page lacks is the finding: its picture is the proof.
            refused.evidence = str(self.screenshot(order, "no-return-entry"))
        # The way out is another order-agent command, not a call: no phone number then.
        refused.ask_shop = not decision.by_command
        if refused.ask_shop:
            refused.phone = self.phone()
        return refused

    def nothing(self, order: Order, goal: Goal, decision: Decision, label: Path | None) -> Result:
        details: dict[str, object] = {}
        if goal is Goal.STATUS:
            details = {
                "items": [
                    {"name": item.name, "price": item.price, "final_sale": item.final_sale}
                    for item in order.items
                ],
                "tracking": order.tracking,
            }
        if goal is not Goal.STATUS:
            return self.result(
                order,
                Action.NONE,
                Outcome.DONE,
                None,
                str(label) if label and order.status is OrderStatus.RETURN_STARTED else None,
                decision.message,
                details,
            )
        # `status` exists to show the order: its items and tracking number belong in
        # what a person reads, not only in the JSON details; then the one next step.
        summary = order_summary(order, decision.reason)
        result = self.result(
            order,
            Action.NONE,
            Outcome.DONE,
            None,
            str(label) if label and order.status is OrderStatus.RETURN_STARTED else None,
            f"{summary} {decision.next_step}" if decision.next_step else summary,
            details,
        )
        result.headline = status_headline(order.status, order.number, order.raw_status)
        return result

    def dry_run_result(
        self, order: Order, what: str, shot: Path | None, details: dict[str, object]
    ) -> Result:
        """A dry run's result: what the real command would send, and that nothing was."""
        headline = f"Dry run for order {order.number}: nothing was sent"
        pictured = f" Screenshot of the filled form: {shot}" if shot else ""
        result = self.result(
            order,
            Action.NONE,
            Outcome.DONE,
            None,
            None,
            f"{headline}. Without --dry-run, the same command {what}.{pictured}",
            {"dry_run": True, "screenshot": str(shot) if shot else None, **details},
        )
        result.headline = headline
        return result

    def request_cancellation(
        self,
        key: OrderKey,
        order: Order,
        options: CommandOptions,
        *,
        ahead: Ahead | None = None,
    ) -> Result:
        """Send one cancellation request (write-ahead), or find one already on file.

        ``ahead``: a tab that already read the shop's open requests and opened the
        contact form (``_open_order_looking_ahead``); the form is filled there.
        """
        settings = self.settings
        earlier = self.ledger.has_sent(key, IntentKind.CANCELLATION_REQUEST)
        if earlier is not None:  # before a dry run too: nothing left to rehearse
            return self.found_request(key, order, Submission(How.ALREADY_SENT, earlier.reference))
        reason = options.reason or "I no longer need it"
        chosen = self.channel(options)
        # auto and chat end with the form when the chat cannot help.
        sent_by = FORM_CHANNEL if chosen in (Channel.AUTO, Channel.CHAT) else channel_named(chosen)
        if sent_by is not FORM_CHANNEL and not sent_by.offered(self.site, settings.look_ms):
            # A channel named outright is that channel or nothing, as with --channel chat.
            raise NeedsHuman(
                f"the shop does not offer {sent_by.label}: nothing was sent for order "
                f"{order.number}",
                hint="run it again with --channel form (or auto) to use the Contact Us form",
            )
        # A dry run takes the real run's path up to the click: no name, no request.
        name = self.shopper_name(required=True)
        message = cancellation_message(order=order.number, name=name, reason=reason)
        request = {
            "name": name,
            "email": settings.email or "",
            "reason": reason,
            "message": message,
        }
        if options.dry_run and sent_by is not FORM_CHANNEL:
            # Another channel sends as it answers: nothing to fill in ahead, nothing shown.
            return self.dry_run_result(
                order, f'sends this through {sent_by.label}: "{message}"', None, {}
            )
        if options.dry_run:
            # A chat cannot be rehearsed without talking to the shop: the form is, and the
            # result says whether the chat would come first.
            chat_first = self.dry_run_chat_first(options)
            shot = self.proofs.screenshot_path(order.number, "cancellation-dry-run")
            with self.steps.doing("Filling in the contact form (dry run)…"):
                receipt = self.site.request_cancellation(
                    order, **request, dry_run=True, screenshot=shot
                )
            how = (
                "asks the shop's live chat first (it is on the page) and, if the chat cannot "
                "help, sends this"
                if chat_first
                else "sends this"
            )
            return self.dry_run_result(
                order,
                f'{how} through the shop\'s Contact Us form: "{message}"',
                shot,
                {"fields": receipt.fields, "chat_first": chat_first},
            )
        # The confirmation page shows only a case number: the filled form, pictured just
        # before it goes, shows the order number and the message that were sent.
        form_shot = self.filled_form_path(order)
        read_ahead = self.requests_read_earlier
        if ahead is not None and ahead.ready:
            self._take_ahead(ahead)
            requests = ahead.requests

            def read_ahead_requests() -> list[SupportRequest] | None:
                return requests

            read_ahead = read_ahead_requests

        if chosen in (Channel.AUTO, Channel.CHAT):
            by_chat = self.request_by_chat(key, order, request, Channel(chosen), read_ahead)
            if by_chat is not None:
                return by_chat
            if self.chat_was_used:
                read_ahead = None  # the chat may have opened a case: the shop is read again

        def send() -> Submission:
            # What the other tab read serves the first try only: a try after a sign-out
            # reads the shop again (the lost submit may have arrived).
            nonlocal read_ahead
            reader, read_ahead = read_ahead, None
            return self.submitter().request_cancellation(
                key, order, request, filled_form=form_shot, read_requests=reader, channel=sent_by
            )

        with self.steps.doing(f"Requesting cancellation through {sent_by.label}…"):
            submission = self._signed_out_while_sending(send, again=send)
        if submission.how is not How.SENT:
            return self.after_chat(self.found_request(key, order, submission))
        receipt = submission.receipt
        shot = self.screenshot(order, "cancellation-confirmation")
        saved = self.proofs.save_receipt(
            order.number,
            Action.CANCELLATION_REQUESTED,
            {**receipt.fields, "message": message},
            receipt.reference,
            {
                "screenshot": str(shot),
                "form_screenshot": str(form_shot) if form_shot and form_shot.is_file() else None,
                "confirmation_url": receipt.url,
                "confirmation": receipt.confirmation,
                **({} if sent_by is FORM_CHANNEL else {"channel": sent_by.name}),
            },
        )
        if receipt.reference:
            self.steps.done(f"Case {receipt.reference}")
            sent = f"Cancellation requested: case {receipt.reference}."
        else:
            # A shop whose form answers with no reference: its words and the screenshot
            # are the proof.
            said = f' (it said: "{receipt.confirmation}")' if receipt.confirmation else ""
            self.steps.done("Request sent (the shop gives no case number)")
            sent = f"Cancellation requested; the shop gave no case number{said}."
        return self.after_chat(
            self.result(
                order,
                Action.CANCELLATION_REQUESTED,
                Outcome.DONE,
                receipt.reference,
                None,
                f"{sent} The shop cancels it if it has not shipped; receipt: {saved}",
                {"receipt": str(saved)}
                | ({} if sent_by is FORM_CHANNEL else {"channel": sent_by.name}),
            )
        )

    # -- live chat -------------------------------------------

    def channel(self, options: CommandOptions) -> str:
        """How a cancellation request goes (a ``Channel``, or a registered channel's name):
        ``--channel``, ORDER_AGENT_CHANNEL, the site profile's ``channel``, else auto."""
        return chosen_channel(options.channel, self.settings.channel, self.profile.channel)

    def request_by_chat(
        self,
        key: OrderKey,
        order: Order,
        request: dict[str, str],
        channel: Channel,
        read_requests: Callable[[], list[SupportRequest] | None] | None,
    ) -> Result | None:
        """Ask the shop's live chat; ``None`` when the Contact Us form is to be used.

        auto: only a chat the page shows (waited for, up to ORDER_AGENT_OPTIONAL_MS, on a
        shop where it was seen before) and that is online; a chat that could not
        help is followed by the form (once: the form's own check of Support Requests sees
        a case the chat opened). chat: the chat or nothing.
        """
        settings = self.settings
        secrets = [s.get_secret_value() for s in (settings.password, settings.totp_secret) if s]
        self.site.use_chat(secrets)
        if channel is Channel.CHAT:
            offered = CHAT_CHANNEL.offered(self.site, settings.look_ms)
        else:
            offered = self.site.chat_offered(settings.optional_ms, patient=False)
        if not offered:
            if channel is Channel.CHAT:
                raise NeedsHuman(
                    f"the shop shows no live chat: nothing was sent for order {order.number}",
                    hint="run it again with --channel form (or auto) to use the Contact Us form",
                )
            return None
        self.chat_was_used = True
        with self.steps.doing("Asking the shop's live chat…"):
            chatted = self.submitter().request_cancellation_by_chat(
                key, order, request, read_requests=read_requests
            )
        submission = chatted.submission
        if submission is None:
            why = chat_shortfall(chatted.chat, tried=chatted.tried)
            if channel is Channel.CHAT:
                raise NeedsHuman(
                    f"the shop's live chat {why}: nothing else was sent for order {order.number}",
                    hint="run it again with --channel form (or auto) to use the Contact Us form",
                )
            self.site.chat_minimise()  # an open chat may cover the form
            self.steps.warn(f"The shop's live chat {why}; using the Contact Us form")
            self.chat_note = f"The shop's live chat {why}, so the Contact Us form was used."
            return None
        if submission.how is not How.SENT:
            return self.found_request(key, order, submission)
        return self.chat_result(key, order, request, submission.receipt)

    def order_after_chat(self, key: OrderKey, order: Order) -> Order:
        """The order as its page shows it after the chat said it is cancelled (the status
        the result reports, and that a scheduled check ends on), else as read before."""
        try:
            fresh = self.open_order(order.number)
        except OrderAgentError as exc:  # the chat's word stands; the next check reads it
            log.info("order not read again after the chat", error=type(exc).__name__)
            return order
        self.ledger.record_status(key, fresh.status, fresh.raw_status)
        return fresh

    def dry_run_chat_first(self, options: CommandOptions) -> bool:
        """Whether the real command would ask the chat first (it is only looked for)."""
        channel = self.channel(options)
        if channel not in (Channel.AUTO, Channel.CHAT):
            return False
        self.site.use_chat()
        return self.site.chat_offered(self.settings.optional_ms, patient=channel == Channel.CHAT)

    def after_chat(self, result: Result) -> Result:
        """A form's result says when the chat came first and could not help."""
        if self.chat_note:
            result.message = f"{result.message} {self.chat_note}"
            result.details["chat"] = self.chat_note
        return result

    def chat_result(
        self, key: OrderKey, order: Order, request: dict[str, str], chat: ChatResult
    ) -> Result:
        """Proof of the chat (its transcript, a picture of it) and what to tell the shopper."""
        from flows.chatting import ChatOutcome

        shot: Path | None = None
        png = self.site.chat_screenshot()
        if png is not None:
            try:
                shot = self.proofs.save_screenshot(order.number, "chat", png)
            except StorageError as exc:  # proof is best effort: the shop already acted
                log.warning("no picture of the chat", error=exc.message)
        if chat.outcome is ChatOutcome.CANCELLED:
            order = self.order_after_chat(key, order)
        saved = self.proofs.save_receipt(
            order.number,
            Action.CANCELLATION_REQUESTED,
            {
                "channel": CHAT_CHANNEL.name,
                "name": request["name"],
                "email": request["email"],
                "order": order.number,
                "message": request["message"],
            },
            chat.reference,
            {
                "channel": CHAT_CHANNEL.name,
                "chat_outcome": chat.outcome.value,
                "chat_said": scrub(chat.said),
                "transcript": scrub(chat.transcript),
                "screenshot": str(shot) if shot else None,
                "chat_url": chat.frame_url,
            },
        )
        details: dict[str, object] = {
            "receipt": str(saved),
            "channel": CHAT_CHANNEL.name,
            "chat_outcome": chat.outcome.value,
        }
        if chat.outcome is ChatOutcome.CANCELLED:
            self.steps.done("The shop's live chat cancelled it")
            message = (
                f"The shop's live chat cancelled order {order.number}: "
                f'"{scrub(chat.said)}" Receipt (with the transcript): {saved}'
            )
        else:
            case = chat.reference or "(no case number shown)"
            self.steps.done(f"Case {case} (live chat)")
            message = (
                f"Cancellation requested in the shop's live chat: case {case}. The shop cancels "
                f"it if it has not shipped; receipt (with the transcript): {saved}"
            )
        return self.result(
            order,
            Action.CANCELLATION_REQUESTED,
            Outcome.DONE,
            chat.reference,
            None,
            message,
            details,
        )

    def filled_form_path(self, order: Order) -> Path | None:
        """Where the filled form's picture goes; ``None`` when the proof folder is unusable
        (proof is best effort: the request still goes, the receipt step reports the folder)."""
        try:
            return self.proofs.screenshot_path(order.number, "cancellation-form")
        except StorageError as exc:
            log.warning("no picture of the filled form", error=exc.message)
            return None

    def submitter(self) -> Submitter:
        """The write-ahead submit path, on this agent's site (which changes per tab)."""
        return Submitter(
            self.ledger,
            self.site,
            self.phone,
            safe_read=self._safe_step,
        )

    def _signed_out_while_sending(
        self, send: Callable[[], Submission], *, again: Callable[[], Submission]
    ) -> Submission:
        """Send; if the shop signed us out instead of answering, sign in and settle it now.

        ``again`` goes through the same write-ahead path, which first looks at the shop
        (its requests page, the order page) for what the lost submit did, so this never
        sends twice; it is tried once.
        """
        try:
            return send()
        except SiteUnavailable as exc:
            if not isinstance(exc.__cause__, SessionExpired):
                raise
            log.info("signed out while sending; signing in again to settle it")
            self.steps.warn("The shop signed us out while sending; signing in again to check")
        self.sign_in()
        return again()

    def _return_again(
        self, key: OrderKey, order: Order, items: Sequence[str] | None, reason: str | None
    ) -> Submission:
        """The return, after a submit the shop answered by signing us out."""
        fresh = self.open_order(order.number)
        if fresh.status is not OrderStatus.DELIVERED:
            # It moved on (the lost submit may have started it): the next run settles it.
            raise SiteUnavailable(
                f"order {order.number} changed while the return was being sent "
                f"(now {fresh.raw_status!r})",
                hint="it may have arrived; the next run checks before sending anything again",
            )
        return self.submitter().start_return(key, fresh, items=items, reason=reason)

    def found_request(self, key: OrderKey, order: Order, submission: Submission) -> Result:
        """No request sent: the ledger or the shop shows one already."""
        case = f" (case {submission.reference})" if submission.reference else ""
        if submission.how is How.ALREADY_SENT:
            sent = self.ledger.has_sent(key, IntentKind.CANCELLATION_REQUEST)
            when = f" on {sent.started_at:%Y-%m-%d %H:%M} UTC" if sent else ""
            message = (
                f"Cancellation already requested{when}{case}: not sending it again; "
                "the shop has not cancelled the order yet. "
                f"`order-agent watch {key.number}` keeps at it until the shop does."
            )
        elif submission.how is How.RECONCILED:
            message = (
                f"An earlier run's cancellation request did reach the shop{case}: "
                "not sending it again."
            )
        else:
            message = (
                f"The shop already lists an open cancellation request for order "
                f"{order.number} on its {submission.found_at}{case}: not sending another."
            )
        self.steps.done(f"A request is already on file{case}: nothing sent")
        return self.result(order, Action.NONE, Outcome.DONE, submission.reference, None, message)

    def send_follow_up(
        self, key: OrderKey, order: Order, request: dict[str, str], case: str
    ) -> str | None:
        """The one follow-up on case ``case``; the shop's new reference, if it gave one."""
        return self.submitter().follow_up(key, order, request, case).reference

    def start_return(self, key: OrderKey, order: Order, options: CommandOptions) -> Result:
        items = options.items or None
        if options.dry_run:
            shot = self.proofs.screenshot_path(order.number, "return-dry-run")
            with self.steps.doing("Filling in the return form (dry run)…"):
                receipt = self.site.start_return(
                    order, items=items, reason=options.reason, dry_run=True, screenshot=shot
                )
            chosen = ", ".join(receipt.items) or "the items shown on the form"
            what = (
                f"asks the shop to take back {chosen} (the shop mails the label)"
                if receipt.kind == "request"
                else f"starts a return for {chosen} and saves the prepaid label"
            )
            return self.dry_run_result(order, what, shot, {"items": list(receipt.items)})
        with self.steps.doing("Starting a return…"):
            submission = self._signed_out_while_sending(
                lambda: self.submitter().start_return(
                    key, order, items=items, reason=options.reason
                ),
                again=lambda: self._return_again(key, order, items, options.reason),
            )
        if submission.how is How.ALREADY_SENT:
            # The shop has not shown the return yet; a second one would be a duplicate.
            which = f" (reference {submission.reference})" if submission.reference else ""
            return self.result(
                order,
                Action.NONE,
                Outcome.WAITING,
                submission.reference,
                None,
                f"A return was already submitted{which}; waiting for the shop to show it.",
            )
        if submission.found_at == RETURN_REQUESTS_PAGE:
            # An earlier run's request that did arrive: no label to fetch (the shop mails it).
            which = f" ({submission.reference})" if submission.reference else ""
            return self.result(
                order,
                Action.NONE,
                Outcome.DONE,
                submission.reference,
                None,
                f"A return request{which} was already sent: the shop lists it under its "
                "return requests; it sends the label itself.",
            )
        if submission.how is not How.SENT:
            self.steps.info("The order page already offers a return label: not starting another")
            return self.fetch_label(key, order)
        receipt = submission.receipt
        if receipt.kind == "request":
            return self.return_requested(order, receipt)
        self.steps.done(f"Return {receipt.reference or '(no number shown)'} started")
        shot = self.screenshot(order, "return-confirmation")
        label = self.download_label(order, receipt.reference)
        saved = self.proofs.save_receipt(
            order.number,
            Action.RETURN_STARTED,
            {"items": list(receipt.items), "method": receipt.method},
            receipt.reference,
            {"label": str(label), "screenshot": str(shot), "confirmation_url": receipt.url},
        )
        return self.result(
            order,
            Action.RETURN_STARTED,
            Outcome.DONE,
            receipt.reference,
            str(label),
            f"Return {receipt.reference} started for {', '.join(receipt.items)}; "
            f"prepaid label saved: {label}",
            {"receipt": str(saved)},
        )

    def return_requested(self, order: Order, receipt: ReturnReceipt) -> Result:
        """A return that is a request: the shop's words and a screenshot are the proof; no
        label to save (the shop mails one). Items not asked for are a person's to do."""
        shot = self.screenshot(order, "return-request")
        saved = self.proofs.save_receipt(
            order.number,
            Action.RETURN_STARTED,
            {"items": list(receipt.items), "kind": "request"},
            receipt.reference,
            {
                "screenshot": str(shot),
                "confirmation_url": receipt.url,
                "confirmation": receipt.confirmation,
                "not_sent": list(receipt.not_sent),
            },
        )
        number = f" {receipt.reference}" if receipt.reference else ""
        self.steps.done(f"Return{number} requested")
        said = f' (it said: "{receipt.confirmation}")' if receipt.confirmation else ""
        message = (
            f"Return requested for {', '.join(receipt.items)}{said}; the shop sends the "
            f"prepaid label itself (by e-mail or post); receipt: {saved}"
        )
        outcome = Outcome.DONE
        if receipt.not_sent:
            outcome = Outcome.NEEDS_HUMAN
            message += (
                f". Not requested: {'; '.join(receipt.not_sent)}: ask for those on the shop's "
                "site (order-agent does not send them again)"
            )
        return self.result(
            order,
            Action.RETURN_STARTED,
            outcome,
            receipt.reference,
            None,
            message,
            {"receipt": str(saved), "return_kind": "request"},
        )

    def fetch_label(self, key: OrderKey, order: Order) -> Result:
        sent = self.ledger.has_sent(key, IntentKind.RETURN_REQUEST)
        reference = sent.reference if sent else None
        label = self.download_label(order, reference)
        if reference is None:
            # A return started elsewhere (on the site, or by an older data dir): the
            # label itself says which return it is for.
            label, reference = self.name_after_return(order, label)
        for intent in self.ledger.open_intents(key):
            if intent.kind is IntentKind.RETURN_REQUEST:
                # An earlier run's return whose answer was lost: the shop shows it.
                self.ledger.resolve_intent(intent.id, reference, "order page shows the return")
        shot = self.screenshot(order, "label")
        saved = self.proofs.save_receipt(
            order.number,
            Action.LABEL_DOWNLOADED,
            {},
            reference,
            {"label": str(label), "screenshot": str(shot) if shot else None},
        )
        return self.result(
            order,
            Action.LABEL_DOWNLOADED,
            Outcome.DONE,
            reference,
            str(label),
            f"A return was already under way; its prepaid label is saved: {label}",
            {"receipt": str(saved)},
        )

    def name_after_return(self, order: Order, label: Path) -> tuple[Path, str | None]:
        """The return number printed on ``label``, and the label renamed after it."""
        from flows.labels import pdf_text
        from flows.matching import reference_in

        text = pdf_text(label.read_bytes())
        reference = reference_in(text, self.site.words.return_number_pattern)
        if reference is None:
            return label, None
        named = self.proofs.label_path(order.number, reference)
        label.replace(named)  # same folder: the label is whole under one name or the other
        return named, reference

    def download_label(self, order: Order, reference: str | None) -> Path:
        dest = self.proofs.label_path(order.number, reference or "label")
        expect = [value for value in (reference, order.number) if value]

        def attempt() -> Path:
            return self.site.download_label(dest, expect=expect)

        # After a failed attempt the page may have moved on: go back to the order
        # page, which keeps offering the label. A "label" that is not a PDF is often
        # the sign-in page of a session that just ended: the order page tells (once).
        def again() -> Path:
            self.site.open_order(order.number)
            return attempt()

        with self.steps.doing("Downloading the prepaid return label…"):
            try:
                path = attempt()
            except (TransientError, LabelInvalid):
                path = retrying(lambda: self._with_session(again))
        self.steps.done("Label saved")  # where: the result's Label line
        return path

    def saved_label(self, order: Order) -> Path | None:
        folder = self.proofs.order_folder(order.number)
        labels = sorted(folder.glob("return-label-*.pdf")) if folder.is_dir() else []
        return labels[-1] if labels else None

    def screenshot(self, order: Order, what: str) -> Path | None:
        page = self.session.page
        try:
            png = page.screenshot(
                # The viewport: the confirmation or label link just reached is in view.
                # Password and code fields never reach a picture.
                mask=[
                    page.locator("input[type=password]"),
                    page.locator("input[autocomplete=one-time-code]"),
                ],
            )
        except Exception as exc:  # proof is best effort; the action already happened
            log.warning("screenshot failed", what=what, error=type(exc).__name__)
            return None
        return self.proofs.save_screenshot(order.number, what, png)

    def tracking_on_label(self, label: str) -> str | None:
        """The carrier's tracking number printed on a saved label, if it prints one."""
        from flows.labels import pdf_text
        from flows.matching import reference_in

        try:
            text = pdf_text(Path(label).read_bytes())
        except (OSError, OrderAgentError) as exc:  # the label is checked when saved; best effort
            log.info("label not read for its tracking number", error=type(exc).__name__)
            return None
        return reference_in(text, self.site.words.label_tracking_pattern)

    def result(
        self,
        order: Order,
        action: Action,
        outcome: Outcome,
        reference: str | None,
        label: str | None,
        message: str,
        details: dict[str, object] | None = None,
    ) -> Result:
        details = dict(details or {})
        # A return followed to its refund: what the shop shows of it, when it does;
        # the parcel's tracking number from the label itself when the page shows none.
        tracking = order.return_tracking or (self.tracking_on_label(label) if label else None)
        progress = ReturnProgress(order.return_stage, tracking, order.refund)
        for key, value in progress.to_json().items():
            details.setdefault(key, value)
        if order.status_evidence is not None:
            for key, value in order.status_evidence.to_json().items():
                details.setdefault(key, value)
        return Result(
            order=order.number,
            status=order.status,
            raw_status=order.raw_status,
            action=action,
            outcome=outcome,
            reference=reference,
            label=label,
            message=message,
            details=details,
            return_progress=progress,
        )


def chosen_channel(option: str | None, setting: str | None, profile: str | None) -> str:
    """``--channel``, else ORDER_AGENT_CHANNEL, else the site profile's, else auto."""
    return option or setting or profile or Channel.AUTO


def _clause(sentence: str) -> str:
    """A sentence as the hint clause the CLI prints after a message: no capital, no full stop."""
    return (sentence[:1].lower() + sentence[1:]).rstrip(".")


class _BrowserDied(Exception):
    """The browser process went away under a step; a new one can start over."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(type(cause).__name__)
        self.cause = cause
        self.reason = type(cause).__name__


def _handle_in_browser(
    settings: Settings,
    ledger: Ledger,
    proofs: ProofStore,
    steps: StepPrinter,
    key: OrderKey,
    goal: Goal,
    options: CommandOptions,
    trace: str | None,
) -> Result:
    """One browser's go at the order; ``_BrowserDied`` when the browser itself went away."""
    # The first sign of life on a terminal, before Playwright is even imported.
    steps.progress("Starting the browser")

    restore_session(settings, ledger)  # a session another worker saved in the ledger
    with open_browser(settings, trace=trace) as session:
        agent = OrderAgent(settings, ledger, proofs, session, steps)
        agent.look_ahead = True
        try:
            result = agent.handle(key, goal, options)
        except Exception as exc:
            if not session.gone():
                raise
            raise _BrowserDied(exc) from exc
        finally:
            # Tracing stops first: the result of storage_state() holds the cookies.
            session.tracer.stop()
            if agent.signed_in and not session.known_gone():
                session.save_storage(proofs)
                keep_session(settings, ledger)
            for path in session.tracer.saved:
                steps.info(f"Trace saved: {path}")
    if session.tracer.saved:
        result.details.setdefault("traces", [str(path) for path in session.tracer.saved])
    return result


@contextmanager
def _claimed(ledger: Ledger, key: OrderKey, settings: Settings) -> Iterator[None]:
    """A one-shot ``cancel``/``return`` of an order the ledger tracks claims it, as a
    scheduled check does, before any browser work: on a ledger shared by workers, none of
    them works on it meanwhile. An order not tracked is no worker's (a one-shot's row is
    never due). On a SQLite ledger a claim found was left by a run that died (this one
    holds the data dir's lock): taken over."""
    if ledger.get(key) is None:
        yield
        return
    worker = this_worker()
    lease = timedelta(seconds=settings.claim_lease_s)
    if not ledger.claim(key, worker, lease, take_over=ledger.is_sqlite):
        raise AlreadyRunning(
            f"order {key.number} is being worked on by another worker",
            hint="try again in a few minutes; a worker that stopped gives it up after "
            f"{env_name('claim_lease_s')} ({settings.claim_lease_s} s)",
        )
    try:
        yield
    finally:
        ledger.release(key, worker)


def run(
    command: str,
    order: str,
    options: CommandOptions,
    settings: Settings,
    steps: StepPrinter,
) -> Result:
    """``order-agent status|cancel|return ORDER``: one order, start to finish."""
    assert settings.site_url and settings.email
    started = time.monotonic()
    goal = Goal(command)
    if options.channel and options.channel != Channel.AUTO:
        channel_named(options.channel)  # a name no channel goes by: a usage error, now
    key = OrderKey(settings.site_url, settings.email, order)
    proofs = ProofStore(settings.data_dir, site_url=settings.site_url, account=settings.email)
    proofs.migrate_legacy_folders()
    trace = trace_name(command, order) if options.trace else None
    outcome = "error"
    try:
        # Commands that may submit something take the data dir's lock, so they never
        # race a scheduled run on the same order; reading a status needs no lock.
        lock = DataDirLock(settings.data_dir) if goal is not Goal.STATUS else nullcontext()
        with (
            lock,
            Ledger.open(settings.data_dir, database_url=settings.database_url_text()) as ledger,
            _claimed(ledger, key, settings) if goal is not Goal.STATUS else nullcontext(),
        ):
            for launch in range(BROWSER_RESTARTS + 1):
                try:
                    result = _handle_in_browser(
                        settings, ledger, proofs, steps, key, goal, options, trace
                    )
                    break
                except _BrowserDied as died:
                    if launch == BROWSER_RESTARTS:
                        raise SiteUnavailable(
                            "the browser stopped working during the run, again after a restart",
                            hint="run the command again later; an interrupted request is "
                            "checked before anything is sent again",
                        ) from died.cause
                    log.warning("browser died; starting a new one", error=died.reason)
                    steps.warn("The browser stopped working; starting a new one")
        outcome = result.outcome.value
        log.info(
            "order handled",
            status=result.status.value if result.status else None,
            action=result.action.value,
            outcome=outcome,
            reference=result.reference,
            duration_ms=round((time.monotonic() - started) * 1000),
        )
        return result
    except BaseException as exc:
        steps.fail()  # "✗ Signing in": what was under way when it stopped
        if isinstance(exc, Exception):
            log.info(
                "order handled",
                outcome=getattr(exc, "outcome", outcome),
                error=type(exc).__name__,
                duration_ms=round((time.monotonic() - started) * 1000),
            )
        raise
    finally:
        steps.stop()  # the live line goes before the result is printed
