"""The order tests start in under pytest-xdist: the long ones first, one per worker."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def long_first(items: Sequence[T], long: Sequence[T], workers: int) -> list[T]:
    """``items`` reordered so that the ``long`` ones head the workers' first shares.

    ``--dist worksteal`` cuts the collection into ``workers`` contiguous shares at the
    start (share ``i`` is a ``1 / (workers - i)`` part of what is left) and later moves
    tests from the tail of the longest share to an idle worker. A long test at the head of
    a share starts at once; at the tail it would be the last thing running. The other
    tests keep their order.
    """
    workers = max(workers, 1)
    rest = [item for item in items if item not in long]
    heads = [list(long[index::workers]) for index in range(workers)]
    ordered: list[T] = []
    remaining = len(items)
    for index, head in enumerate(heads):
        size = remaining // (workers - index)
        remaining -= size
        fill = max(size - len(head), 0)
        ordered += head + rest[:fill]
        del rest[:fill]
    return ordered + rest
