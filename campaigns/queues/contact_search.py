"""A household pushed as known to be unreachable (`injoignable=oui`, docs/api.md): accepted without a channel, and
someone is asked to find its contact details (a `recherche` task in the referent's queue when the pushing partner's
case has authority over the household, else the pushing partner's, with the stage and hearing date that partner may
know: docs/security.md, rule 1)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from campaigns.models import Case, Household, HumanTask, TaskKind, TaskStatus
from campaigns.models.stages import Stage
from campaigns.planning.standing import standing, visible_hearing, visible_stage
from campaigns.platform.dialect import insert_ignoring_conflicts
from campaigns.queues.routing import sla_deadline, task_priority


def open_contact_searches(session: Session, case_ids: Iterable[int], *, now: datetime) -> int:
    """One search task per unreachable case whose household is still open (idempotent); returns how many rows
    were offered."""
    rows = []
    for case_id in sorted(set(case_ids)):
        case = session.get_one(Case, case_id)
        household = session.get_one(Household, case.household_id)
        place = standing(session, household, case.partner_id)
        stage = visible_stage(session, household, case.partner_id, place)
        if stage is None or stage == Stage.CLOTURE:
            continue
        queue = (household.referent_partner_id if place.authority or place.trusted else None) or case.partner_id
        hearing = visible_hearing(session, household, queue, place if queue == case.partner_id else None)
        rows.append({
            "household_id": household.id, "queue_partner_id": queue,
            "kind": TaskKind.RECHERCHE.value, "stage": stage, "status": TaskStatus.PENDING.value,
            "priority": task_priority(hearing, stage), "version": 1,
            "due_at": now,
            "sla_due_at": sla_deadline(TaskKind.RECHERCHE, now), "created_at": now, "updated_at": now,
            "dedup_key": f"injoignable-c{case.id}",
        })
    if rows:
        session.execute(insert_ignoring_conflicts(session, HumanTask, ["dedup_key"]), rows)
    return len(rows)
