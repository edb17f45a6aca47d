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

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from agent.browser import find_browser, launch_options
from agent.decisions import Decision, Step, decide
from agent.errors import (
    AccountLocked,
    CredentialsRejected,
    NeedsHuman,
    ReturnRefused,
    SiteUnavailable,
    TransientError,
    UnknownStatus,
)
from agent.logs import get_logger
from agent.messages import cancellation_message
from agent.models import Action, CommandOptions, Goal, Order, OrderStatus, Outcome, Result
from agent.output import StepPrinter
from agent.receipts import ProofStore, safe_name
from agent.redaction import register_secret
from agent.settings import Settings
from agent.state import EndState, IntentKind, Ledger, OrderKey

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

    from flows.site import RetailerSite

log = get_logger("agent.runner")
T = TypeVar("T")

RETRY_ATTEMPTS = 3
# Requests for page furniture the agent never looks at: skipping them makes
# every page load cheaper without changing what a person would read.
BLOCKED_RESOURCES = frozenset({"image", "font", "media"})


def retrying(step: Callable[[], T], *, attempts: int = RETRY_ATTEMPTS) -> T:
    """Run a step that is safe to repeat, retrying transient failures only."""
    try:
        for attempt in Retrying(
            retry=retry_if_exception_type(TransientError),
            stop=stop_after_attempt(attempts),
            wait=wait_random_exponential(multiplier=0.5, max=8),
            reraise=True,
        ):
            with attempt:
                return step()
    except TransientError as exc:
        raise SiteUnavailable(
            f"the shop stayed unavailable after {attempts} attempts: {exc}",
            hint="nothing was sent; run the command again later",
        ) from exc
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass
class BrowserSession:
    """One browser and one context for a whole run."""

    browser: Browser
    context: BrowserContext
    page: Page
    storage_path: Path

    def save_storage(self, proofs: ProofStore) -> None:
        # The saved session lets the next run skip signing in; it holds the
        # session cookie, so it is written 0600 like every proof file.
        # Written raw: the redacting JSON writer would blank the very cookies it must keep.
        state = json.dumps(self.context.storage_state()).encode("utf-8")
        proofs.write_bytes(self.storage_path, state)


def session_file(settings: Settings) -> Path:
    assert settings.site_url and settings.email
    name = safe_name(f"{settings.site_url}-{settings.email}")
    return settings.data_dir / "sessions" / f"{name}.json"


