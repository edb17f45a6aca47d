"""The one way anything irreversible reaches a shop: check, write ahead, submit once.

Every request order-agent sends (a cancellation request, the follow-up, a return)
goes through :class:`Submitter`, used by the one-shot commands and by ``run`` /
``watch`` alike::

    check the shop   a request this ledger sent, an earlier run's unconfirmed one
                     (Support Requests), or one the shop already lists for the order
                     (sent from another data dir, or by hand): adopt it, send nothing
    write intent     ledger.begin_intent, committed before the click
    submit once      never retried: a failure that may have reached the shop stays
                     "uncertain" and is reconciled before anything is sent again
    record outcome   complete_intent / fail_intent

Nothing here decides *whether* to act (``agent.decisions`` does) or builds the
answer shown to people (``agent.runner`` does).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from agent.channels import CHAT_CHANNEL, FORM_CHANNEL, CancellationChannel
from agent.ledger import EndState, Intent, IntentKind, Ledger, OrderKey, normalise_order_number
from agent.logs import get_logger
from ordercore.errors import (
    NeedsHuman,
    SiteUnavailable,
    StatusUnconfirmed,
    TransientError,
    UsageError,
)
from ordercore.models import Order
from ordercore.steps import SafeStep, once

if TYPE_CHECKING:
    from pathlib import Path

    from flows.chatting import ChatResult
    from flows.results import CancellationReceipt, ReturnReceipt, SupportRequest
    from flows.site import RetailerSite

log = get_logger("agent.submitting")


class Receipt(Protocol):
    @property
    def reference(self) -> str | None: ...


R = TypeVar("R", bound=Receipt)


# Where an adopted or reconciled request was found (kept as the intent's ``how``).
SUPPORT_REQUESTS_PAGE = "support requests page"
ORDER_PAGE = "order page"
RETURN_REQUESTS_PAGE = "return requests page"
LIVE_CHAT = "live chat"  # the chat's own answer, this run
CHAT_SHOWN_AGAIN = "live chat (the conversation it showed again)"

# A listed case is taken as still open unless it says, in its status, that it is over.
_CLOSED_CASE = re.compile(
    r"\bstatus\b\W*(?:closed|resolved|solved|completed?|answered|declined)\b", re.IGNORECASE
)


class How(StrEnum):
    """What became of a request the caller wanted sent."""

    SENT = "sent"  # submitted now, the shop confirmed it
    ALREADY_SENT = "already_sent"  # this ledger sent it before
    RECONCILED = "reconciled"  # an earlier, unconfirmed submit did reach the shop
    ADOPTED = "adopted"  # the shop already shows one (another data dir, or by hand)


@dataclass(frozen=True)
class Submission:
    how: How
    reference: str | None
    receipt: Any = None  # the flow's receipt, only when How.SENT
    found_at: str | None = None  # where an adopted/reconciled request was seen


def unconfirmed(what: str, exc: TransientError) -> SiteUnavailable:
    """A submission that failed in transit: it may have arrived, so it is never resent blindly."""
    return SiteUnavailable(
        f"the shop did not confirm the {what}: {exc}",
        hint="it may have arrived; the next run checks before sending anything again",
    )


def same_order(shown: str | None, key: OrderKey) -> bool:
    """Whether an order number as a page shows it ("MK-70001", "#70001") is ``key``'s."""
    if not shown:
        return False
    try:
        return normalise_order_number(shown) == key.number
    except UsageError:
        return False


def open_case(requests: Sequence[SupportRequest], key: OrderKey) -> SupportRequest | None:
    """The first listed request for ``key``'s order that does not say it is closed."""
    for request in requests:
        if same_order(request.order, key) and not _CLOSED_CASE.search(request.text):
            return request
    return None


