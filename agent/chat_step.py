"""A cancellation asked of the shop's live chat, and the proof of what the chat said.

:class:`ChatStep` is the chat's part of ``agent.cancel_step``: whether the chat is
there (``--channel chat``: the chat or nothing; auto: only a chat the page shows and
that is online), the request through the write-ahead path's chat intent, and a chat
that answered: its transcript and picture kept, the order read again when the chat
says it is cancelled. A chat that could not help hands over to the Contact Us form and
says why (``note``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from agent.channels import CHAT_CHANNEL
from agent.ledger import OrderKey
from agent.logs import get_logger
from agent.messages import chat_shortfall
from agent.redaction import scrub
from agent.results import order_result
from agent.submitting import Submission
from ordercore.errors import NeedsHuman, OrderAgentError, StorageError
from ordercore.models import Action, Channel, Order, Outcome, Result

if TYPE_CHECKING:
    from agent.shop_session import ShopSession
    from flows.chatting import ChatResult
    from flows.results import SupportRequest

log = get_logger("agent.chat_step")

FORM_INSTEAD = "run it again with --channel form (or auto) to use the Contact Us form"


class ChatStep:
    """The live chat's go at one order's cancellation request."""

    def __init__(self, shop: ShopSession, key: OrderKey, order: Order) -> None:
        self.shop = shop
        self.key = key
        self.order = order
        self.used = False  # the chat was opened (it may have opened a case)
        self.note: str | None = None  # why the form followed the chat, for the result

    def would_come_first(self, channel: str) -> bool:
        """For a dry run: whether the real command would ask the chat first (only looked
        for: a chat cannot be rehearsed without talking to the shop)."""
        if channel not in (Channel.AUTO, Channel.CHAT):
            return False
        self.shop.site.chat.use()
        return self.shop.site.chat.offered(
            self.shop.settings.optional_ms, patient=channel == Channel.CHAT
        )

    def ask(
        self,
        request: dict[str, str],
        channel: Channel,
        read_requests: Callable[[], list[SupportRequest] | None] | None,
    ) -> Submission | None:
        """Ask the shop's live chat; ``None`` when the Contact Us form is to be used.

        auto: only a chat the page shows (waited for, up to ORDER_AGENT_OPTIONAL_MS, on a
        shop where it was seen before) and that is online; a chat that could not
        help is followed by the form (once: the form's own check of Support Requests sees
        a case the chat opened). chat: the chat or nothing.
        """
        shop, order = self.shop, self.order
        settings = shop.settings
        secrets = [s.get_secret_value() for s in (settings.password, settings.totp_secret) if s]
        shop.site.chat.use(secrets)
        if channel is Channel.CHAT:
            offered = CHAT_CHANNEL.offered(shop.site, settings.look_ms)
        else:
            offered = shop.site.chat.offered(settings.optional_ms, patient=False)
        if not offered:
            if channel is Channel.CHAT:
                raise NeedsHuman(
                    f"the shop shows no live chat: nothing was sent for order {order.number}",
                    hint=FORM_INSTEAD,
                )
            return None
        self.used = True
        with shop.steps.doing("Asking the shop's live chat…"):
            chatted = shop.submitter().request_cancellation_by_chat(
                self.key, order, request, read_requests=read_requests
            )
        if chatted.submission is None:
            why = chat_shortfall(chatted.chat, tried=chatted.tried)
            if channel is Channel.CHAT:
                raise NeedsHuman(
                    f"the shop's live chat {why}: nothing else was sent for order {order.number}",
                    hint=FORM_INSTEAD,
                )
            shop.site.chat.minimise()  # an open chat may cover the form
            shop.steps.warn(f"The shop's live chat {why}; using the Contact Us form")
            self.note = f"The shop's live chat {why}, so the Contact Us form was used."
        return chatted.submission

    def noted(self, result: Result) -> Result:
        """A form's result says when the chat came first and could not help."""
        if self.note:
            result.message = f"{result.message} {self.note}"
            result.details["chat"] = self.note
        return result

    def answered(self, request: dict[str, str], chat: ChatResult) -> Result:
        """Proof of the chat (its transcript, a picture of it) and what to tell the shopper."""
        from flows.chatting import ChatOutcome

        shop, order = self.shop, self.order
        shot: Path | None = None
        png = shop.site.chat.screenshot()
        if png is not None:
            try:
                shot = shop.proofs.save_screenshot(order.number, "chat", png)
            except StorageError as exc:  # proof is best effort: the shop already acted
                log.warning("no picture of the chat", error=exc.message)
        if chat.outcome is ChatOutcome.CANCELLED:
            order = self._read_again()
        saved = shop.proofs.save_receipt(
            order.number,
            Action.CANCELLATION_REQUESTED,
            {
                "channel": CHAT_CHANNEL.name,
                "name": request["name"],
                "email": request["email"],
                "order": order.number,
                "message": request["message"],
            },
            chat.reference,
            {
                "channel": CHAT_CHANNEL.name,
                "chat_outcome": chat.outcome.value,
                "chat_said": scrub(chat.said),
                "transcript": scrub(chat.transcript),
                "screenshot": str(shot) if shot else None,
                "chat_url": chat.frame_url,
            },
        )
        details: dict[str, object] = {
            "receipt": str(saved),
            "channel": CHAT_CHANNEL.name,
            "chat_outcome": chat.outcome.value,
        }
        if chat.outcome is ChatOutcome.CANCELLED:
            shop.steps.done("The shop's live chat cancelled it")
            message = (
                f"The shop's live chat cancelled order {order.number}: "
                f'"{scrub(chat.said)}" Receipt (with the transcript): {saved}'
            )
        else:
            case = chat.reference or "(no case number shown)"
            shop.steps.done(f"Case {case} (live chat)")
            message = (
                f"Cancellation requested in the shop's live chat: case {case}. The shop cancels "
                f"it if it has not shipped; receipt (with the transcript): {saved}"
            )
        return order_result(
            order,
            Action.CANCELLATION_REQUESTED,
            Outcome.DONE,
            chat.reference,
            None,
            message,
            details,
        )

    def _read_again(self) -> Order:
        """The order as its page shows it after the chat said it is cancelled (the status
        the result reports, and that a scheduled check ends on), else as read before."""
        try:
            fresh = self.shop.open_order(self.order.number)
        except OrderAgentError as exc:  # the chat's word stands; the next check reads it
            log.info("order not read again after the chat", error=type(exc).__name__)
            return self.order
        self.shop.ledger.record_status(self.key, fresh.status, fresh.raw_status)
        return fresh
