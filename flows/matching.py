"""Word lists -> regular expressions for Playwright locators and for page text.

Every pattern here is also valid JavaScript: Playwright hands a Python
``re.Pattern`` (its source and its ``i``/``s``/``m`` flags) to the page, so no
``(?P<...>)`` groups, no inline flags, no ``\\Z``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from flows.limits import current as current_limits
from flows.limits import without_control_characters

# The one normaliser; re-exported: the flows take it from here.
from ordercore.order_numbers import order_number_core as order_number_core

_WORD_RUN = re.compile(r"\w+")


def _word_source(word: str) -> str:
    """A word as a regex source: inner punctuation/space runs become optional separators.

    ``"No, thanks"`` matches "No thanks" and "No, thanks"; ``"Order No."`` matches
    "Order No" and "Order No.:"; ``"×"`` keeps its symbol, having no letters.
    """
    parts = _WORD_RUN.findall(word)
    if not parts:
        return re.escape(word.strip())
    return r"\W*".join(re.escape(part) for part in parts)


def alternatives(words: Iterable[str]) -> str:
    return _alternatives(tuple(words))


@lru_cache(maxsize=512)
def _alternatives(words: tuple[str, ...]) -> str:
    sources = sorted({_word_source(word) for word in words if word.strip()}, key=len, reverse=True)
    if not sources:
        raise ValueError("an empty word list matches nothing")
    return "|".join(sources)


def names(words: Sequence[str]) -> re.Pattern[str]:
    """The whole (trimmed) name is one of ``words``, give or take punctuation.

    For ``get_by_role(..., name=...)``, ``get_by_label`` and ``get_by_text``:
    "Return" matches "Return" and "Return »" but not "Return Policy".
    """
    return re.compile(rf"^\W*(?:{alternatives(words)})\W*$", re.IGNORECASE)


def contains(words: Sequence[str]) -> re.Pattern[str]:
    """One of ``words`` appears in the text as whole words ("captcha" is not in "reCAPTCHA")."""
    return re.compile(rf"(?<!\w)(?:{alternatives(words)})(?!\w)", re.IGNORECASE)


def starts_with(words: Sequence[str]) -> re.Pattern[str]:
    """The text begins with one of ``words`` as whole words ("Reason for Blue Mug")."""
    return re.compile(rf"^\W*(?:{alternatives(words)})\b", re.IGNORECASE)


def pattern(source: str) -> re.Pattern[str]:
    """A vocabulary ``*_pattern`` field compiled the one way every flow uses it."""
    return re.compile(source, re.IGNORECASE)


def any_text() -> re.Pattern[str]:
    """Something other than whitespace: an alert that actually says something."""
    return re.compile(r"\S")


# -- order numbers -----------------------------------------------------------------------


def order_number_in_text(given: str) -> re.Pattern[str]:
    """Text that contains this order, with or without ``#`` and a shop prefix.

    "Order #70001", "View order MK-70001" and a zero-padded "Order # 000070001" match
    70001; "Order #700011" and "Order #170001" do not.
    """
    core = re.escape(order_number_core(given).lstrip("0") or "0")
    return re.compile(
        rf"(?<![A-Za-z0-9])(?:[A-Za-z]{{1,6}}-?)?0*{core}(?![A-Za-z0-9]|-[A-Za-z0-9])",
        re.IGNORECASE,
    )


def order_link_numbers(formats: Sequence[str]) -> re.Pattern[str]:
    """Group 1 of a match is the order number in a link name built from ``formats``.

    A format "Order #{number}" finds "MK-70001" in "Order #MK-70001 - placed 3 March".
    """
    number = r"#?\s*([A-Za-z]{0,6}-?[0-9][A-Za-z0-9-]*)"
    sources = []
    for fmt in formats:
        before, _, after = fmt.partition("{number}")
        head = _word_source(before) if before.strip() else ""
        tail = _word_source(after) if after.strip() else ""
        sources.append(rf"{head}\W*{number}{tail}" if head else rf"^\W*{number}\W*{tail}$")
    return re.compile("|".join(f"(?:{source})" for source in sources), re.IGNORECASE)


def first_group(found: re.Match[str]) -> str:
    """The first group that took part in the match (alternatives each have their own)."""
    return next(group for group in found.groups() if group is not None)


# "Order Reference: 70001" names an order, not a case.
_ORDER_BEFORE = re.compile(r"\border\W*$", re.IGNORECASE)


def reference_in(text: str, source: str) -> str | None:
    """Group 1 of the first match of a vocabulary reference pattern that is not an order's.

    Every case and return number the agent keeps comes through here (or through
    :func:`bounded_reference`): it ends up in file names, JSON and notifications.
    """
    text = without_control_characters(text)
    for found in re.finditer(source, text, re.IGNORECASE):
        if not _ORDER_BEFORE.search(text[: found.start()]):
            return bounded_reference(found.group(1))
    return None


def bounded_reference(found: str) -> str | None:
    """A reference the patterns found, or None when it is longer than any real one.

    The patterns only take letters, digits and dashes, so what passes is safe in a file
    name, a JSON string or a notification; a number of thousands of characters is a
    broken page, and keeping a cut-off piece of it would be keeping a wrong number.
    """
    return found if len(found) <= current_limits().reference_max_chars else None