class Submitter:
    """Sends requests for one signed-in site, through the ledger's write-ahead intents."""

    def __init__(
        self,
        ledger: Ledger,
        site: RetailerSite,
        phone: Callable[[], str | None],
        *,
        safe_read: SafeStep = once,
    ) -> None:
        self.ledger = ledger
        self.site = site
        self.phone = phone
        # Reading the shop (never submitting) may be retried: the runner passes its
        # tenacity retry + sign-in-again wrapper.
        self.safe_read = safe_read

    # -- the core: write ahead, submit once, record ---------------------------------------

    def send_once(
        self,
        key: OrderKey,
        kind: IntentKind,
        payload: dict[str, Any],
        submit: Callable[[], R],
        *,
        what: str,
        details: Callable[[R], dict[str, Any]] = lambda receipt: {},
    ) -> R:
        """Write the intent, submit exactly once, record what the shop answered.

        A ``NeedsHuman`` from the flow means the form was refused before it went, a
        ``StatusUnconfirmed`` that the status read just before it failed: certainly not
        sent. Anything else may have reached the shop: the intent stays
        uncertain, and a transient failure becomes ``SiteUnavailable`` saying so.
        """
        intent = self.ledger.begin_intent(key, kind, payload)
        try:
            receipt = submit()
        except NeedsHuman as exc:
            self.ledger.fail_intent(intent, exc.message, definitely_not_sent=True)
            raise
        except StatusUnconfirmed as exc:
            # Raised before the click (the status read again failed): certainly not sent.
            self.ledger.fail_intent(intent, type(exc).__name__, definitely_not_sent=True)
            # Chained to the read's own failure: a session gone is signed in again.
            raise SiteUnavailable(
                exc.message, hint="run the command again: it reads the order afresh"
            ) from exc.__cause__
        except Exception as exc:
            self.ledger.fail_intent(intent, type(exc).__name__, definitely_not_sent=False)
            if isinstance(exc, TransientError):
                raise unconfirmed(what, exc) from exc
            raise
        self.ledger.complete_intent(intent, receipt.reference, details(receipt))
        return receipt

    # -- a cancellation request -----------------------------------------------------------

    def request_cancellation(
        self,
        key: OrderKey,
        order: Order,
        request: dict[str, str],
        *,
        filled_form: Path | None = None,
        read_requests: Callable[[], list[SupportRequest] | None] | None = None,
        channel: CancellationChannel[CancellationReceipt] = FORM_CHANNEL,
    ) -> Submission:
        """Make sure the shop has one cancellation request for ``order``, sending at most one,
        through ``channel`` (the Contact Us form unless another is named).

        ``filled_form``: where to keep a picture of what is sent, taken just before it
        goes (only when it does). ``read_requests``: the shop's open requests as read
        earlier in this run (a tab of their own), instead of reading them now.
        """
        kind = IntentKind.CANCELLATION_REQUEST
        sent = self.ledger.has_sent(key, kind)
        if sent is not None:
            return Submission(How.ALREADY_SENT, sent.reference)
        pending = [i for i in self.ledger.open_intents(key) if i.kind is kind]
        # One look at the shop's list serves both questions below.
        requests = (read_requests or (lambda: self.safe_read(self.site.support_requests)))()
        if pending:
            found = self._reconcile(key, order, pending, requests)
            if found is not None:
                return found
        case = open_case(requests or [], key)
        if case is not None:
            self.ledger.adopt_intent(key, kind, case.reference, SUPPORT_REQUESTS_PAGE)
            log.info("open request found on the shop", order=key.number, case=case.reference)
            return Submission(How.ADOPTED, case.reference, found_at=SUPPORT_REQUESTS_PAGE)
        # The form's intents keep the request as it has always been kept; another
        # channel's say which channel it went through.
        payload = request if channel is FORM_CHANNEL else {"channel": channel.name, **request}
        receipt: CancellationReceipt = self.send_once(
            key,
            kind,
            payload,
            lambda: channel.send(self.site, order, request, proof=filled_form),
            what="cancellation request",
            details=lambda receipt: {"url": receipt.url},
        )
        return Submission(How.SENT, receipt.reference, receipt)

    def _reconcile(
        self,
        key: OrderKey,
        order: Order,
        pending: list[Intent],
        requests: list[SupportRequest] | None,
    ) -> Submission | None:
        """Settle a request that an earlier run may or may not have sent."""
        if requests is None:
            self.ledger.finish(key, EndState.NEEDS_HUMAN, "earlier request unconfirmed")
            raise NeedsHuman(
                f"an earlier cancellation request for order {order.number} was interrupted "
                "and this shop has no page listing requests",
                hint="check your e-mail for a case number before asking again",
                phone=self.phone(),
            )
        match = next((r for r in requests if same_order(r.order, key)), None)
        for intent in pending:
            self.ledger.resolve_intent(
                intent.id, match.reference if match else None, SUPPORT_REQUESTS_PAGE
            )
        if match is None:
            return None
        return Submission(How.RECONCILED, match.reference, found_at=SUPPORT_REQUESTS_PAGE)

    # -- the follow-up --------------------------------------------------------------------

    def follow_up(
        self, key: OrderKey, order: Order, request: dict[str, str], case: str
    ) -> CancellationReceipt:
        """The one follow-up on case ``case`` (its own intent kind: at most one)."""
        return self.send_once(
            key,
            IntentKind.FOLLOW_UP,
            request,
            lambda: FORM_CHANNEL.send(self.site, order, request),
            what="follow-up",
            details=lambda receipt: {"url": receipt.url, "case": case},
        )

    # -- a return -------------------------------------------------------------------------

    def start_return(
        self,
        key: OrderKey,
        order: Order,
        *,
        items: Sequence[str] | None,
        reason: str | None,
    ) -> Submission:
        """Make sure the shop has one return for ``order``, starting at most one.

        The order page was just read: a label it already offers means a return is under
        way (started on the site, or from another data dir), so none is started.
        """
        kind = IntentKind.RETURN_REQUEST
        sent = self.ledger.has_sent(key, kind)
        if sent is not None:
            return Submission(How.ALREADY_SENT, sent.reference)
        if order.label_available:
            # Open intents are settled by the label's own return number (runner.fetch_label).
            log.info("return already under way on the shop", order=key.number)
            return Submission(How.ADOPTED, None, found_at=ORDER_PAGE)
        lost = [i for i in self.ledger.open_intents(key) if i.kind is kind]
        if lost and self.safe_read(lambda: self.site.return_kind(order)) == "request":
            # A request leaves no label on the order's page: the shop's list of return
            # requests says whether the lost one arrived.
            found = self._reconcile_return_request(key, order, lost)
            if found is not None:
                return found
            lost = []  # settled from the list: none of them arrived
        for intent in lost:
            # The order page shows no return, so the earlier one never landed.
            self.ledger.resolve_intent(intent.id, None, "order page shows no return")
        receipt: ReturnReceipt = self.send_once(
            key,
            kind,
            {"items": list(items or [])},
            lambda: self.site.start_return(order, items=items, reason=reason),
            what="return",
            details=lambda receipt: {
                "items": list(receipt.items),
                "kind": receipt.kind,
                "not_sent": list(receipt.not_sent),
            },
        )
        return Submission(How.SENT, receipt.reference, receipt)

    def _reconcile_return_request(
        self, key: OrderKey, order: Order, lost: list[Intent]
    ) -> Submission | None:
        """Settle a return request an earlier run may have sent, from "Product Returns"."""
        listed = self.safe_read(self.site.return_requests)
        if listed is None:
            self.ledger.finish(key, EndState.NEEDS_HUMAN, "earlier return request unconfirmed")
            raise NeedsHuman(
                f"an earlier return request for order {order.number} was interrupted and this "
                "shop has no page listing return requests",
                hint="check your e-mail for the shop's answer before asking again",
                phone=self.phone(),
            )
        match = next((r for r in listed if same_order(r.order, key)), None)
        for intent in lost:
            self.ledger.resolve_intent(
                intent.id, match.reference if match else None, RETURN_REQUESTS_PAGE
            )
        if match is None:
            return None
        return Submission(How.RECONCILED, match.reference, found_at=RETURN_REQUESTS_PAGE)

    # -- a cancellation asked in the shop's live chat -------------------------

    def request_cancellation_by_chat(
        self,
        key: OrderKey,
        order: Order,
        request: dict[str, str],
        *,
        read_requests: Callable[[], list[SupportRequest] | None] | None = None,
    ) -> ChatSubmission:
        """Ask the shop's live chat, at most once per order; the form is the caller's.

        Before anything is typed, as for the form: a request already on file (the
        ledger, the shop's Support Requests) is adopted. A chat an earlier run began and
        lost is settled from the conversation the widget shows again, else from what the
        shop shows now: the order still processing (just read) and no case listed means
        that chat did nothing. A chat that could not help is not tried again.

        ``ChatSubmission.submission`` is None when nothing is on file from the chat
        (away, a bot that could not help): the caller sends the form, or stops.
        """
        kind = IntentKind.CHAT_REQUEST
        requests = (read_requests or (lambda: self.safe_read(self.site.support_requests)))()
        lost = [i for i in self.ledger.open_intents(key) if i.kind is kind]
        pending = [
            i for i in self.ledger.open_intents(key) if i.kind is IntentKind.CANCELLATION_REQUEST
        ]
        found = self._reconcile(key, order, pending, requests) if pending else None
        case = open_case(requests or [], key) if found is None else None
        if case is not None:
            self.ledger.adopt_intent(
                key, IntentKind.CANCELLATION_REQUEST, case.reference, SUPPORT_REQUESTS_PAGE
            )
            log.info("open request found on the shop", order=key.number, case=case.reference)
            found = Submission(How.ADOPTED, case.reference, found_at=SUPPORT_REQUESTS_PAGE)
        if found is not None:
            for intent in lost:  # the lost chat's case, most likely: settled by it
                self.ledger.resolve_intent(intent.id, found.reference, SUPPORT_REQUESTS_PAGE)
            return ChatSubmission(found)
        opening = self.site.chat.opening()
        earlier = self.site.chat.earlier(order) if opening == "talk" else None
        if earlier is not None:
            # A conversation about this order shown again: this data dir's lost chat, or
            # one had elsewhere (another about another order is left for a new one).
            return _chat_shown_again(self.ledger, key, lost, earlier)
        if lost and requests is None:
            self.ledger.finish(key, EndState.NEEDS_HUMAN, "earlier chat unconfirmed")
            raise NeedsHuman(
                f"an earlier chat about order {order.number} was interrupted, the chat does "
                "not show it again and this shop has no page listing requests",
                hint="check your e-mail for a case number before asking again",
                phone=self.phone(),
            )
        for intent in lost:
            # Not shown again, no case listed, the order still processing: it did nothing.
            self.ledger.resolve_intent(intent.id, None, "no chat outcome, no case listed")
        tried = self.ledger.has_sent(key, kind) is not None
        if opening == "away" or tried:
            return ChatSubmission(None, None, tried=tried)
        result: ChatResult = self.send_once(
            key,
            kind,
            {"channel": "chat", **request},
            lambda: CHAT_CHANNEL.send(self.site, order, request),
            what="chat request",
            details=_chat_details,
        )
        if not result.useful:
            log.info("the chat could not help", order=key.number, outcome=result.outcome.value)
            return ChatSubmission(None, result)
        self.ledger.adopt_intent(key, IntentKind.CANCELLATION_REQUEST, result.reference, LIVE_CHAT)
        return ChatSubmission(Submission(How.SENT, result.reference, result), result)


