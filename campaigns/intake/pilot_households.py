"""The households as the campaign owners (DDETS/DRIHL, Département: the pilots of the coordination) read them: the
list by coordinated stage with search and pages, and one household's cases, contacts, responses and tasks by date.

Pilots coordinate every partner's case of a household (as the households export already says), but the notes of
the social services' tasks stay with their structure: a task shows its kind, queue, state and outcome only."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaigns.intake.case_search import display_name, household_case_labels, matching_households
from campaigns.intake.landlord_households import SENT
from campaigns.models import Campaign, Case, CaseChange, Dispatch, Household, HumanTask, Partner, Response, TaskStatus
from campaigns.models.stages import Stage
from campaigns.platform.communes import commune_label
from campaigns.platform.dialect import any_of
from campaigns.platform.paging import PAGE_SIZE, Paged, page_number, search_terms

OPEN_TASKS = (TaskStatus.PENDING.value, TaskStatus.RESERVED.value, TaskStatus.IN_PROGRESS.value)


@dataclass(frozen=True, slots=True)
class HouseholdRow:
    household_id: int
    names: list[str]
    communes: list[str]
    stage: str | None
    partners: list[str]
    sent: int
    responses: int
    open_tasks: int


def _live() -> Any:
    """Households shown: not merged into another, with at least one case not purged."""
    return select(Household.id).where(Household.merged_into_id.is_(None), select(Case.id).where(
        Case.household_id == Household.id, Case.purged_at.is_(None)).exists())


def household_stage_counts(session: Session) -> dict[str, int]:
    counts = dict(session.execute(select(Household.stage, func.count()).where(Household.id.in_(_live()))
                                  .group_by(Household.stage)).all())
    return {stage.value: counts[stage.value] for stage in Stage if counts.get(stage.value)}


def pilot_households(session: Session, *, stage: str | None = None, query: str = "",
                     page: int = 1) -> Paged[HouseholdRow]:
    """A page of households, the latest updated first; `query` keeps those with a case matching it."""
    scope = _live()
    if stage is not None:
        scope = scope.where(Household.stage == stage)
    terms = search_terms(query)
    if terms:
        found = sorted(matching_households(session, terms))
        if not found:
            return Paged([], 0, 1)
        scope = scope.where(any_of(session, Household.id, found))
    total = session.scalar(select(func.count()).select_from(scope.subquery())) or 0
    number = page_number(page, total)
    ids = list(session.scalars(scope.order_by(Household.updated_at.desc(), Household.id.desc())
                               .offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    return Paged(_rows(session, ids), total, number)


def _rows(session: Session, household_ids: Sequence[int]) -> list[HouseholdRow]:
    if not household_ids:
        return []
    ids = list(household_ids)
    labels = household_case_labels(session, ids)
    names = dict(session.execute(select(Partner.id, Partner.name)).all())
    stages = dict(session.execute(select(Household.id, Household.stage).where(any_of(session, Household.id, ids)))
                  .all())
    sent = Counter(dict(session.execute(select(Dispatch.household_id, func.count()).where(
        any_of(session, Dispatch.household_id, ids), Dispatch.status.in_(SENT)).group_by(Dispatch.household_id))
        .all()))
    answers = Counter(dict(session.execute(select(Response.household_id, func.count()).where(
        any_of(session, Response.household_id, ids)).group_by(Response.household_id)).all()))
    tasks = Counter(dict(session.execute(select(HumanTask.household_id, func.count()).where(
        any_of(session, HumanTask.household_id, ids), HumanTask.status.in_(OPEN_TASKS))
        .group_by(HumanTask.household_id)).all()))
    return [HouseholdRow(
        household_id=h, names=list(dict.fromkeys(label.name for label in labels[h])),
        communes=list(dict.fromkeys(label.commune for label in labels[h])), stage=stages.get(h),
        partners=list(dict.fromkeys(names[label.partner_id] for label in labels[h])),
        sent=sent[h], responses=answers[h], open_tasks=tasks[h]) for h in ids]


def household_record(session: Session, household_id: int) -> dict[str, Any] | None:
    """One household for its pilots: its cases and, newest first, every case received or moved, every contact
    planned or sent, every response and every task. None when there is no such household to show."""
    household = session.get(Household, household_id)
    if household is None or household.merged_into_id is not None:
        return None
    cases = list(session.scalars(select(Case).where(Case.household_id == household_id, Case.purged_at.is_(None))
                                 .order_by(Case.id)))
    if not cases:
        return None
    names = dict(session.execute(select(Partner.id, Partner.name)).all())
    by_case = {c.id: c for c in cases}
    events: list[dict[str, Any]] = []
    moves = session.execute(select(CaseChange.case_id, CaseChange.changed_at, CaseChange.old_stage,
                                   CaseChange.new_stage).where(any_of(session, CaseChange.case_id, list(by_case)),
                                                               CaseChange.new_stage.is_not(None))
                            .order_by(CaseChange.changed_at, CaseChange.id)).all()
    first: dict[int, str | None] = {}
    for case_id, at, old, new in moves:
        first.setdefault(case_id, old or new)
        events.append({"kind": "stade", "at": at, "stage": new, "partner": names[by_case[case_id].partner_id],
                       "reference": by_case[case_id].reference})
    events += [{"kind": "dossier", "at": c.created_at, "stage": first.get(c.id, c.stage),
                "partner": names[c.partner_id], "reference": c.reference} for c in cases]
    for dispatch, campaign, owner in session.execute(
            select(Dispatch, Campaign.name, Campaign.owner_partner_id)
            .join(Campaign, Campaign.id == Dispatch.campaign_id).where(Dispatch.household_id == household_id)):
        events.append({"kind": "contact", "at": dispatch.sent_at or dispatch.due_at, "channel": dispatch.channel,
                       "status": dispatch.status, "reason": dispatch.reason, "campaign": campaign,
                       "step": dispatch.step_position + 1, "stage": dispatch.stage, "partner": names[owner]})
    events += [{"kind": "reponse", "at": r.responded_at, "channel": r.channel, "nature": r.nature, "stage": r.stage,
                "partner": names[r.partner_id]}
               for r in session.scalars(select(Response).where(Response.household_id == household_id))]
    events += [{"kind": "tache", "at": t.created_at, "task_kind": t.kind, "status": t.status, "outcome": t.outcome,
                "stage": t.stage, "partner": names[t.queue_partner_id], "done_at": t.completed_at,
                "escalated": t.escalated_at is not None}
               for t in session.scalars(select(HumanTask).where(HumanTask.household_id == household_id))]
    events.sort(key=lambda e: e["at"], reverse=True)
    return {
        "id": household.id, "stage": household.stage,
        "cases": [{"partner": names[c.partner_id], "reference": c.reference, "name": display_name(c.prenom, c.nom),
                   "commune": commune_label(c.commune, c.code_postal), "postcode": c.code_postal, "stage": c.stage,
                   "stage_date": c.date_stade,
                   "hearing": c.date_audience, "closed": c.stage == Stage.CLOTURE} for c in cases],
        "events": events,
    }
