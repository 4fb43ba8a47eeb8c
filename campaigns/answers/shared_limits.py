"""The answer page's request windows shared by every API process through Redis (docs/web.md): the same fixed
windows as campaigns/answers/limits.py, counted with INCR on a key that expires with its window, so that a link or an
address gets its limit once for the whole service, not once per uvicorn process. Keys are hashes; if Redis cannot
be reached, this process's own window takes over."""

from __future__ import annotations

import hashlib
import logging

import redis

from campaigns.answers.limits import RequestWindow

log = logging.getLogger(__name__)

# KEYS[1]; ARGV[1] window seconds, ARGV[2] 1 to count a request, 0 to read. Returns {count, ms left in the window}.
_HIT = """
local count
if ARGV[2] == '1' then
  count = redis.call('INCR', KEYS[1])
  if count == 1 then redis.call('PEXPIRE', KEYS[1], math.floor(tonumber(ARGV[1]) * 1000)) end
else
  count = tonumber(redis.call('GET', KEYS[1]) or '0')
end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then left = 0 end
return {count, left}
"""


class SharedRequestWindow:
    """At most `limit` requests per key in each window, counted in Redis (`now` is ignored: Redis expires keys)."""

    def __init__(self, *, limit: int, seconds: float, client: redis.Redis, name: str) -> None:
        self.limit, self.seconds = limit, seconds
        self._prefix = f"chaine:reponse:{name}:"
        self._script = client.register_script(_HIT)
        self.fallback = RequestWindow(limit=limit, seconds=seconds)

    def _call(self, key: str, count: bool) -> tuple[int, float] | None:
        try:
            hits, left_ms = self._script(keys=[self._prefix + hashlib.sha256(key.encode()).hexdigest()],
                                         args=[self.seconds, "1" if count else "0"])
        except redis.RedisError as exc:
            log.warning("answer page limits: Redis unreachable (%s), this process's window used", type(exc).__name__)
            return None
        return int(hits), int(left_ms) / 1000

    def hit(self, key: str, now: float) -> float:
        """Counts a request; returns the seconds to wait (0: allowed)."""
        found = self._call(key, count=True)
        if found is None:
            return self.fallback.hit(key, now)
        hits, left = found
        return left if hits > self.limit else 0.0

    def full(self, key: str, now: float) -> bool:
        found = self._call(key, count=False)
        if found is None:
            return self.fallback.full(key, now)
        return found[0] >= self.limit
