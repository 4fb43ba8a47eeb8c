"""Whose word sets a shared household's procedure stage, where it lives and its hearing date (docs/security.md,
rule 6, "Qui fait avancer la procédure").

Each partner's report moves its own case. The household's coordinated stage, which enrolls it in campaigns and
cancels the contacts of the stage it leaves for every partner, follows only the sources that take part in the
procedure or receive its acts (docs/domain.md §1.2, §2.1):

- the State (DDETS, préfecture: CCAPEX secretariat, EXPLOC, the commissaire de justice's copies) and the
  Département (DSF, FSL);
- the household's landlord: the oldest open case of a bailleur on the household that brought it before the State or
  the Département knew it, or that a case of theirs names (campaigns.models.authority). A second bailleur that
  pushes the same person (a former landlord, a mistake, an attack with a name and a birth date), or an unnamed
  bailleur after the State, moves its own case only.

CAF, CCAS, ADIL and associations report for their own case. When no such source knows the household, the
household follows all its cases (nobody's coordination is then overridden by a stranger's word). The same
sources say where the household lives now (campaign territory and segment) and, when they know it, the hearing
date that sets the DSF deadlines.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import ColumnElement, SQLColumnExpression, exists, select
from sqlalchemy.orm import Session

from campaigns.models import Campaign, Case, Partner
from campaigns.models.authority import LANDLORD_KINDS, PROCEDURE_KINDS, CaseSource, ruling_cases
from campaigns.models.enums import PartnerKind
from campaigns.models.stages import Stage
from campaigns.platform.dialect import any_of

# Whose campaigns run on their own case's stage stays, not on the household's (docs/security.md, rule 7): every partner
# but the pilots (the State and the Département, whose word moves the household: rule 6). Whether another partner
# knows the household, and at which stage, must not show in the contacts of a bailleur's, the CAF's, a CCAS', the
# ADIL's or an association's campaign on a household where it has a case of its own. A structure's campaign reaching
# a household of its territory where it has no case follows the household's stay (rule 5: there is no case of its
# own to follow, nor a case view to read); a bailleur's reaches its own tenants only (campaigns.planning.own_stock).
OWN_STAY_KINDS = frozenset(kind.value for kind in PartnerKind) - PROCEDURE_KINDS
# Of those, whose campaigns reach households where they have no case (a bailleur's reaches its own tenants only).
STRUCTURE_KINDS = OWN_STAY_KINDS - LANDLORD_KINDS


def own_stay_campaigns(session: Session) -> set[int]:
    """The campaigns that run on their owner's own case stays where it has a case (campaigns.planning.own_stays)."""
    return set(session.scalars(select(Campaign.id).join(Partner, Partner.id == Campaign.owner_partner_id)
                               .where(Partner.kind.in_(OWN_STAY_KINDS))))


def has_own_case(
    household_id: SQLColumnExpression[int] | int, partner_id: SQLColumnExpression[int] | int
) -> ColumnElement[bool]:
    """Whether the partner has a case (open or closed) in the household: its campaigns then run on that case's stays
    there, never on the household's (docs/security.md, rule 7)."""
    return exists().where(Case.household_id == household_id, Case.partner_id == partner_id)


def cased_pairs(session: Session, household_ids: Collection[int]) -> set[tuple[int, int]]:
    """(partner, household) of every case of these households: where a partner's campaigns follow its own case."""
    if not household_ids:
        return set()
    return {(partner_id, household_id) for partner_id, household_id in session.execute(
        select(Case.partner_id, Case.household_id).where(any_of(session, Case.household_id, sorted(household_ids))))}


def hearing_dates(session: Session, household_ids: Collection[int]) -> dict[int, date]:
    """Each household's hearing date: the earliest its open cases with authority give; the earliest of any open
    case only for a household no case with authority knows (a stranger's date neither overrides nor fills in
    the DSF deadlines of a household the State or its landlord knows)."""
    if not household_ids:
        return {}
    rows = session.execute(
        select(Case.id, Case.household_id, Partner.kind, Case.stage, Case.date_audience)
        .join(Partner, Partner.id == Case.partner_id)
        .where(any_of(session, Case.household_id, list(household_ids)), Case.stage != Stage.CLOTURE.value)
    ).all()
    chosen = ruling_cases(session, [CaseSource(r[0], r[1], r[2], r[3]) for r in rows])
    ruled = {household_id for case_id, household_id, *_ in rows if case_id in chosen}
    found: dict[int, tuple[bool, date]] = {}
    for case_id, household_id, _kind, _stage, hearing in rows:
        if hearing is None or (household_id in ruled and case_id not in chosen):
            continue
        candidate = (case_id in chosen, hearing)
        current = found.get(household_id)
        if current is None or (candidate[0], _neg(candidate[1])) > (current[0], _neg(current[1])):
            found[household_id] = candidate
    return {household_id: hearing for household_id, (_, hearing) in found.items()}


def _neg(day: date) -> int:
    """Orders dates so that the earliest compares greatest."""
    return -day.toordinal()
