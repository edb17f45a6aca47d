"""The per-shop limiter holds across processes: two processes hammer one shop's key and
the shop never has more checks in flight, or started per second, than its limit; another
shop's key is not held up by the first one being full."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable

import pytest
import redis

from agent.distributed.limiter import ShopBusy, ShopLimiter
from tests.support.services import RedisServer

pytestmark = pytest.mark.distributed

SHOP = "http://shop-a.test"
OTHER_SHOP = "http://shop-b.test"
WAIT_S = 120  # a guard against a hung child, not a speed check

# Counts the checks in flight, keeps the most seen at once, and notes the grant's time.
_ENTER = """
local now = redis.call('INCR', KEYS[1])
if now > tonumber(redis.call('GET', KEYS[2]) or '0') then redis.call('SET', KEYS[2], now) end
redis.call('RPUSH', KEYS[3], ARGV[1])
return now
"""


def _hammer(url: str, in_flight: int, per_second: float, checks: int) -> None:
    limiter = ShopLimiter(url, max_in_flight=in_flight, per_second=per_second, hold_s=60)
    client = redis.Redis.from_url(url)
    enter = client.register_script(_ENTER)
    for _ in range(checks):
        with limiter.slot(SHOP) as granted_at:
            enter(keys=["in_flight", "peak", "starts"], args=[repr(granted_at)])
            for _ in range(20):  # some real work at the "shop", so that checks could overlap
                client.incr("work")
            client.decr("in_flight")


def _in_two_processes(target: Callable[..., None], *args: object) -> None:
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=target, args=args) for _ in range(2)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(WAIT_S)
    assert [process.exitcode for process in processes] == [0, 0]


def test_two_processes_never_have_more_in_flight_than_the_limit(
    redis_server: RedisServer,
) -> None:
    _in_two_processes(_hammer, redis_server.url, 1, 1000.0, 30)

    client = redis.Redis.from_url(redis_server.url)
    assert client.llen("starts") == 60  # every check went through
    assert int(client.get("peak") or 0) == 1
    assert int(client.get("in_flight") or 0) == 0


def test_two_processes_never_start_more_per_second_than_the_limit(
    redis_server: RedisServer,
) -> None:
    per_second = 4
    _in_two_processes(_hammer, redis_server.url, 10, float(per_second), 6)

    client = redis.Redis.from_url(redis_server.url)
    starts = sorted(float(stamp) for stamp in client.lrange("starts", 0, -1))
    assert len(starts) == 12
    # The grants' own times (the Redis server's clock, stamped as each was granted).
    busiest = max(sum(1 for t in starts if first <= t < first + 1.0) for first in starts)
    assert busiest <= per_second
    assert int(client.get("peak") or 0) >= 1


def test_a_full_shop_does_not_hold_up_another_shop(redis_server: RedisServer) -> None:
    # One check in flight per shop, and one per 100 s: the first check fills shop A.
    limiter = ShopLimiter(redis_server.url, max_in_flight=1, per_second=0.01, hold_s=60)
    with limiter.slot(SHOP):
        with pytest.raises(ShopBusy), limiter.slot(SHOP, wait=False):
            pass
        with limiter.slot(OTHER_SHOP, wait=False):
            pass
    # Shop A's check is over, but its window is still full; shop B's turn is still free.
    with pytest.raises(ShopBusy), limiter.slot(SHOP, wait=False):
        pass
    other = ShopLimiter(redis_server.url, max_in_flight=1, per_second=0.01, hold_s=60)
    with other.slot("http://shop-c.test", wait=False):
        pass


def test_a_token_held_by_a_dead_worker_comes_back_after_its_deadline(
    redis_server: RedisServer,
) -> None:
    context = multiprocessing.get_context("fork")
    dead = context.Process(target=_take_and_die, args=(redis_server.url,))
    dead.start()
    dead.join(WAIT_S)
    assert dead.exitcode == 9
    limiter = ShopLimiter(redis_server.url, max_in_flight=1, per_second=1000, hold_s=1)
    with pytest.raises(ShopBusy), limiter.slot(SHOP, wait=False):
        pass
    with limiter.slot(SHOP):  # waits for the dead holder's deadline, then takes its token
        pass


def _take_and_die(url: str) -> None:
    import os

    limiter = ShopLimiter(url, max_in_flight=1, per_second=1000, hold_s=1)
    with limiter.slot(SHOP):
        os._exit(9)
