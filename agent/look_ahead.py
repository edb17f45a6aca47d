"""A one-shot cancellation's second tab: the Support Requests list and the contact form
read while the first tab reads the order.

Those are only read (GETs), in a second tab of the same context: the page loads
overlap instead of following each other. What the second tab found is used only if
the order is to be cancelled (``agent.cancel_step`` carries on in it); if it failed
(signed out, a slow page), the usual path reads it all again, one after another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from agent.ledger import IntentKind, OrderKey
from agent.logs import get_logger
from ordercore.models import CommandOptions, Goal, Order, OrderStatus

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from agent.shop_session import ShopSession
    from flows.results import SupportRequest
    from flows.site import RetailerSite

log = get_logger("agent.look_ahead")


@dataclass
class Ahead:
    """A second tab reading what a cancellation needs while the first reads the order."""

    page: Page
    site: RetailerSite
    ready: bool = False  # it read the open requests and opened the contact form
    requests: list[SupportRequest] | None = None
    taken: bool = False  # the agent carries on in it

    def take(self, shop: ShopSession) -> None:
        """Carry on in this tab (its contact form is open); the other one closes."""
        shop.take_tab(self.page, self.site)
        self.taken = True

    def close(self) -> None:
        if self.taken:
            return
        try:
            self.page.close()
        except Exception as exc:  # it goes with the browser anyway
            log.info("look-ahead tab not closed", error=type(exc).__name__)


def worth_looking_ahead(
    shop: ShopSession, key: OrderKey, goal: Goal, options: CommandOptions
) -> bool:
    """A cancellation that may be sent this run: its pages are worth loading early.

    Only when both addresses are remembered (a data dir that sent a request before),
    and not when the ledger already saw the order past processing (shipped,
    cancelled): the shop is then asked for nothing it will not need.
    """
    if goal is not Goal.CANCEL or options.dry_run:
        return False
    from flows.remembered import CONTACT, SUPPORT_REQUESTS

    remembered = shop.site.remembered
    if not (remembered.get(SUPPORT_REQUESTS) and remembered.get(CONTACT)):
        # A new data dir knows neither address: the second tab would start from the home
        # page (three loads, each with its dialogs, while the first tab is busy too).
        return False
    tracked = shop.ledger.get(key)
    seen = tracked.last_status if tracked is not None else None
    if seen not in (None, OrderStatus.PROCESSING, OrderStatus.UNKNOWN):
        return False
    return shop.ledger.has_sent(key, IntentKind.CANCELLATION_REQUEST) is None


def open_order_looking_ahead(shop: ShopSession, number: str) -> tuple[Order, Ahead]:
    """The order, with its cancellation's Support Requests list and contact form read in a
    second tab meanwhile (``Ahead.ready`` when that worked)."""
    from flows.together import Done, run_together

    page = shop.browser.context.new_page()
    ahead = Ahead(page, shop.new_site(page, shop.site.remembered))
    order_read, ahead_read = run_together(
        page,
        [lambda: shop.open_order(number), ahead.site.prepare_cancellation],
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
