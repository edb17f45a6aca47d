"""The one-order agent as a batch's tab uses it: the batch's reading of the shop shared.

Imported only once a batch goes in tabs (it imports the runner, hence Playwright's
world). :func:`read_ahead` is the batch's one look at the order list (every due
order's address) and at the Support Requests page;  a tab's
``OrderAgent`` takes that page's requests from it (``requests_read_earlier``) instead
of loading the page again before its first try at a cancellation request.

Reading Support Requests once per batch changes nothing the submit path decides:
it is read before any tab sends anything, the requests this batch sends are in the
ledger (``has_sent`` comes first), and an earlier run's unconfirmed request or one
sent from elsewhere is on the page already.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from agent.logs import get_logger
from agent.retries import retrying
from agent.runner import OrderAgent

if TYPE_CHECKING:
    from flows.results import SupportRequest

log = get_logger("agent.batch_tabs")


@dataclass(frozen=True)
class BatchReading:
    """What the batch read once for all its tabs."""

    # The Support Requests page as read before any tab sent anything (None: the shop
    # has no such page), or not read at all (``requests_read`` False).
    requests: list[SupportRequest] | None = None
    requests_read: bool = False

    def requests_as_read(self) -> list[SupportRequest] | None:
        """For ``OrderAgent.requests_read_earlier``: the page as the batch read it."""
        return self.requests


def read_ahead(agent: OrderAgent, numbers: Sequence[str], *, cancelling: bool) -> BatchReading:
    """Learn every due order's address from one load of the order list (into the ledger's
    remembered URLs, which each tab's agent starts from) and, when a tab may send a
    cancellation request, read the Support Requests page once.

    Best effort: whatever fails here, each tab finds its way as a single order would.
    """
    from flows.batch_reading import order_addresses

    try:
        addresses = retrying(lambda: order_addresses(agent.shop.site, numbers))
    except Exception as exc:
        log.info("order list not read ahead", error=type(exc).__name__)
    else:
        agent.shop.site.remembered.update(addresses)
        agent.shop.remember_urls()
        log.debug("order addresses read ahead", orders=len(addresses))
    if not cancelling:
        return BatchReading()
    try:
        requests = retrying(agent.shop.site.support_requests)
    except Exception as exc:
        log.info("support requests not read ahead", error=type(exc).__name__)
        return BatchReading()
    agent.shop.remember_urls()
    return BatchReading(requests, requests_read=True)
