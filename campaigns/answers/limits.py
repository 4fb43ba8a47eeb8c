"""Request limits of the answer page, per link and per client address (docs/web.md): a fixed window counter per
key, with at most `capacity` keys in memory (the oldest forgotten first). Like the sign-in throttle
(campaigns/accounts/throttle.py), the windows are shared by every API process through Redis when one is configured
(campaigns/answers/shared_limits.py), else each process counts its own requests."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

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


class Window(Protocol):
    """A request window, in this process (RequestWindow) or shared through Redis (SharedRequestWindow)."""

    limit: int
    seconds: float

    def hit(self, key: str, now: float) -> float: ...

    def full(self, key: str, now: float) -> bool: ...


LINK_LIMIT, ADDRESS_LIMIT, CHECK_LIMIT = (30, 600), (60, 600), (10, 3600)  # (requests, seconds)


class AnswerLimits:
    """The page's limits: requests per link, requests per address, and check failures per address."""

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 shared: tuple[Window, Window, Window] | None = None) -> None:
        """`shared`: the three windows kept for every API process at once (campaigns/answers/shared_limits.py)."""
        self.clock = clock
        self.per_link: Window
        self.per_address: Window
        # Wrong answers to the check from one address, whatever the link: guessing across links stops here.
        self.checks_per_address: Window
        if shared is None:
            self.per_link, self.per_address, self.checks_per_address = (
                RequestWindow(limit=LINK_LIMIT[0], seconds=LINK_LIMIT[1]),
                RequestWindow(limit=ADDRESS_LIMIT[0], seconds=ADDRESS_LIMIT[1]),
                RequestWindow(limit=CHECK_LIMIT[0], seconds=CHECK_LIMIT[1]))
        else:
            self.per_link, self.per_address, self.checks_per_address = shared

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
