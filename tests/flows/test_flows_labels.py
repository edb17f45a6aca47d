"""Label validation and the atomic 0600 save, on real PDF bytes."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from fixtures.pdf import label_pdf
from flows.labels import keep_label, validate_label
from ordercore.errors import LabelInvalid


def a_label(return_number: str = "RA-123456", order: str = "MK-70004") -> bytes:
    return label_pdf(
        store_name="Test Store",
        return_number=return_number,
        return_label="Return Authorization",
        order_number=order,
        order_label="Order",
        items=["Blue Mug"],
        customer="Jane Shopper",
    )


def test_a_label_that_mentions_the_return_number_is_kept_with_mode_0600(tmp_path: Path):
    dest = tmp_path / "labels" / "70004.pdf"
    assert keep_label(a_label(), dest, expect=["RA-123456"]) == dest
    assert dest.read_bytes().startswith(b"%PDF-")
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert [p.name for p in dest.parent.iterdir()] == ["70004.pdf"]


def test_the_order_number_is_enough_and_a_hash_is_ignored():
    validate_label(a_label(), expect=["#MK-70004"])


@pytest.mark.parametrize(
    ("data", "expect"),
    [
        (b"<html>Sign in</html>", ["RA-123456"]),
        (b"%PDF-1.4 then garbage", ["RA-123456"]),
        (a_label(return_number="RA-999999", order="MK-70001"), ["RA-123456", "MK-70004"]),
    ],
    ids=["html", "broken-pdf", "someone-elses-label"],
)
def test_anything_else_is_refused_and_nothing_is_written(tmp_path: Path, data: bytes, expect):
    dest = tmp_path / "label.pdf"
    with pytest.raises(LabelInvalid):
        keep_label(data, dest, expect=expect)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_label_is_replaced_whole(tmp_path: Path):
    dest = tmp_path / "label.pdf"
    dest.write_bytes(b"old")
    keep_label(a_label(), dest, expect=["RA-123456"])
    assert dest.read_bytes() == a_label()
