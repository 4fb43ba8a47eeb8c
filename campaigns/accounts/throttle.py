"""Sign-in throttling per account and per client address, in bounded memory (docs/security.md, accounts).

Each key (an account's normalised address, a client address) counts its failures: the first ones are free, the
next ones must wait a delay that doubles at each failure, and past a ceiling the key is locked for 15 minutes. A
locked or waiting key is refused before any password is hashed, so a flood of attempts costs no Argon2 memory.

The table keeps at most `capacity` keys (least recently failed dropped first): memory stays constant whatever
the number of addresses or accounts tried. Time is monotonic seconds, passed in by the caller (`clock`).

Several API processes share their failures through Redis (`SharedFailureTable`, campaigns/accounts/shared_throttle.py)
when one is configured: an attacker cannot multiply its attempts by the number of processes behind the load
balancer. Without Redis (embedded mode, or Redis down) each process counts its own.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ThrottleRule:
    free_failures: int  # failures before any delay
    lock_failures: int  # failures that lock the key for `lock_seconds`
    first_delay: float = 1.0  # seconds, doubled at each failure past the free ones
    lock_seconds: float = 15 * 60


ACCOUNT_RULE = ThrottleRule(free_failures=5, lock_failures=10)
# An office behind one address has several people: more room before delays, locked all the same.
ADDRESS_RULE = ThrottleRule(free_failures=10, lock_failures=20)
CAPACITY = 10_000


@dataclass(slots=True)
class _Failures:
    count: int
    last: float


class FailureCounter(Protocol):
    """What the login throttle needs of a table of failures: in this process or shared by every process."""

    rule: ThrottleRule

    def wait(self, key: str, now: float) -> float: ...

    def fail(self, key: str, now: float) -> None: ...

    def forget(self, key: str) -> None: ...


def delay_after(rule: ThrottleRule, count: int) -> float:
    """Seconds a key must wait after its `count`-th failure in a row."""
    if count >= rule.lock_failures:
        return rule.lock_seconds
    if count < rule.free_failures:
        return 0.0
    return float(min(rule.lock_seconds, rule.first_delay * 2 ** (count - rule.free_failures)))


class FailureTable:
    """Failures per key under one rule, at most `capacity` keys, thread-safe."""

    def __init__(self, rule: ThrottleRule, capacity: int = CAPACITY) -> None:
        self.rule = rule
        self.capacity = capacity
        self._entries: OrderedDict[str, _Failures] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def wait(self, key: str, now: float) -> float:
        """Seconds the key must still wait before its next attempt (0: it may try now)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return 0.0
            if now - entry.last >= self.rule.lock_seconds:  # forgotten after a quiet lock period
                del self._entries[key]
                return 0.0
            return max(0.0, entry.last + delay_after(self.rule, entry.count) - now)

    def fail(self, key: str, now: float) -> None:
        with self._lock:
            entry = self._entries.pop(key, None)
            if entry is None or now - entry.last >= self.rule.lock_seconds:
                entry = _Failures(0, now)
            entry.count, entry.last = entry.count + 1, now
            self._entries[key] = entry  # most recent last
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def forget(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)


class LoginThrottle:
    """Both tables: an attempt waits for the longer of its account's and its address's delays."""

    def __init__(self, capacity: int = CAPACITY, clock: Callable[[], float] = time.monotonic,
                 shared: tuple[FailureCounter, FailureCounter] | None = None) -> None:
        self.clock = clock  # the web layer passes `clock()` as `now`
        self.accounts: FailureCounter
        self.addresses: FailureCounter
        if shared is None:
            self.accounts, self.addresses = FailureTable(ACCOUNT_RULE, capacity), FailureTable(ADDRESS_RULE, capacity)
        else:
            self.accounts, self.addresses = shared

    def wait(self, *, account: str, address: str, now: float) -> int:
        """Whole seconds to wait before trying (0: go ahead)."""
        seconds = max(self.accounts.wait(account, now), self.addresses.wait(address, now))
        return math.ceil(seconds)

    def failed(self, *, account: str, address: str, now: float) -> None:
        self.accounts.fail(account, now)
        self.addresses.fail(address, now)

    def succeeded(self, *, account: str) -> None:
        """A right password clears its account's failures (not its address's: another account may be tried)."""
        self.accounts.forget(account)


def wait_message(seconds: int) -> str:
    """« Trop de tentatives de connexion... » with the wait in French, with its plural."""
    if seconds >= 60:
        minutes = math.ceil(seconds / 60)
        wait = f"{minutes} minute" + ("s" if minutes > 1 else "")
    else:
        wait = f"{seconds} seconde" + ("s" if seconds > 1 else "")
    return f"Trop de tentatives de connexion. Pour protéger ce compte, réessayez dans {wait}."
