"""A campaign's life: brouillon → active ⇄ en_pause → terminée, each move checked, applied and logged (who, when).

Activating enrolls the households already at a covered stage (planning starts at activation); pausing keeps every
planned contact, which waits (dispatching holds it, reason `campaign_paused`) and goes when the campaign resumes;
ending cancels what is still planned (reason `campaign_ended`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from campaigns.campaign.config import spec_of
from campaigns.campaign.issues import CampaignInvalidError
from campaigns.campaign.validation import check_campaign
from campaigns.models import (
    Campaign,
    CampaignChange,
    CampaignStatus,
    Case,
    Dispatch,
    DispatchStatus,
    Enrollment,
    Household,
    HumanTask,
    Reason,
    Response,
    TaskStatus,
)
from campaigns.models.stages import Stage
from campaigns.planning.coverage import covers_segment, covers_territory
from campaigns.planning.experiments import apply_arm, assign_arms
from campaigns.planning.own_stock import own_stock
from campaigns.planning.sequences import PENDING_DISPATCH, PENDING_TASK, plan_enrollment, step_due_times
from campaigns.planning.stage_authority import authoritative_cases, case_sources
from campaigns.platform.dialect import bulk_insert, insert_returning_ids
from campaigns.platform.errors import ValidationError

ACTION_LABELS = {
    "creee": "création",
    "modifiee": "modification",
    "chargee": "chargement (fichier ou API)",
    "activee": "activation",
    "mise_en_pause": "mise en pause",
    "reprise": "reprise",
    "terminee": "fin de la campagne",
}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a signed-in person (web), or a partner's API key, or the command line (neither)."""

    label: str
    user_id: int | None = None
    partner_id: int | None = None


def log_change(session: Session, campaign: Campaign, *, actor: Actor, action: str, now: datetime,
               changes: Iterable[dict[str, Any]] = (), replanned: dict[str, int] | None = None) -> CampaignChange:
    change = CampaignChange(
        campaign_id=campaign.id, changed_at=now, user_id=actor.user_id, partner_id=actor.partner_id,
        actor=actor.label[:300], action=action, changes=list(changes), replanned=dict(replanned or {}),
    )
    session.add(change)
    session.flush()
    return change


def _status(campaign: Campaign) -> CampaignStatus:
    return CampaignStatus(campaign.status)


def _set_status(campaign: Campaign, status: CampaignStatus) -> None:
    campaign.status = status.value
    # The planning and sending code reads `active`: it is true exactly while the campaign runs.
    campaign.active = status is CampaignStatus.ACTIVE


def _refuse(campaign: Campaign, verb: str) -> ValidationError:
    return ValidationError(
        f"la campagne « {campaign.name} » est {_status(campaign).label} : on ne peut pas la {verb}")


def activate(session: Session, campaign: Campaign, *, actor: Actor, now: datetime,
             enroll_current: bool = True) -> int:
    """A draft starts; returns how many households already at a covered stage were enrolled."""
    if _status(campaign) is not CampaignStatus.BROUILLON:
        raise _refuse(campaign, "activer")
    issues = check_campaign(session, spec_of(session, campaign), campaign_id=campaign.id, running=True)
    if issues:
        raise CampaignInvalidError(issues)
    _set_status(campaign, CampaignStatus.ACTIVE)
    enrolled = enroll_current_households(session, campaign, now=now) if enroll_current else 0
    log_change(session, campaign, actor=actor, action="activee", now=now, replanned={"inscrits": enrolled})
    return enrolled


def pause(session: Session, campaign: Campaign, *, actor: Actor, now: datetime) -> None:
    if _status(campaign) is not CampaignStatus.ACTIVE:
        raise _refuse(campaign, "mettre en pause")
    _set_status(campaign, CampaignStatus.EN_PAUSE)
    log_change(session, campaign, actor=actor, action="mise_en_pause", now=now)


def resume(session: Session, campaign: Campaign, *, actor: Actor, now: datetime) -> int:
    """Resumes: contacts held during the pause are due at once, and households that entered a covered stage
    meanwhile are enrolled. Returns that number of households."""
    if _status(campaign) is not CampaignStatus.EN_PAUSE:
        raise _refuse(campaign, "reprendre")
    issues = check_campaign(session, spec_of(session, campaign), campaign_id=campaign.id, running=True)
    if issues:
        raise CampaignInvalidError(issues)
    _set_status(campaign, CampaignStatus.ACTIVE)
    released = release_held(session, campaign, now=now)
    enrolled = enroll_current_households(session, campaign, now=now)
    log_change(session, campaign, actor=actor, action="reprise", now=now,
               replanned={"liberes": released, "inscrits": enrolled})
    return enrolled


