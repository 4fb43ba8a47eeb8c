"""A household pushed as known to be unreachable (`injoignable=oui`, docs/api.md): accepted without a channel, and
someone is asked to find its contact details (a `recherche` task in the referent's queue, else the pushing
partner's)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from campaigns.models import Case, Household, HumanTask, TaskKind, TaskStatus
from campaigns.models.stages import Stage
from campaigns.platform.dialect import insert_ignoring_conflicts
from campaigns.queues.routing import hearing_date, sla_deadline, task_priority


def open_contact_searches(session: Session, case_ids: Iterable[int], *, now: datetime) -> int:
    """One search task per unreachable case whose household is still open (idempotent); returns how many rows
    were offered."""
    rows = []
    for case_id in sorted(set(case_ids)):
        case = session.get_one(Case, case_id)
        household = session.get_one(Household, case.household_id)
        if household.stage is None or household.stage == Stage.CLOTURE:
            continue
        hearing = hearing_date(session, household.id)
        rows.append({
            "household_id": household.id, "queue_partner_id": household.referent_partner_id or case.partner_id,
            "kind": TaskKind.RECHERCHE.value, "stage": household.stage, "status": TaskStatus.PENDING.value,
            "priority": task_priority(hearing, household.stage), "version": 1, "due_at": now,
            "sla_due_at": sla_deadline(TaskKind.RECHERCHE, now), "created_at": now, "updated_at": now,
            "dedup_key": f"injoignable-c{case.id}",
        })
    if rows:
        session.execute(insert_ignoring_conflicts(session, HumanTask, ["dedup_key"]), rows)
    return len(rows)
