"""The contract's words: status table, name patterns, order numbers, reference parsing."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from flows.matching import (
    contains,
    first_group,
    names,
    order_link_numbers,
    order_number_core,
    order_number_in_text,
    pattern,
)
from flows.vocabulary import DEFAULT_VOCABULARY, canonical_status
from ordercore.models import OrderStatus

V = DEFAULT_VOCABULARY


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Processing", OrderStatus.PROCESSING),
        ("Pending", OrderStatus.PROCESSING),
        ("Order Placed", OrderStatus.PROCESSING),
        ("order received", OrderStatus.PROCESSING),
        ("Preparing", OrderStatus.PROCESSING),
        ("Shipped", OrderStatus.SHIPPED),
        ("IN TRANSIT", OrderStatus.SHIPPED),
        ("Dispatched", OrderStatus.SHIPPED),
        (" Out for Delivery ", OrderStatus.SHIPPED),
        ("Delivered", OrderStatus.DELIVERED),
        ("Delivered on 3 March 2025", OrderStatus.DELIVERED),
        ("Cancelled", OrderStatus.CANCELLED),
        ("Canceled.", OrderStatus.CANCELLED),
        ("Return Started", OrderStatus.RETURN_STARTED),
        ("Return Requested", OrderStatus.RETURN_STARTED),
        ("Return Initiated", OrderStatus.RETURN_STARTED),
        ("Return in Progress", OrderStatus.RETURN_STARTED),
        ("Returned", OrderStatus.RETURNED),
        ("Return Received", OrderStatus.RETURNED),
        ("Refunded", OrderStatus.RETURNED),
        ("Return Complete", OrderStatus.RETURNED),
        ("On Hold", OrderStatus.UNKNOWN),
        ("On Hold - payment pending", OrderStatus.UNKNOWN),
        ("Undelivered", OrderStatus.UNKNOWN),
        ("", OrderStatus.UNKNOWN),
    ],
)
def test_every_contract_status_word_has_its_canonical_status(raw: str, expected: OrderStatus):
    assert canonical_status(raw) is expected


def test_a_site_with_other_status_words_needs_only_a_vocabulary_override():
    vocabulary = replace(
        V, status_words={**V.status_words, "awaiting dispatch": OrderStatus.PROCESSING}
    )
    assert canonical_status("Awaiting Dispatch", vocabulary) is OrderStatus.PROCESSING
    assert vocabulary.status_of("Shipped") is OrderStatus.SHIPPED
    assert canonical_status("Awaiting Dispatch") is OrderStatus.UNKNOWN


@pytest.mark.parametrize(
    ("words", "name", "matches"),
    [
        (V.sign_in_entry, "Sign In", True),
        (V.sign_in_entry, "  log in ", True),
        (V.sign_in_entry, "LOGIN", True),
        (V.sign_in_entry, "Sign in / Register", True),
        (V.sign_in_entry, "Sign in/Register", True),
        (V.sign_in_entry, "Sign in to see offers", False),
        (V.return_entry, "Return", True),
        (V.return_entry, "Return »", True),
        (V.return_entry, "Return Policy", False),
        (V.return_entry, "Returns", False),
        (V.promo_dismiss, "×", True),
        (V.promo_dismiss, "No thanks", True),
        (V.promo_dismiss, "No, thanks!", True),
        (V.order_number_labels, "Order No.", True),
        (V.order_number_labels, "Order No:", True),
        (V.order_number_labels, "Order # *", True),
        (V.name_labels, "Name", True),
        (V.name_labels, "First Name", False),
        (V.topic_labels, "How can we help?", True),
        (V.email_labels, "E-mail", True),
        (V.email_labels, "Email address *", True),
        (V.order_list_links, "Orders", True),
        (V.order_list_links, "Reorder", False),
    ],
)
def test_names_match_the_whole_name_give_or_take_punctuation(words, name: str, matches: bool):
    assert bool(names(words).search(name)) is matches


def test_phrases_are_found_as_whole_words():
    bot = contains(V.bot_check)
    assert bot.search("Please verify you are human to continue")
    assert bot.search("Are you a robot?")
    assert bot.search("Complete the CAPTCHA")
    assert not bot.search("This site is protected by reCAPTCHA")
    wrong = contains(V.wrong_credentials)
    assert wrong.search("That e-mail address is not recognized.")
    assert wrong.search("Invalid password")
    locked = contains(V.account_locked)
    assert locked.search("Too many attempts. Try again later.")
    assert not locked.search("Your account is unlocked")


@pytest.mark.parametrize(
    ("given", "core"),
    [("70001", "70001"), ("#70001", "70001"), ("MK-70001", "70001"), ("#mk-70001", "70001"),
     (" 70001 ", "70001"), ("A1B2", "A1B2")],
)  # fmt: skip
def test_order_number_core_drops_hash_and_shop_prefix(given: str, core: str):
    assert order_number_core(given) == core


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("Order #70001", True),
        ("Order No. 70001", True),
        ("70001", True),
        ("View order 70001", True),
        ("Order #MK-70001", True),
        ("Order #700011", False),
        ("Order #170001", False),
        ("Order #70001-2", False),
    ],
)
@pytest.mark.parametrize("given", ["70001", "#70001", "MK-70001", "#MK-70001"])
def test_an_order_is_found_in_link_names_in_every_spelling(given: str, text: str, matches: bool):
    assert bool(order_number_in_text(given).search(text)) is matches


@pytest.mark.parametrize(
    ("name", "number"),
    [
        ("Order #MK-70001", "MK-70001"),
        ("Order No. 70002 - placed March 3", "70002"),
        ("View order 70003", "70003"),
        ("70004", "70004"),
        ("Order History", None),
        ("Call 1-800-555-0199", None),
    ],
)
def test_order_numbers_are_read_from_link_names(name: str, number: str | None):
    found = order_link_numbers(V.order_link_formats).search(name)
    assert (first_group(found) if found else None) == number


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("Thanks! Your case number is CS-482913.", "CS-482913"),
        ("Thank you for getting in touch. Your reference number: REF-12345", "REF-12345"),
        ("Ticket #T1234 opened", "T1234"),
        ("Your request has been received. Request ID: 99-ABC", "99-ABC"),
        ("Case No. 5521", "5521"),
        ("Your request has been received.", None),
    ],
)
def test_confirmation_references_follow_the_contract_phrasing(text: str, reference: str | None):
    found = pattern(V.confirmation_pattern).search(text)
    assert (found.group(1) if found else None) == reference


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Return Authorization: RA-123456", "RA-123456"),
        ("RMA: R1234567", "R1234567"),
        ("Your return number is 55-1", "55-1"),
        ("Return ID #X99", "X99"),
        ("Return # RT-1", "RT-1"),
        ("Return policy: 30 days", None),
    ],
)
def test_return_numbers_follow_the_contract_phrasing(text: str, number: str | None):
    found = pattern(V.return_number_pattern).search(text)
    assert (found.group(1) if found else None) == number


def test_vocabulary_patterns_are_plain_enough_for_javascript():
    # Playwright evaluates locator regexes in the page: no Python-only syntax allowed.
    for source in (V.confirmation_pattern, V.return_number_pattern, V.preferred_reason_pattern,
                   V.placeholder_option_pattern, V.cancel_option_pattern):  # fmt: skip
        assert "(?P" not in source and "(?i" not in source and r"\Z" not in source
        re.compile(source)