@contextmanager
def open_browser(settings: Settings) -> Iterator[BrowserSession]:
    """Launch Chromium (imported only now) with the saved session, if any."""
    from playwright.sync_api import sync_playwright

    storage_path = session_file(settings)
    with sync_playwright() as playwright:
        executable = find_browser(settings.browser)
        browser = playwright.chromium.launch(
            **launch_options(executable, headless=settings.headless)  # type: ignore[arg-type]
        )
        try:
            context = browser.new_context(
                accept_downloads=True,
                storage_state=str(storage_path) if storage_path.is_file() else None,
            )
            context.set_default_timeout(settings.timeout_ms)
            context.set_default_navigation_timeout(settings.navigation_timeout_ms)
            context.route(
                "**/*",
                lambda route: (
                    route.abort()
                    if route.request.resource_type in BLOCKED_RESOURCES
                    else route.fallback()
                ),
            )
            page = context.new_page()
            yield BrowserSession(browser, context, page, storage_path)
        finally:
            browser.close()


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
        from flows.site import RetailerSite

        assert settings.site_url and settings.email and settings.password
        self.settings = settings
        self.ledger = ledger
        self.proofs = proofs
        self.session = session
        self.steps = steps
        self.signed_in = False
        self.site: RetailerSite = RetailerSite(
            session.page,
            settings.site_url,
            remembered=ledger.remembered_urls(settings.site_url),
        )

    # -- signing in ------------------------------------------------------

    def _totp(self) -> Callable[[], str] | None:
        secret = self.settings.totp_secret
        if secret is None:
            return None

        def code() -> str:
            import pyotp

            class Totp(pyotp.TOTP):
                # pyotp refuses secrets under 112 bits, but RFC 4226 allows 80
                # and many shops still issue 80-bit secrets.
                min_secret_length_bits = 80

            value = Totp(secret.get_secret_value()).now()
            register_secret(value)
            return value

        return code

    def sign_in(self) -> None:
        settings = self.settings
        assert settings.site_url and settings.email and settings.password
        password = settings.password.get_secret_value()
        fingerprint = self.ledger.credentials_fingerprint(settings.email, password)
        blocked = self.ledger.credentials_blocked(settings.site_url, settings.email, fingerprint)
        if blocked:
            raise CredentialsRejected(
                f"not signing in: the shop already refused these credentials ({blocked})",
                hint="change ORDER_AGENT_PASSWORD (or ORDER_AGENT_EMAIL) to try again",
            )
        try:
            retrying(lambda: self.site.sign_in(settings.email or "", password, self._totp()))
        except (CredentialsRejected, AccountLocked) as exc:
            # One attempt per credentials: hammering a shop with a wrong
            # password gets the account locked.
            self.ledger.block_credentials(
                settings.site_url, settings.email, fingerprint, exc.message
            )
            raise
        self.signed_in = True
        self.steps.done("Signed in")

    # -- the order -------------------------------------------------------

    def open_order(self, number: str) -> Order:
        order = retrying(lambda: self.site.open_order(number))
        self.steps.done(f"Found order {order.number}")
        words = f' ("{order.raw_status}")' if order.raw_status else ""
        self.steps.info(f"Status: {order.status.value}{words}")
        return order

    def remember_urls(self) -> None:
        site_url = self.settings.site_url
        assert site_url
        known = self.ledger.remembered_urls(site_url)
        for name, url in self.site.remembered.items():
            if known.get(name) != url:
                self.ledger.remember_url(site_url, name, url)

    def phone(self) -> str | None:
        try:
            return self.site.customer_service_phone()
        except Exception:  # a phone number is a courtesy, never a reason to fail
            return None

    # -- acting ----------------------------------------------------------

    def handle(self, key: OrderKey, goal: Goal, options: CommandOptions) -> Result:
        self.sign_in()
        order = self.open_order(key.number)
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
            order=key.number,
        )
        log.debug("decided", step=decision.step.value, status=order.status.value)
        if decision.step is Step.ASK_HUMAN:
            raise self.needs_human(order, decision)
        if decision.step is Step.WAIT:
            return self.result(order, Action.NONE, Outcome.WAITING, None, None, decision.reason)
        if decision.step is Step.NOTHING:
            return self.nothing(order, goal, decision, label)
        if decision.step is Step.REQUEST_CANCELLATION:
            return self.request_cancellation(key, order, options)
        if decision.step is Step.START_RETURN:
            return self.start_return(key, order, options)
        return self.fetch_label(key, order)

    def needs_human(self, order: Order, decision: Decision) -> NeedsHuman:
        phone = self.phone()
        if order.status is OrderStatus.UNKNOWN:
            shot = self.screenshot(order, "unknown-status")
            return UnknownStatus(
                f"order {order.number} shows the status {order.raw_status!r}, "
                "which order-agent does not know",
                hint="look at the order on the shop's site, or call customer service",
                phone=phone,
                evidence=str(shot),
            )
        return ReturnRefused(f"order {order.number}: {decision.reason}", phone=phone)

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
        return self.result(
            order,
            Action.NONE,
            Outcome.DONE,
            None,
            str(label) if label and order.status is OrderStatus.RETURN_STARTED else None,
            decision.reason,
            details,
        )

    def request_cancellation(self, key: OrderKey, order: Order, options: CommandOptions) -> Result:
        settings = self.settings
        earlier = self.ledger.has_sent(key, IntentKind.CANCELLATION_REQUEST)
        if earlier is not None:
            return self.result(
                order,
                Action.NONE,
                Outcome.DONE,
                earlier.reference,
                None,
                f"Cancellation already requested on {earlier.created_at:%Y-%m-%d %H:%M} UTC"
                + (f" (case {earlier.reference})" if earlier.reference else "")
                + ": not sending it again; the shop has not cancelled the order yet.",
            )
        found = self.reconcile_cancellation(key, order)
        if found is not None:
            return found
        reason = options.reason or "I no longer need it"
        message = cancellation_message(
            order=order.number, name=settings.display_name, reason=reason
        )
        request = {
            "name": settings.display_name,
            "email": settings.email or "",
            "reason": reason,
            "message": message,
        }
        if options.dry_run:
            shot = self.proofs.screenshot_path(order.number, "cancellation-dry-run")
            self.steps.doing("Filling in the contact form (dry run)…")
            receipt = self.site.request_cancellation(
                order, **request, dry_run=True, screenshot=shot
            )
            return self.result(
                order,
                Action.NONE,
                Outcome.DONE,
                None,
                None,
                f"Dry run: the contact form is filled in but was not sent; screenshot: {shot}",
                {"screenshot": str(shot), "fields": receipt.fields},
            )
        self.steps.doing("Requesting cancellation through Contact Us…")
        intent = self.ledger.begin_intent(key, IntentKind.CANCELLATION_REQUEST, request)
        try:
            receipt = self.site.request_cancellation(order, **request)
        except NeedsHuman as exc:
            self.ledger.fail_intent(intent, exc.message, definitely_not_sent=True)
            raise
        except Exception as exc:
            # The click may or may not have reached the shop: the next run
            # checks Support Requests before sending anything again.
            self.ledger.fail_intent(intent, type(exc).__name__, definitely_not_sent=False)
            raise
        self.ledger.complete_intent(intent, receipt.reference, {"url": receipt.url})
        shot = self.screenshot(order, "cancellation-confirmation")
        saved = self.proofs.save_receipt(
            order.number,
            Action.CANCELLATION_REQUESTED,
            {**receipt.fields, "message": message},
            receipt.reference,
            {"screenshot": str(shot), "confirmation_url": receipt.url},
        )
        case = receipt.reference or "(no case number shown)"
        self.steps.done(f"Case {case}")
        return self.result(
            order,
            Action.CANCELLATION_REQUESTED,
            Outcome.DONE,
            receipt.reference,
            None,
            f"Cancellation requested: case {case}. The shop cancels it if it has not shipped; "
            f"receipt: {saved}",
            {"receipt": str(saved)},
        )

    def reconcile_cancellation(self, key: OrderKey, order: Order) -> Result | None:
        """Settle a request that an earlier run may or may not have sent."""
        pending = [
            i for i in self.ledger.open_intents(key) if i.kind is IntentKind.CANCELLATION_REQUEST
        ]
        if not pending:
            return None
        requests = self.site.support_requests()
        if requests is None:
            self.ledger.finish(key, EndState.NEEDS_HUMAN, "earlier request unconfirmed")
            raise NeedsHuman(
                f"an earlier cancellation request for order {order.number} was interrupted "
                "and this shop has no page listing requests",
                hint="check your e-mail for a case number before asking again",
                phone=self.phone(),
            )
        digits = key.number
        match = next((r for r in requests if r.order and digits in r.order), None)
        for intent in pending:
            self.ledger.resolve_intent(
                intent.id, match.reference if match else None, "support requests page"
            )
        if match is None:
            return None
        return self.result(
            order,
            Action.NONE,
            Outcome.DONE,
            match.reference,
            None,
            f"An earlier run's cancellation request did reach the shop (case {match.reference}): "
            "not sending it again.",
        )

    def start_return(self, key: OrderKey, order: Order, options: CommandOptions) -> Result:
        items = options.items or None
        if options.dry_run:
            shot = self.proofs.screenshot_path(order.number, "return-dry-run")
            self.steps.doing("Filling in the return form (dry run)…")
            receipt = self.site.start_return(order, items=items, dry_run=True, screenshot=shot)
            return self.result(
                order,
                Action.NONE,
                Outcome.DONE,
                None,
                None,
                f"Dry run: the return form is filled in but was not submitted; screenshot: {shot}",
                {"screenshot": str(shot), "items": list(receipt.items)},
            )
        earlier = self.ledger.has_sent(key, IntentKind.RETURN_REQUEST)
        if earlier is not None:
            # The shop has not shown the return yet; a second one would be a duplicate.
            return self.result(
                order,
                Action.NONE,
                Outcome.WAITING,
                earlier.reference,
                None,
                f"A return was already submitted (reference {earlier.reference}); "
                "waiting for the shop to show it.",
            )
        for intent in self.ledger.open_intents(key):
            if intent.kind is IntentKind.RETURN_REQUEST:
                # The order page still says delivered, so the return never landed.
                self.ledger.resolve_intent(intent.id, None, "order page shows no return")
        self.steps.doing("Starting a return…")
        intent = self.ledger.begin_intent(
            key, IntentKind.RETURN_REQUEST, {"items": list(items or [])}
        )
        try:
            receipt = self.site.start_return(order, items=items)
        except NeedsHuman as exc:
            self.ledger.fail_intent(intent, exc.message, definitely_not_sent=True)
            if exc.phone is None:
                exc.phone = self.phone()
            raise
        except Exception as exc:
            self.ledger.fail_intent(intent, type(exc).__name__, definitely_not_sent=False)
            raise
        self.ledger.complete_intent(intent, receipt.reference, {"items": list(receipt.items)})
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

    def fetch_label(self, key: OrderKey, order: Order) -> Result:
        sent = self.ledger.has_sent(key, IntentKind.RETURN_REQUEST)
        reference = sent.reference if sent else None
        label = self.download_label(order, reference)
        self.proofs.save_receipt(
            order.number, Action.LABEL_DOWNLOADED, {}, reference, {"label": str(label)}
        )
        return self.result(
            order,
            Action.LABEL_DOWNLOADED,
            Outcome.DONE,
            reference,
            str(label),
            f"A return was already under way; its prepaid label is saved: {label}",
        )

    def download_label(self, order: Order, reference: str | None) -> Path:
        dest = self.proofs.label_path(order.number, reference or "label")
        expect = [value for value in (reference, order.number) if value]
        self.steps.doing("Downloading the prepaid return label…")

        def attempt() -> Path:
            return self.site.download_label(dest, expect=expect)

        try:
            path = attempt()
        except TransientError:
            # After a failed attempt the page may have moved on: go back to
            # the order page, which keeps offering the label.
            def again() -> Path:
                self.site.open_order(order.number)
                return attempt()

            path = retrying(again)
        self.steps.done(f"Label saved: {path}")
        return path

    def saved_label(self, order: Order) -> Path | None:
        folder = self.proofs.orders_dir / safe_name(order.number)
        labels = sorted(folder.glob("return-label-*.pdf")) if folder.is_dir() else []
        return labels[-1] if labels else None

    def screenshot(self, order: Order, what: str) -> Path | None:
        page = self.session.page
        try:
            png = page.screenshot(
                full_page=True,
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
        return Result(
            order=order.number,
            status=order.status,
            raw_status=order.raw_status,
            action=action,
            outcome=outcome,
            reference=reference,
            label=label,
            message=message,
            details=details or {},
        )


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
    key = OrderKey(settings.site_url, settings.email, order)
    proofs = ProofStore(settings.data_dir, site_url=settings.site_url)
    outcome = "error"
    try:
        with Ledger.open(settings.data_dir) as ledger, open_browser(settings) as session:
            agent = OrderAgent(settings, ledger, proofs, session, steps)
            try:
                result = agent.handle(key, goal, options)
            finally:
                if agent.signed_in:
                    session.save_storage(proofs)
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
    except Exception as exc:
        log.info(
            "order handled",
            outcome=getattr(exc, "outcome", outcome),
            error=type(exc).__name__,
            duration_ms=round((time.monotonic() - started) * 1000),
        )
        raise
