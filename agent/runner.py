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
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import timedelta
from typing import TYPE_CHECKING

from agent.cancel_step import CancellationStep
from agent.channels import channel_named
from agent.decisions import Step, decide
from agent.ledger import IntentKind, Ledger, OrderKey, this_worker
from agent.locking import DataDirLock
from agent.logs import get_logger
from agent.look_ahead import Ahead, open_order_looking_ahead, worth_looking_ahead
from agent.messages import next_step
from agent.output import StepPrinter
from agent.receipts import ProofStore
from agent.refusals import person_needed
from agent.results import nothing_to_do, order_result
from agent.return_step import ReturnStep, saved_label
from agent.session_vault import keep_session, restore_session
from agent.settings import Settings, env_name
from agent.shop_browser import BrowserSession, open_browser
from agent.shop_session import ShopSession
from agent.tracing import trace_name
from ordercore.errors import (
    AlreadyRunning,
    NeedsHuman,
    SiteUnavailable,
)
from ordercore.models import (
    Action,
    Channel,
    CommandOptions,
    Goal,
    Order,
    Outcome,
    Result,
)

if TYPE_CHECKING:
    from flows.results import SupportRequest

log = get_logger("agent.runner")

# A browser that dies mid-run (killed, out of memory) is replaced this many times:
# the ledger's intents make starting over as safe as a second run.
BROWSER_RESTARTS = 1


class OrderAgent:
    """Deals with one order on one shop: signs in, reads the order, asks the decision
    table, and hands over to the step it names (``agent.cancel_step``,
    ``agent.return_step``); the shop session (``agent.shop_session``) is what they share."""

    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        proofs: ProofStore,
        session: BrowserSession,
        steps: StepPrinter,
    ) -> None:
        self.shop = ShopSession(settings, ledger, proofs, session, steps)
        self.ledger = ledger
        # A cancellation's Support Requests list and contact form are loaded in a second
        # tab while the first reads the order (``agent.look_ahead``). The one-shot
        # commands turn it on; a batch, with tabs of its own, leaves it off.
        self.look_ahead = False
        # The shop's open requests as read earlier in this run by someone else (a batch
        # reads Support Requests once for all its tabs): the first try uses them.
        self.requests_read_earlier: Callable[[], list[SupportRequest] | None] | None = None

    def handle(self, key: OrderKey, goal: Goal, options: CommandOptions) -> Result:
        try:
            result = self._act(key, goal, options)
        except NeedsHuman as exc:
            # Whatever stopped the run, the person learns what to do and whom to call.
            exc.hint = next_step(exc)
            if exc.phone is None and exc.ask_shop:
                exc.phone = self.shop.phone()
            raise
        # The contact form and the requests page were reached after the order: the
        # next run goes straight there (and can load them beside the order page).
        self.shop.remember_urls()
        return result

    def _act(self, key: OrderKey, goal: Goal, options: CommandOptions) -> Result:
        shop, ledger = self.shop, self.ledger
        shop.ensure_signed_in()
        ahead: Ahead | None = None
        if self.look_ahead and worth_looking_ahead(shop, key, goal, options):
            order, ahead = open_order_looking_ahead(shop, key.number)
        else:
            order = shop.open_order(key.number)
        try:
            ledger.ensure_order(key, goal)
            ledger.record_status(key, order.status, order.raw_status)
            shop.remember_urls()
            label = saved_label(shop.proofs, order.number)
            requested = ledger.has_sent(key, IntentKind.CANCELLATION_REQUEST)
            returned = ledger.has_sent(key, IntentKind.RETURN_REQUEST)
            decision = decide(
                order.status,
                goal,
                allow_return=not options.no_return,
                label_saved=label is not None,
                return_items_available=any(i.returnable for i in order.items) or not order.items,
                return_offered=order.return_available or order.label_available,
                # A return this ledger sent as a request: the shop mails its label.
                label_by_mail=returned is not None and returned.details.get("kind") == "request",
                # The case number of the cancellation this ledger requested ("" if none shown).
                requested=None if requested is None else (requested.reference or ""),
                order=key.number,
                number=order.number,
                raw_status=order.raw_status,
            )
            log.debug("decided", step=decision.step.value, status=order.status.value)
            step = decision.step
            if step is Step.ASK_HUMAN:
                raise person_needed(shop, order, decision)
            if step is Step.WAIT:
                return order_result(
                    order, Action.NONE, Outcome.WAITING, None, None, decision.message
                )
            if step is Step.NOTHING:
                return nothing_to_do(order, goal, decision, label, words=shop.site.words)
            if step is Step.REQUEST_CANCELLATION:
                return CancellationStep(shop, key, order).request(
                    options, requests_read_earlier=self.requests_read_earlier, ahead=ahead
                )
            returning = ReturnStep(shop, key, order)
            return (
                returning.start(options) if step is Step.START_RETURN else returning.fetch_label()
            )
        finally:
            if ahead is not None:
                ahead.close()

    def send_follow_up(
        self, key: OrderKey, order: Order, request: dict[str, str], case: str
    ) -> str | None:
        """The one follow-up on case ``case``; the shop's new reference, if it gave one."""
        return self.shop.submitter().follow_up(key, order, request, case).reference


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
            if agent.shop.signed_in and not session.known_gone():
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
