"""A per-shop politeness limit that holds across every worker process and machine.

Two limits per shop, both kept in Redis (the broker's server):

- **in flight**: at most ``max_in_flight`` order checks at the shop at once. A Redis
  list holds that many tokens; a check takes one with ``BLPOP`` (blocking in Redis, no
  polling) and gives it back with ``RPUSH``. A worker that dies holding a token would
  lose it, so every taken token is also noted with a deadline (the claim lease) and
  tokens past their deadline are put back.
- **per second**: at most ``per_second`` order checks started in any one-second window
  (below one per second: one per ``1 / per_second`` seconds). A moving window of grant
  times, judged and stamped inside one Redis script by the server's own clock: stamps
  taken by the workers could arrive out of order, or late, and let one check too many in.

The unit is one order check (sign-in, order page, submit), not one HTTP request: each
browser's own ``flows.politeness.ShopPoliteness`` gate still limits its requests. Used
only with a broker (``ORDER_AGENT_BROKER_URL``); the embedded mode has one process.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from math import ceil

import redis

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
# The moving window: grants of the last ARGV[2] seconds in a sorted set, scored by the
# server's clock. Grants one (returns {1, its time}) or says how long until the oldest
# leaves the window ({0, seconds}). Times go back as strings: Lua numbers become integers.
_WINDOW = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local span = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - span)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('EXPIRE', KEYS[1], math.ceil(span) + 1)
  return {1, string.format('%.6f', now)}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, string.format('%.6f', tonumber(oldest[2]) + span - now)}
"""


class ShopBusy(Exception):
    """The shop's limit is reached right now (only from ``slot(..., wait=False)``)."""


@dataclass(frozen=True)
class Rate:
    """At most ``checks`` grants in any ``seconds``-long moving window."""

    checks: int
    seconds: float

    def __str__(self) -> str:
        return f"{self.checks} per {self.seconds:g} s"


def rate_of(per_second: float) -> Rate:
    """``per_second`` as a window: N per second, or 1 per N seconds below 1."""
    if per_second >= 1:
        return Rate(int(per_second), 1.0)
    return Rate(1, float(ceil(1 / per_second)))


class ShopLimiter:
    """``with limiter.slot(shop):`` around one order's browser work, on every worker."""

    def __init__(
        self, redis_url: str, *, max_in_flight: int, per_second: float, hold_s: float
    ) -> None:
        self.redis = redis.Redis.from_url(redis_url, socket_timeout=SOCKET_TIMEOUT_S)
        self.max_in_flight = max_in_flight
        self.rate = rate_of(per_second)
        self.hold_s = ceil(hold_s)  # a token's deadline: longer than any one check
        self._create = self.redis.register_script(_CREATE_TOKENS)
        self._reclaim = self.redis.register_script(_RECLAIM)
        self._hold = self.redis.register_script(_HOLD)
        self._return = self.redis.register_script(_RETURN)
        self._window = self.redis.register_script(_WINDOW)
        self._pause = threading.Event()  # never set: its wait() is the rate limit's pause

    def _keys(self, shop: str) -> tuple[str, str, str]:
        base = f"{PREFIX}:{shop}:{self.max_in_flight}"
        return f"{base}:created", f"{base}:tokens", f"{base}:held"

    def _window_key(self, shop: str) -> str:
        return f"{PREFIX}:{shop}:window:{self.rate.checks}:{self.rate.seconds:g}"

    @contextmanager
    def slot(self, shop: str, *, wait: bool = True) -> Iterator[float]:
        """One order check at ``shop``: waits for a token, then for the moving window.

        Gives the time the check was granted (the Redis server's clock, in seconds since
        the epoch). ``wait=False`` raises :class:`ShopBusy` instead of waiting.
        """
        created, tokens, held = self._keys(shop)
        self._create(keys=[created, tokens], args=[self.max_in_flight])
        holder = uuid.uuid4().hex
        self._take(tokens, held, wait=wait)
        self._hold(keys=[held], args=[holder, self.hold_s])
        try:
            yield self._wait_for_window(shop, holder, wait=wait)
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

    def _wait_for_window(self, shop: str, holder: str, *, wait: bool) -> float:
        """Wait for a turn in the shop's window; the server's time of the grant."""
        key = self._window_key(shop)
        while True:
            granted, when = self._window(
                keys=[key], args=[self.rate.checks, self.rate.seconds, holder]
            )
            if int(granted):
                return float(when)
            if not wait:
                raise ShopBusy(f"the shop's window of {self.rate} is full")
            self._pause.wait(max(float(when), 0.01))
