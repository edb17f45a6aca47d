"""`order-agent doctor`: a read-only check of a shop, row by row, with the profile lines to add."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from fixtures.regions import US, US_STATUS_WORDS, unguessable
from fixtures.server import ShopServer
from tests.support.people import PASSWORD

from .conftest import OrderAgent

STEPS = [
    "sign-in link",
    "sign-in form",
    "signed in",
    "order list",
    "order",
    "order status",
    "return entry",
    "contact link",
    "contact topic",
    "cancel option",
    "order number field",
    "e-mail field",
]
WAREHOUSE_WORD = replace(
    US, prefix="doctor-bp", status_words={**US_STATUS_WORDS, "processing": "With the warehouse"}
)


def _rows(report: dict) -> dict[str, dict]:
    return {row["step"]: row for row in report["rows"]}


@pytest.mark.parametrize(
    ("region", "sign_in", "contact", "names"),
    [
        ("us", "link 'Sign In' in the header", "link 'Contact Us' in the footer",
         ["first name field", "last name field"]),
        ("uk", "link 'Log in' in the header",
         "link 'Customer Service' in the footer, then link 'Contact us' in the main content",
         ["name field"]),
    ],
)  # fmt: skip
def test_doctor_finds_every_step_on_the_fixture_stores(
    order_agent: OrderAgent, monkeypatch: pytest.MonkeyPatch, shop: ShopServer,
    region: str, sign_in: str, contact: str, names: list[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("ORDER_AGENT_PROFILE", f"maison-kora-{region}")

    checked = order_agent("doctor", "--json", region=region)

    assert checked.code == 0, checked.stdout
    report = checked.json
    rows = _rows(report)
    assert list(rows)[: len(STEPS)] == STEPS
    assert [row["step"] for row in report["rows"] if not row["found"]] == []
    assert rows["sign-in link"]["matched"] == sign_in
    assert rows["contact link"]["matched"] == contact
    assert all(rows[name]["found"] for name in names)
    assert rows["return entry"]["url"].startswith(shop.region_url(region))
    words = {w["words"]: w["status"] for w in report["status_words"]}
    assert words["Delivered"] == "delivered"
    assert words["On Hold"] == "unknown"  # seeded outside the contract: listed, not a miss
    assert report["missed"] == 0 and report["outcome"] == "done"
    assert shop.inbox(region) == [] and shop.returns(region) == []  # nothing was sent
    assert PASSWORD not in checked.stdout + checked.stderr


def test_doctor_prints_rows_for_a_person(order_agent: OrderAgent, monkeypatch) -> None:
    monkeypatch.setenv("ORDER_AGENT_PROFILE", "maison-kora-us")

    checked = order_agent("doctor", "70004")

    assert checked.code == 0
    assert "✓ sign-in link" in checked.stdout
    assert "link 'Order #MK-70004' in the main content" in checked.stdout
    assert "'Delivered' → delivered" in checked.stdout
    assert "Status words on the order list:" in checked.stdout
    assert "All 16 steps found." in checked.stdout


def test_an_unknown_status_word_is_a_miss_with_the_profile_line_that_teaches_it(
    order_agent: OrderAgent, monkeypatch: pytest.MonkeyPatch, shop: ShopServer,
    data_dir: Path, tmp_path: Path,
) -> None:  # fmt: skip
    shop.add_region(WAREHOUSE_WORD)

    checked = order_agent("doctor", "70001", "--json", region="doctor-bp")

    assert checked.code == 3
    report = checked.json
    rows = _rows(report)
    missed = [row["step"] for row in report["rows"] if row["found"] is False]
    assert missed == ["order status"]
    row = rows["order status"]
    assert row["matched"].startswith("'With the warehouse' → unknown")
    assert row["add_to_profile"] == [
        '[status] "With the warehouse" = "…"  # processing, shipped, delivered, cancelled, '
        "return_started, returned or refunded"
    ]
    assert Path(row["screenshot"]).parent == data_dir / "doctor"
    assert Path(row["screenshot"]).read_bytes().startswith(b"\x89PNG")
    assert {"order": "MK-70001", "words": "With the warehouse", "status": "unknown"}.items() <= (
        next(w for w in report["status_words"] if w["words"] == "With the warehouse").items()
    )
    assert '[status]\n"With the warehouse" = "…"' in report["profile_lines"]
    profile_path = tmp_path / "config" / "order-agent" / "profiles" / "127.0.0.1.toml"
    assert report["profile_file"] == str(profile_path)

    # The line, filled in, teaches it: the doctor and the agent read the word now.
    profile_path.parent.mkdir(parents=True)
    profile_path.write_text('[status]\n"With the warehouse" = "processing"\n', encoding="utf-8")
    again = order_agent("doctor", "70001", "--json", region="doctor-bp")
    assert again.code == 0, again.stdout
    assert _rows(again.json)["order status"]["matched"].startswith(
        "'With the warehouse' → processing"
    )
    status = order_agent("status", "70001", "--json", region="doctor-bp")
    assert (status.code, status.json["status"], status.json["raw_status"]) == (
        0,
        "processing",
        "With the warehouse",
    )


HIDDEN_WAYS = replace(
    US,
    prefix="doctor-paths",
    paths=unguessable(US.paths),  # nor addresses to guess them by
    sign_in_link="Members area",
    order_list_link="Purchases",
    contact_link="Reach the team",
)
PATHS_PROFILE = """\
[paths]
sign_in = "member/enter"
orders = "member/purchases"
contact = "write-us"
"""


def test_a_shop_that_hides_its_ways_in_is_taught_by_the_profiles_start_paths(
    order_agent: OrderAgent, monkeypatch: pytest.MonkeyPatch, shop: ShopServer, tmp_path: Path
) -> None:
    shop.add_region(HIDDEN_WAYS)

    untaught = order_agent("doctor", "--json", region="doctor-paths")

    assert untaught.code == 3
    rows = _rows(untaught.json)
    assert rows["sign-in link"]["found"] is False
    assert (
        '[paths] sign_in = "/…"  # the path of the sign-in page'
        in (rows["sign-in link"]["add_to_profile"])
    )
    assert rows["order list"]["found"] is None  # not reached
    assert "Members area" in rows["sign-in link"]["seen_on_page"]  # what to put in the profile

    profile = tmp_path / "paths.toml"
    profile.write_text(PATHS_PROFILE, encoding="utf-8")
    monkeypatch.setenv("ORDER_AGENT_PROFILE", str(profile))
    taught = order_agent("doctor", "--json", region="doctor-paths")

    assert taught.code == 0, taught.stdout
    rows = _rows(taught.json)
    base = shop.region_url("doctor-paths")
    assert rows["sign-in link"]["matched"] == f"the profile's start path: {base}member/enter"
    assert rows["order list"]["matched"] == f"the profile's start path: {base}member/purchases"
    assert rows["contact link"]["matched"].startswith("the profile's start path: ")

    status = order_agent("status", "70001", "--json", region="doctor-paths")
    assert (status.code, status.json["status"]) == (0, "processing")


def test_doctor_says_only_what_it_saw_on_a_shop_without_returns_or_list_statuses(
    order_agent: OrderAgent, shop: ShopServer
) -> None:
    # No statuses on the order list, no online returns, the order page's status as a badge.
    shop.add_region(
        replace(
            US,
            prefix="doctor-quiet",
            list_shows_status=False,
            returns_offered=False,
            status_layout="heading",
            items_layout="table_totals",
            promo_dialog=False,
        )
    )

    checked = order_agent("doctor", "--json", region="doctor-quiet")
    rows = _rows(checked.json)

    status = rows["order status"]
    assert status["found"] is True
    assert "badge by the order's heading" in status["matched"]
    # Items counted as the order has them: its totals rows are no items.
    [opened] = re.findall(r"Order #MK-(\d+)", rows["order"]["matched"])
    count = len(shop.order_items("doctor-quiet", opened))
    assert f", {count} item{'s' if count != 1 else ''}" in status["matched"], status["matched"]
    # The return entry is either checked on a delivered order, with no profile line where the
    # page names no return at all, or not checked and said so: never "All steps found".
    entry = rows["return entry"]
    assert entry["found"] is not True
    assert entry["add_to_profile"] == []
    printed = order_agent("doctor", region="doctor-quiet")
    assert "All " not in printed.stdout
    assert "not checked" in printed.stdout or "may not offer returns online" in printed.stdout
