"""Household matching across partners, exact version: hashed keys on allocataire number, name + birth date,
name + address. Replaceable as a whole by `match_households` (fuzzy linkage comes later)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.db import any_of
from campaigns.models import HouseholdKey

_NON_ALNUM = re.compile(r"[^A-Z0-9]+")


def normalise_text(value: str | None) -> str:
    """Upper case, accents and punctuation removed, spaces collapsed: 'Le Hénaff-d’Arc' -> 'LE HENAFF D ARC'."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_ALNUM.sub(" ", stripped.upper()).strip()


@dataclass(frozen=True, slots=True)
class IdentityFields:
    """The fields of a pushed row that identify the household."""

    nom: str | None
    prenom: str
    date_naissance: date | None
    nom_cotitulaire: str | None
    prenom_cotitulaire: str | None
    date_naissance_cotitulaire: date | None
    adresse: str | None
    code_postal: str | None
    numero_allocataire: str | None


def _digest(key: str) -> str:
    # Keys hold names and birth dates: only their hash is stored.
    return hashlib.sha256(key.encode()).hexdigest()


def identity_keys(fields: IdentityFields) -> list[str]:
    """Hashed keys, strongest first. A household is the people of one tenancy, so co-tenants add keys."""
    keys: list[str] = []
    if fields.numero_allocataire and fields.code_postal:
        # Allocataire numbers are unique within one CAF, i.e. one département.
        number = re.sub(r"\D", "", fields.numero_allocataire)
        if number:
            keys.append(f"alloc|{fields.code_postal[:2]}|{number}")
    people = [(fields.nom, fields.prenom, fields.date_naissance)]
    if fields.prenom_cotitulaire:
        people.append((fields.nom_cotitulaire or fields.nom, fields.prenom_cotitulaire,
                       fields.date_naissance_cotitulaire))
    for nom, prenom, born in people:
        if nom and born:
            keys.append(f"person|{normalise_text(nom)}|{normalise_text(prenom)}|{born.isoformat()}")
    address = normalise_text(fields.adresse)
    if address and fields.code_postal:
        # Name + address without the first name: spouses pushed by two partners are one household.
        for nom in sorted({normalise_text(n) for n, _p, _b in people if n}):
            keys.append(f"address|{nom}|{address}|{fields.code_postal}")
    return [_digest(k) for k in keys]


def match_households(session: Session, rows: Sequence[IdentityFields]) -> list[tuple[int | None, list[str]]]:
    """For each row, the household it belongs to (None when new) and its keys.

    Rows of the same batch that share a key are linked to each other by the caller (same new household).
    """
    row_keys = [identity_keys(r) for r in rows]
    wanted = {k for keys in row_keys for k in keys}
    known = _lookup(session, wanted)
    return [(next((known[k] for k in keys if k in known), None), keys) for keys in row_keys]


def _lookup(session: Session, keys: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    key_list = list(keys)
    # Chunks keep the IN list within every driver's parameter limit.
    for start in range(0, len(key_list), 5_000):
        chunk = key_list[start:start + 5_000]
        stmt = select(HouseholdKey.key_hash, HouseholdKey.household_id).where(
            any_of(session, HouseholdKey.key_hash, chunk)
        )
        found.update({k: h for k, h in session.execute(stmt)})
    return found
