"""Which cases have authority over a shared household (docs/security.md, rules 5 and 6): the State's and the
Département's, and the household's landlord. Planning follows them to move the household's stage; messages take
their address, number and protection measure from them; the attribution reads its profile from them. A case
without authority (a second bailleur, or any partner with a name and a birth date) moves and informs its own case
only.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.locale.addresses import address_key, complement_tokens, extract_complement
from campaigns.locale.text import normalise_text
from campaigns.models.enums import PartnerKind
from campaigns.models.parties import Case, Partner
from campaigns.models.stages import Stage
from campaigns.platform.dialect import any_of
from campaigns.platform.memo import peek, remember

PROCEDURE_KINDS = frozenset({PartnerKind.ETAT.value, PartnerKind.DEPARTEMENT.value})
LANDLORD_KINDS = frozenset({PartnerKind.BAILLEUR_SOCIAL.value, PartnerKind.BAILLEUR_PRIVE.value})


@dataclass(frozen=True, slots=True)
class CaseSource:
    """Who brought a case, and its stage: what its authority over the household depends on."""

    case_id: int
    household_id: int
    kind: str
    stage: str


def authoritative_cases(sources: Iterable[CaseSource], named: Collection[int] = ()) -> set[int]:
    """The cases whose word moves their household: the State's and the Département's, and each household's
    landlord case: its oldest open bailleur case among those brought before any case of the State or the
    Département (case numbers are given in order) and those the pilots' cases vouch for (`named`,
    `named_landlords`: named, or at the dwelling a pilot's case gives). A bailleur that pushes a household the
    State already knows, unvouched for, is not thereby its landlord: the State's word moves that household
    (docs/security.md, rule 6)."""
    sources = list(sources)
    first_pilot = _first_pilot_cases(sources)
    chosen = {source.case_id for source in sources if source.kind in PROCEDURE_KINDS}
    landlord: dict[int, int] = {}
    for source in sources:
        if source.kind not in LANDLORD_KINDS or source.stage == Stage.CLOTURE.value:
            continue
        if source.case_id > first_pilot.get(source.household_id, source.case_id) and source.case_id not in named:
            continue
        current = landlord.get(source.household_id)
        landlord[source.household_id] = source.case_id if current is None else min(current, source.case_id)
    return chosen | set(landlord.values())


def _first_pilot_cases(sources: Iterable[CaseSource]) -> dict[int, int]:
    first: dict[int, int] = {}
    for source in sources:
        if source.kind in PROCEDURE_KINDS:
            current = first.get(source.household_id)
            first[source.household_id] = source.case_id if current is None else min(current, source.case_id)
    return first


def named_landlords(session: Session, sources: Iterable[CaseSource]) -> set[int]:
    """The open bailleur cases that came after a pilot's case and that the household's pilot cases vouch for as its
    landlord: a pilot's case names it (column `bailleur`: the bailleur as the State knows it from the procedure's
    acts, compared with the partner's name, accents, case and punctuation aside), or the bailleur gives the very
    dwelling a pilot's case gives (the same address as normalised, campaigns.locale.addresses.address_key: a
    landlord knows its tenant's address; a partner with a name and a birth date does not)."""
    sources = list(sources)
    first_pilot = _first_pilot_cases(sources)
    late = {source.case_id: source.household_id for source in sources
            if source.kind in LANDLORD_KINDS and source.stage != Stage.CLOTURE.value
            and source.case_id > first_pilot.get(source.household_id, source.case_id)}
    if not late:
        return set()
    households = set(late.values())
    pilots = [source.case_id for source in sources
              if source.kind in PROCEDURE_KINDS and source.household_id in households]
    names: dict[int, set[str]] = {}
    dwellings: dict[int, list[tuple[str, frozenset[str]]]] = {}
    for household_id, landlord, adresse, complement, code_postal, invalid in session.execute(
            select(Case.household_id, Case.bailleur, Case.adresse, Case.complement_adresse, Case.code_postal,
                   Case.adresse_invalide).where(any_of(session, Case.id, pilots))):
        if landlord:
            names.setdefault(household_id, set()).add(normalise_text(landlord))
        if (dwelling := _dwelling(adresse, complement, code_postal)) is not None and not invalid:
            dwellings.setdefault(household_id, []).append(dwelling)
    if not names and not dwellings:
        return set()
    vouched: set[int] = set()
    for case_id, name, adresse, complement, code_postal in session.execute(
            select(Case.id, Partner.name, Case.adresse, Case.complement_adresse, Case.code_postal)
            .join(Partner, Partner.id == Case.partner_id).where(any_of(session, Case.id, list(late)))):
        household_id = late[case_id]
        given = _dwelling(adresse, complement, code_postal)
        if normalise_text(name) in names.get(household_id, set()) or (given is not None and any(
                given[0] == key and (not flat or given[1] == flat) for key, flat in dwellings.get(household_id, []))):
            vouched.add(case_id)
    return vouched


def _dwelling(adresse: str | None, complement: str | None, code_postal: str | None
              ) -> tuple[str, frozenset[str]] | None:
    """The address as normalised and the flat, building, floor the partner gave (in the address or beside it): a
    pilot's case that names the flat vouches only for a bailleur giving that flat, not the building alone."""
    key = address_key(adresse, code_postal)
    if key is None:
        return None
    return key, extract_complement(adresse)[1] | complement_tokens(complement)


def ruling_cases(session: Session, sources: Iterable[CaseSource]) -> set[int]:
    """`authoritative_cases`, with the landlords the pilots' cases name read from the database."""
    sources = list(sources)
    return authoritative_cases(sources, named_landlords(session, sources))


def case_sources(session: Session, household_ids: Collection[int]) -> list[CaseSource]:
    """The sources of every case of these households."""
    if not household_ids:
        return []
    rows = session.execute(
        select(Case.id, Case.household_id, Partner.kind, Case.stage).join(Partner, Partner.id == Case.partner_id)
        .where(any_of(session, Case.household_id, list(household_ids)))
    )
    return [CaseSource(case_id, household_id, kind, stage) for case_id, household_id, kind, stage in rows]


def trusted_cases(session: Session, cases: list[Case]) -> list[Case]:
    """Of one household's cases, those with authority over it; all of them when none has (nobody's word to keep)."""
    ruling = ruling_cases(session, [CaseSource(c.id, c.household_id, kind, c.stage) for c, kind in zip(
        cases, _kinds(session, cases), strict=True)])
    return [case for case in cases if case.id in ruling] or cases


def _kinds(session: Session, cases: list[Case]) -> list[str]:
    """The kind of each case's partner. A partner's kind never changes: within a batch of deliveries it is read
    once per partner (campaigns/platform/memo.py), not once per contact."""
    kinds: dict[int, str] = {}
    for partner_id in {case.partner_id for case in cases}:
        known = peek(("partner_kind", partner_id))
        if known is not None:
            kinds[partner_id] = cast(str, known)
    missing = sorted({case.partner_id for case in cases} - kinds.keys())
    if missing:
        rows = session.execute(select(Partner.id, Partner.kind).where(any_of(session, Partner.id, missing)))
        for partner_id, kind in rows:
            kinds[partner_id] = remember(("partner_kind", partner_id), kind)
    return [kinds[case.partner_id] for case in cases]
