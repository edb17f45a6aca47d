"""The configured shop account's browser for one scheduled pass: opened on first use,
signed in once, its session kept in the data dir, restarted when it crashes.

Once signed in, a batch works in several tabs of that one context at once
(:meth:`AccountSession.open_tab`): each tab has its own page and ``OrderAgent``, the
cookies are shared, and every request to the shop goes through one
``flows.politeness.ShopPoliteness`` gate (``ORDER_AGENT_SHOP_MAX_IN_FLIGHT``,
``ORDER_AGENT_SHOP_MAX_PER_SECOND``), installed when the browser starts.

Playwright (through ``agent.runner``) is imported only when the first order is due.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from typing import TYPE_CHECKING, Any

from agent.credentials import configured_fingerprint
from agent.ledger import Ledger, OrderKey
from agent.logs import get_logger
from agent.output import StepPrinter
from agent.settings import INIT_HINT, Settings, resolve_password
from ordercore.errors import ConfigError, CredentialsRejected, NeedsHuman, OrderAgentError

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from agent.batch_tabs import BatchReading
    from agent.runner import OrderAgent
    from agent.shop_browser import BrowserSession
    from flows.politeness import ShopPoliteness

log = get_logger("agent.account_session")

SessionOpener = Callable[[Settings], AbstractContextManager["BrowserSession"]]


class BrowserGone(Exception):
    """The shared browser died under a tab: the order is checked again once the batch is
    over, in a new browser (a tab cannot restart a browser the other tabs are using)."""


class AccountSession:
    """The configured account's browser, opened on first use and kept for a whole pass.

    Only the configured account has credentials; orders of any other account in
    the ledger are reported, not worked on.
    """

    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        steps: StepPrinter,
        open_session: SessionOpener | None = None,
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.steps = steps
        self._open_session = open_session
        self._stack: ExitStack | None = None
        self._session: BrowserSession | None = None
        self._agent: OrderAgent | None = None
        self.refusal: NeedsHuman | None = None  # set once the shop refused us this pass
        self.launches = 0
        self.politeness: ShopPoliteness | None = None  # the gate of the current browser
        self.reading: BatchReading | None = None  # what the batch read once for its tabs
        self._lent_tab: Page | None = None  # the account's own tab, lent to a batch

    def covers(self, key: OrderKey) -> bool:
        site, email = self.settings.site_url, self.settings.email
        if not site or not email:
            return False
        return OrderKey(site, email, key.number) == key

    def refused(self) -> NeedsHuman | None:
        """Why the account must not sign in during this pass, if it must not.

        Refused earlier in the pass, or these very credentials were rejected by an
        earlier run: then not even a browser is started.
        """
        settings = self.settings
        fingerprint = configured_fingerprint(settings, self.ledger)
        if self.refusal is None and fingerprint is not None and settings.site_url:
            assert settings.email
            reason = self.ledger.credentials_blocked(settings.site_url, settings.email, fingerprint)
            if reason is not None:
                self.refusal = CredentialsRejected(
                    f"not signing in: the shop already refused these credentials ({reason})",
                    hint=settings.change_credentials_hint(),
                )
        return self.refusal

    def agent(self) -> OrderAgent:
        if self._agent is None:
            if resolve_password(self.settings) is None:  # a failing password command raises
                raise ConfigError(
                    "ORDER_AGENT_PASSWORD is missing",
                    hint="orders are due: " + INIT_HINT.format(it="it"),
                )
            # On a terminal, the live line is up before Playwright even loads.
            self.steps.progress("Starting the browser")
            from agent.receipts import ProofStore
            from agent.runner import OrderAgent  # Playwright only from here on
            from agent.session_vault import restore_session
            from agent.shop_browser import open_browser

            restore_session(self.settings, self.ledger)  # another worker's, from the ledger
            opener = self._open_session or open_browser
            stack = ExitStack()
            try:
                self._session = stack.enter_context(opener(self.settings))
            except BaseException:
                stack.close()
                raise
            self._stack = stack
            self.launches += 1
            self.politeness = self._polite(self._session)
            settings = self.settings
            proofs = ProofStore(
                settings.data_dir, site_url=settings.site_url, account=settings.email
            )
            proofs.migrate_legacy_folders()
            self._agent = OrderAgent(self.settings, self.ledger, proofs, self._session, self.steps)
            # A pass checks its saved session on the home page once, then trusts it for
            # every order after (OrderAgent.ensure_signed_in): one page load per pass.
            self._agent.shop.saved_session_untried = False
        return self._agent

    def _polite(self, session: BrowserSession) -> ShopPoliteness:
        """Every request of this browser's context to the shop, through one gate."""
        from flows.politeness import ShopPoliteness

        settings = self.settings
        assert settings.site_url
        return ShopPoliteness(
            session.context,
            settings.site_url,
            max_in_flight=settings.shop_max_in_flight,
            per_second=settings.shop_max_per_second,
            # A request the browser never reports as over has surely timed out by then.
            stale_after_s=settings.navigation_timeout_ms / 1000,
        ).install()

    def ready_for_tabs(self) -> bool:
        """Signed in, browser up, not refused: the rest of the batch may go in tabs."""
        agent = self._agent
        signed_in = agent is not None and agent.shop.signed_in
        return signed_in and self.refusal is None and not self.crashed()

    def read_ahead(self, numbers: list[str], *, cancelling: bool) -> None:
        """Before the tabs: one load of the order list (every due order's address) and,
        when a tab may ask for a cancellation, one of Support Requests (agent.batch_tabs)."""
        from agent.batch_tabs import read_ahead

        agent = self._agent
        if agent is not None:
            self.reading = read_ahead(agent, numbers, cancelling=cancelling)

    def anchor(self) -> Any:
        """The object of the sync API whose event loop carries the tabs (the context)."""
        assert self._session is not None
        return self._session.context

    def open_tab(self, steps: StepPrinter) -> TabSession:
        """A tab of the signed-in context for one order, with an ``OrderAgent`` of its own:
        the account's own tab when the batch was lent it (:meth:`lend_own_tab`), else a new
        one. Each tab serves one order: a tab kept for many grows with every page it
        showed (80 MB to 240 MB over 20 orders)."""
        agent, session = self._agent, self._session
        # The browser, not the account's own tab: that one may be lent and closed by now.
        if agent is None or session is None or not session.browser.is_connected():
            raise BrowserGone("the browser is not running")
        from agent.runner import OrderAgent

        page = self._lent_tab
        self._lent_tab = None
        if page is None or page.is_closed():
            try:
                page = session.context.new_page()
            except Exception as exc:  # the browser went away meanwhile
                raise BrowserGone(type(exc).__name__) from exc
        tab_session = dataclasses.replace(session, page=page)
        tab_agent = OrderAgent(self.settings, self.ledger, agent.shop.proofs, tab_session, steps)
        if self.reading is not None and self.reading.requests_read:
            tab_agent.requests_read_earlier = self.reading.requests_as_read
        # Signed in already (the cookies are the context's): no look at the home page.
        tab_shop = tab_agent.shop
        tab_shop.signed_in = True
        tab_shop.saved_session_untried = False
        tab_shop.reached_before = True
        tab_shop.account_name = agent.shop.account_name
        return TabSession(self, tab_agent)

    def lend_own_tab(self) -> None:
        """Let the batch's first order have the account's own tab, which would otherwise
        sit idle through the batch: one renderer process fewer at the peak."""
        session = self._session
        if session is not None and not session.page.is_closed():
            self._lent_tab = session.page

    def take_back_tab(self) -> None:
        """The batch is over: the account gets a tab again if it lent its own."""
        self._lent_tab = None
        agent, session = self._agent, self._session
        if agent is None or session is None or not session.page.is_closed():
            return
        try:
            session.page = session.context.new_page()
        except Exception as exc:  # the browser died: the next step finds out
            log.info("no new tab after the batch", error=type(exc).__name__)
            return
        agent.shop.use_page(session.page)

    def fresh_tab(self) -> None:
        """Give the next order a new tab and close the one the last order used.

        One tab serving a whole batch keeps growing with every page it showed (80 MB
        to 240 MB over 20 orders); the context, with the signed-in cookies, stays.
        """
        agent, session = self._agent, self._session
        if agent is None or session is None or session.known_gone():
            return
        used = session.page
        session.page = session.context.new_page()
        agent.shop.use_page(session.page)
        try:
            used.close()
        except Exception as exc:  # the new tab is what matters; the old one goes with the browser
            log.info("old tab not closed", error=type(exc).__name__)

    def crashed(self) -> bool:
        """Whether the browser died (crash, kill, lost connection) under the last step."""
        return self._session is not None and self._session.gone()

    def save(self) -> None:
        """Keep the signed-in session for the next pass (0600, see ``BrowserSession``)."""
        agent, session = self._agent, self._session
        if agent is None or session is None or not agent.shop.signed_in or session.known_gone():
            return
        try:
            session.save_storage(agent.shop.proofs)
            from agent.session_vault import keep_session

            keep_session(self.settings, self.ledger)
        except OrderAgentError:
            raise
        except Exception as exc:  # a lost session only costs one sign-in next time
            log.warning("session not saved", error=type(exc).__name__)

    def close(self) -> None:
        self.save()
        stack, self._stack, self._session, self._agent = self._stack, None, None, None
        if stack is None:
            return
        try:
            stack.close()
        except Exception as exc:  # closing a crashed browser may complain; it is gone anyway
            log.info("browser closed with an error", error=type(exc).__name__)

    def restart(self) -> None:
        log.warning("browser crashed or disconnected: starting a new one")
        self.steps.warn("The browser stopped: starting a new one")
        self._agent = None  # nothing of it is trusted: the next check starts from the ledger
        self.close()


