"""Request limits of the answer page, per link and per client address (docs/web.md): a fixed window counter per
key, with at most `capacity` keys in memory (the oldest forgotten first). Like the sign-in throttle
(campaigns/accounts/throttle.py), each process counts its own requests."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

CAPACITY = 10_000


@dataclass(slots=True)
class _Window:
    started: float
    count: int


class RequestWindow:
    """At most `limit` requests per key in each `seconds`-long window."""

    def __init__(self, *, limit: int, seconds: float, capacity: int = CAPACITY) -> None:
        self.limit, self.seconds, self.capacity = limit, seconds, capacity
        self._windows: OrderedDict[str, _Window] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._windows)

    def hit(self, key: str, now: float) -> float:
        """Counts a request; returns the seconds to wait (0: allowed)."""
        with self._lock:
            window = self._windows.pop(key, None)
            if window is None or now - window.started >= self.seconds:
                window = _Window(now, 0)
            window.count += 1
            self._windows[key] = window
            while len(self._windows) > self.capacity:
                self._windows.popitem(last=False)
            if window.count > self.limit:
                return window.started + self.seconds - now
            return 0.0

    def full(self, key: str, now: float) -> bool:
        """Whether the key used up its window (without counting a request)."""
        with self._lock:
            window = self._windows.get(key)
            return window is not None and now - window.started < self.seconds and window.count >= self.limit


class AnswerLimits:
    """The page's limits: requests per link, requests per address, and check failures per address."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.per_link = RequestWindow(limit=30, seconds=600)
        self.per_address = RequestWindow(limit=60, seconds=600)
        # Wrong answers to the check from one address, whatever the link: guessing across links stops here.
        self.checks_per_address = RequestWindow(limit=10, seconds=3600)

    def wait(self, *, link_key: str, address: str) -> int:
        """Whole seconds before this request may be served (0: go ahead); every request counts."""
        now = self.clock()
        seconds = max(self.per_link.hit(link_key, now), self.per_address.hit(address, now))
        return math.ceil(seconds)

    def check_failed(self, address: str) -> None:
        """Counts a wrong answer from this address."""
        self.checks_per_address.hit(address, self.clock())

    def may_check(self, address: str) -> bool:
        return not self.checks_per_address.full(address, self.clock())
