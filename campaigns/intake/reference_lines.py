"""The line of each reference an import kept so far, to refuse the same reference again further down the file.

A dict of a million references takes ~130 MB; this keeps only the most recent ones in a dict and freezes older ones
into sorted arrays of 64-bit keyed hashes and line numbers (16 bytes a reference: ~16 MB for a million). Two
references share a 64-bit hash with odds of about 3 in 100 million for a file of a million rows.

The dict stays small (`RECENT` references, ~2 MB): a larger one grew by ~110 bytes a row between two freezes, and
its strings, freed at the freeze, left the allocator's arenas they were scattered over in use (docs/benchmarks.md,
a million-row CSV). Frozen runs are merged as they come, two runs of similar size into one (as a binary counter), so
a look-up searches at most about log2(rows / RECENT) arrays.
"""

from __future__ import annotations

import hashlib
import heapq
from array import array
from bisect import bisect_left

RECENT = 16_384


def _key(reference: str) -> int:
    return int.from_bytes(hashlib.blake2b(reference.encode(), digest_size=8).digest(), "big", signed=True)


_Run = tuple["array[int]", "array[int]"]  # (sorted keys, their lines)


def _merge(older: _Run, newer: _Run) -> _Run:
    """One sorted run of two, streamed: never a list of a million pairs."""
    keys, lines = array("q"), array("q")
    for key, line in heapq.merge(zip(*older, strict=True), zip(*newer, strict=True)):
        keys.append(key)
        lines.append(line)
    return keys, lines


class ReferenceLines:
    """`line_of(reference)`: the line where a kept row had this reference, or None; `add(reference, line)`."""

    def __init__(self, recent: int = RECENT) -> None:
        self._limit = recent
        self._recent: dict[str, int] = {}
        self._frozen: list[_Run] = []  # largest first

    def __len__(self) -> int:
        return len(self._recent) + sum(len(keys) for keys, _ in self._frozen)

    def line_of(self, reference: str) -> int | None:
        line = self._recent.get(reference)
        if line is not None or not self._frozen:
            return line
        key = _key(reference)
        for keys, lines in self._frozen:
            position = bisect_left(keys, key)
            if position < len(keys) and keys[position] == key:
                return lines[position]
        return None

    def add(self, reference: str, line: int) -> None:
        self._recent[reference] = line
        if len(self._recent) >= self._limit:
            self._freeze()

    def _freeze(self) -> None:
        pairs = sorted((_key(ref), number) for ref, number in self._recent.items())
        self._recent = {}
        run: _Run = (array("q", [key for key, _ in pairs]), array("q", [n for _, n in pairs]))
        del pairs
        while self._frozen and len(self._frozen[-1][0]) <= len(run[0]):
            run = _merge(self._frozen.pop(), run)
        self._frozen.append(run)
