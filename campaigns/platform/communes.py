"""The French communes as the code officiel géographique (COG) of the Insee names them, with La Poste's postcodes.

Read from Etalab's maintained dataset `@etalab/decoupage-administratif` (npm, pinned in web/package.json; its
`data/communes.json`: every commune, commune déléguée or associée and municipal arrondissement, with its Insee code,
name with accents and case, département and postcodes from La Poste's base officielle des codes postaux). Pages show
these names (« Saint-Étienne », « Rezé »); letters keep the postal norm, capitals without accents
(`campaigns.messages.address_block.postcode_line`: « 42000 SAINT ETIENNE »).

A commune as a case wrote it (« ST ETIENNE », « saint-etienne », « Reze ») is found by its name compared without
accents, case, punctuation or the abbreviations St/Ste, among the communes of its postcode. Without the dataset
(set-up not run) nothing is found and pages show the names as they were received.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from campaigns.locale.text import normalise_text
from campaigns.platform.resources import cog_communes_file

log = logging.getLogger(__name__)
_ABBREVIATIONS = {"ST": "SAINT", "STE": "SAINTE", "STS": "SAINTS", "STES": "SAINTES"}
_POSTCODE = re.compile(r"^\d{5}$")


@dataclass(frozen=True, slots=True)
class Commune:
    code: str  # Insee code (COG)
    name: str  # with its accents and case
    departement: str
    postcodes: tuple[str, ...]
    current: bool  # a commune actuelle (not a commune déléguée or associée, nor an arrondissement)


@dataclass(frozen=True, slots=True)
class _Index:
    communes: list[Commune]
    by_code: dict[str, Commune]
    by_postcode: dict[str, tuple[Commune, ...]]


def name_key(name: str | None) -> str:
    """How names are compared: « St-Étienne », « SAINT ETIENNE » and « saint-étienne » are « SAINT ETIENNE »."""
    return " ".join(_ABBREVIATIONS.get(word, word) for word in normalise_text(name).split())


def _grouped(pairs: Iterable[tuple[str, Commune]]) -> dict[str, tuple[Commune, ...]]:
    grouped: dict[str, list[Commune]] = {}
    for key, commune in pairs:
        if commune not in grouped.setdefault(key, []):
            grouped[key].append(commune)
    # Current communes first: a commune déléguée of the same name comes after.
    return {key: tuple(sorted(items, key=lambda c: (not c.current, c.code))) for key, items in grouped.items()}


@cache
def _index() -> _Index:
    path = cog_communes_file()
    try:
        rows = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        log.warning("code officiel géographique absent (%s) : lancez scripts/setup.sh (npm ci dans web/)", path)
        rows = []
    communes = [Commune(str(row["code"]), str(row["nom"]), str(row.get("departement") or row["code"][:2]),
                        tuple(row.get("codesPostaux") or ()), row.get("type") == "commune-actuelle")
                for row in rows]
    return _Index(communes, by_code={c.code: c for c in communes if c.current},
                  by_postcode=_grouped((postcode, c) for c in communes for postcode in c.postcodes))


@cache
def _by_name() -> dict[str, tuple[Commune, ...]]:
    """Built on the first look-up without a postcode only (a third of a second)."""
    return _grouped((name_key(c.name), c) for c in _index().communes)


def commune_by_code(code: str) -> Commune | None:
    """The current commune of this Insee code."""
    return _index().by_code.get(code)


def communes_of_postcode(postcode: str | None) -> tuple[Commune, ...]:
    """The communes La Poste serves under this postcode (current ones first)."""
    if not postcode or not _POSTCODE.match(postcode.strip()):
        return ()
    return _index().by_postcode.get(postcode.strip(), ())


def official_commune(name: str | None, postcode: str | None = None) -> Commune | None:
    """The commune a case names: by its name among the communes of its postcode; without a postcode, the only
    current commune of that name in France (None when several share it, as the many « Saint-Martin »)."""
    key = name_key(name)
    if not key:
        return None
    if postcode and postcode.strip():
        return next((c for c in communes_of_postcode(postcode) if name_key(c.name) == key), None)
    current = [c for c in _by_name().get(key, ()) if c.current]
    return current[0] if len(current) == 1 else None


def commune_label(name: str | None, postcode: str | None = None) -> str:
    """The name to show on a page: the COG's when the commune is found, else the name as it was received."""
    found = official_commune(name, postcode)
    return found.name if found is not None else (name or "").strip()
