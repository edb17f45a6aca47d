"""The caps on a shop's answers: settings, and the one place references are cleaned."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agent.settings import Settings
from flows import limits
from flows.limits import Limits, quoted_words, shown_size, without_control_characters
from flows.matching import reference_in
from flows.vocabulary import DEFAULT_VOCABULARY


@pytest.fixture(autouse=True)
def default_limits() -> Iterator[None]:
    limits.use(Limits())
    yield
    limits.use(Limits())


def test_every_cap_is_a_setting_with_the_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    values = {
        "LABEL_MAX_BYTES": "1234",
        "LABEL_TIMEOUT_MS": "5000",
        "PDF_MAX_DECOMPRESSED_BYTES": "999999",
        "PAGE_MAX_BYTES": "4321",
        "STATUS_MAX_CHARS": "50",
        "REFERENCE_MAX_CHARS": "12",
    }
    for name, value in values.items():
        monkeypatch.setenv(f"ORDER_AGENT_{name}", value)
    assert Settings().limits() == Limits(
        label_max_bytes=1234,
        label_timeout_ms=5000,
        pdf_max_decompressed_bytes=999_999,
        page_max_bytes=4321,
        status_max_chars=50,
        reference_max_chars=12,
    )
    assert Settings.model_fields.keys() >= {name.lower() for name in values}


def test_control_and_format_characters_are_removed_and_breaks_become_spaces() -> None:
    assert without_control_characters("CS-48\u200b29\x0713\x00") == "CS-482913"
    assert without_control_characters("a\nb\tc\x1b[2Jd") == "a b c[2Jd"


def test_a_reference_is_found_across_control_characters_and_only_within_its_cap() -> None:
    pattern = DEFAULT_VOCABULARY.confirmation_pattern
    assert reference_in("Your case number is CS-48\u200b2913.", pattern) == "CS-482913"
    assert reference_in("Your case number is CS-" + "7" * 10_000, pattern) is None
    limits.use(Limits(reference_max_chars=8))
    assert reference_in("Your case number is CS-482913.", pattern) is None


def test_a_page_s_words_are_quoted_bounded_a_broken_number_never_whole() -> None:
    said = quoted_words("Thank you!\nYour case number is CS-" + "7" * 10_000 + "\x1b[2J")
    assert said == "Thank you! Your case number is CS-" + "7" * 17 + "… (10,006 characters)"
    assert quoted_words("Your enquiry has been successfully sent.") == (
        "Your enquiry has been successfully sent."
    )
    assert quoted_words(" \n ") is None
    long = quoted_words("sent " * 1_000)
    assert long is not None and len(long) <= 201 and long.endswith("…")


def test_sizes_read_like_a_person_would_say_them() -> None:
    assert [shown_size(n) for n in (100, 1_500, 52_428_800, 2_147_483_648)] == [
        "100 bytes",
        "2 kB",
        "52.4 MB",
        "2.1 GB",
    ]
