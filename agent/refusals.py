"""What a person is told when the decision table says a person has to act.

An unknown or unclear status (what was seen, a picture, the profile line that would
teach the word), or a refused return (why, and the next step: another order-agent
command, else the shop's customer service with its phone number).
"""

from __future__ import annotations

from agent.decisions import REFUSED_BECAUSE, Decision, Refusal
from agent.messages import unclear_status_message, unknown_status_message
from agent.shop_session import ShopSession
from agent.site_profiles import STATUS_VALUES
from ordercore.errors import NeedsHuman, ReturnRefused, UnknownStatus
from ordercore.models import Order, OrderStatus


def person_needed(shop: ShopSession, order: Order, decision: Decision) -> NeedsHuman:
    """The error that stops the run, with its evidence and the way out."""
    if order.status is OrderStatus.UNKNOWN:
        phone = shop.phone()
        shot = shop.screenshot(order, "unknown-status")
        evidence = order.status_evidence
        if evidence is not None and (evidence.conflict or not evidence.taken):
            return UnknownStatus(
                unclear_status_message(order.number, evidence),
                raw_status=order.raw_status,
                hint="look at the order on the shop's site, or call customer service",
                phone=phone,
                evidence=str(shot),
                status_details=evidence.to_json(),
            )
        return UnknownStatus(
            unknown_status_message(order.number, order.raw_status or ""),
            raw_status=order.raw_status,
            status_details=evidence.to_json() if evidence is not None else None,
            hint="look at the order on the shop's site, or call customer service; "
            f"to teach it, add to {shop.profile_file()}: "
            f'[status] "{order.raw_status}" = "<one of {", ".join(STATUS_VALUES)}>"',
            phone=phone,
            evidence=str(shot),
        )
    refusal = decision.refusal or Refusal.UNKNOWN_STATUS
    refused = ReturnRefused(
        f"order {order.number} {REFUSED_BECAUSE[refusal]}",
        hint=_clause(decision.next_step) if decision.next_step else None,
    )
    if refusal is Refusal.NO_RETURN_ENTRY:
        # What the page lacks is the finding: its picture is the proof.
        refused.evidence = str(shop.screenshot(order, "no-return-entry"))
    # The way out is another order-agent command, not a call: no phone number then.
    refused.ask_shop = not decision.by_command
    if refused.ask_shop:
        refused.phone = shop.phone()
    return refused


def _clause(sentence: str) -> str:
    """A sentence as the hint clause the CLI prints after a message: no capital, no full stop."""
    return (sentence[:1].lower() + sentence[1:]).rstrip(".")
