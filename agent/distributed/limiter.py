"""A per-shop politeness limit that holds across every worker process and machine.

Two limits per shop, both kept in Redis (the broker's server):

- **in flight**: at most ``max_in_flight`` order checks at the shop at once. A Redis
  list holds that many tokens; a check takes one with ``BLPOP`` (blocking in Redis, no
  polling) and gives it back with ``RPUSH``. A worker that dies holding a token would
  lose it, so every taken token is also noted with a deadline (the claim lease) and
  tokens past their deadline are put back.
- **per second**: at most ``per_second`` order checks started in any one-second window,
  a moving window from the ``limits`` package.

The unit is one order check (sign-in, order page, submit), not one HTTP request: each
browser's own ``flows.politeness.ShopPoliteness`` gate still limits its requests. Used
only with a broker (``ORDER_AGENT_BROKER_URL``); the embedded mode has one process.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from math import ceil

import redis
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

PREFIX = "order-agent:shop"
# How long a BLPOP blocks before the waiter looks for tokens of dead workers.
RECLAIM_EVERY_S = 2
# Longer than a BLPOP blocks (redis-py's default would cut one off).
SOCKET_TIMEOUT_S = 30

# Creates the token list once (SET NX on a marker), atomically with its tokens.
_CREATE_TOKENS = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  for i = 1, tonumber(ARGV[1]) do redis.call('RPUSH', KEYS[2], 'token') end
end
return 1
"""
# Puts back the tokens whose holder's deadline passed (the worker died holding them).
_RECLAIM = """
local now = redis.call('TIME')
local stale = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', tonumber(now[1]))
for _, holder in ipairs(stale) do
  redis.call('ZREM', KEYS[1], holder)
  redis.call('RPUSH', KEYS[2], 'token')
end
return #stale
"""
# Notes who holds a token until when (the server's clock: workers' clocks may differ).
_HOLD = """
local now = redis.call('TIME')
redis.call('ZADD', KEYS[1], tonumber(now[1]) + tonumber(ARGV[2]), ARGV[1])
return 1
"""
# Gives a token back, once: only a holder still noted (not reclaimed) returns one.
_RETURN = """
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then redis.call('RPUSH', KEYS[2], 'token') end
return 1
"""


class ShopBusy(Exception):
    """The shop's limit is reached right now (only from ``slot(..., wait=False)``)."""


def rate_item(per_second: float) -> RateLimitItem:
    """``per_second`` as a moving-window item: N per second, or 1 per N seconds below 1."""
    if per_second >= 1:
        return RateLimitItemPerSecond(int(per_second))
    return RateLimitItemPerSecond(1, ceil(1 / per_second))


class ShopLimiter:
    """``with limiter.slot(shop):`` around one order's browser work, on every worker."""

    def __init__(
        self, redis_url: str, *, max_in_flight: int, per_second: float, hold_s: float
    ) -> None:
        self.redis = redis.Redis.from_url(redis_url, socket_timeout=SOCKET_TIMEOUT_S)
        self.max_in_flight = max_in_flight
        self.rate = rate_item(per_second)
        self.window = MovingWindowRateLimiter(storage_from_string(redis_url))
        self.hold_s = ceil(hold_s)  # a token's deadline: longer than any one check
        self._create = self.redis.register_script(_CREATE_TOKENS)
        self._reclaim = self.redis.register_script(_RECLAIM)
        self._hold = self.redis.register_script(_HOLD)
        self._return = self.redis.register_script(_RETURN)
        self._pause = threading.Event()  # never set: its wait() is the rate limit's pause

    def _keys(self, shop: str) -> tuple[str, str, str]:
        base = f"{PREFIX}:{shop}:{self.max_in_flight}"
        return f"{base}:created", f"{base}:tokens", f"{base}:held"

    @contextmanager
    def slot(self, shop: str, *, wait: bool = True) -> Iterator[None]:
        """One order check at ``shop``: waits for a token, then for the moving window.

        ``wait=False`` raises :class:`ShopBusy` instead of waiting.
        """
        created, tokens, held = self._keys(shop)
        self._create(keys=[created, tokens], args=[self.max_in_flight])
        holder = uuid.uuid4().hex
        self._take(tokens, held, wait=wait)
        self._hold(keys=[held], args=[holder, self.hold_s])
        try:
            self._wait_for_window(shop, wait=wait)
            yield
        finally:
            self._return(keys=[held, tokens], args=[holder])

    def _take(self, tokens: str, held: str, *, wait: bool) -> None:
        while True:
            if not wait:
                if self.redis.lpop(tokens) is None:
                    raise ShopBusy(f"{self.max_in_flight} checks already at the shop")
                return
            if self.redis.blpop([tokens], timeout=RECLAIM_EVERY_S) is not None:
                return
            self._reclaim(keys=[held, tokens])

    def _wait_for_window(self, shop: str, *, wait: bool) -> None:
        while not self.window.hit(self.rate, PREFIX, shop):
            if not wait:
                raise ShopBusy(f"the shop's {self.rate} window is full")
            reset_at = self.window.get_window_stats(self.rate, PREFIX, shop).reset_time
            # ``limits`` stamps its window with this machine's clock.
            self._pause.wait(max(reset_at - time.time(), 0.01))
