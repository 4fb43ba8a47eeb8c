"""Returned mail (NPAI): the address is invalid for every campaign, and someone goes looking for the household."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from campaigns.models import (
    Campaign,
    Case,
    ChannelKind,
    Dispatch,
    DispatchStatus,
    Household,
    HumanTask,
    TaskStatus,
)
from campaigns.models.stages import Stage
from campaigns.platform.dialect import insert_ignoring_conflicts
from campaigns.platform.errors import NotFoundError, ValidationError


@dataclass(frozen=True, slots=True)
class ReturnOutcome:
    dispatch_id: int
    invalidated_cases: int
    locate_task_id: int | None


def record_npai(session: Session, *, dispatch_id: int, partner_id: int, now: datetime) -> ReturnOutcome:
    """Only the campaign owner (who receives the envelope back) can record it; the same return twice is a no-op."""
    dispatch = session.get(Dispatch, dispatch_id, with_for_update=True)
    if dispatch is None or dispatch.channel != ChannelKind.COURRIER:
        raise NotFoundError("courrier introuvable")
    campaign = session.get_one(Campaign, dispatch.campaign_id)
    if campaign.owner_partner_id != partner_id:
        raise NotFoundError("courrier introuvable")
    if dispatch.status not in (DispatchStatus.DELIVERED, DispatchStatus.RETURNED):
        raise ValidationError(f"ce courrier n'a pas été envoyé (statut « {dispatch.status} »)")
    dispatch.status = DispatchStatus.RETURNED.value
    # Every partner's copy of this address is now known to be wrong: no campaign writes there again.
    invalidated = session.execute(
        update(Case)
        .where(Case.household_id == dispatch.household_id, Case.adresse_invalide.is_(False))
        .values(adresse_invalide=True, updated_at=now),
        execution_options={"synchronize_session": False},
    ).rowcount  # type: ignore[attr-defined]
    household = session.get_one(Household, dispatch.household_id)
    task_id = None
    if household.stage is not None and household.stage != Stage.CLOTURE:
        # An open case: a worker of the owner's queue looks for the household (locate task).
        session.execute(
            insert_ignoring_conflicts(session, HumanTask, ["dispatch_id"]),
            [{"dispatch_id": dispatch.id, "household_id": dispatch.household_id,
              "queue_partner_id": campaign.owner_partner_id, "kind": "recherche", "stage": household.stage,
              "status": TaskStatus.PENDING.value, "due_at": now, "created_at": now, "updated_at": now}],
        )
        task_id = session.scalar(select(HumanTask.id).where(HumanTask.dispatch_id == dispatch.id))
    return ReturnOutcome(dispatch.id, int(invalidated), task_id)
