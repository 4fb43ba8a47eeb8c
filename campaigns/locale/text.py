"""The one text folding of the service: accents, case and punctuation taken out of names, addresses, communes,
CSV headers, stage names, template wording and inbound SMS, so that two spellings of one thing compare equal.

Two decompositions, both NFKD (compatibility forms split too: "ﬁ" → "fi", "Ⅻ" → "XII", "é" → "e" + accent):
- `strip_accents` drops the combining marks only: non-Latin letters stay (Arabic, Cyrillic...), as do the
  ligatures and letters NFKD does not split (œ, æ, ß);
- `ascii_fold` drops every character that is not ASCII once decomposed: non-Latin letters and œ/æ/ß go too
  (callers that want "OE" translate those first, as `campaigns.linkage.names` does).

The linkage's blocking keys are stored hashes of folded text: these outputs must never change
(tests/test_text_folding.py pins them).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["ascii_fold", "normalise_text", "strip_accents"]

_NON_ALNUM = re.compile(r"[^A-Z0-9]+")


def strip_accents(value: str) -> str:
    """NFKD with the combining marks dropped: "Hélène" → "Helene", "أ" → "ا", "Straße" unchanged."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def ascii_fold(value: str) -> str:
    """NFKD with everything that is not ASCII dropped: "Hélène" → "Helene", "Иванов" → "", "Cœur" → "Cur"."""
    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")


def normalise_text(value: str | None) -> str:
    """Upper case, accents and punctuation removed, spaces collapsed: 'Le Hénaff-d’Arc' -> 'LE HENAFF D ARC'.

    How communes are compared and stored in a campaign's territory. Letters outside A-Z once accents are stripped
    (œ, æ, non-Latin scripts) count as punctuation.
    """
    if not value:
        return ""
    return _NON_ALNUM.sub(" ", strip_accents(value).upper()).strip()


# Apostrophe and dash look-alikes first (NFKD keeps them non-ASCII), ligatures that NFKD does not decompose.
_PRE_FOLD = str.maketrans(
    {"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "‐": "-", "‑": "-", "–": "-", "—": "-", "Œ": "OE", "Æ": "AE"}
)
# Entries per normalisation cache. Hits matter most when a partner's rows meet the candidates already stored (their
# names are normalised again): bench/intake.py ran at 2,700 rows/s with 32,768 entries, 3,100 with 131,072. Full
# with unique names, the name and phone caches together hold ~140 MB at this size (~280 MB at 131,072, the size
# before 2026-12-08, which took a million-row import past its 500 MB budget: docs/benchmarks.md).
NORMALISATION_CACHE_ENTRIES = 65_536


def fold(value: str) -> str:
    """Upper case without accents, apostrophes and dashes made ASCII: 'Hélène d’Œuf' -> "HELENE D'OEUF".

    Characters without a Latin decomposition are dropped: the sources hold Latin-script names only.
    """
    return ascii_fold(value.upper().translate(_PRE_FOLD))
