"""The status words of the retailer contract: raw words a shop shows, mapped to the
canonical status through one table (woob-style, ``UNKNOWN`` for anything else), the
words that only agree with a status, and how two statuses shown together combine.

The defaults of :class:`flows.vocabulary.Vocabulary`'s status fields; a site profile
adds to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ordercore.models import OrderStatus

# woob-style: one table from the raw words a site shows to the canonical status.
CONTRACT_STATUS_WORDS: Mapping[str, OrderStatus] = MappingProxyType(
    {
        "processing": OrderStatus.PROCESSING,
        "pending": OrderStatus.PROCESSING,
        "order placed": OrderStatus.PROCESSING,
        "order received": OrderStatus.PROCESSING,
        "preparing": OrderStatus.PROCESSING,
        "shipped": OrderStatus.SHIPPED,
        "in transit": OrderStatus.SHIPPED,
        "dispatched": OrderStatus.SHIPPED,
        "out for delivery": OrderStatus.SHIPPED,
        "delivered": OrderStatus.DELIVERED,
        "cancelled": OrderStatus.CANCELLED,
        "canceled": OrderStatus.CANCELLED,
        "return started": OrderStatus.RETURN_STARTED,
        "return requested": OrderStatus.RETURN_STARTED,
        "return initiated": OrderStatus.RETURN_STARTED,
        "return in progress": OrderStatus.RETURN_STARTED,
        "returned": OrderStatus.RETURNED,
        "return received": OrderStatus.RETURNED,
        "refunded": OrderStatus.RETURNED,
        "return complete": OrderStatus.RETURNED,
        # Synonyms real shops use (see docs/shops.md, "Status words"). Only words that
        # say one thing: "Completed" is not here (shipped on one platform, delivered on
        # another); a shop teaches it in its profile.
        "being processed": OrderStatus.PROCESSING,
        "processing in progress": OrderStatus.PROCESSING,
        "awaiting fulfillment": OrderStatus.PROCESSING,
        "awaiting fulfilment": OrderStatus.PROCESSING,
        "awaiting shipment": OrderStatus.PROCESSING,
        "unfulfilled": OrderStatus.PROCESSING,
        "not yet shipped": OrderStatus.PROCESSING,
        "not shipped": OrderStatus.PROCESSING,
        "on its way": OrderStatus.SHIPPED,
        "fulfilled": OrderStatus.SHIPPED,
        # Phrases that hold a contract word but mean something else: a person decides.
        "partially shipped": OrderStatus.UNKNOWN,
        "partially fulfilled": OrderStatus.UNKNOWN,
        "partially refunded": OrderStatus.UNKNOWN,
        "partially returned": OrderStatus.UNKNOWN,
        "pending payment": OrderStatus.UNKNOWN,
        "payment pending": OrderStatus.UNKNOWN,
        "awaiting payment": OrderStatus.UNKNOWN,
        "refund pending": OrderStatus.UNKNOWN,
        "not delivered": OrderStatus.UNKNOWN,
        "returned to sender": OrderStatus.UNKNOWN,
        # A return followed to its refund. The contract's "Refunded" stays
        # ``returned``; the order reads ``refunded`` when the page shows the refund's amount
        # (``Vocabulary.refund_pattern``) or one of these words, which say only that.
        "return in transit": OrderStatus.RETURN_STARTED,
        "return shipped": OrderStatus.RETURN_STARTED,
        "awaiting return": OrderStatus.RETURN_STARTED,
        "refund issued": OrderStatus.REFUNDED,
        "refund complete": OrderStatus.REFUNDED,
        "refund completed": OrderStatus.REFUNDED,
        "refund processed": OrderStatus.REFUNDED,
        "fully refunded": OrderStatus.REFUNDED,
    }
)

# Words that settle nothing alone but agree with some statuses: a payment badge "Paid",
# an order "Completed" beside a shipment "Delivered". Read with another status they
# must agree with it; alone they are unknown.
AGREEING_STATUS_WORDS: Mapping[str, frozenset[OrderStatus]] = MappingProxyType(
    {
        "completed": frozenset(
            {
                OrderStatus.SHIPPED,
                OrderStatus.DELIVERED,
                OrderStatus.RETURN_STARTED,
                OrderStatus.RETURNED,
                OrderStatus.REFUNDED,
            }
        ),
        "complete": frozenset(
            {
                OrderStatus.SHIPPED,
                OrderStatus.DELIVERED,
                OrderStatus.RETURN_STARTED,
                OrderStatus.RETURNED,
                OrderStatus.REFUNDED,
            }
        ),
        "paid": frozenset(
            {
                OrderStatus.PROCESSING,
                OrderStatus.SHIPPED,
                OrderStatus.DELIVERED,
                OrderStatus.RETURN_STARTED,
                OrderStatus.CANCELLED,
            }
        ),
        "authorized": frozenset(
            {OrderStatus.PROCESSING, OrderStatus.SHIPPED, OrderStatus.CANCELLED}
        ),
        "payment accepted": frozenset(
            {OrderStatus.PROCESSING, OrderStatus.SHIPPED, OrderStatus.DELIVERED}
        ),
    }
)

# How statuses read together combine (shipment + order + payment). The one table:
#   any status + cancelled         -> cancelled
#   processing + shipped           -> shipped        (the order's status lags its parcel's)
#   processing + delivered         -> delivered
#   shipped + delivered            -> delivered
#   delivered + return_started     -> return_started
#   delivered + returned           -> returned
#   return_started + returned      -> returned
#   delivered / return_started / returned + refunded -> refunded
#   a status + itself              -> that status
#   agreeing words (above)         -> must agree with the result, else unknown
#   any other pair, an unknown, or a text naming no status -> unknown
STATUS_PAIRS: Mapping[frozenset[OrderStatus], OrderStatus] = MappingProxyType(
    {
        frozenset({OrderStatus.PROCESSING, OrderStatus.SHIPPED}): OrderStatus.SHIPPED,
        frozenset({OrderStatus.PROCESSING, OrderStatus.DELIVERED}): OrderStatus.DELIVERED,
        frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED}): OrderStatus.DELIVERED,
        frozenset({OrderStatus.DELIVERED, OrderStatus.RETURN_STARTED}): OrderStatus.RETURN_STARTED,
        frozenset({OrderStatus.DELIVERED, OrderStatus.RETURNED}): OrderStatus.RETURNED,
        frozenset({OrderStatus.RETURN_STARTED, OrderStatus.RETURNED}): OrderStatus.RETURNED,
        # A return followed to its refund.
        frozenset({OrderStatus.DELIVERED, OrderStatus.REFUNDED}): OrderStatus.REFUNDED,
        frozenset({OrderStatus.RETURN_STARTED, OrderStatus.REFUNDED}): OrderStatus.REFUNDED,
        frozenset({OrderStatus.RETURNED, OrderStatus.REFUNDED}): OrderStatus.REFUNDED,
    }
)

# A status text longer than this is a sentence, not a status.
STATUS_TEXT_MAX_WORDS = 12
