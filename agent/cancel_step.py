"""A processing order's cancellation request: sent once (write-ahead), through the channel
chosen, or found already on file.

:class:`CancellationStep` gets the shop session, the order and the options. The
channel is ``--channel``, else ORDER_AGENT_CHANNEL, else the site profile's, else auto
(``chosen_channel``): auto and chat ask the live chat first (``agent.chat_step``) and
end with the Contact Us form when the chat cannot help; a registered channel
(``agent.channels``) is that channel or nothing. Every send goes through the one
write-ahead path (``ShopSession.submitter``), so a second run never sends twice.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.channels import FORM_CHANNEL, CancellationChannel, channel_named
from agent.chat_step import FORM_INSTEAD, ChatStep
from agent.ledger import IntentKind, OrderKey
from agent.logs import get_logger
from agent.messages import cancellation_message
from agent.results import dry_run_result, order_result, request_on_file
from agent.submitting import How, Submission
from ordercore.errors import NeedsHuman, StorageError
from ordercore.models import Action, Channel, CommandOptions, Order, Outcome, Result

if TYPE_CHECKING:
    from agent.look_ahead import Ahead
    from agent.shop_session import ShopSession
    from flows.results import SupportRequest

log = get_logger("agent.cancel_step")

RequestsReader = Callable[[], "list[SupportRequest] | None"]


def chosen_channel(option: str | None, setting: str | None, profile: str | None) -> str:
    """``--channel``, else ORDER_AGENT_CHANNEL, else the site profile's, else auto."""
    return option or setting or profile or Channel.AUTO


