"""Whose word sets a shared household's procedure stage, where it lives and its hearing date (docs/security.md,
rule 6, "Qui fait avancer la procédure").

Each partner's report moves its own case. The household's coordinated stage, which enrolls it in campaigns and
cancels the contacts of the stage it leaves for every partner, follows only the sources that take part in the
procedure or receive its acts (docs/domain.md §1.2, §2.1):

- the State (DDETS, préfecture: CCAPEX secretariat, EXPLOC, the commissaire de justice's copies) and the
  Département (DSF, FSL);
- the household's landlord: the oldest open case of a bailleur on the household. A second bailleur that pushes the
  same person (a former landlord, a mistake, an attack with a name and a birth date) moves its own case only.

CAF, CCAS, ADIL and associations report for their own case. When no such source knows the household, the
household follows all its cases (nobody's coordination is then overridden by a stranger's word). The same
sources say where the household lives now (campaign territory and segment) and, when they know it, the hearing
date that sets the DSF deadlines.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.locale.text import normalise_text
from campaigns.models import Case, Partner, PartnerKind
from campaigns.models.stages import Stage
from campaigns.platform.dialect import any_of

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
    Département (case numbers are given in order) and those a pilot's case names as the landlord (`named`,
    `named_landlords`). A bailleur that pushes a household the State already knows, unnamed, is not thereby its
    landlord: the State's word moves that household (docs/security.md, rule 6)."""
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
    """The open bailleur cases that came after a pilot's case and that one of the household's pilot cases names as
    the landlord (column `bailleur`: the bailleur as the State knows it from the procedure's acts, compared with the
    partner's name, accents, case and punctuation aside)."""
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
    for household_id, landlord in session.execute(
            select(Case.household_id, Case.bailleur).where(any_of(session, Case.id, pilots))):
        if landlord:
            names.setdefault(household_id, set()).add(normalise_text(landlord))
    if not names:
        return set()
    partners = session.execute(select(Case.id, Partner.name).join(Partner, Partner.id == Case.partner_id)
                               .where(any_of(session, Case.id, list(late))))
    return {case_id for case_id, name in partners if normalise_text(name) in names.get(late[case_id], set())}


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


def hearing_dates(session: Session, household_ids: Collection[int]) -> dict[int, date]:
    """Each household's hearing date: the earliest an authoritative open case gives, else the earliest of any
    open case (a date nobody with authority gave fills a gap, it never overrides one)."""
    if not household_ids:
        return {}
    rows = session.execute(
        select(Case.id, Case.household_id, Partner.kind, Case.stage, Case.date_audience)
        .join(Partner, Partner.id == Case.partner_id)
        .where(any_of(session, Case.household_id, list(household_ids)), Case.stage != Stage.CLOTURE.value)
    ).all()
    chosen = ruling_cases(session, [CaseSource(r[0], r[1], r[2], r[3]) for r in rows])
    found: dict[int, tuple[bool, date]] = {}
    for case_id, household_id, _kind, _stage, hearing in rows:
        if hearing is None:
            continue
        candidate = (case_id in chosen, hearing)
        current = found.get(household_id)
        if current is None or (candidate[0], _neg(candidate[1])) > (current[0], _neg(current[1])):
            found[household_id] = candidate
    return {household_id: hearing for household_id, (_, hearing) in found.items()}


def _neg(day: date) -> int:
    """Orders dates so that the earliest compares greatest."""
    return -day.toordinal()
