"""Checking due orders: one account's browser, one order at a time until it is signed
in, then the rest in tabs; each check claimed, worked, read and released.

:class:`OrderChecks` runs the checks of a pass (``Scheduler.run_pass``) or of a watch:
the claim in the ledger (one worker at a time per order), what became of a recent
submit left to the shop first, ``OrderAgent.handle`` repeated after a crash or a
sign-out (it is safe to repeat: it starts from the ledger), and its result or error
read with the scheduled meaning (``agent.schedule_meaning``) and written down
(``agent.schedule_book``). A worker among many overrides how it claims and what is
still to check (``agent.distributed.worker_browser``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from agent.account_session import AccountSession, BrowserGone, SessionOpener, TabSession
from agent.ledger import Ledger, OrderKey, TrackedOrder, this_worker
from agent.logs import get_logger
from agent.output import StepPrinter
from agent.schedule_book import ScheduleBook
from agent.schedule_meaning import ResultMeaning
from agent.schedule_policy import (
    CLAIMED_ELSEWHERE,
    FINDINGS,
    RECONCILE_AFTER,
    REPEATS_PER_CHECK,
    SIGN_IN_REFUSALS,
    CheckListener,
    signed_out,
)
from agent.schedule_reports import Check
from agent.settings import Settings
from ordercore.errors import NeedsHuman, OrderAgentError, TransientError, TryLater
from ordercore.models import CommandOptions, Goal, Outcome, Result

log = get_logger("agent.scheduler")


class OrderChecks:
    """Checks due orders as one account (its settings), writing each outcome down."""

    def __init__(
        self,
        settings: Settings,
        book: ScheduleBook,
        steps: StepPrinter,
        *,
        open_session: SessionOpener | None = None,
        on_check: CheckListener | None = None,
    ) -> None:
        self.settings = settings
        self.book = book
        self.clock = book.clock
        self.steps = steps
        self.meaning = ResultMeaning(settings, book, steps)
        self.open_session = open_session
        self.on_check = on_check
        self.launches = 0  # browsers started by these checks
        # Who this process is in the ledger's claims (several workers may share one).
        self.worker = this_worker()
        self.lease = timedelta(seconds=settings.claim_lease_s)

    @contextmanager
    def account(self, ledger: Ledger) -> Iterator[AccountSession]:
        account = AccountSession(self.settings, ledger, self.steps, self.open_session)
        try:
            yield account
        finally:
            account.close()
            self.launches += account.launches

    def check_due(
        self, ledger: Ledger, account: AccountSession, due: list[TrackedOrder]
    ) -> list[Check]:
        """Every due order: one at a time until the account is signed in (the first order
        that needs the shop does it, as a one-shot would), then the rest in tabs."""
        checks: list[Check] = []
        waiting = list(due)
        while waiting and not account.ready_for_tabs():
            checks.append(self.check(ledger, account, waiting.pop(0)))
        if len(waiting) > 1 and self.settings.concurrency > 1:
            return checks + self.check_in_tabs(ledger, account, waiting)
        return checks + [self.check(ledger, account, tracked) for tracked in waiting]

    def check_in_tabs(
        self, ledger: Ledger, account: AccountSession, orders: list[TrackedOrder]
    ) -> list[Check]:
        """``orders`` in tabs of the signed-in context, ``ORDER_AGENT_CONCURRENCY`` at once.

        Each job's plain Python (ledger writes, proof files) runs to its end before
        another job resumes (``flows.together``), so the ledger sees one writer at a
        time. A job whose browser died is checked again afterwards, in a new browser.
        """
        import structlog

        from flows.together import Done, run_together

        tabs = min(self.settings.concurrency, len(orders))
        self.steps.info(f"Checking {len(orders)} orders, {tabs} at a time")
        # The live line of one step at a time makes no sense for several tabs: each
        # order says once that it is done, and the pass prints its lines at the end.
        quiet = StepPrinter(enabled=False)

        def job(tracked: TrackedOrder) -> Check:
            structlog.contextvars.bind_contextvars(order=tracked.key.number)
            tab = account.open_tab(quiet)
            try:
                check = self.check(ledger, tab, tracked, announce=False)
            finally:
                tab.close()
            self.steps.done(f"Order {tracked.key.number}: {check.outcome.value}")
            return check

        account.read_ahead(
            [tracked.key.number for tracked in orders],
            cancelling=any(tracked.goal is Goal.CANCEL for tracked in orders),
        )
        jobs = [lambda tracked=tracked: job(tracked) for tracked in orders]
        account.lend_own_tab()
        try:
            outcomes = run_together(account.anchor(), jobs, limit=tabs)
        finally:
            account.take_back_tab()
        checks: list[Check] = []
        again: list[TrackedOrder] = []
        for tracked, outcome in zip(orders, outcomes, strict=True):
            if isinstance(outcome, Done):
                checks.append(outcome.value)
            elif isinstance(outcome.error, BrowserGone):
                again.append(tracked)
            else:
                raise outcome.error  # what would have ended a pass of one order at a time
        account.save()
        if again:
            log.warning("browser stopped under the tabs", orders=len(again))
            if account.crashed():
                account.restart()
            checks += [self.check(ledger, account, tracked) for tracked in again]
        place = {tracked.key: index for index, tracked in enumerate(orders)}
        return sorted(checks, key=lambda check: place[check.key])

    def check(
        self,
        ledger: Ledger,
        account: AccountSession | TabSession,
        tracked: TrackedOrder,
        *,
        announce: bool = True,
    ) -> Check:
        key = tracked.key
        if not self.claim(ledger, key):
            log.info("order claimed by another worker", order=key.number)
            return self.left_to_another(tracked, "another worker is checking it")
        try:
            # Read again under the claim: what was read before it may be stale (another
            # worker checked the order while this one waited for the shop's turn).
            claimed = self.still_to_check(ledger, key)
            if claimed is None:
                return self.left_to_another(tracked, "another worker checked it meanwhile")
            return self.claimed_check(ledger, account, claimed, announce=announce)
        finally:
            ledger.release(key, self.worker)

    def left_to_another(self, tracked: TrackedOrder, why: str) -> Check:
        return Check(
            tracked.key,
            Outcome.WAITING,
            f"Order {tracked.key.number}: {why}; skipped this pass.",
            next_check=tracked.next_due_at,
            error=CLAIMED_ELSEWHERE,
            at=self.clock(),
        )

    def still_to_check(self, ledger: Ledger, key: OrderKey) -> TrackedOrder | None:
        """The order as the ledger has it now, if it is still being worked on."""
        order = ledger.get(key)
        return order if order is not None and order.active else None

    def claim(self, ledger: Ledger, key: OrderKey) -> bool:
        """Take the order before any browser work: on a shared ledger, one worker at a time.
        A SQLite ledger has one process at a time (this one holds the data dir's lock),
        so a claim found on it was left by a run that died: taken over."""
        return ledger.claim(key, self.worker, self.lease, take_over=ledger.is_sqlite)

    def claimed_check(
        self,
        ledger: Ledger,
        account: AccountSession | TabSession,
        tracked: TrackedOrder,
        *,
        announce: bool,
    ) -> Check:
        key = tracked.key
        if announce:
            self.steps.info(f"Order {key.number}")
        if not account.covers(key):
            check = self.book.later(
                ledger,
                tracked,
                Outcome.ERROR,
                f"no credentials for {key.email} at {key.site}: ORDER_AGENT_EMAIL and "
                "ORDER_AGENT_SITE_URL name another account",
                error="ConfigError",
            )
        elif (refusal := account.refused()) is not None:
            check = self.book.needs_human(ledger, tracked, refusal)
        elif (recent := self.recent_intent(ledger, key)) is not None:
            check = self.book.later(
                ledger,
                tracked,
                Outcome.WAITING,
                "An earlier submit may still be in the shop's hands: checking what became "
                "of it before doing anything else.",
                at=recent + RECONCILE_AFTER,
            )
        else:
            account.fresh_tab()
            check = self.work(ledger, account, tracked)
            account.save()
        log.info(
            "order checked",
            order=key.number,
            outcome=check.outcome.value,
            end_state=check.end_state.value,
            status=check.result.status.value if check.result and check.result.status else None,
        )
        if self.on_check is not None:
            self.on_check(check)
        return check

    def recent_intent(self, ledger: Ledger, key: OrderKey) -> datetime | None:
        """When an unresolved intent that the shop may still be answering began."""
        now = self.clock()
        started = [i.started_at for i in ledger.open_intents(key)]
        recent = [moment for moment in started if now - moment < RECONCILE_AFTER]
        return max(recent) if recent else None

    def work(
        self, ledger: Ledger, account: AccountSession | TabSession, tracked: TrackedOrder
    ) -> Check:
        try:
            result = self.handle(account, tracked)
            ledger.clear_finding(tracked.key)
            return self.meaning.after(ledger, account, tracked, result)
        except BrowserGone:
            raise  # a tab's browser died: checked again after the batch (_check_in_tabs)
        except FINDINGS as exc:
            return self.book.finding(ledger, tracked, exc)
        except NeedsHuman as exc:
            if isinstance(exc, SIGN_IN_REFUSALS):
                account.refusal = exc
            return self.book.needs_human(ledger, tracked, exc)
        except (TryLater, TransientError) as exc:
            return self.book.later(
                ledger, tracked, Outcome.WAITING, exc.message, error=type(exc).__name__
            )
        except OrderAgentError as exc:
            log.warning("check failed", order=tracked.key.number, error=type(exc).__name__)
            return self.book.later(
                ledger, tracked, Outcome.ERROR, exc.message, error=type(exc).__name__
            )
        except Exception as exc:
            log.exception("check failed unexpectedly", order=tracked.key.number)
            summary = (str(exc).splitlines() or [""])[0][:200]
            return self.book.later(
                ledger,
                tracked,
                Outcome.ERROR,
                f"unexpected error: {summary or type(exc).__name__}",
                error=type(exc).__name__,
            )

    def handle(self, account: AccountSession | TabSession, tracked: TrackedOrder) -> Result:
        """``OrderAgent.handle``, repeated after a crash or a sign-out (it is safe to repeat)."""
        options = CommandOptions(
            reason=tracked.options.reason,
            items=tracked.options.items,
            no_return=tracked.options.no_return,
            channel=tracked.options.channel,
        )
        repeats = 0
        while True:
            agent = account.agent()
            try:
                return agent.handle(tracked.key, tracked.goal, options)
            except (TransientError, TryLater) as exc:
                if repeats >= REPEATS_PER_CHECK:
                    raise
                if account.crashed():
                    account.restart()
                elif signed_out(exc):
                    log.info("signed out by the site: signing in again")
                    agent.shop.signed_in = False
                else:
                    raise
                repeats += 1
