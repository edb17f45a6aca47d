"""How much of a shop's answer the agent is willing to take: sizes, lengths and times.

A shop that goes wrong (or is hostile) can answer with a "label" of gigabytes, a
stream that never ends, a PDF that inflates to gigabytes, a page of tens of
megabytes, a status text of a megabyte or a reference number of ten thousand
characters. Each has a cap here, so time and memory stay bounded whatever comes.
The values come from ``Settings`` (``ORDER_AGENT_LABEL_MAX_BYTES`` ...), set by the
runner when it opens a site (:func:`use`); flows read them with :func:`current`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

MB = 1_000_000


@dataclass(frozen=True)
class Limits:
    label_max_bytes: int = 10 * MB  # a label file, as sent
    label_timeout_ms: int = 60_000  # the whole label transfer
    pdf_max_decompressed_bytes: int = 50 * MB  # any one stream inside the label PDF
    page_max_bytes: int = 10 * MB  # an HTML page, as announced by the shop
    status_max_chars: int = 200  # a status text; longer is not a status
    reference_max_chars: int = 40  # a case / return number; longer is not one
    # How long to look for something on a page that has loaded: long enough for
    # script-built pages, short enough that a missing link is reported quickly.
    look_ms: int = 5_000
    # How long to look for what the contract calls optional, once the document is in.
    optional_ms: int = 1_500
    # How long a form submission may take to show its outcome.
    submit_ms: int = 15_000
    # The jittered exponential wait between two tries of a step that is safe to repeat.
    retry_wait_multiplier_s: float = 0.5
    retry_wait_max_s: float = 8.0
    # Live chat: how long to wait for the chat's answer to a message, a
    # hand-over to a person included (flows/chatting.py).
    chat_wait_ms: int = 60_000


_current = Limits()


def use(limits: Limits) -> None:
    """The limits every flow applies from now on (one process, one shopper's settings)."""
    global _current
    _current = limits


def current() -> Limits:
    return _current


def without_control_characters(text: str) -> str:
    """``text`` without control and format characters (escape sequences, NULs, bells,
    zero-width spaces); line breaks and tabs become spaces."""
    return "".join(
        " " if char in "\t\n\r" else char
        for char in text
        if char in "\t\n\r" or unicodedata.category(char) not in ("Cc", "Cf")
    )


def quoted_words(text: str) -> str | None:
    """What a page said, fit to keep as proof and to quote in a message, or None.

    Control characters go and spaces are collapsed; a "word" longer than any case or
    return number (``reference_max_chars``: a number of ten thousand digits, a page's
    garbage) keeps a marked start only, and the whole is at most ``status_max_chars``.
    """
    limits = current()
    words = []
    for word in without_control_characters(text).split():
        if len(word) > limits.reference_max_chars:
            word = f"{word[: limits.reference_max_chars // 2]}… ({len(word):,} characters)"
        words.append(word)
    said = " ".join(words)
    if len(said) > limits.status_max_chars:
        said = said[: limits.status_max_chars].rstrip() + "…"
    return said or None


def shown_size(size: int) -> str:
    """``2.1 GB``, ``52.4 MB``, ``900 kB``, ``100 bytes``: sizes in messages."""
    if size >= 1000 * MB:
        return f"{size / (1000 * MB):.1f} GB"
    if size >= MB:
        return f"{size / MB:.1f} MB"
    if size >= 1000:
        return f"{size / 1000:.0f} kB"
    return f"{size} bytes"