@dataclass(frozen=True)
class ChatSubmission:
    """What the live chat did for a cancellation.

    ``submission``: a request now on file (sent in the chat, or found), else None;
    ``chat``: the conversation read this run, if any; ``tried``: a chat had been tried
    before without a useful answer (it is not tried again).
    """

    submission: Submission | None
    chat: ChatResult | None = None
    tried: bool = False


def _chat_shown_again(
    ledger: Ledger, key: OrderKey, lost: list[Intent], earlier: ChatResult
) -> ChatSubmission:
    """A conversation about the order the chat shows again: it settles the lost chat's
    intents, and puts its case on file when it was of use."""
    useful = earlier.useful
    reference = earlier.reference
    for intent in lost:
        ledger.resolve_intent(intent.id, reference if useful else None, CHAT_SHOWN_AGAIN)
    if not useful:
        # Nothing came of that conversation: the form is next (it adds nothing to it).
        return ChatSubmission(None, earlier, tried=True)
    ledger.adopt_intent(key, IntentKind.CANCELLATION_REQUEST, reference, CHAT_SHOWN_AGAIN)
    how = How.RECONCILED if lost else How.ADOPTED
    return ChatSubmission(Submission(how, reference, earlier, CHAT_SHOWN_AGAIN), earlier)


def _chat_details(result: ChatResult) -> dict[str, Any]:
    # The ledger keeps the outcome and the shop's words; the transcript, scrubbed, too.
    from agent.redaction import scrub

    return {
        "channel": "chat",
        "outcome": result.outcome.value,
        "said": scrub(result.said),
        "transcript": scrub(result.transcript),
    }
