"""The one way an order number is read, wherever it comes from.

The shopper types it (``#MK-70001``, ``order no. 70001``, ``mk70001``), the
ledger keys orders by it, and the flows look for it in link names and page
text that may show a shop prefix (``MK-70001``) or none (``70001``). All of
them use ``normalise_order_number``: one spelling of an order gives one core.

The rules, in order:

1. surrounding space goes, then a leading "Order", "No."/"Number" and "#";
2. a short all-letter shop prefix (1-6 letters, then "-", a space or nothing)
   goes when what follows is digits (dashes inside allowed) with at least
   three digits: ``MK-70001``, ``MK70001``, ``ORD-2024-001`` -> ``70001``,
   ``70001``, ``2024-001``; letters mixed with digits are the number itself
   (``A1B2-33``, ``AB12`` stay);
3. the result is upper-cased and must be letters, digits and inner dashes, at
   most 40 characters, with at least one digit.
"""

from __future__ import annotations

import re

from ordercore.errors import UsageError

MAX_LENGTH = 40

_ORDER_WORDS = re.compile(r"^(?:order\b\s*)?(?:(?:no\.?|number)\s*)?#?\s*", re.IGNORECASE)
_SHOP_PREFIX = re.compile(r"^[A-Za-z]{1,6}[-\s]?(?=\d[\d-]*\d$)")
_CORE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38}[A-Za-z0-9])?$")
_MIN_PREFIXED_DIGITS = 3


def _without_prefix(text: str) -> str:
    found = _SHOP_PREFIX.match(text)
    if found is None:
        return text
    rest = text[found.end() :]
    if sum(char.isdigit() for char in rest) < _MIN_PREFIXED_DIGITS:
        return text
    return rest


def normalise_order_number(raw: str) -> str:
    """The order's core: ``"#MK-70001"``, ``"MK70001"``, ``"Order #70001"`` -> ``"70001"``.

    Raises ``UsageError`` (one line, exit 2) for what is not an order number.
    """
    text = raw.strip()
    core = _without_prefix(_ORDER_WORDS.sub("", text, count=1).strip())
    if not core:
        raise UsageError("the order number is empty")
    if not (core.isascii() and _CORE.fullmatch(core)) or not any(c.isdigit() for c in core):
        shown = text if len(text) <= MAX_LENGTH + 10 else text[: MAX_LENGTH + 10] + "…"
        raise UsageError(
            f"{shown!r} does not look like an order number (letters, digits and dashes, e.g. 70001)"
        )
    return core.upper()


def order_number_core(given: str) -> str:
    """``normalise_order_number`` for text read from a page: never raises.

    What is not an order number comes back trimmed, without ``#``, as it was.
    """
    try:
        return normalise_order_number(given)
    except UsageError:
        return given.strip().lstrip("#").strip()
