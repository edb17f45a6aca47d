"""The one order-number normaliser: every spelling of an order gives one core."""

from __future__ import annotations

import pytest

from agent.cli import normalize_order_number
from agent.ledger import OrderKey
from flows.matching import order_number_core, order_number_in_text
from ordercore.errors import UsageError
from ordercore.order_numbers import normalise_order_number

SPELLINGS = [
    ("70001", "70001"),
    ("#70001", "70001"),
    ("# 70001", "70001"),
    ("  70001 ", "70001"),
    ("MK-70001", "70001"),
    ("#MK-70001", "70001"),
    ("mk-70001", "70001"),
    ("MK70001", "70001"),
    ("mk70001", "70001"),
    ("MK 70001", "70001"),
    ("Order #70001", "70001"),
    ("order no. 70001", "70001"),
    ("Order No. MK-70001", "70001"),
    ("No. 70001", "70001"),
    ("Order Number 70001", "70001"),
    ("W123456", "123456"),
    ("ORD-2024-001", "2024-001"),
    ("#W-2024-118", "2024-118"),
    ("112-3456789-0123456", "112-3456789-0123456"),
    ("A1B2-33", "A1B2-33"),
    ("a1b2-33", "A1B2-33"),
    ("ab12", "AB12"),  # too few digits for "ab" to be a prefix: the number itself
    ("R1234567", "1234567"),
]


@pytest.mark.parametrize(("given", "core"), SPELLINGS)
def test_every_spelling_gives_one_core(given: str, core: str) -> None:
    assert normalise_order_number(given) == core


@pytest.mark.parametrize(("given", "core"), SPELLINGS)
def test_command_line_ledger_and_flows_agree(given: str, core: str) -> None:
    assert normalize_order_number(given) == core
    assert OrderKey("https://shop.example/", "jane@example.com", given).number == core
    assert order_number_core(given) == core


@pytest.mark.parametrize(
    "given",
    ["", "   ", "#", "MK-", "70 001", "70001; rm -rf /", "../70001", "abc", "7" * 41,
     "70001-", "-70001", "70\u200b001", "\x1b[31m70001", "70001/", "７００１"],
)  # fmt: skip
def test_what_is_not_an_order_number_is_one_line_exit_2(given: str) -> None:
    with pytest.raises(UsageError) as raised:
        normalise_order_number(given)
    assert raised.value.exit_code == 2
    assert "\n" not in str(raised.value)


def test_text_from_a_page_never_raises() -> None:
    assert order_number_core(" #abc ") == "abc"


@pytest.mark.parametrize("typed", ["MK70001", "70001", "#MK-70001", "mk 70001"])
def test_every_spelling_finds_the_order_as_the_shop_shows_it(typed: str) -> None:
    wanted = order_number_in_text(typed)
    assert wanted.search("Order #MK-70001")
    assert wanted.search("View order 70001")
    assert not wanted.search("Order #MK-700011")
    assert not wanted.search("Order #170001")
