"""Look-ups read once per batch of deliveries instead of once per contact (`chaine.deliver_batch`).

Only values that cannot change in the few milliseconds a batch lasts, or whose change may wait for the next batch,
are memoised: a partner's kind, the structures' phone lines, an owner's published templates, the id of a template
version already stored. A contact's own state (its row, its household, its campaign's status, responses, opt-outs)
is always read afresh. Outside `batch_memo()` nothing is kept: every call computes.

Values are plain data (never ORM objects, which belong to one session), copied by no one: callers must not mutate
them.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar, cast

_T = TypeVar("_T")
_memo: ContextVar[dict[Hashable, object] | None] = ContextVar("chaine_batch_memo", default=None)


@contextmanager
def batch_memo() -> Iterator[None]:
    """Memoises `memoised()` look-ups until the block ends (nested blocks share the outer one)."""
    if _memo.get() is not None:
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def memoised(key: Hashable, compute: Callable[[], _T], *, keep_none: bool = True) -> _T:
    """`compute()`, or its value from earlier in the batch; with `keep_none=False` a None is computed again next
    time (a row not there yet)."""
    memo = _memo.get()
    if memo is None:
        return compute()
    if key in memo:
        return cast(_T, memo[key])
    value = compute()
    if value is not None or keep_none:
        memo[key] = value
    return value


def peek(key: Hashable) -> object | None:
    """What `memoised(key, ...)` holds in the current batch, or None (outside a batch, or not read yet)."""
    memo = _memo.get()
    return None if memo is None else memo.get(key)


def remember(key: Hashable, value: _T) -> _T:
    """Keeps `value` as `memoised(key, ...)` would have read it (a look-up made for several keys at once)."""
    memo = _memo.get()
    if memo is not None:
        memo[key] = value
    return value
