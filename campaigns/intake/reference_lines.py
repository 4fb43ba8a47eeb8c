"""The line of each reference an import kept so far, to refuse the same reference again further down the file.

A dict of a million references takes ~130 MB; this keeps the recent ones in a dict and freezes older ones into
sorted arrays of 64-bit keyed hashes and line numbers (16 bytes a reference: ~16 MB for a million). Two references
share a 64-bit hash with odds of about 3 in 100 million for a file of a million rows.
"""

from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_left

RECENT = 131_072


def _key(reference: str) -> int:
    return int.from_bytes(hashlib.blake2b(reference.encode(), digest_size=8).digest(), "big", signed=True)


class ReferenceLines:
    """`line_of(reference)`: the line where a kept row had this reference, or None; `add(reference, line)`."""

    def __init__(self, recent: int = RECENT) -> None:
        self._limit = recent
        self._recent: dict[str, int] = {}
        self._frozen: list[tuple[array[int], array[int]]] = []  # (sorted keys, their lines)

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
            pairs = sorted((_key(ref), number) for ref, number in self._recent.items())
            self._frozen.append((array("q", [key for key, _ in pairs]), array("q", [n for _, n in pairs])))
            self._recent = {}
