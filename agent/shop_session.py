"""The signed-in shop one order's steps work in: its tab, signing in, safe steps, proof.

A :class:`ShopSession` is what every step of an order receives: the engine on the tab in
use (``site``), signing in (a saved session tried once, else the sign-in form, never
twice with credentials the shop refused), steps that send nothing repeated through
transient failures and a sign-out (``safe_step``), the order read, the name to sign a
request with, the shop's phone number and pictures of the page. It never decides and
never sends: the steps do (``agent.cancel_step``, ``agent.chat_step``,
``agent.return_step``), through the write-ahead path it hands them (``submitter``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from agent.credentials import configured_fingerprint
from agent.ledger import Ledger
from agent.logs import get_logger
from agent.one_time_codes import one_time_codes
from agent.output import StepPrinter
from agent.receipts import ProofStore
from agent.retries import retrying
from agent.settings import Settings, env_name
from agent.shop_browser import BrowserSession, engine_imported
from agent.site_profiles import candidate_paths, site_profile
from agent.submitting import Submission, Submitter
from ordercore.errors import (
    ConfigError,
    CredentialsRejected,
    NameNotResolved,
    NeedsHuman,
    OrderAgentError,
    OrderNotFound,
    SessionExpired,
    SiteNotUnderstood,
    SiteUnavailable,
)
from ordercore.models import Order

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from flows.site import RetailerSite

log = get_logger("agent.shop_session")
T = TypeVar("T")


class ShopSession:
    """One signed-in (or about to sign in) account on one shop, in one tab."""

    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        proofs: ProofStore,
        browser: BrowserSession,
        steps: StepPrinter,
    ) -> None:
        assert settings.site_url and settings.email and settings.password
        self.settings = settings
        self.ledger = ledger
        self.proofs = proofs
        self.browser = browser
        self.steps = steps
        self.signed_in = False
        self.account_name: str | None = None  # as the shop shows it, once read
        self.profile = site_profile(settings)
        self.site: RetailerSite = self.new_site(
            browser.page, ledger.remembered_urls(settings.site_url)
        )
        # A session saved by an earlier run is tried once before signing in: see ensure_signed_in.
        self.saved_session_untried = browser.storage_path.is_file()
        # Whether this data dir ever reached the shop (a saved session, pages remembered):
        # a host name that does not resolve is then DNS trouble, else most likely a typo.
        self.reached_before = self.saved_session_untried or bool(self.site.remembered)

    # -- the tab ---------------------------------------------------------

    def new_site(self, page: Page, remembered: dict[str, str]) -> RetailerSite:
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
            safe_step=self.safe_step,
        )

    def use_page(self, page: Page) -> None:
        """Carry on in ``page``, a new tab of the same context (cookies, remembered URLs stay)."""
        self.site = self.new_site(page, self.site.remembered)

    def take_tab(self, page: Page, site: RetailerSite) -> None:
        """Carry on in ``page`` (another tab's engine, ``site``, with its page as it is);
        close the tab used so far."""
        used = self.browser.page
        self.site = site
        self.browser.page = page
        try:
            used.close()
        except Exception as exc:  # the tab in use is what matters; this one goes with the browser
            log.info("order tab not closed", error=type(exc).__name__)

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
            self.browser.tracer.start()
            return
        self.sign_in()

    def _order_reachable_directly(self) -> bool:
        from flows.remembered import ORDER_LIST

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
        self.browser.tracer.stop()
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
        self.browser.tracer.start()
        self.steps.done("Signed in")

    def _name_here(self) -> str | None:
        try:
            return self.site.shopper_name(visit_account_page=False)
        except OrderAgentError:
            return None

    # -- steps that send nothing -------------------------------------------

    def safe_step(self, step: Callable[[], T]) -> T:
        """A step that sends nothing: retried through transient failures, signed in again."""
        return retrying(lambda: self.with_session(step))

    def with_session(self, step: Callable[[], T]) -> T:
        """Run a safe step; if the site signed us out meanwhile, sign in again and repeat it."""
        try:
            return step()
        except SessionExpired:
            log.info("signed out by the site; signing in again")
            self.steps.warn("The shop signed us out; signing in again")
            self.sign_in()
            return step()

    def submitter(self) -> Submitter:
        """The write-ahead submit path, on the tab in use."""
        return Submitter(self.ledger, self.site, self.phone, safe_read=self.safe_step)

    def signed_out_while_sending(
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

    # -- the order -------------------------------------------------------

    def open_order(self, number: str) -> Order:
        with self.steps.progress(f"Opening order {number}"):
            order = retrying(lambda: self.with_session(lambda: self._open_order(number)))
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

    # -- what the shop says about the shopper and itself --------------------

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

    def screenshot(self, order: Order, what: str) -> Path | None:
        """A picture of the tab's viewport, kept with the order's proof; ``None`` if it
        could not be taken (proof is best effort: the action already happened)."""
        page = self.browser.page
        try:
            png = page.screenshot(
                # The viewport: the confirmation or label link just reached is in view.
                # Password and code fields never reach a picture.
                mask=[
                    page.locator("input[type=password]"),
                    page.locator("input[autocomplete=one-time-code]"),
                ],
            )
        except Exception as exc:
            log.warning("screenshot failed", what=what, error=type(exc).__name__)
            return None
        return self.proofs.save_screenshot(order.number, what, png)
