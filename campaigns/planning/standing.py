"""What a partner may know of a shared household when the service opens a task in its queue or acts on its word
(docs/security.md, rules 1, 4 and 6): the household's coordinated stage and hearing date when one of its cases
has authority over the household (or when it has no case there: a pilot, the referent, a structure's campaign
reaching its territory, which write with the household's best data), else only what its own cases say. A task's
stage and priority (the hearing date's ordinal) are then those it would get on an empty base."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.models import Case, Household, Partner
from campaigns.models.authority import PROCEDURE_KINDS, case_sources, ruling_cases
from campaigns.models.stages import Stage
from campaigns.planning.stage_authority import hearing_dates
from campaigns.platform.dialect import any_of

_RANK = {stage.value: stage.rank for stage in Stage}


@dataclass(frozen=True, slots=True)
class Standing:
    """A partner's place in one household: its own cases there, whether one of them has authority over it, and
    whether the partner is trusted with the household whatever its cases (a pilot, the household's referent)."""

    own: tuple[Case, ...]
    authority: bool
    trusted: bool = False

    @property
    def household_view(self) -> bool:
        """Whether the partner may read the household's coordinated stage and hearing date, and vouch for its
        dwelling."""
        return self.authority or self.trusted or not self.own


def standing(session: Session, household: Household, partner_id: int) -> Standing:
    own = tuple(session.scalars(select(Case).where(Case.household_id == household.id, Case.partner_id == partner_id)
                                .order_by(Case.id)))
    if not own:
        return Standing(own, False)
    trusted = household.referent_partner_id == partner_id or session.scalar(
        select(Partner.kind).where(Partner.id == partner_id)) in PROCEDURE_KINDS
    ruling = ruling_cases(session, case_sources(session, [household.id]))
    return Standing(own, any(case.id in ruling for case in own), trusted)


def household_views(session: Session, household_ids: Collection[int], partner_id: int) -> set[int]:
    """`standing(...).household_view` for many households at once: those whose coordinated stage, hearing date and
    referent the partner may read."""
    if not household_ids:
        return set()
    ids = list(household_ids)
    kind = session.scalar(select(Partner.kind).where(Partner.id == partner_id))
    if kind in PROCEDURE_KINDS:
        return set(ids)
    own: dict[int, list[int]] = {}
    for case_id, household_id in session.execute(select(Case.id, Case.household_id).where(
            any_of(session, Case.household_id, ids), Case.partner_id == partner_id)):
        own.setdefault(household_id, []).append(case_id)
    referred = set(session.scalars(select(Household.id).where(
        any_of(session, Household.id, ids), Household.referent_partner_id == partner_id)))
    ruling = ruling_cases(session, case_sources(session, list(own)))
    return {h for h in ids if h not in own or h in referred or any(c in ruling for c in own[h])}


def visible_stage(session: Session, household: Household, partner_id: int, place: Standing | None = None) -> str | None:
    """The stage a task for this partner shows: the household's, or its own open cases' most advanced (`cloture`
    when all its cases are closed)."""
    place = place or standing(session, household, partner_id)
    if place.household_view:
        return household.stage
    stages = [case.stage for case in place.own if case.stage != Stage.CLOTURE.value]
    return max(stages, key=lambda stage: _RANK.get(stage, 0)) if stages else Stage.CLOTURE.value


def visible_hearing(session: Session, household: Household, partner_id: int,
                    place: Standing | None = None) -> date | None:
    """The hearing date a task in this partner's queue is ranked by: the household's, or its own open cases'
    earliest."""
    place = place or standing(session, household, partner_id)
    if place.household_view:
        return hearing_dates(session, [household.id]).get(household.id)
    dates = [case.date_audience for case in place.own
             if case.date_audience is not None and case.stage != Stage.CLOTURE.value]
    return min(dates) if dates else None


def trusted_with(session: Session, household_id: int, partner_id: int) -> bool:
    """Whether the partner's word about the household counts for everyone (`standing(...).household_view`): a
    call or visit outcome or a wrong number recorded in its queue, a returned letter or a worker's « parti » about
    the dwelling. True for a pilot, the household's referent, a partner with a case with authority over it, or one
    without any case there (a structure's campaign reaching its territory writes with every case, rule 5). A partner
    whose cases there have no authority (a task opened on its own word) records its own response only and
    invalidates its own cases' addresses only (docs/security.md, rules 2 and 4)."""
    household = session.get(Household, household_id)
    return household is not None and standing(session, household, partner_id).household_view


def dwelling_cases(session: Session, household: Household, partner_id: int) -> list[Case]:
    """The cases whose valid address a partner's word about the dwelling may invalidate (`trusted_with`)."""
    query = select(Case).where(Case.household_id == household.id, Case.adresse_invalide.is_(False))
    if not standing(session, household, partner_id).household_view:
        query = query.where(Case.partner_id == partner_id)
    return list(session.scalars(query))
