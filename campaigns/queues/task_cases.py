"""The case a task was opened for: a task of a queue that reads its own cases only shows that case, never the first
of its cases in the household (two of its rows that linkage joined through another partner's data, a co-tenant,
would read as one person: docs/security.md rule 1).

Derived from what opened the task: its dispatch (the case the message was written with, else the case of the stay
it was planned on), the unreachable case (`injoignable-c{case}`), the DSF chain's enrollment, the household's
answer link (`lien-{answer}`), or the task whose outcome opened a search (`recherche-t{task}`)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.models import AnswerLink, Dispatch, Enrollment, HumanTask, LinkAnswer, StageEntry
from campaigns.platform.dialect import any_of

_DEPTH = 8


def _number(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() else None


def task_case_ids(session: Session, tasks: Iterable[HumanTask]) -> dict[int, int | None]:
    """Task id → the id of the case it was opened for (None when nothing names one)."""
    found: dict[int, int | None] = {}
    pending = {t.id: t for t in tasks}
    asked = list(pending)
    # A search opened by a task's outcome is the case of that task: followed a few links at most.
    parents: dict[int, int] = {}
    for _ in range(_DEPTH):
        if not pending:
            break
        found.update(_direct(session, pending.values(), parents))
        wanted = {parents[t] for t in pending if t in parents}
        pending = {t.id: t for t in session.scalars(select(HumanTask).where(any_of(session, HumanTask.id,
                                                                                   list(wanted))))} if wanted else {}
    result: dict[int, int | None] = {}
    for task_id in asked:
        current = task_id
        for _ in range(_DEPTH):
            if current not in parents:
                break
            current = parents[current]
        result[task_id] = found.get(current)
    return result


def _direct(session: Session, tasks: Iterable[HumanTask], parents: dict[int, int]) -> dict[int, int | None]:
    """The case each task names itself; records in `parents` the tasks it was opened from."""
    found: dict[int, int | None] = {}
    dispatches: dict[int, int] = {}
    enrollments: dict[int, int] = {}
    answers: dict[int, int] = {}
    for task in tasks:
        found[task.id] = None
        key = task.dedup_key or ""
        if task.dispatch_id is not None:
            dispatches[task.dispatch_id] = task.id
        elif key.startswith("injoignable-c"):
            found[task.id] = _number(key.removeprefix("injoignable-c"))
        elif key.startswith("recherche-t") and (parent := _number(key.removeprefix("recherche-t"))) is not None:
            parents[task.id] = parent
        elif key.startswith("dsf-e") and (enrollment := _number(key.removeprefix("dsf-e").split("-")[0])):
            enrollments[enrollment] = task.id
        elif key.startswith("lien-") and (answer := _number(key.removeprefix("lien-"))) is not None:
            answers[answer] = task.id
    if dispatches:
        for dispatch_id, sent_case, stay_case in session.execute(
                select(Dispatch.id, Dispatch.sent_case_id, StageEntry.case_id)
                .outerjoin(StageEntry, StageEntry.id == Dispatch.stage_entry_id)
                .where(any_of(session, Dispatch.id, list(dispatches)))):
            found[dispatches[dispatch_id]] = sent_case if sent_case is not None else stay_case
    if enrollments:
        for enrollment_id, stay_case in session.execute(
                select(Enrollment.id, StageEntry.case_id).join(StageEntry, StageEntry.id == Enrollment.stage_entry_id)
                .where(any_of(session, Enrollment.id, list(enrollments)))):
            found[enrollments[enrollment_id]] = stay_case
    if answers:
        for answer_id, case_id in session.execute(
                select(LinkAnswer.id, AnswerLink.case_id).join(AnswerLink, AnswerLink.id == LinkAnswer.link_id)
                .where(any_of(session, LinkAnswer.id, list(answers)))):
            found[answers[answer_id]] = case_id
    return found
