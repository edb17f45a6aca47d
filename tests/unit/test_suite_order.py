"""The suite's own start order (tests.support.ordering): long tests head the xdist shares."""

from __future__ import annotations

from tests.support.ordering import long_first


def _shares(items: list[str], workers: int) -> list[list[str]]:
    """The contiguous shares pytest-xdist's worksteal scheduler hands out at the start."""
    shares, start, remaining = [], 0, len(items)
    for index in range(workers):
        size = remaining // (workers - index)
        shares.append(items[start : start + size])
        start, remaining = start + size, remaining - size
    return shares


def test_each_long_test_heads_a_share_of_its_own() -> None:
    items = [f"t{number}" for number in range(100)]
    ordered = long_first(items, ["t97", "t40", "t99"], workers=3)

    assert sorted(ordered) == sorted(items)
    assert [share[0] for share in _shares(ordered, 3)] == ["t97", "t40", "t99"]
    assert [item for item in ordered if item not in ("t97", "t40", "t99")] == [
        item for item in items if item not in ("t97", "t40", "t99")
    ]


def test_more_long_tests_than_workers_start_first_in_each_share() -> None:
    items = [f"t{number}" for number in range(10)]
    ordered = long_first(items, ["t9", "t8", "t7"], workers=2)

    assert sorted(ordered) == sorted(items)
    assert [share[:2] for share in _shares(ordered, 2)] == [["t9", "t7"], ["t8", "t3"]]


def test_one_process_runs_the_long_tests_first() -> None:
    items = ["a", "b", "c", "d"]
    assert long_first(items, ["c"], workers=1) == ["c", "a", "b", "d"]
