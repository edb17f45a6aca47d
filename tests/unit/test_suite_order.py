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


def test_each_long_test_heads_a_share_of_its_own_longest_first() -> None:
    items = [f"t{number}" for number in range(100)]
    long = [("t40", 100.0), ("t97", 300.0), ("t99", 200.0)]
    ordered = long_first(items, long, workers=3)

    assert sorted(ordered) == sorted(items)
    assert [share[0] for share in _shares(ordered, 3)] == ["t97", "t99", "t40"]
    others = [item for item in items if item not in ("t97", "t40", "t99")]
    assert [item for item in ordered if item not in ("t97", "t40", "t99")] == others


def test_more_long_tests_than_workers_go_where_the_fewest_long_seconds_are() -> None:
    items = [f"t{number}" for number in range(10)]
    long = [("t9", 220.0), ("t8", 160.0), ("t7", 100.0), ("t6", 100.0)]
    ordered = long_first(items, long, workers=3)

    assert sorted(ordered) == sorted(items)
    shares = _shares(ordered, 3)
    assert [shares[0][:1], shares[1][:1], shares[2][:2]] == [["t9"], ["t8"], ["t7", "t6"]]


def test_one_process_runs_the_long_tests_first_longest_first() -> None:
    items = ["a", "b", "c", "d"]
    assert long_first(items, [("b", 1.0), ("c", 2.0)], workers=1) == ["c", "b", "a", "d"]
