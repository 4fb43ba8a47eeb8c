"""Sign-in failures shared by every API process through Redis (docs/security.md, accounts).

The same rule as the in-process table (campaigns/accounts/throttle.py), kept in one Redis hash per key with Redis's
own clock (TIME), so processes on several machines agree; a key expires once quiet for the lock period, so Redis
holds only the keys that failed recently. Keys are stored as a SHA-256 of the account or address, never in clear.
If Redis cannot be reached, this process's own table takes over (the sign-in page never fails because of it).
"""

from __future__ import annotations

import hashlib
import logging

import redis

from campaigns.accounts.throttle import FailureTable, ThrottleRule, delay_after

log = logging.getLogger(__name__)

# KEYS[1] the key's hash; ARGV[1] the lock period in seconds. Counts one failure (a quiet lock period starts again
# from zero) and returns the count.
_FAIL = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local lock = tonumber(ARGV[1])
local state = redis.call('HMGET', KEYS[1], 'count', 'last')
local count = tonumber(state[1]) or 0
local last = tonumber(state[2]) or now
if now - last >= lock then count = 0 end
count = count + 1
redis.call('HSET', KEYS[1], 'count', count, 'last', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(lock) + 1)
return count
"""
# KEYS[1]: returns {count, milliseconds since the last failure} ({0, 0} for a key without failures).
_READ = """
local state = redis.call('HMGET', KEYS[1], 'count', 'last')
if not state[1] then return {0, 0} end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
return {tonumber(state[1]), math.floor((now - tonumber(state[2])) * 1000)}
"""


class SharedFailureTable:
    """Failures per key under one rule, in Redis; `now` is ignored (Redis's clock counts)."""

    def __init__(self, rule: ThrottleRule, client: redis.Redis, *, name: str) -> None:
        self.rule = rule
        self._prefix = f"chaine:connexion:{name}:"
        self._fail = client.register_script(_FAIL)
        self._read = client.register_script(_READ)
        self._client = client
        self.fallback = FailureTable(rule)

    def _key(self, key: str) -> str:
        return self._prefix + hashlib.sha256(key.encode()).hexdigest()

    def wait(self, key: str, now: float) -> float:
        try:
            count, elapsed_ms = self._read(keys=[self._key(key)])
        except redis.RedisError as exc:
            log.warning("sign-in throttle: Redis unreachable (%s), this process's table used", type(exc).__name__)
            return self.fallback.wait(key, now)
        elapsed = int(elapsed_ms) / 1000
        if int(count) == 0 or elapsed >= self.rule.lock_seconds:
            return 0.0
        return max(0.0, delay_after(self.rule, int(count)) - elapsed)

    def fail(self, key: str, now: float) -> None:
        self.fallback.fail(key, now)  # also counted here, so that a Redis outage does not reopen the door
        try:
            self._fail(keys=[self._key(key)], args=[self.rule.lock_seconds])
        except redis.RedisError as exc:
            log.warning("sign-in throttle: Redis unreachable (%s), failure counted in this process only",
                        type(exc).__name__)

    def forget(self, key: str) -> None:
        self.fallback.forget(key)
        try:
            self._client.delete(self._key(key))
        except redis.RedisError as exc:
            log.warning("sign-in throttle: Redis unreachable (%s)", type(exc).__name__)
