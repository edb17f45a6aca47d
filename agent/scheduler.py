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

import threading
from dataclasses import dataclass

from agent.account_session import SessionOpener
from agent.credentials import configured_fingerprint
from agent.ledger import (
    EndState,
    Ledger,
    OrderKey,
    TrackedOrder,
    utc_now,
)
from agent.ledger.accounts import StoredAccount
from agent.locking import DataDirLock
from agent.logs import get_logger
from agent.notify import Notifier
from agent.output import StepPrinter
from agent.schedule_book import ScheduleBook
from agent.schedule_checks import OrderChecks
from agent.schedule_policy import (
    CLAIM_WAIT,
    CLAIMED_ELSEWHERE,
    CheckListener,
    Clock,
    Jitter,
    Sleep,
    WatchPlan,
    random_jitter,
)
from agent.schedule_reports import (
    Check,
    PassReport,
    WatchReport,
    shown,
    watch_final,
    watch_stopped,
)
from agent.settings import Settings, resolve_password
from ordercore.errors import (
    ConfigError,
    NeedsHuman,
    OrderAgentError,
    OrderNotFound,
    UsageError,
)
from ordercore.models import (
    CommandOptions,
    Goal,
)

log = get_logger("agent.scheduler")


@dataclass(frozen=True)
class OrderLookup:
    """What ``add`` found when it looked the order up before tracking it."""

    found: bool  # the shop lists the order (False: not looked up, or could not look)
    message: str  # one sentence for people

    def to_json(self) -> dict[str, object]:
        return {"found": self.found, "message": self.message}


# --- the scheduler ----------------------------------------------------------------------


class Scheduler:
    """Works on tracked orders; every dependency on time is injectable for tests.

    The ledger-only commands (``add``, ``list``, ``forget``), a ``run`` pass and a
    ``watch``; the checks themselves are :class:`~agent.schedule_checks.OrderChecks`
    (``checks_class``: a worker among many claims differently).

    ``clock`` is the agent's own clock (``--every``, ``--for`` and
    ``--follow-up-after`` are measured on it), ``sleep`` waits between a watch's
    checks (``threading.Event().wait``-like: returns True to stop), ``jitter``
    says how much earlier than ``--every`` the next check comes.
    """

    checks_class: type[OrderChecks] = OrderChecks

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
        self.book = ScheduleBook(settings, clock=clock, jitter=jitter, notifier=self.notifier)
        self.steps = steps or StepPrinter(enabled=False)
        self.open_session = open_session
        self.on_check = on_check
        self.checks = self.checks_class(
            settings, self.book, self.steps, open_session=open_session, on_check=on_check
        )

    @property
    def browser_launches(self) -> int:
        """Browsers started by this scheduler's checks (a stored account's included)."""
        return self.checks.launches

    @property
    def worker(self) -> str:
        """Who this process is in the ledger's claims (several workers may share one)."""
        return self.checks.worker

    @worker.setter
    def worker(self, name: str) -> None:
        self.checks.worker = name

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
            checks = [self.book.expired(ledger, order) for order in ledger.expire_overdue()]
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
            with self.checks.account(ledger) as account:
                return self.checks.check_due(ledger, account, orders)
        stored = ledger.account(name)
        if stored is None:  # removed since: a person ties the order to another or forgets it
            gone = NeedsHuman(
                f"its account {name!r} is no longer stored",
                hint="`order-agent add ORDER --account NAME` ties it to another",
            )
            return [self.book.needs_human(ledger, tracked, gone) for tracked in orders]
        as_account = self._as_account(stored)
        try:
            with as_account.checks.account(ledger) as account:
                return as_account.checks.check_due(ledger, account, orders)
        finally:
            self.checks.launches += as_account.checks.launches

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
                    last = self.book.expired(ledger, tracked)
                    break
                due_at = tracked.next_due_at or now
                if due_at <= now:
                    with self.checks.account(ledger) as account:
                        last = self.checks.check(ledger, account, tracked)
                    if last.error != CLAIMED_ELSEWHERE:
                        checks += 1
                    elif self.sleep(CLAIM_WAIT.total_seconds()):
                        last = watch_stopped(tracked, None, self.clock())
                        break
                    continue
                wake = min(due_at, tracked.until) if tracked.until else due_at
                # On a terminal, the live line says when the next check is while it waits.
                with self.steps.progress(f"Waiting: next check at {shown(wake)}"):
                    stopped = self.sleep(max((wake - now).total_seconds(), 0.0))
                if stopped:
                    last = watch_stopped(tracked, last, self.clock())
                    break
            final = ledger.get(key)
        assert final is not None
        return WatchReport(watch_final(final, last, self.clock()), checks)
