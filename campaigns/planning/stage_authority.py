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

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.models import Campaign, Case, Partner
from campaigns.models.authority import LANDLORD_KINDS, CaseSource, ruling_cases
from campaigns.models.stages import Stage
from campaigns.platform.dialect import any_of

# Whose campaigns run on their own case's stage stays, not on the household's (docs/security.md, rule 7): a bailleur's
# campaign reaches its own tenants only, so it always has a case of its own to follow, and whether that case has
# authority over the household (rule 6) must not show in its contacts.
OWN_STAY_KINDS = LANDLORD_KINDS


def own_stay_campaigns(session: Session) -> set[int]:
    """The campaigns that run on their owner's own case stays (campaigns.planning.own_stays)."""
    return set(session.scalars(select(Campaign.id).join(Partner, Partner.id == Campaign.owner_partner_id)
                               .where(Partner.kind.in_(OWN_STAY_KINDS))))


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
