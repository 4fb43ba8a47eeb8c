"""The long lists of one campaign for its pilots (docs/web.md, « Contacts » and « Tâches » of a campaign): every
contact it planned or sent and every task it opened, with filters, a search on the household (name, reference,
commune of any of its cases) and pages. Tasks show their queue, state and outcome, never their notes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from campaigns.intake.case_search import household_case_labels, matching_households
from campaigns.models import Dispatch, HumanTask, Partner
from campaigns.platform.dialect import any_of
from campaigns.platform.paging import PAGE_SIZE, Paged, page_number, search_terms


@dataclass(frozen=True, slots=True)
class ContactRow:
    id: int
    household_id: int
    name: str
    commune: str
    channel: str
    step: int
    stage: str
    at: datetime
    status: str
    reason: str | None


@dataclass(frozen=True, slots=True)
class TaskRow:
    id: int
    household_id: int
    name: str
    commune: str
    kind: str
    stage: str
    structure: str
    status: str
    deadline: datetime
    escalated: bool
    outcome: str | None


def _page(session: Session, scope: Select[Any], *, query: str, household: Any, page: int,
          order: Sequence[Any]) -> tuple[list[Any], int, int]:
    terms = search_terms(query)
    if terms:
        found = sorted(matching_households(session, terms))
        if not found:
            return [], 0, 1
        scope = scope.where(any_of(session, household, found))
    total = session.scalar(select(func.count()).select_from(scope.subquery())) or 0
    number = page_number(page, total)
    rows = list(session.scalars(scope.order_by(*order).offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    return rows, total, number


def _who(session: Session, household_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """The name and commune a row shows: its household's first case."""
    labels = household_case_labels(session, sorted(set(household_ids)))
    return {h: (found[0].name, found[0].commune) if found else ("Dossiers effacés", "") for h, found in labels.items()}


def campaign_contacts(session: Session, campaign_id: int, *, channel: str | None = None, status: str | None = None,
                      query: str = "", page: int = 1) -> Paged[ContactRow]:
    """The campaign's contacts, the latest due first."""
    scope = select(Dispatch).where(Dispatch.campaign_id == campaign_id)
    if channel is not None:
        scope = scope.where(Dispatch.channel == channel)
    if status is not None:
        scope = scope.where(Dispatch.status == status)
    rows, total, number = _page(session, scope, query=query, household=Dispatch.household_id, page=page,
                                order=(Dispatch.due_at.desc(), Dispatch.id.desc()))
    who = _who(session, [d.household_id for d in rows])
    return Paged([ContactRow(
        id=d.id, household_id=d.household_id, name=who[d.household_id][0], commune=who[d.household_id][1],
        channel=d.channel, step=d.step_position + 1, stage=d.stage, at=d.sent_at or d.due_at,
        status=d.status, reason=d.reason) for d in rows], total, number)


def campaign_tasks(session: Session, campaign_id: int, *, status: str | None = None, structure: int | None = None,
                   query: str = "", page: int = 1) -> Paged[TaskRow]:
    """The calls, visits and DSF tasks the campaign's steps opened, the most urgent deadline first."""
    deadline = func.coalesce(HumanTask.sla_due_at, HumanTask.due_at)
    scope = select(HumanTask).join(Dispatch, Dispatch.id == HumanTask.dispatch_id).where(
        Dispatch.campaign_id == campaign_id)
    if status is not None:
        scope = scope.where(HumanTask.status == status)
    if structure is not None:
        scope = scope.where(HumanTask.queue_partner_id == structure)
    rows, total, number = _page(session, scope, query=query, household=HumanTask.household_id, page=page,
                                order=(deadline, HumanTask.id))
    who = _who(session, [t.household_id for t in rows])
    names = dict(session.execute(select(Partner.id, Partner.name)).all())
    return Paged([TaskRow(
        id=t.id, household_id=t.household_id, name=who[t.household_id][0], commune=who[t.household_id][1],
        kind=t.kind, stage=t.stage, structure=names[t.queue_partner_id], status=t.status,
        deadline=t.sla_due_at or t.due_at, escalated=t.escalated_at is not None, outcome=t.outcome)
        for t in rows], total, number)


def task_structures(session: Session, campaign_id: int) -> dict[int, str]:
    """The structures holding tasks of the campaign, for the list's filter."""
    return dict(session.execute(
        select(Partner.id, Partner.name).join(HumanTask, HumanTask.queue_partner_id == Partner.id)
        .join(Dispatch, Dispatch.id == HumanTask.dispatch_id).where(Dispatch.campaign_id == campaign_id)
        .distinct().order_by(Partner.name)).all())
