"""What one worker process keeps between tasks: its ledger connection and one Chromium.

The Chromium (:class:`WorkerChromium`) starts on the first order that needs the shop, is
reused by the following tasks, and is closed and started afresh after
``ORDER_AGENT_WORKER_MAX_TASKS`` checks (a long-lived Chromium grows) or as soon as it
crashed. Each account gets a browser context of its own in it (an
:class:`agent.account_session.AccountSession`, as a ``run`` pass has per account): the
environment's account for orders tied to none, a stored account's (``add --account``)
with its own settings (:func:`agent.shopper_accounts.settings_for`) for its orders. Each
check is the scheduler's own check of one due order (claim in the ledger, the shop-side
look, write-ahead intents, release).

A failing account (locked, a bot check, refused credentials) ends its own orders as
needs-human, one task each; nothing here waits on it or locks anything for the others.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from datetime import datetime
from typing import TYPE_CHECKING

from agent.account_session import AccountSession
from agent.ledger import Ledger, OrderKey, TrackedOrder
from agent.logs import get_logger
from agent.output import StepPrinter
from agent.schedule_checks import OrderChecks
from agent.scheduler import Scheduler
from ordercore.errors import NeedsHuman

if TYPE_CHECKING:
    from playwright.sync_api import Browser

    from agent.distributed.limiter import ShopLimiter
    from agent.schedule_reports import Check
    from agent.settings import Settings
    from agent.shop_browser import BrowserSession

log = get_logger("agent.distributed")

# Accounts whose browser context a worker keeps open between tasks; the one used least
# recently is closed beyond this (its saved session lets it start signed in next time).
MAX_OPEN_CONTEXTS = 8


class WorkerChecks(OrderChecks):
    """The scheduler's checks, for a worker among many.

    ``run`` takes over a claim on a SQLite ledger (one process at a time holds its data
    dir, so a claim found there was left by a dead run); workers share the ledger, so a
    claim another worker holds is never taken over before its lease ends, on any backend.
    """

    def claim(self, ledger: Ledger, key: OrderKey) -> bool:
        return ledger.claim(key, self.worker, self.lease, take_over=False)

    def still_to_check(self, ledger: Ledger, key: OrderKey) -> TrackedOrder | None:
        # Still due as well: a check by another worker moved its next check on.
        return due_order(ledger, key, self.clock())


def due_order(ledger: Ledger, key: OrderKey, now: datetime) -> TrackedOrder | None:
    """The order if it is still tracked and due; None if there is nothing to do (ended,
    forgotten, or checked since beat sent it: a task delivered twice)."""
    tracked = ledger.get(key)
    if tracked is None or not tracked.active:
        return None
    if tracked.next_due_at is not None and tracked.next_due_at > now:
        return None
    return tracked


class WorkerScheduler(Scheduler):
    """The scheduler's check of one order, for a worker among many (``WorkerChecks``)."""

    checks_class = WorkerChecks

    def due_orders(self, ledger: Ledger) -> list[TrackedOrder]:
        """What a ``run`` pass does before its checks (for beat): orders past their end
        date end as expired (and are notified as ``run`` notifies them), orders parked on
        refused credentials resume if the credentials changed (the environment's or a
        stored account's); then the due orders."""
        for order in ledger.expire_overdue():
            self.book.expired(ledger, order)
        self._resume_parked(ledger)
        self._resume_parked_accounts(ledger)
        return ledger.due()

    def due_order(self, ledger: Ledger, key: OrderKey) -> TrackedOrder | None:
        """The order if it is still tracked and due (see :func:`due_order`)."""
        return due_order(ledger, key, self.clock())

    def check_order(self, ledger: Ledger, account: AccountSession, tracked: TrackedOrder) -> Check:
        """The scheduler's own check of one order: claim, read afresh, look, act, release."""
        return self.checks.check(ledger, account, tracked, announce=False)

    def as_stored_account(self, ledger: Ledger, name: str) -> WorkerScheduler | None:
        """This scheduler working as the stored account ``name`` (its settings, its secrets
        registered with the redactor); None when the account is no longer stored."""
        from agent.shopper_accounts import settings_for

        stored = ledger.account(name)
        if stored is None:
            return None
        as_account = WorkerScheduler(
            settings_for(self.settings, stored), clock=self.clock, notifier=None
        )
        as_account.worker = self.worker
        return as_account

    def account_gone(self, ledger: Ledger, tracked: TrackedOrder, name: str) -> Check | None:
        """The order's account was removed since it was tied to it: a person decides, as
        in ``run``. Claimed first: a worker still checking it as that account finishes
        (None: another worker holds it)."""
        if not self.checks.claim(ledger, tracked.key):
            return None
        gone = NeedsHuman(
            f"its account {name!r} is no longer stored",
            hint="`order-agent add ORDER --account NAME` ties it to another",
        )
        try:
            return self.book.needs_human(ledger, tracked, gone)
        finally:
            ledger.release(tracked.key, self.worker)


