"""Scheduled mode: keep working on tracked orders until each one reaches an end.

The ends are: cancelled, the return refunded, a person has to step in, or the
watch ran out of time (``--for``). A saved return label is no end: the return is
followed (parcel scanned, received, refunded), each step told once, with one
reminder when the parcel is not scanned ``--ship-by`` after the label; the watch
is extended to last ``RETURN_FOLLOW_SPAN`` past that. (``label_saved`` remains the
end of an order returned without a label of ours, and of ledgers before v3.) Two
ways to drive it, both on the ledger:

* ``order-agent watch ORDER`` (:meth:`Scheduler.watch`) stays in the foreground
  and re-checks one order every ``--every`` (minus a little jitter);
* ``order-agent add ORDER`` (:meth:`Scheduler.add`) only records the order, and
  ``order-agent run`` (:meth:`Scheduler.run_pass`), started by cron or a systemd
  timer, makes one pass over every tracked order that is due.

One check is the runner's ``OrderAgent.handle`` (sign in, read the order, decide,
act through write-ahead intents), read with the scheduled meaning: a request on
file while the order is processing means *wait for the shop*, after
``--follow-up-after`` with no change send at most one follow-up; shipped means
*wait for delivery*; delivered means *return it and keep the label*; a return
under way means *wait for the refund*.

Staying up for weeks:

* one browser, one context and one sign-in per account for a whole pass; the
  session is stored in the data dir (0600) and checked before it is trusted;
* once the first order that needs the shop has signed in, the rest of the due
  orders go in tabs of that context, ``ORDER_AGENT_CONCURRENCY`` at once
  (:meth:`Scheduler._check_in_tabs`, on ``flows.together``), each with its own
  ``OrderAgent``; the shop sees at most ``ORDER_AGENT_SHOP_MAX_IN_FLIGHT`` requests
  of all of them at once (``flows.politeness``). A check's outcome is its own: a
  failure in one tab is that order's finding or error, as when one at a time;
* a session that expires mid-flow is signed in again and the check repeated;
  a browser that crashes is restarted and the check repeated. Repeating a check
  is safe: it starts from the ledger (``has_sent``, open intents), not memory;
* rejected credentials, lock-outs and bot checks are never retried: the order
  needs a human, and the rest of the pass does not try that account again. An
  order parked on refused credentials resumes by itself once the configured ones
  change (the ledger keeps their keyed fingerprint, :data:`PARKED_ON_CREDENTIALS`);
* what may be a hiccup (:data:`FINDINGS`: a page not understood, an unknown status,
  an order missing from the list) is a *finding* in the ledger, looked at again
  with a backoff (:func:`finding_retry_after`), and ends the order as needing a
  human only when the same finding held for :data:`FINDING_GIVE_UP_PASSES` passes
  over :data:`FINDING_GIVE_UP_SPAN`;
* every submit goes through :mod:`agent.submitting` (via the runner): an open
  request the shop already lists for the order is adopted, never sent again;
* an unresolved intent younger than :data:`RECONCILE_AFTER` is left alone: the
  shop may still be answering that submit, and "no trace yet" is not "not sent".

Nothing here imports Playwright: a ``run`` with nothing due stays cheap.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from agent.account_session import AccountSession, BrowserGone, SessionOpener, TabSession
from agent.credentials import configured_fingerprint
from agent.durations import format_duration
from agent.ledger import (
    DEFAULT_SHIP_BY,
    EndState,
    Finding,
    IntentKind,
    Ledger,
    OrderKey,
    OrderOptions,
    TrackedOrder,
    this_worker,
    utc_now,
)
from agent.ledger.accounts import StoredAccount
from agent.locking import DataDirLock
from agent.logs import get_logger
from agent.messages import DEFAULT_REASON, follow_up_message
from agent.notify import Notifier, NotifyEvent
from agent.output import StepPrinter
from agent.schedule_reports import Check, PassReport, WatchReport, shown
from agent.settings import Settings, resolve_password
from ordercore.errors import (
    AccountLocked,
    BotCheck,
    ConfigError,
    CredentialsRejected,
    NeedsHuman,
    OrderAgentError,
    OrderNotFound,
    SessionExpired,
    SiteNotUnderstood,
    TransientError,
    TryLater,
    TwoStepCodeMissing,
    UnknownStatus,
    UnsafeSignIn,
    UsageError,
)
from ordercore.models import (
    CommandOptions,
    Goal,
    Order,
    OrderStatus,
    Outcome,
    Result,
    ReturnProgress,
    ReturnStage,
)

log = get_logger("agent.scheduler")


@dataclass(frozen=True)
class OrderLookup:
    """What ``add`` found when it looked the order up before tracking it."""

    found: bool  # the shop lists the order (False: not looked up, or could not look)
    message: str  # one sentence for people

    def to_json(self) -> dict[str, object]:
        return {"found": self.found, "message": self.message}


DEFAULT_EVERY = timedelta(minutes=15)
DEFAULT_FOR = timedelta(days=14)
DEFAULT_FOLLOW_UP_AFTER = timedelta(hours=24)
# Once its label is saved, an order is watched at least this long after --ship-by (its
# parcel's way back and the refund), even past --for: the return is not given up half-way.
RETURN_FOLLOW_SPAN = timedelta(days=21)
MIN_EVERY = timedelta(minutes=1)
# Checks come up to this share of --every early, so that many watchers do not
# hit a shop in step, and a timer firing every --every never finds one not yet due.
JITTER_SHARE = 0.1
# A submit whose outcome is unknown may still be in the shop's hands (a slow
# answer, a run killed mid-click); it is reconciled only after this long.
RECONCILE_AFTER = timedelta(minutes=5)
# A watch whose order another worker holds (a shared ledger) looks again this much later.
CLAIM_WAIT = timedelta(seconds=30)
# Check.error of an order skipped because another worker holds its claim.
CLAIMED_ELSEWHERE = "ClaimedElsewhere"
# Restarts of a crashed browser, and sign-ins after the site signed us out, per check.
REPEATS_PER_CHECK = 2

# Sign-in refusals: never retried, and the rest of the pass leaves the account alone.
SIGN_IN_REFUSALS = (CredentialsRejected, AccountLocked, BotCheck, TwoStepCodeMissing, UnsafeSignIn)
# Refusals that the configured credentials answer: an order parked on one of them
# resumes by itself once the credentials (password, e-mail, TOTP secret) change.
PARKED_ON_CREDENTIALS = (CredentialsRejected, TwoStepCodeMissing)
# What may be a hiccup (a page that stalled, a late overlay, an order list that
# showed up half-drawn): a *finding*, kept in the ledger and retried on later passes.
FINDINGS = (SiteNotUnderstood, UnknownStatus, OrderNotFound)
# A finding becomes "needs a human" only once the same one was found on this many
# passes in a row, spread over at least FINDING_GIVE_UP_SPAN.
FINDING_GIVE_UP_PASSES = 3
FINDING_GIVE_UP_SPAN = timedelta(hours=1)
# Retries of a finding back off: 5 min after the first, doubling, at most an hour
# apart (with the defaults a steady finding ends the order about 75 minutes in).
FINDING_FIRST_RETRY = timedelta(minutes=5)
FINDING_MAX_RETRY = timedelta(hours=1)

# Ledger events after which an ended order is worked on again.
RESTART_EVENTS = frozenset({"revived", "resumed"})

Clock = Callable[[], datetime]
# ``threading.Event().wait``: waits up to N seconds; True means "stop now".
Sleep = Callable[[float], bool]
Jitter = Callable[[timedelta], timedelta]
CheckListener = Callable[[Check], None]


# --- what watch and add are told ---------------------------------------------------------


def random_jitter(every: timedelta) -> timedelta:
    """How much earlier than ``every`` the next check comes (0 to 10% of it)."""
    return -every * random.uniform(0.0, JITTER_SHARE)


@dataclass(frozen=True)
class WatchPlan:
    """How to watch an order: what ``watch``/``add`` were told."""

    every: timedelta = DEFAULT_EVERY
    duration: timedelta = DEFAULT_FOR
    follow_up_after: timedelta | None = DEFAULT_FOLLOW_UP_AFTER
    reason: str | None = None
    items: tuple[str, ...] = ()
    channel: str | None = None  # "auto" | "chat" | "form"; None: the settings'
    ship_by: timedelta | None = DEFAULT_SHIP_BY  # None: no reminder to send the return

    def __post_init__(self) -> None:
        if self.every < MIN_EVERY:
            raise UsageError(f"--every must be at least {format_duration(MIN_EVERY)}")

    def options(self) -> OrderOptions:
        return OrderOptions(
            reason=self.reason,
            items=self.items,
            follow_up_after=self.follow_up_after,
            channel=self.channel,
            ship_by=self.ship_by,
        )


def finding_retry_after(count: int) -> timedelta:
    """How long after the ``count``-th pass in a row with the same finding to look again."""
    return min(FINDING_FIRST_RETRY * 2 ** max(count - 1, 0), FINDING_MAX_RETRY)


def finding_is_final(finding: Finding) -> bool:
    """Whether a finding held long enough that it is no hiccup: a person has to look."""
    return finding.count >= FINDING_GIVE_UP_PASSES and finding.span >= FINDING_GIVE_UP_SPAN


def _signed_out(exc: BaseException) -> bool:
    return isinstance(exc, SessionExpired) or isinstance(exc.__cause__, SessionExpired)


# --- the scheduler ----------------------------------------------------------------------


class Scheduler:
    """Works on tracked orders; every dependency on time is injectable for tests.

    ``clock`` is the agent's own clock (``--every``, ``--for`` and
    ``--follow-up-after`` are measured on it), ``sleep`` waits between a watch's
    checks (``threading.Event().wait``-like: returns True to stop), ``jitter``
    says how much earlier than ``--every`` the next check comes.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock = utc_now,
        sleep: Sleep | None = None,
        jitter: Jitter = random_jitter,
        notifier: Notifier | None = None,
        steps: StepPrinter | None = None,
        open_session: SessionOpener | None = None,
        on_check: CheckListener | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.sleep: Sleep = sleep or threading.Event().wait
        self.jitter = jitter
        self.notifier = notifier or Notifier(settings.notify_urls, redact=settings.secret_values())
        self.steps = steps or StepPrinter(enabled=False)
        self.open_session = open_session
        self.on_check = on_check
        self.browser_launches = 0
        # Who this process is in the ledger's claims (several workers may share one).
        self.worker = this_worker()
        self.lease = timedelta(seconds=settings.claim_lease_s)

    # -- the ledger-only commands ----------------------------------------------------------

    def key(self, order: str) -> OrderKey:
        site, email = self.settings.site_url, self.settings.email
        if not site or not email:
            raise ConfigError(
                "ORDER_AGENT_SITE_URL and ORDER_AGENT_EMAIL are needed to name the order",
                hint="set them in the environment, a .env file or a secrets directory",
            )
        return OrderKey(site, email, order)

    def _ledger(self) -> Ledger:
        return Ledger.open(
            self.settings.data_dir,
            clock=self.clock,
            database_url=self.settings.database_url_text(),
        )

    def add(
        self,
        order: str,
        plan: WatchPlan,
        goal: Goal = Goal.CANCEL,
        *,
        account: str | None = None,
    ) -> TrackedOrder:
        """Track an order for ``run``: due at once, checked every ``plan.every``; with
        ``account``, worked on as that stored account (this scheduler's settings are
        already that account's: see :func:`agent.shopper_accounts.settings_for`)."""
        key = self.key(order)
        with self._ledger() as ledger:
            tracked = ledger.track(
                key, goal, plan.options(), plan.every, self.clock() + plan.duration
            )
            if account is not None:
                ledger.tie_order(key, account)
            return tracked

    def look_up(self, order: str, steps: StepPrinter) -> OrderLookup:
        """``add``'s one read-only look at the order, so a mistyped number is refused at once.

        Without a password there is nothing to look with: the first ``run`` checks it.
        An order the shop does not list is a ``UsageError`` (exit 2), nothing tracked, as
        is a setting to fix; any other trouble (shop down, sign-in refused) is left to the
        first ``run``.
        """
        settings = self.settings
        # Every source a signing-in command reads (init's keyring or 0600 file, a password
        # command), not only ORDER_AGENT_PASSWORD: the same password `status` would use.
        if not (settings.site_url and settings.email and resolve_password(settings)):
            return OrderLookup(
                False,
                "Not looked up now (no password set): the first `order-agent run` checks "
                "that the shop lists it.",
            )
        from agent.runner import run

        try:
            result = run("status", order, CommandOptions(), settings, steps)
        except OrderNotFound as exc:
            # The same words as status and cancel say it with, and the same exit (2).
            raise OrderNotFound(
                exc.message,
                hint="check the order number; nothing is tracked (--no-check tracks it anyway)",
            ) from exc
        except UsageError:
            raise  # a setting to fix (a shop name that never resolved): nothing is tracked
        except OrderAgentError as exc:
            return OrderLookup(
                False,
                f"Could not look it up now ({exc.message}); the first `order-agent run` checks it.",
            )
        return OrderLookup(True, f"{result.headline or f'The shop lists order {order}'}.")

    def tracked(self, *, include_forgotten: bool = False) -> list[TrackedOrder]:
        with self._ledger() as ledger:
            return ledger.list_tracked(include_forgotten=include_forgotten)

    def forget(self, order: str) -> TrackedOrder:
        """Stop working on an order; its history stays in the ledger."""
        with self._ledger() as ledger:
            key = self._find(ledger, order)
            ledger.forget(key)
            forgotten = ledger.get(key)
        assert forgotten is not None
        return forgotten

    def _find(self, ledger: Ledger, order: str) -> OrderKey:
        if self.settings.site_url and self.settings.email:
            key = self.key(order)
            if ledger.get(key) is not None:
                return key
        wanted = OrderKey("http://any", "any", order).number
        matches = [t.key for t in ledger.list_tracked() if t.key.number == wanted]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise UsageError(f"order {order} is not tracked (see `order-agent list`)")
        raise UsageError(
            f"order {order} is tracked for more than one account",
            hint="set ORDER_AGENT_SITE_URL and ORDER_AGENT_EMAIL to say which",
        )

    # -- run: one pass over everything due -------------------------------------------------

    def run_pass(self) -> PassReport:
        """One pass over every tracked order that is due (``order-agent run``)."""
        with DataDirLock(self.settings.data_dir), self._ledger() as ledger:
            checks = [self._expired(ledger, order) for order in ledger.expire_overdue()]
            self._resume_parked(ledger)
            self._resume_parked_accounts(ledger)
            due = ledger.due()
            # Orders tied to a stored account (``add --account``) are worked on as that
            # account, each account in its own browser context; the rest as the environment's.
            for name, orders in self._by_account(ledger, due).items():
                checks += self._check_due_as(ledger, name, orders)
            now = self.clock()
            waiting = sum(
                1
                for order in ledger.list_tracked()
                if order.active
                and order.next_due_at is not None
                and order.next_due_at > now
                and all(check.key != order.key for check in checks)
            )
        return PassReport(checks, waiting)

    def _by_account(
        self, ledger: Ledger, due: list[TrackedOrder]
    ) -> dict[str | None, list[TrackedOrder]]:
        groups: dict[str | None, list[TrackedOrder]] = {}
        for tracked in due:
            groups.setdefault(ledger.account_of(tracked.key), []).append(tracked)
        return groups

    def _check_due_as(
        self, ledger: Ledger, name: str | None, orders: list[TrackedOrder]
    ) -> list[Check]:
        """``orders``, all due, as the stored account ``name`` (None: the environment's)."""
        if name is None:
            with self._account(ledger) as account:
                return self._check_due(ledger, account, orders)
        stored = ledger.account(name)
        if stored is None:  # removed since: a person ties the order to another or forgets it
            gone = NeedsHuman(
                f"its account {name!r} is no longer stored",
                hint="`order-agent add ORDER --account NAME` ties it to another",
            )
            return [self._needs_human(ledger, tracked, gone) for tracked in orders]
        as_account = self._as_account(stored)
        try:
            with as_account._account(ledger) as account:
                return as_account._check_due(ledger, account, orders)
        finally:
            self.browser_launches += as_account.browser_launches

    def _as_account(self, stored: StoredAccount) -> Scheduler:
        """This scheduler, working as the stored account (its settings, its notifier's
        redaction of its secrets), with the same clock, worker name and listeners."""
        from agent.shopper_accounts import settings_for

        as_account = Scheduler(
            settings_for(self.settings, stored),
            clock=self.clock,
            sleep=self.sleep,
            jitter=self.jitter,
            steps=self.steps,
            open_session=self.open_session,
            on_check=self.on_check,
        )
        as_account.worker = self.worker
        return as_account

    def _resume_parked_accounts(self, ledger: Ledger) -> None:
        """Orders parked on a stored account's refused credentials go back to work once
        the account was stored again with other ones (``accounts add`` again)."""
        for stored in ledger.list_accounts():
            self._as_account(stored)._resume_parked(ledger)

    def _resume_parked(self, ledger: Ledger) -> None:
        """Orders parked because the shop refused the credentials go back to work (due at
        once) when the configured credentials are no longer the refused ones."""
        settings = self.settings
        fingerprint = configured_fingerprint(settings, ledger)
        if fingerprint is None or not settings.site_url or not settings.email:
            return
        for order in ledger.resume_parked(settings.site_url, settings.email, fingerprint):
            log.info("credentials changed: order back to work", order=order.key.number)
            self.steps.info(f"Order {order.key.number}: the credentials changed, trying again")

    # -- watch: one order, in the foreground -----------------------------------------------

    def watch(self, order: str, plan: WatchPlan, goal: Goal = Goal.CANCEL) -> WatchReport:
        """Check ``order`` every ``plan.every`` until it reaches an end (or ``sleep`` says stop)."""
        key = self.key(order)
        with DataDirLock(self.settings.data_dir), self._ledger() as ledger:
            ledger.track(key, goal, plan.options(), plan.every, self.clock() + plan.duration)
            last: Check | None = None
            checks = 0
            while True:
                tracked = ledger.get(key)
                if tracked is None or not tracked.active:
                    break
                now = self.clock()
                if tracked.until is not None and tracked.until <= now:
                    ledger.finish(key, EndState.EXPIRED, "watched until its end date")
                    tracked = ledger.get(key)
                    assert tracked is not None
                    last = self._expired(ledger, tracked)
                    break
                due_at = tracked.next_due_at or now
                if due_at <= now:
                    with self._account(ledger) as account:
                        last = self._check(ledger, account, tracked)
                    if last.error != CLAIMED_ELSEWHERE:
                        checks += 1
                    elif self.sleep(CLAIM_WAIT.total_seconds()):
                        last = self._stopped(tracked, None)
                        break
                    continue
                wake = min(due_at, tracked.until) if tracked.until else due_at
                # On a terminal, the live line says when the next check is while it waits.
                with self.steps.progress(f"Waiting: next check at {shown(wake)}"):
                    stopped = self.sleep(max((wake - now).total_seconds(), 0.0))
                if stopped:
                    last = self._stopped(tracked, last)
                    break
            final = ledger.get(key)
        assert final is not None
        return WatchReport(self._final(final, last), checks)

    def _stopped(self, tracked: TrackedOrder, last: Check | None) -> Check:
        return Check(
            tracked.key,
            Outcome.WAITING,
            "Watch stopped before the order reached an end; "
            "`order-agent watch` or `order-agent run` carries on from here.",
            result=last.result if last else None,
            next_check=tracked.next_due_at,
            at=self.clock(),
        )

    def _final(self, tracked: TrackedOrder, last: Check | None) -> Check:
        """The watch's answer: the last check, or the order's end if it had one already."""
        if last is not None and (last.end_state is tracked.end_state or tracked.active):
            return last
        outcome = {
            EndState.NONE: Outcome.WAITING,
            EndState.NEEDS_HUMAN: Outcome.NEEDS_HUMAN,
            EndState.EXPIRED: Outcome.WAITING,
        }.get(tracked.end_state, Outcome.DONE)
        message = tracked.end_message or tracked.end_state.value.replace("_", " ")
        return Check(
            tracked.key,
            outcome,
            f"Order {tracked.key.number}: {message}.",
            tracked.end_state,
            result=last.result if last else None,
            at=self.clock(),
        )

    # -- one order -------------------------------------------------------------------------

    @contextmanager
    def _account(self, ledger: Ledger) -> Iterator[AccountSession]:
        account = AccountSession(self.settings, ledger, self.steps, self.open_session)
        try:
            yield account
        finally:
            account.close()
            self.browser_launches += account.launches

    def _check_due(
        self, ledger: Ledger, account: AccountSession, due: list[TrackedOrder]
    ) -> list[Check]:
        """Every due order: one at a time until the account is signed in (the first order
        that needs the shop does it, as a one-shot would), then the rest in tabs."""
        checks: list[Check] = []
        waiting = list(due)
        while waiting and not account.ready_for_tabs():
            checks.append(self._check(ledger, account, waiting.pop(0)))
        if len(waiting) > 1 and self.settings.concurrency > 1:
            return checks + self._check_in_tabs(ledger, account, waiting)
        return checks + [self._check(ledger, account, tracked) for tracked in waiting]

    def _check_in_tabs(
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
                check = self._check(ledger, tab, tracked, announce=False)
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
            checks += [self._check(ledger, account, tracked) for tracked in again]
        place = {tracked.key: index for index, tracked in enumerate(orders)}
        return sorted(checks, key=lambda check: place[check.key])

    def _check(
        self,
        ledger: Ledger,
        account: AccountSession | TabSession,
        tracked: TrackedOrder,
        *,
        announce: bool = True,
    ) -> Check:
        key = tracked.key
        if not self._claim(ledger, key):
            log.info("order claimed by another worker", order=key.number)
            return self._left_to_another(tracked, "another worker is checking it")
        try:
            # Read again under the claim: what was read before it may be stale (another
            # worker checked the order while this one waited for the shop's turn).
            claimed = self._still_to_check(ledger, key)
            if claimed is None:
                return self._left_to_another(tracked, "another worker checked it meanwhile")
            return self._claimed_check(ledger, account, claimed, announce=announce)
        finally:
            ledger.release(key, self.worker)

    def _left_to_another(self, tracked: TrackedOrder, why: str) -> Check:
        return Check(
            tracked.key,
            Outcome.WAITING,
            f"Order {tracked.key.number}: {why}; skipped this pass.",
            next_check=tracked.next_due_at,
            error=CLAIMED_ELSEWHERE,
            at=self.clock(),
        )

    def _still_to_check(self, ledger: Ledger, key: OrderKey) -> TrackedOrder | None:
        """The order as the ledger has it now, if it is still being worked on."""
        order = ledger.get(key)
        return order if order is not None and order.active else None

    def _claim(self, ledger: Ledger, key: OrderKey) -> bool:
        """Take the order before any browser work: on a shared ledger, one worker at a time.
        A SQLite ledger has one process at a time (this one holds the data dir's lock),
        so a claim found on it was left by a run that died: taken over."""
        return ledger.claim(key, self.worker, self.lease, take_over=ledger.is_sqlite)

    def _claimed_check(
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
            check = self._later(
                ledger,
                tracked,
                Outcome.ERROR,
                f"no credentials for {key.email} at {key.site}: ORDER_AGENT_EMAIL and "
                "ORDER_AGENT_SITE_URL name another account",
                error="ConfigError",
            )
        elif (refusal := account.refused()) is not None:
            check = self._needs_human(ledger, tracked, refusal)
        elif (recent := self._recent_intent(ledger, key)) is not None:
            check = self._later(
                ledger,
                tracked,
                Outcome.WAITING,
                "An earlier submit may still be in the shop's hands: checking what became "
                "of it before doing anything else.",
                at=recent + RECONCILE_AFTER,
            )
        else:
            account.fresh_tab()
            check = self._work(ledger, account, tracked)
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

    def _recent_intent(self, ledger: Ledger, key: OrderKey) -> datetime | None:
        """When an unresolved intent that the shop may still be answering began."""
        now = self.clock()
        started = [i.started_at for i in ledger.open_intents(key)]
        recent = [moment for moment in started if now - moment < RECONCILE_AFTER]
        return max(recent) if recent else None

    def _work(
        self, ledger: Ledger, account: AccountSession | TabSession, tracked: TrackedOrder
    ) -> Check:
        try:
            result = self._handle(account, tracked)
            ledger.clear_finding(tracked.key)
            return self._after(ledger, account, tracked, result)
        except BrowserGone:
            raise  # a tab's browser died: checked again after the batch (_check_in_tabs)
        except FINDINGS as exc:
            return self._finding(ledger, tracked, exc)
        except NeedsHuman as exc:
            if isinstance(exc, SIGN_IN_REFUSALS):
                account.refusal = exc
            return self._needs_human(ledger, tracked, exc)
        except (TryLater, TransientError) as exc:
            return self._later(
                ledger, tracked, Outcome.WAITING, exc.message, error=type(exc).__name__
            )
        except OrderAgentError as exc:
            log.warning("check failed", order=tracked.key.number, error=type(exc).__name__)
            return self._later(
                ledger, tracked, Outcome.ERROR, exc.message, error=type(exc).__name__
            )
        except Exception as exc:
            log.exception("check failed unexpectedly", order=tracked.key.number)
            summary = (str(exc).splitlines() or [""])[0][:200]
            return self._later(
                ledger,
                tracked,
                Outcome.ERROR,
                f"unexpected error: {summary or type(exc).__name__}",
                error=type(exc).__name__,
            )

    def _handle(self, account: AccountSession | TabSession, tracked: TrackedOrder) -> Result:
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
                elif _signed_out(exc):
                    log.info("signed out by the site: signing in again")
                    agent.signed_in = False
                else:
                    raise
                repeats += 1

    # -- reading a check -------------------------------------------------------------------

    def _after(
        self,
        ledger: Ledger,
        account: AccountSession | TabSession,
        tracked: TrackedOrder,
        result: Result,
    ) -> Check:
        key = tracked.key
        status = result.status
        if self._follows_return(tracked, result):
            return self._return_progress(ledger, tracked, result)
        if status is OrderStatus.CANCELLED:
            sent = ledger.has_sent(key, IntentKind.CANCELLATION_REQUEST)
            case = f" (case {sent.reference})" if sent and sent.reference else ""
            return self._finish(
                ledger,
                tracked,
                result,
                EndState.CANCELLED,
                "the order is cancelled",
                NotifyEvent.ORDER_CANCELLED,
                f"Order {result.order} is cancelled",
                f"The shop cancelled order {result.order}{case}.",
            )
        if status is OrderStatus.RETURNED:
            # Returned without a label of ours to follow (a return made elsewhere).
            return self._finish(
                ledger,
                tracked,
                result,
                EndState.LABEL_SAVED,
                "the order has been returned",
                NotifyEvent.LABEL_READY,
                f"Order {result.order} has been returned",
                result.message,
            )

        message = result.message
        sent = ledger.has_sent(key, IntentKind.CANCELLATION_REQUEST)
        if sent is not None and not self._told(ledger, key, NotifyEvent.REQUEST_SENT):
            # Sent just now, or an earlier run's request just found on the shop's pages.
            self._notify(
                ledger,
                key,
                NotifyEvent.REQUEST_SENT,
                f"Cancellation requested for order {result.order}",
                f"Case number {sent.reference or '(none shown)'}. order-agent keeps "
                "checking until the shop cancels it.",
            )
        elif status is OrderStatus.PROCESSING:
            message = self._waiting_for_shop(ledger, account, tracked, result)
        if status is OrderStatus.SHIPPED:
            message = self._shipped(ledger, key, result)
        return self._later(ledger, tracked, Outcome.WAITING, message, result=result)

    # -- a return followed to its refund ---------------------------------------

    @staticmethod
    def _follows_return(tracked: TrackedOrder, result: Result) -> bool:
        """Whether this check is about a return to follow: a label saved (now, or by an
        earlier check of this order), or a refund the shop shows."""
        if result.label or result.status is OrderStatus.REFUNDED:
            return True
        progress = result.return_progress or ReturnProgress()
        return tracked.return_label is not None and progress.stage is not None

    def _return_progress(self, ledger: Ledger, tracked: TrackedOrder, result: Result) -> Check:
        """One step of a return: label saved, parcel on its way, received, refunded. Each
        step is told once; a parcel not scanned --ship-by after its label gets one reminder."""
        key = tracked.key
        order = result.order
        progress = result.return_progress or ReturnProgress()
        followed = ledger.record_return(key, label=result.label, tracking=progress.tracking)
        label = followed.return_label
        if tracked.return_label is None and label is not None:
            ship_by = followed.options.ship_by or DEFAULT_SHIP_BY
            ledger.extend_until(key, self.clock() + ship_by + RETURN_FOLLOW_SPAN)
        tracked_as = followed.return_tracking
        on_label = f" (return tracking number {tracked_as})" if tracked_as else ""
        if label is not None:
            self._notify(
                ledger,
                key,
                NotifyEvent.LABEL_READY,
                f"Return label ready for order {order}",
                f"{result.message} Print it, attach it to the parcel and hand it to the "
                "carrier; order-agent follows the return until the refund shows.",
            )
        stage = progress.stage
        if result.status is OrderStatus.REFUNDED or stage is ReturnStage.REFUNDED:
            amount = progress.refund
            ledger.record_return(key, refund=amount)
            return self._finish(
                ledger,
                tracked,
                result,
                EndState.REFUNDED,
                f"refunded {amount}" if amount else "refunded",
                NotifyEvent.REFUNDED,
                f"Order {order} refunded" + (f": {amount}" if amount else ""),
                f"The shop shows the refund for order {order}"
                + (f": {amount}." if amount else " (no amount shown).")
                + " order-agent has stopped checking it.",
            )
        if stage is ReturnStage.RECEIVED:
            self._notify(
                ledger,
                key,
                NotifyEvent.RETURN_RECEIVED,
                f"Return received for order {order}",
                f"The shop has the returned parcel{on_label}; order-agent keeps checking "
                "until the refund shows.",
            )
            message = "The shop received the return: waiting for the refund."
        elif stage is ReturnStage.IN_TRANSIT:
            self._notify(
                ledger,
                key,
                NotifyEvent.RETURN_IN_TRANSIT,
                f"Return on its way for order {order}",
                f"The carrier has the parcel{on_label}; order-agent keeps checking until "
                "the shop receives it and refunds it.",
            )
            message = "The return is on its way back: waiting for the shop to receive it."
        else:
            message = self._waiting_for_scan(ledger, followed, order)
        return self._later(ledger, tracked, Outcome.WAITING, message, result=result)

    def _waiting_for_scan(self, ledger: Ledger, followed: TrackedOrder, order: str) -> str:
        label = followed.return_label or "the data dir"
        message = f"Return label saved at {label}: waiting for the carrier to scan the parcel."
        ship_by = followed.options.ship_by
        saved_at = followed.label_saved_at
        if ship_by is None or saved_at is None or self.clock() - saved_at < ship_by:
            return message
        if self._told(ledger, followed.key, NotifyEvent.SHIP_REMINDER):
            return message + " The one reminder to send it was sent earlier."
        self._notify(
            ledger,
            followed.key,
            NotifyEvent.SHIP_REMINDER,
            f"Send back order {order}",
            f"The label is in {label}; the package has not been scanned yet "
            f"({format_duration(ship_by)} after the label was saved).",
        )
        return message + " A reminder was sent."

    def _waiting_for_shop(
        self,
        ledger: Ledger,
        account: AccountSession | TabSession,
        tracked: TrackedOrder,
        result: Result,
    ) -> str:
        key = tracked.key
        first = ledger.has_sent(key, IntentKind.CANCELLATION_REQUEST)
        if first is None:
            return result.message
        case = first.reference or "(no case number shown)"
        asked = first.finished_at or first.started_at
        message = f"Waiting for the shop to act on case {case}, sent {shown(asked)}."
        follow_up_after = tracked.options.follow_up_after
        if follow_up_after is None or self.clock() - asked < follow_up_after:
            return message
        if any(intent.kind is IntentKind.FOLLOW_UP for intent in ledger.intents(key)):
            return message + " A follow-up was already sent."
        return message + " " + self._follow_up(ledger, account, tracked, result, case)

    def _follow_up(
        self,
        ledger: Ledger,
        account: AccountSession | TabSession,
        tracked: TrackedOrder,
        result: Result,
        case: str,
    ) -> str:
        """The one polite follow-up, written ahead like every submit."""
        agent = account.agent()
        settings = self.settings
        name = agent.shopper_name()
        message = follow_up_message(order=result.order, name=name, case=case)
        request = {
            "name": name,
            "email": settings.email or "",
            "reason": tracked.options.reason or DEFAULT_REASON,
            "message": message,
        }
        order = Order(
            number=result.order,
            status=result.status or OrderStatus.PROCESSING,
            raw_status=result.raw_status or "",
        )
        self.steps.doing(f"Following up on case {case}…")
        try:
            sent = agent.send_follow_up(tracked.key, order, request, case)
        except NeedsHuman as exc:
            log.warning("follow-up not sent", order=tracked.key.number, error=type(exc).__name__)
            return "The follow-up could not be sent; it is not tried again."
        except Exception as exc:
            # Maybe sent (the intent stays uncertain): never sent a second time.
            log.warning("follow-up unconfirmed", order=tracked.key.number, error=type(exc).__name__)
            return "The follow-up may not have reached the shop; it is not tried again."
        reference = sent or "(none shown)"
        self.steps.done(f"Follow-up sent: case {reference}")
        self._notify(
            ledger,
            tracked.key,
            NotifyEvent.REQUEST_SENT,
            f"Follow-up sent for order {result.order}",
            f"No change since case {case}: a follow-up was sent (case {reference}).",
            once=False,
        )
        return f"No change yet, so a follow-up was sent (case {reference})."

    def _shipped(self, ledger: Ledger, key: OrderKey, result: Result) -> str:
        sent = ledger.has_sent(key, IntentKind.CANCELLATION_REQUEST)
        message = "The order has shipped: waiting for delivery to start the return."
        if sent is not None:
            case = sent.reference or "(no case number)"
            self._notify(
                ledger,
                key,
                NotifyEvent.REQUEST_DECLINED,
                f"Order {result.order} shipped before it could be cancelled",
                f"The shop did not cancel order {result.order} in time (case {case}); "
                "order-agent will start a return once it is delivered.",
                also=NotifyEvent.SHIPPED,
            )
        else:
            self._notify(
                ledger,
                key,
                NotifyEvent.SHIPPED,
                f"Order {result.order} has shipped",
                "order-agent will start a return once it is delivered.",
                also=NotifyEvent.REQUEST_DECLINED,
            )
        return message

    # -- ends, waits and notifications ------------------------------------------------------

    def _finish(
        self,
        ledger: Ledger,
        tracked: TrackedOrder,
        result: Result,
        end_state: EndState,
        end_message: str,
        event: NotifyEvent,
        title: str,
        body: str,
    ) -> Check:
        ledger.finish(tracked.key, end_state, end_message)
        self._notify(ledger, tracked.key, event, title, body)
        return Check(tracked.key, Outcome.DONE, result.message, end_state, result, at=self.clock())

    def _finding(self, ledger: Ledger, tracked: TrackedOrder, exc: NeedsHuman) -> Check:
        """What may be a hiccup: retried later, and handed to a person only once the same
        finding held for FINDING_GIVE_UP_PASSES passes over FINDING_GIVE_UP_SPAN."""
        finding = ledger.record_finding(tracked.key, type(exc).__name__, exc.message)
        log.warning("finding", order=tracked.key.number, kind=finding.kind, passes=finding.count)
        if finding_is_final(finding):
            return self._needs_human(ledger, tracked, exc)
        retry = finding_retry_after(finding.count)
        return self._later(
            ledger,
            tracked,
            Outcome.WAITING,
            f"{exc.message} (found on {finding.count} pass{'es' if finding.count > 1 else ''} "
            f"in a row; looking again in {format_duration(retry)})",
            error=finding.kind,
            at=self.clock() + retry,
        )

    def _needs_human(self, ledger: Ledger, tracked: TrackedOrder, exc: NeedsHuman) -> Check:
        parked_on = (
            configured_fingerprint(self.settings, ledger)
            if isinstance(exc, PARKED_ON_CREDENTIALS)
            else None
        )
        ledger.finish(tracked.key, EndState.NEEDS_HUMAN, exc.message, parked_on=parked_on)
        body = exc.message + (f" ({exc.hint})" if exc.hint else "")
        if exc.phone:
            body += f" Customer service: {exc.phone}."
        # Told once per stop: an order that went back to work (its credentials changed,
        # or it was added again) and stopped again is news.
        if not self._told(ledger, tracked.key, NotifyEvent.NEEDS_HUMAN, since_restart=True):
            self._notify(
                ledger,
                tracked.key,
                NotifyEvent.NEEDS_HUMAN,
                f"Order {tracked.key.number} needs you",
                body,
                once=False,
            )
        return Check(
            tracked.key,
            Outcome.NEEDS_HUMAN,
            body,
            EndState.NEEDS_HUMAN,
            error=type(exc).__name__,
            at=self.clock(),
        )

    def _expired(self, ledger: Ledger, tracked: TrackedOrder) -> Check:
        self._notify(
            ledger,
            tracked.key,
            NotifyEvent.EXPIRED,
            f"Stopped watching order {tracked.key.number}",
            "The watch reached its end date before the order was cancelled or returned; "
            "`order-agent add` starts it again.",
        )
        return Check(
            tracked.key,
            Outcome.WAITING,
            "The watch reached its end date before the order was cancelled or returned.",
            EndState.EXPIRED,
            at=self.clock(),
        )

    def _later(
        self,
        ledger: Ledger,
        tracked: TrackedOrder,
        outcome: Outcome,
        message: str,
        *,
        result: Result | None = None,
        error: str | None = None,
        at: datetime | None = None,
    ) -> Check:
        """The order stays tracked: schedule its next check."""
        every = tracked.every or DEFAULT_EVERY
        next_check = at or self.clock() + every + self.jitter(every)
        ledger.schedule_next(tracked.key, next_check)
        return Check(
            tracked.key,
            outcome,
            message,
            result=result,
            next_check=next_check,
            error=error,
            at=self.clock(),
        )

    def _notify(
        self,
        ledger: Ledger,
        key: OrderKey,
        event: NotifyEvent,
        title: str,
        body: str,
        *,
        once: bool = True,
        also: NotifyEvent | None = None,
    ) -> None:
        """Log and send a change, once per order (``also``: a change that counts as this one)."""
        if once and self._told(ledger, key, event, *([also] if also else [])):
            return
        delivered = self.notifier.notify(event, key.number, title, body)
        ledger.record_notification(
            key, event, title, delivered=delivered, configured=self.notifier.enabled
        )

    @staticmethod
    def _told(
        ledger: Ledger, key: OrderKey, *events: NotifyEvent, since_restart: bool = False
    ) -> bool:
        """Whether the shopper was already told of any of these changes for this order
        (``since_restart``: since it last went back to work after an end)."""
        wanted = {str(event) for event in events}
        history = ledger.events(key)
        if since_restart:
            restarts = [i for i, e in enumerate(history) if e.kind in RESTART_EVENTS]
            history = history[restarts[-1] + 1 :] if restarts else history
        return any(e.kind == "notification" and e.data.get("event") in wanted for e in history)