def release_held(session: Session, campaign: Campaign, *, now: datetime) -> int:
    """The contacts that came due during the pause become due now."""
    result = session.execute(
        update(Dispatch)
        .where(Dispatch.campaign_id == campaign.id, Dispatch.status == DispatchStatus.PLANNED.value,
               Dispatch.reason == Reason.CAMPAIGN_PAUSED.value)
        .values(due_at=now, reason=None),
        execution_options={"synchronize_session": False},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def end(session: Session, campaign: Campaign, *, actor: Actor, now: datetime) -> int:
    """Ends the campaign for good; its planned contacts and open tasks are cancelled. Returns how many contacts."""
    if _status(campaign) is CampaignStatus.TERMINEE:
        raise _refuse(campaign, "terminer")
    _set_status(campaign, CampaignStatus.TERMINEE)
    dispatch_ids = select(Dispatch.id).where(Dispatch.campaign_id == campaign.id)
    cancelled = session.execute(
        update(Dispatch)
        .where(Dispatch.campaign_id == campaign.id,
               Dispatch.status.in_((*PENDING_DISPATCH, DispatchStatus.TEMPORARY_FAILURE)))
        .values(status=DispatchStatus.CANCELLED.value, reason=Reason.CAMPAIGN_ENDED.value, finished_at=now),
        execution_options={"synchronize_session": False},
    )
    session.execute(
        update(HumanTask)
        .where(HumanTask.dispatch_id.in_(dispatch_ids), HumanTask.status.in_(PENDING_TASK))
        .values(status=TaskStatus.CANCELLED.value, reason=Reason.CAMPAIGN_ENDED.value, updated_at=now),
        execution_options={"synchronize_session": False},
    )
    count = int(cancelled.rowcount)  # type: ignore[attr-defined]
    log_change(session, campaign, actor=actor, action="terminee", now=now, replanned={"annules": count})
    return count


def enroll_current_households(session: Session, campaign: Campaign, *, now: datetime) -> int:
    """Enrolls the households now at a stage the campaign covers, in its territory and segment, that are not
    enrolled for this stay yet and have not answered at it. Their sequence starts `now`. Idempotent."""
    if not campaign.steps:
        return 0
    enrolled = select(Enrollment.stage_entry_id).where(Enrollment.campaign_id == campaign.id)
    answered = select(Response.stage_entry_id).where(Response.stage_entry_id.is_not(None))
    households = session.execute(
        select(Household.id, Household.stage, Household.current_entry_id).where(
            Household.stage.in_(campaign.stages), Household.merged_into_id.is_(None),
            Household.current_entry_id.is_not(None), Household.current_entry_id.not_in(enrolled),
            Household.current_entry_id.not_in(answered),
        ).order_by(Household.id)
    ).all()
    if not households:
        return 0
    household_ids = [h.id for h in households]
    ruling = authoritative_cases(case_sources(session, household_ids))
    places: dict[int, tuple[bool, date, Case]] = {}
    for case in session.scalars(select(Case).where(Case.household_id.in_(household_ids))):
        # The freshest case with authority says where the household lives now (as apply_household_stages reads it).
        rank = (case.id in ruling, case.date_stade)
        if case.household_id not in places or rank >= places[case.household_id][:2]:
            places[case.household_id] = (*rank, case)
    stock = own_stock(session, [campaign], places)
    chosen = [
        h for h in households if h.id in places
        and covers_territory(campaign, commune=places[h.id][2].commune, code_postal=places[h.id][2].code_postal)
        and covers_segment(campaign, parc=places[h.id][2].parc, allocataire=places[h.id][2].allocataire)
        and stock.covers(campaign.id, h.id)
    ]
    if not chosen:
        return 0
    enrollment_ids = insert_returning_ids(session, Enrollment, [
        {"campaign_id": campaign.id, "household_id": h.id, "stage_entry_id": h.current_entry_id, "stage": h.stage,
         "enrolled_at": now} for h in chosen
    ])
    dues = step_due_times(campaign, entered_at=now)
    # A campaign running an experiment: each household's arm decides its steps (as sequences.enroll does).
    arms = assign_arms(session, [(campaign.id, h.id, h.current_entry_id, h.stage) for h in chosen], now=now)
    rows = [
        row for h, enrollment_id in zip(chosen, enrollment_ids, strict=True)
        for row in apply_arm(plan_enrollment(campaign, h.id, Stage(h.stage), h.current_entry_id, enrollment_id,
                                             dues=dues), arms.get((campaign.id, h.id)))
    ]
    bulk_insert(session, Dispatch, rows)
    return len(chosen)