class WorkerChromium:
    """The worker process's one Chromium, launched on first use; every account's context
    opens in it (:meth:`opener`, an ``AccountSession``'s ``open_session``)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._stack: ExitStack | None = None
        self._browser: Browser | None = None
        self.launches = 0

    def browser(self) -> Browser:
        if self._browser is not None and not self._browser.is_connected():
            log.warning("the worker's Chromium is gone: starting a new one")
            self.close()
        if self._browser is None:
            from agent.shop_browser import launched_browser

            stack = ExitStack()
            try:
                self._browser = stack.enter_context(launched_browser(self.settings))
            except BaseException:
                stack.close()
                raise
            self._stack = stack
            self.launches += 1
        return self._browser

    @contextmanager
    def opener(self, settings: Settings) -> Iterator[BrowserSession]:
        """An account's context (``settings`` are that account's) in the one Chromium."""
        from agent.shop_browser import open_context

        with open_context(self.browser(), settings) as session:
            yield session

    def running(self) -> bool:
        return self._browser is not None and self._browser.is_connected()

    def close(self) -> None:
        stack, browser, self._stack, self._browser = self._stack, self._browser, None, None
        if browser is not None:
            with suppress(Exception):  # a crashed Chromium is gone anyway
                browser.close()
        if stack is not None:
            try:
                stack.close()
            except Exception as exc:  # the driver of a crashed browser may complain
                log.info("browser closed with an error", error=type(exc).__name__)


class WorkerBrowser:
    """One per worker process (see ``agent.distributed.tasks``): closed at its shutdown."""

    def __init__(self, settings: Settings, limiter: ShopLimiter | None) -> None:
        self.settings = settings
        self.limiter = limiter
        self.scheduler = WorkerScheduler(settings)
        self.steps = StepPrinter(enabled=False)
        self.chromium = WorkerChromium(settings)
        self._ledger: Ledger | None = None
        # One browser context per account (None: the environment's), least recently used first.
        self._accounts: OrderedDict[str | None, AccountSession] = OrderedDict()
        self.checks_in_browser = 0  # checks since the browser (re)started

    @property
    def launches(self) -> int:
        """Chromium launches in this process (one per restart), whatever the accounts."""
        return self.chromium.launches

    def ledger(self) -> Ledger:
        if self._ledger is None:
            settings = self.settings
            self._ledger = Ledger.open(settings.data_dir, database_url=settings.database_url_text())
        return self._ledger

    def account(self, name: str | None, settings: Settings) -> AccountSession:
        """The account's context: kept from an earlier task, or a new one (opened when the
        first order needs the shop). A Chromium that died while the worker waited for this
        task (killed, out of memory) is found out by one question, and every account's
        context goes with it."""
        if self._accounts and any(a.crashed() for a in self._accounts.values()):
            self._restart_browser()
        account = self._accounts.pop(name, None)
        if account is not None and account.settings != settings:
            account.close()  # the account was stored again (other credentials): start afresh
            account = None
        if account is None:
            account = AccountSession(settings, self.ledger(), self.steps, self.chromium.opener)
        self._accounts[name] = account  # now the most recently used
        while len(self._accounts) > MAX_OPEN_CONTEXTS:
            _, oldest = self._accounts.popitem(last=False)
            oldest.close()
        # A refusal is per pass in ``run``; here per task (the ledger keeps refused credentials).
        account.refusal = None
        return account

    def check(self, key: OrderKey) -> Check | None:
        ledger = self.ledger()
        tracked = self.scheduler.due_order(ledger, key)
        if tracked is None:
            return None
        name = ledger.account_of(key)
        scheduler = self.scheduler
        if name is not None:
            as_account = self.scheduler.as_stored_account(ledger, name)
            if as_account is None:
                return self.scheduler.account_gone(ledger, tracked, name)
            scheduler = as_account
        account = self.account(name, scheduler.settings)
        try:
            if self.limiter is None:
                return scheduler.check_order(ledger, account, tracked)
            with self.limiter.slot(key.site):
                return scheduler.check_order(ledger, account, tracked)
        finally:
            self.checks_in_browser += 1
            self._after_check(account)

    def _after_check(self, account: AccountSession) -> None:
        if account.crashed():
            self._restart_browser()  # the next task starts a new one
        elif self.checks_in_browser >= self.settings.worker_max_tasks:
            log.info("browser restarted after its share of checks", checks=self.checks_in_browser)
            self._close_browser()

    def _restart_browser(self) -> None:
        for account in self._accounts.values():
            account.restart()  # says so, closes it (its context died with the browser)
        self._accounts.clear()
        self.chromium.close()
        self.checks_in_browser = 0

    def _close_browser(self) -> None:
        accounts = list(self._accounts.values())
        self._accounts.clear()
        for account in accounts:
            account.close()
        self.chromium.close()
        self.checks_in_browser = 0

    def close(self) -> None:
        self._close_browser()
        ledger, self._ledger = self._ledger, None
        if ledger is not None:
            ledger.close()
