"""A campaign's life: brouillon → active ⇄ en_pause → terminée, each move checked, applied and logged (who, when).

Activating enrolls the households already at a covered stage (planning starts at activation); pausing keeps every
planned contact, which waits (dispatching holds it, reason `campaign_paused`) and goes when the campaign resumes;
ending cancels what is still planned (reason `campaign_ended`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
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
    Dispatch,
    DispatchStatus,
    HumanTask,
    Reason,
    TaskStatus,
)
from campaigns.planning.current_stays import current_stays, enroll_stays
from campaigns.planning.sequences import PENDING_DISPATCH, PENDING_TASK
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
    enrolled for this stay yet and have not answered at it. Their sequence starts `now`. Idempotent. Its dry run
    (campaigns/simulation/campaign.py) counts the same households (`current_stays`)."""
    return enroll_stays(session, campaign, current_stays(session, campaign), now=now)
