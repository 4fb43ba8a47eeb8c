"""Rate limits per API key: a token bucket in Redis shared by every API process, a fixed window in-process without
Redis (embedded mode, or Redis unreachable); over the limit the call answers 429 with Retry-After."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis

log = logging.getLogger(__name__)

# KEYS[1] the bucket; ARGV: refill rate (tokens per second), capacity. Redis's own clock (TIME) is the only clock,
# so API processes on several machines agree. Returns {allowed 0|1, wait in ms, tokens left}.
_BUCKET_SCRIPT = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate / 1000)
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity * 1000 / rate) + 1000)
return {allowed, wait, math.floor(tokens)}
"""


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    retry_after: int = 0  # whole seconds, at least 1 when refused (HTTP Retry-After)
    remaining: int = 0


class FixedWindowLimiter:
    """At most `per_minute` calls per key in each calendar minute of this process (embedded mode fallback)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.time) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}

    def hit(self, key: str) -> Decision:
        now = self._clock()
        window = int(now // 60)
        with self._lock:
            if len(self._windows) > 10_000:  # old windows of idle keys: drop them all, they are past anyway
                self._windows = {k: v for k, v in self._windows.items() if v[0] == window}
            start, count = self._windows.get(key, (window, 0))
            if start != window:
                count = 0
            if count >= self.per_minute:
                return Decision(False, retry_after=max(1, math.ceil((window + 1) * 60 - now)))
            self._windows[key] = (window, count + 1)
            return Decision(True, remaining=self.per_minute - count - 1)


class RateLimiter:
    """Token bucket per key (`per_minute` sustained, bursts up to `burst`) in Redis when `redis_url` is given."""

    def __init__(self, *, per_minute: int, burst: int, redis_url: str = "",
                 clock: Callable[[], float] = time.time) -> None:
        self.per_minute, self.burst = per_minute, max(burst, 1)
        self.fallback = FixedWindowLimiter(per_minute, clock)
        self._redis = (
            redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5) if redis_url else None
        )
        self._script = self._redis.register_script(_BUCKET_SCRIPT) if self._redis is not None else None

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def hit(self, key: str) -> Decision:
        if not self.enabled:
            return Decision(True)
        if self._script is None:
            return self.fallback.hit(key)
        try:
            allowed, wait_ms, remaining = self._script(
                keys=[f"chaine:ratelimit:{key}"], args=[self.per_minute / 60, self.burst]
            )
        except redis.RedisError as exc:
            # Redis down must not take the API down with it: this process's own window keeps a ceiling.
            log.warning("rate limit: Redis unreachable (%s), in-process window used", type(exc).__name__)
            return self.fallback.hit(key)
        if int(allowed):
            return Decision(True, remaining=int(remaining))
        return Decision(False, retry_after=max(1, math.ceil(int(wait_ms) / 1000)))