class TabSession:
    """One order's tab in a batch, seen by the scheduler as an account session.

    It shares the account's context (cookies), refusal and politeness gate; it never
    restarts the browser: a crash is :class:`BrowserGone`, and the order is checked
    again after the batch.
    """

    def __init__(self, account: AccountSession, agent: OrderAgent) -> None:
        self.account = account
        self._agent = agent

    @property
    def refusal(self) -> NeedsHuman | None:
        return self.account.refusal

    @refusal.setter
    def refusal(self, refusal: NeedsHuman | None) -> None:
        self.account.refusal = refusal

    def covers(self, key: OrderKey) -> bool:
        return self.account.covers(key)

    def refused(self) -> NeedsHuman | None:
        return self.account.refused()

    def agent(self) -> OrderAgent:
        if self._agent.shop.browser.known_gone():
            raise BrowserGone("the browser stopped under a tab")
        return self._agent

    def fresh_tab(self) -> None:
        """The tab is new already."""

    def crashed(self) -> bool:
        return self._agent.shop.browser.gone()

    def restart(self) -> None:
        raise BrowserGone("the browser stopped under a tab")

    def save(self) -> None:
        """The account saves the context's session once the batch is over."""

    def close(self) -> None:
        try:
            self._agent.shop.browser.page.close()
        except Exception as exc:  # a tab of a dead browser is gone anyway
            log.info("tab not closed", error=type(exc).__name__)
