"""A delivered order's return: start it (write-ahead), keep its label, or fetch the label
of a return already under way.

:class:`ReturnStep` gets the shop session and the order, sends through the session's
write-ahead path (``ShopSession.submitter``) and ends in a ``Result``
(``agent.results``). A return the shop answers with a label: the label is downloaded,
checked and kept; a return that is a request (the shop mails the label): the shop's
words and a screenshot are the proof.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from agent.ledger import IntentKind, OrderKey
from agent.logs import get_logger
from agent.receipts import ProofStore
from agent.results import dry_run_result, order_result, tracking_on_label
from agent.retries import retrying
from agent.submitting import RETURN_REQUESTS_PAGE, How, Submission
from ordercore.errors import LabelInvalid, SiteUnavailable, TransientError
from ordercore.models import Action, CommandOptions, Order, OrderStatus, Outcome, Result

if TYPE_CHECKING:
    from agent.shop_session import ShopSession
    from flows.results import ReturnReceipt

log = get_logger("agent.return_step")


def saved_label(proofs: ProofStore, number: str) -> Path | None:
    """The last return label kept for order ``number``, if any."""
    folder = proofs.order_folder(number)
    labels = sorted(folder.glob("return-label-*.pdf")) if folder.is_dir() else []
    return labels[-1] if labels else None


class ReturnStep:
    """One order's return, on one shop session."""

    def __init__(self, shop: ShopSession, key: OrderKey, order: Order) -> None:
        self.shop = shop
        self.key = key
        self.order = order

    def start(self, options: CommandOptions) -> Result:
        """Start a return of the items asked for (all returnable ones by default)."""
        shop, order = self.shop, self.order
        items = options.items or None
        if options.dry_run:
            shot = shop.proofs.screenshot_path(order.number, "return-dry-run")
            with shop.steps.doing("Filling in the return form (dry run)…"):
                receipt = shop.site.start_return(
                    order, items=items, reason=options.reason, dry_run=True, screenshot=shot
                )
            chosen = ", ".join(receipt.items) or "the items shown on the form"
            what = (
                f"asks the shop to take back {chosen} (the shop mails the label)"
                if receipt.kind == "request"
                else f"starts a return for {chosen} and saves the prepaid label"
            )
            return dry_run_result(order, what, shot, {"items": list(receipt.items)})
        with shop.steps.doing("Starting a return…"):
            submission = shop.signed_out_while_sending(
                lambda: shop.submitter().start_return(
                    self.key, order, items=items, reason=options.reason
                ),
                again=lambda: self._again(items, options.reason),
            )
        if submission.how is How.ALREADY_SENT:
            # The shop has not shown the return yet; a second one would be a duplicate.
            which = f" (reference {submission.reference})" if submission.reference else ""
            return order_result(
                order,
                Action.NONE,
                Outcome.WAITING,
                submission.reference,
                None,
                f"A return was already submitted{which}; waiting for the shop to show it.",
            )
        if submission.found_at == RETURN_REQUESTS_PAGE:
            # An earlier run's request that did arrive: no label to fetch (the shop mails it).
            which = f" ({submission.reference})" if submission.reference else ""
            return order_result(
                order,
                Action.NONE,
                Outcome.DONE,
                submission.reference,
                None,
                f"A return request{which} was already sent: the shop lists it under its "
                "return requests; it sends the label itself.",
            )
        if submission.how is not How.SENT:
            shop.steps.info("The order page already offers a return label: not starting another")
            return self.fetch_label()
        receipt = submission.receipt
        if receipt.kind == "request":
            return self._requested(receipt)
        shop.steps.done(f"Return {receipt.reference or '(no number shown)'} started")
        shot = shop.screenshot(order, "return-confirmation")
        label = self._download_label(receipt.reference)
        saved = shop.proofs.save_receipt(
            order.number,
            Action.RETURN_STARTED,
            {"items": list(receipt.items), "method": receipt.method},
            receipt.reference,
            {"label": str(label), "screenshot": str(shot), "confirmation_url": receipt.url},
        )
        return order_result(
            order,
            Action.RETURN_STARTED,
            Outcome.DONE,
            receipt.reference,
            str(label),
            f"Return {receipt.reference} started for {', '.join(receipt.items)}; "
            f"prepaid label saved: {label}",
            {"receipt": str(saved)},
            label_tracking=self._tracking(label),
        )

    def _again(self, items: Sequence[str] | None, reason: str | None) -> Submission:
        """The return, after a submit the shop answered by signing us out."""
        order = self.order
        fresh = self.shop.open_order(order.number)
        if fresh.status is not OrderStatus.DELIVERED:
            # It moved on (the lost submit may have started it): the next run settles it.
            raise SiteUnavailable(
                f"order {order.number} changed while the return was being sent "
                f"(now {fresh.raw_status!r})",
                hint="it may have arrived; the next run checks before sending anything again",
            )
        return self.shop.submitter().start_return(self.key, fresh, items=items, reason=reason)

    def _requested(self, receipt: ReturnReceipt) -> Result:
        """A return that is a request: the shop's words and a screenshot are the proof; no
        label to save (the shop mails one). Items not asked for are a person's to do."""
        shop, order = self.shop, self.order
        shot = shop.screenshot(order, "return-request")
        saved = shop.proofs.save_receipt(
            order.number,
            Action.RETURN_STARTED,
            {"items": list(receipt.items), "kind": "request"},
            receipt.reference,
            {
                "screenshot": str(shot),
                "confirmation_url": receipt.url,
                "confirmation": receipt.confirmation,
                "not_sent": list(receipt.not_sent),
            },
        )
        number = f" {receipt.reference}" if receipt.reference else ""
        shop.steps.done(f"Return{number} requested")
        said = f' (it said: "{receipt.confirmation}")' if receipt.confirmation else ""
        message = (
            f"Return requested for {', '.join(receipt.items)}{said}; the shop sends the "
            f"prepaid label itself (by e-mail or post); receipt: {saved}"
        )
        outcome = Outcome.DONE
        if receipt.not_sent:
            outcome = Outcome.NEEDS_HUMAN
            message += (
                f". Not requested: {'; '.join(receipt.not_sent)}: ask for those on the shop's "
                "site (order-agent does not send them again)"
            )
        return order_result(
            order,
            Action.RETURN_STARTED,
            outcome,
            receipt.reference,
            None,
            message,
            {"receipt": str(saved), "return_kind": "request"},
        )

    def fetch_label(self) -> Result:
        """The label of a return already under way (this ledger's, or one started elsewhere)."""
        shop, order, ledger = self.shop, self.order, self.shop.ledger
        sent = ledger.has_sent(self.key, IntentKind.RETURN_REQUEST)
        reference = sent.reference if sent else None
        label = self._download_label(reference)
        if reference is None:
            # A return started elsewhere (on the site, or by an older data dir): the
            # label itself says which return it is for.
            label, reference = self._name_after_return(label)
        for intent in ledger.open_intents(self.key):
            if intent.kind is IntentKind.RETURN_REQUEST:
                # An earlier run's return whose answer was lost: the shop shows it.
                ledger.resolve_intent(intent.id, reference, "order page shows the return")
        shot = shop.screenshot(order, "label")
        saved = shop.proofs.save_receipt(
            order.number,
            Action.LABEL_DOWNLOADED,
            {},
            reference,
            {"label": str(label), "screenshot": str(shot) if shot else None},
        )
        return order_result(
            order,
            Action.LABEL_DOWNLOADED,
            Outcome.DONE,
            reference,
            str(label),
            f"A return was already under way; its prepaid label is saved: {label}",
            {"receipt": str(saved)},
            label_tracking=self._tracking(label),
        )

    def _tracking(self, label: Path) -> str | None:
        """The parcel's tracking number from ``label``, when the order page shows none."""
        if self.order.return_tracking:
            return None
        return tracking_on_label(str(label), self.shop.site.words)

    def _name_after_return(self, label: Path) -> tuple[Path, str | None]:
        """The return number printed on ``label``, and the label renamed after it."""
        from flows.labels import pdf_text
        from flows.matching import reference_in

        text = pdf_text(label.read_bytes())
        reference = reference_in(text, self.shop.site.words.return_number_pattern)
        if reference is None:
            return label, None
        named = self.shop.proofs.label_path(self.order.number, reference)
        label.replace(named)  # same folder: the label is whole under one name or the other
        return named, reference

    def _download_label(self, reference: str | None) -> Path:
        shop, order = self.shop, self.order
        dest = shop.proofs.label_path(order.number, reference or "label")
        expect = [value for value in (reference, order.number) if value]

        def attempt() -> Path:
            return shop.site.download_label(dest, expect=expect)

        # After a failed attempt the page may have moved on: go back to the order
        # page, which keeps offering the label. A "label" that is not a PDF is often
        # the sign-in page of a session that just ended: the order page tells (once).
        def again() -> Path:
            shop.site.open_order(order.number)
            return attempt()

        with shop.steps.doing("Downloading the prepaid return label…"):
            try:
                path = attempt()
            except (TransientError, LabelInvalid):
                path = retrying(lambda: shop.with_session(again))
        shop.steps.done("Label saved")  # where: the result's Label line
        return path