class CancellationStep:
    """One order's cancellation request, on one shop session."""

    def __init__(self, shop: ShopSession, key: OrderKey, order: Order) -> None:
        self.shop = shop
        self.key = key
        self.order = order
        self.chat = ChatStep(shop, key, order)

    def request(
        self,
        options: CommandOptions,
        *,
        requests_read_earlier: RequestsReader | None = None,
        ahead: Ahead | None = None,
    ) -> Result:
        """Send one cancellation request (write-ahead), or find one already on file.

        ``requests_read_earlier``: the shop's open requests as a batch read them for all
        its tabs (the first try uses them). ``ahead``: a tab that already read them and
        opened the contact form (``agent.look_ahead``); the form is filled there.
        """
        shop, order = self.shop, self.order
        earlier = shop.ledger.has_sent(self.key, IntentKind.CANCELLATION_REQUEST)
        if earlier is not None:  # before a dry run too: nothing left to rehearse
            return self.on_file(Submission(How.ALREADY_SENT, earlier.reference))
        reason = options.reason or "I no longer need it"
        chosen = chosen_channel(options.channel, shop.settings.channel, shop.profile.channel)
        # auto and chat end with the form when the chat cannot help.
        sent_by = FORM_CHANNEL if chosen in (Channel.AUTO, Channel.CHAT) else channel_named(chosen)
        if sent_by is not FORM_CHANNEL and not sent_by.offered(shop.site, shop.settings.look_ms):
            # A channel named outright is that channel or nothing, as with --channel chat.
            raise NeedsHuman(
                f"the shop does not offer {sent_by.label}: nothing was sent for order "
                f"{order.number}",
                hint=FORM_INSTEAD,
            )
        # A dry run takes the real run's path up to the click: no name, no request.
        name = shop.shopper_name(required=True)
        message = cancellation_message(order=order.number, name=name, reason=reason)
        request = {
            "name": name,
            "email": shop.settings.email or "",
            "reason": reason,
            "message": message,
        }
        if options.dry_run:
            return self._rehearse(request, chosen, sent_by)
        # The confirmation page shows only a case number: the filled form, pictured just
        # before it goes, shows the order number and the message that were sent.
        form_shot = self._filled_form_path()
        read_ahead = requests_read_earlier
        if ahead is not None and ahead.ready:
            ahead.take(shop)
            requests = ahead.requests

            def read_ahead_requests() -> list[SupportRequest] | None:
                return requests

            read_ahead = read_ahead_requests

        if chosen in (Channel.AUTO, Channel.CHAT):
            by_chat = self.chat.ask(request, Channel(chosen), read_ahead)
            if by_chat is not None:
                if by_chat.how is not How.SENT:
                    return self.on_file(by_chat)
                return self.chat.answered(request, by_chat.receipt)
            if self.chat.used:
                read_ahead = None  # the chat may have opened a case: the shop is read again

        def send() -> Submission:
            # What the other tab read serves the first try only: a try after a sign-out
            # reads the shop again (the lost submit may have arrived).
            nonlocal read_ahead
            reader, read_ahead = read_ahead, None
            return shop.submitter().request_cancellation(
                self.key,
                order,
                request,
                filled_form=form_shot,
                read_requests=reader,
                channel=sent_by,
            )

        with shop.steps.doing(f"Requesting cancellation through {sent_by.label}…"):
            submission = shop.signed_out_while_sending(send, again=send)
        if submission.how is not How.SENT:
            return self.chat.noted(self.on_file(submission))
        receipt = submission.receipt
        shot = shop.screenshot(order, "cancellation-confirmation")
        by_other = {} if sent_by is FORM_CHANNEL else {"channel": sent_by.name}
        saved = shop.proofs.save_receipt(
            order.number,
            Action.CANCELLATION_REQUESTED,
            {**receipt.fields, "message": message},
            receipt.reference,
            {
                "screenshot": str(shot),
                "form_screenshot": str(form_shot) if form_shot and form_shot.is_file() else None,
                "confirmation_url": receipt.url,
                "confirmation": receipt.confirmation,
                **by_other,
            },
        )
        if receipt.reference:
            shop.steps.done(f"Case {receipt.reference}")
            sent = f"Cancellation requested: case {receipt.reference}."
        else:
            # A shop whose form answers with no reference: its words and the screenshot
            # are the proof.
            said = f' (it said: "{receipt.confirmation}")' if receipt.confirmation else ""
            shop.steps.done("Request sent (the shop gives no case number)")
            sent = f"Cancellation requested; the shop gave no case number{said}."
        return self.chat.noted(
            order_result(
                order,
                Action.CANCELLATION_REQUESTED,
                Outcome.DONE,
                receipt.reference,
                None,
                f"{sent} The shop cancels it if it has not shipped; receipt: {saved}",
                {"receipt": str(saved)} | by_other,
            )
        )

    def _rehearse(
        self, request: dict[str, str], chosen: str, sent_by: CancellationChannel[Any]
    ) -> Result:
        """A dry run: the form filled up to the click, or what another channel would send."""
        shop, order, message = self.shop, self.order, request["message"]
        if sent_by is not FORM_CHANNEL:
            # Another channel sends as it answers: nothing to fill in ahead, nothing shown.
            return dry_run_result(
                order, f'sends this through {sent_by.label}: "{message}"', None, {}
            )
        # A chat cannot be rehearsed without talking to the shop: the form is, and the
        # result says whether the chat would come first.
        chat_first = self.chat.would_come_first(chosen)
        shot = shop.proofs.screenshot_path(order.number, "cancellation-dry-run")
        with shop.steps.doing("Filling in the contact form (dry run)…"):
            receipt = shop.site.request_cancellation(
                order, **request, dry_run=True, screenshot=shot
            )
        how = (
            "asks the shop's live chat first (it is on the page) and, if the chat cannot "
            "help, sends this"
            if chat_first
            else "sends this"
        )
        return dry_run_result(
            order,
            f'{how} through the shop\'s Contact Us form: "{message}"',
            shot,
            {"fields": receipt.fields, "chat_first": chat_first},
        )

    def on_file(self, submission: Submission) -> Result:
        """No request sent: the ledger or the shop shows one already."""
        when = None
        if submission.how is How.ALREADY_SENT:
            sent = self.shop.ledger.has_sent(self.key, IntentKind.CANCELLATION_REQUEST)
            when = sent.started_at if sent else None
        case = f" (case {submission.reference})" if submission.reference else ""
        self.shop.steps.done(f"A request is already on file{case}: nothing sent")
        return request_on_file(self.key.number, self.order, submission, when)

    def _filled_form_path(self) -> Path | None:
        """Where the filled form's picture goes; ``None`` when the proof folder is unusable
        (proof is best effort: the request still goes, the receipt step reports the folder)."""
        try:
            return self.shop.proofs.screenshot_path(self.order.number, "cancellation-form")
        except StorageError as exc:
            log.warning("no picture of the filled form", error=exc.message)
            return None
