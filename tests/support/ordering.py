"""The order tests start in under pytest-xdist: the long ones first, spread over the workers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def long_first(items: Sequence[T], long: Sequence[tuple[T, float]], workers: int) -> list[T]:
    """``items`` reordered so that the ``long`` ones (with their seconds) head the workers'
    first shares, longest first, each to the share with the fewest long seconds so far.

    ``--dist worksteal`` cuts the collection into ``workers`` contiguous shares at the
    start (share ``i`` is a ``1 / (workers - i)`` part of what is left) and later moves
    tests from the tail of the longest share to an idle worker. A long test at the head of
    a share starts at once; at the tail it would be the last thing running. The other
    tests keep their order.
    """
    workers = max(workers, 1)
    chosen = [item for item, _ in long]
    rest = [item for item in items if item not in chosen]
    heads: list[list[T]] = [[] for _ in range(workers)]
    loads = [0.0] * workers
    for item, seconds in sorted(long, key=lambda pair: -pair[1]):
        lightest = loads.index(min(loads))
        heads[lightest].append(item)
        loads[lightest] += seconds
    ordered: list[T] = []
    remaining = len(items)
    for index, head in enumerate(heads):
        size = remaining // (workers - index)
        remaining -= size
        fill = max(size - len(head), 0)
        ordered += head + rest[:fill]
        del rest[:fill]
    return ordered + rest
