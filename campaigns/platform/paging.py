"""Long lists shown a page at a time, and the free-text search that narrows them (names, references, communes).

A search compares folded text (`normalise_text`: accents, case and punctuation out) word by word: every word of the
query must start a word of the row, so « ben nan » finds « Aïcha BENALI, Nantes ». Names are encrypted at rest
(docs/security.md, C7): callers decrypt the rows of their scope and filter them in memory with `matches`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from campaigns.locale.text import normalise_text

PAGE_SIZE = 25
QUERY_MAX_LENGTH = 100
T = TypeVar("T")


def search_terms(query: str) -> tuple[str, ...]:
    """The words of a query as rows are compared with them; empty when nothing is asked."""
    return tuple(normalise_text(query).split())


def matches(terms: Sequence[str], texts: Iterable[str | None]) -> bool:
    """Every term starts a word of one of `texts` (all terms: « benali nantes » is a Benali in Nantes)."""
    if not terms:
        return True
    words = {word for text in texts for word in normalise_text(text).split()}
    return all(any(word.startswith(term) for word in words) for term in terms)


@dataclass(frozen=True, slots=True)
class Paged(Generic[T]):
    """One page of a list: its rows, the list's total length, the page number (from 1) and its size."""

    rows: list[T]
    total: int
    number: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first_row(self) -> int:
        """Rank of the page's first row (from 1), 0 on an empty list: « lignes 26 à 50 sur 80 »."""
        return (self.number - 1) * self.size + 1 if self.rows else 0

    @property
    def last_row(self) -> int:
        return (self.number - 1) * self.size + len(self.rows)

    def window(self, around: int = 2) -> list[int]:
        """The page numbers offered as links: the first, the last and `around` either side of this one."""
        shown = {1, self.pages, *range(self.number - around, self.number + around + 1)}
        return sorted(n for n in shown if 1 <= n <= self.pages)


def page_number(requested: int, total: int, size: int = PAGE_SIZE) -> int:
    """`requested` kept within the list's pages (a page past the end shows the last one)."""
    last = max(1, -(-total // size))
    return min(max(1, requested), last)


def slice_page(rows: Sequence[T], requested: int, size: int = PAGE_SIZE) -> Paged[T]:
    """A page of rows already in memory (a search's results)."""
    number = page_number(requested, len(rows), size)
    start = (number - 1) * size
    return Paged(list(rows[start:start + size]), len(rows), number, size)
