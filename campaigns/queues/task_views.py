"""What a social worker reads about the tasks of their structure: the queue, one task (what they need to act and
nothing more), the day's round of visits, and the structure's follow-up report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, exists, false, func, or_, select
from sqlalchemy.orm import Session

from campaigns.locale.clock import PARIS
from campaigns.locale.text import normalise_text
from campaigns.messages.addressees import protected_case
from campaigns.models import (
    Campaign,
    Case,
    Dispatch,
    DispatchStatus,
    Household,
    HumanTask,
    Partner,
    PartnerKind,
    Response,
    StageEntry,
    TaskKind,
    TaskStatus,
)
from campaigns.models.authority import trusted_cases
from campaigns.models.stages import Stage
from campaigns.planning.standing import household_views, standing
from campaigns.queues.routing import end_of_day
from campaigns.queues.task_cases import task_case_ids

_SENT = (DispatchStatus.SENDING.value, DispatchStatus.DELIVERED.value, DispatchStatus.RETURNED.value)
_BAILLEURS = (PartnerKind.BAILLEUR_SOCIAL.value, PartnerKind.BAILLEUR_PRIVE.value)
VISIT_KINDS = (TaskKind.VISITE.value, TaskKind.RECHERCHE.value)


def landlord_queue(session: Session, partner_id: int) -> bool:
    """A bailleur's own queue (its campaigns' calls and visits): it reads its own cases and letters only, never
    another partner's copy of its tenant, other senders' letters or the social services' tasks
    (docs/domain.md §10.2)."""
    return session.scalar(select(Partner.kind).where(Partner.id == partner_id)) in _BAILLEURS


def own_view(session: Session, household_id: int, partner_id: int) -> bool:
    """Whether a queue reads its own cases, letters, responses and tasks only: a bailleur's always
    (`landlord_queue`), any other partner's when it is not trusted with the household (`standing.household_view`:
    a task opened on its own word shows what it would show on an empty base, docs/security.md rules 1 and 5)."""
    if landlord_queue(session, partner_id):
        return True
    household = session.get(Household, household_id)
    return household is not None and not standing(session, household, partner_id).household_view


def own_views(session: Session, household_ids: set[int], partner_id: int) -> set[int]:
    """`own_view` for many households at once: those where the queue reads its own cases only."""
    if landlord_queue(session, partner_id):
        return set(household_ids)
    return household_ids - household_views(session, household_ids, partner_id)


def shown_cases(session: Session, tasks: list[HumanTask], partner_id: int) -> dict[int, Case | None]:
    """Task id → the case whose details the queue's worker is shown. A queue reading its own cases only
    (`own_view`) sees the case the task was opened for (`task_cases`), never the first of its cases in the
    household: two of its rows joined through another partner's data read as two people, as on an empty base
    (docs/security.md rule 1); a trusted queue, the household's freshest case (`contact_case`)."""
    restricted = own_views(session, {t.household_id for t in tasks}, partner_id)
    opened_for = task_case_ids(session, [t for t in tasks if t.household_id in restricted])
    wanted = {c for c in opened_for.values() if c is not None}
    cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(wanted)))} if wanted else {}
    fallback: dict[tuple[int, bool], Case | None] = {}
    shown: dict[int, Case | None] = {}
    for task in tasks:
        own = task.household_id in restricted
        case = cases.get(opened_for.get(task.id) or 0)
        if own and case is not None and case.partner_id == partner_id and case.household_id == task.household_id:
            shown[task.id] = case
            continue
        key = (task.household_id, own)
        if key not in fallback:
            fallback[key] = contact_case(session, task.household_id, partner_id=partner_id if own else None)
        shown[task.id] = fallback[key]
    return shown


def contact_case(session: Session, household_id: int, *, partner_id: int | None = None) -> Case | None:
    """The case to contact the household with: open, with a usable phone and address, the freshest; only the
    cases of `partner_id` when given."""
    query = select(Case).where(Case.household_id == household_id)
    if partner_id is not None:
        query = query.where(Case.partner_id == partner_id)
    cases = session.scalars(query).all()
    if not cases:
        return None
    return max(cases, key=lambda c: (c.stage != Stage.CLOTURE, bool(c.telephone) and not c.telephone_invalide,
                                     not c.adresse_invalide, c.date_stade, c.updated_at))


def _household(case: Case | None) -> dict[str, Any] | None:
    if case is None:
        return None
    address_ok = not case.adresse_invalide
    return {
        "nom": case.nom,
        "prenom": case.prenom,
        "telephone": None if case.telephone_invalide else case.telephone,
        "telephone_invalide": case.telephone_invalide,
        "adresse": case.adresse if address_ok else None,
        "complement_adresse": case.complement_adresse if address_ok else None,
        "code_postal": case.code_postal,
        "commune": case.commune,
        "adresse_invalide": case.adresse_invalide,
        "date_audience": case.date_audience.isoformat() if case.date_audience else None,
    }


@dataclass(frozen=True, slots=True)
class TaskFilters:
    status: str | None = TaskStatus.PENDING.value
    kind: str | None = None
    due_by: date | None = None
    # Only tasks whose deadline passed before this moment (late ones).
    late_at: datetime | None = None
    commune: str | None = None
    escalated: bool | None = None
    worker_id: int | None = None
    include_future: bool = False
    limit: int = 100


def _deadline(task: HumanTask) -> datetime:
    return task.sla_due_at or task.due_at


def task_summary(task: HumanTask) -> dict[str, Any]:
    return {
        "id": task.id,
        "type": task.kind,
        "stade": task.stage,
        "statut": task.status,
        "priorite": task.priority,
        "a_partir_du": task.due_at.isoformat(),
        "echeance": _deadline(task).isoformat(),
        "escaladee": task.escalated_at is not None,
        "annoncee": task.announced,
        "agent_id": task.reserved_by_worker_id,
        "reservee_jusqu_au": task.reserved_until.isoformat() if task.reserved_until else None,
        "date_prevue": task.scheduled_on.isoformat() if task.scheduled_on else None,
        "resultat": task.outcome,
        "version": task.version,
        "creneau_rappel": _callback(task),
    }


def _callback(task: HumanTask) -> dict[str, str] | None:
    """The slot the household chose through its answer link for this call (docs/web.md), or None."""
    if task.callback_from is None or task.callback_until is None:
        return None
    start, end = task.callback_from.astimezone(PARIS), task.callback_until.astimezone(PARIS)
    return {"debut": task.callback_from.isoformat(), "fin": task.callback_until.isoformat(),
            "libelle": f"le {start:%d/%m/%Y} entre {start:%H:%M} et {end:%H:%M}"}


def list_tasks(session: Session, *, partner_id: int, filters: TaskFilters, now: datetime) -> list[dict[str, Any]]:
    """The structure's queue, most urgent first; only ever this structure's tasks."""
    stmt = select(HumanTask).where(HumanTask.queue_partner_id == partner_id)
    if filters.status is not None:
        stmt = stmt.where(HumanTask.status == filters.status)
    if filters.kind is not None:
        stmt = stmt.where(HumanTask.kind == filters.kind)
    if filters.due_by is not None:
        stmt = stmt.where(func.coalesce(HumanTask.sla_due_at, HumanTask.due_at) <= end_of_day(filters.due_by))
    if filters.late_at is not None:
        stmt = stmt.where(func.coalesce(HumanTask.sla_due_at, HumanTask.due_at) < filters.late_at)
    if filters.escalated is not None:
        escalated = HumanTask.escalated_at.is_not(None)
        stmt = stmt.where(escalated if filters.escalated else ~escalated)
    if filters.worker_id is not None:
        stmt = stmt.where(HumanTask.reserved_by_worker_id == filters.worker_id)
    if not filters.include_future:
        stmt = stmt.where(HumanTask.due_at <= now)
    if filters.commune:
        wanted = normalise_text(filters.commune)
        households = stmt.with_only_columns(HumanTask.household_id)
        stmt = stmt.where(HumanTask.household_id.in_(_in_commune(session, households, wanted, partner_id)))
    tasks = session.scalars(
        stmt.order_by(HumanTask.priority, func.coalesce(HumanTask.sla_due_at, HumanTask.due_at), HumanTask.id)
        .limit(filters.limit)
    ).all()
    restricted = own_views(session, {t.household_id for t in tasks}, partner_id)
    landlord = landlord_queue(session, partner_id)
    cases = shown_cases(session, list(tasks), partner_id)
    return [{**task_summary(t), "menage": _household(cases[t.id]),
             **_to_call(session, t.household_id, cases[t.id], landlord=landlord,
                        restricted=t.household_id in restricted)} for t in tasks]


def _in_commune(session: Session, households: Any, wanted: str, partner_id: int) -> set[int]:
    """The households whose tasks the queue shows in the commune `wanted` (normalised): through its own cases, or
    any case when the queue is trusted with the household; never through the commune another partner gave when
    the queue reads its own cases only (`own_view`, docs/security.md rule 1)."""
    own: set[int] = set()
    others: set[int] = set()
    rows = session.execute(select(Case.household_id, Case.commune, Case.partner_id)
                           .where(Case.household_id.in_(households)))
    for household_id, commune, owner in rows:
        if normalise_text(commune) == wanted:
            (own if owner == partner_id else others).add(household_id)
    return own | {h for h in others - own if not own_view(session, h, partner_id)}


def _to_call(session: Session, household_id: int, case: Case | None, *, landlord: bool,
             restricted: bool = False) -> dict[str, Any]:
    """Whom a worker calls, in order (`a_appeler`): the mandataire first when the household is under curatelle,
    tutelle or habilitation familiale (docs/domain.md §10.2, scenario 11), then the household. The measure and the
    mandataire are shown to the social services' queues only, never to a bailleur's, and from the task's own case
    only when the queue is not trusted with the household (`restricted`, docs/security.md)."""
    household = None if case is None or case.telephone_invalide or not case.telephone else case.telephone
    numbers: list[dict[str, str]] = []
    shown: dict[str, Any] = {}
    if restricted:
        candidates = [case] if case is not None else []
    else:
        candidates = list(session.scalars(select(Case).where(Case.household_id == household_id).order_by(Case.id)))
    protected = None if landlord else protected_case(trusted_cases(session, candidates))
    if protected is not None:
        shown["mandataire"] = {"mesure": protected.mesure_protection, "nom": protected.mandataire_nom,
                               "telephone": protected.mandataire_telephone}
        if protected.mandataire_telephone:
            numbers.append({"qui": "mandataire", "nom": protected.mandataire_nom or "",
                            "telephone": protected.mandataire_telephone})
    if household:
        numbers.append({"qui": "menage", "nom": " ".join(p for p in (case.prenom, case.nom) if p) if case else "",
                        "telephone": household})
    return {**shown, "a_appeler": numbers}


def shown_case(session: Session, task: HumanTask) -> Case | None:
    """The case whose contact details the task's worker is shown (`shown_cases`)."""
    return shown_cases(session, [task], task.queue_partner_id)[task.id]


def task_detail(session: Session, task: HumanTask) -> dict[str, Any]:
    """One task with what the worker needs: contact, stage, hearing, debt, bailleur contact, what was sent and
    answered. Other structures' tasks show their outcome, never their notes; a bailleur's queue, or a queue not
    trusted with the household, shows its own cases, letters, responses and tasks only (`own_view`)."""
    queue = task.queue_partner_id
    restricted = own_view(session, task.household_id, queue)
    case = shown_case(session, task)
    bailleurs = select(Partner).join(Case, Case.partner_id == Partner.id).where(
        Case.household_id == task.household_id, Partner.kind.in_(_BAILLEURS))
    sent = (select(Dispatch, Partner.name)
            .join(Campaign, Campaign.id == Dispatch.campaign_id)
            .join(Partner, Partner.id == Campaign.owner_partner_id)
            .where(Dispatch.household_id == task.household_id, Dispatch.status.in_(_SENT)))
    responses = select(Response).where(Response.household_id == task.household_id)
    others = select(HumanTask).where(HumanTask.household_id == task.household_id, HumanTask.id != task.id)
    if restricted:
        # Only what concerns the task's own case: what it would show alone in its household (docs/security.md).
        case_id = case.id if case is not None else -1
        bailleurs = bailleurs.where(Partner.id == queue, Case.id == case_id)
        on_its_stay = exists().where(StageEntry.id == Dispatch.stage_entry_id, StageEntry.case_id == case_id)
        sent = sent.where(Campaign.owner_partner_id == queue, or_(
            Dispatch.sent_case_id == case_id, and_(Dispatch.sent_case_id.is_(None), on_its_stay)))
        responses = responses.where(Response.partner_id == queue, or_(
            Response.case_id.is_(None), Response.case_id == case_id) if case is not None else false())
        others = others.where(HumanTask.queue_partner_id == queue)
    bailleur = session.scalars(bailleurs.order_by(Case.date_stade.desc()).limit(1)).first()
    sent_rows = session.execute(sent.order_by(Dispatch.sent_at, Dispatch.id)).all()
    response_rows = session.scalars(responses.order_by(Response.responded_at)).all()
    other_tasks = list(session.scalars(others.order_by(HumanTask.created_at, HumanTask.id)))
    if restricted:
        other_cases = shown_cases(session, other_tasks, queue)
        shown_id = case.id if case is not None else None
        other_tasks = [t for t in other_tasks if getattr(other_cases[t.id], "id", None) == shown_id]
    stage = Stage(task.stage) if task.stage in Stage.__members__.values() else None
    return {
        **task_summary(task),
        "note": task.note,
        "stade_libelle": stage.label if stage else task.stage,
        "menage": _household(case),
        **_to_call(session, task.household_id, case, landlord=landlord_queue(session, queue), restricted=restricted),
        "montant_dette": str(case.montant_dette) if case and case.montant_dette is not None else None,
        "bailleur": {"nom": bailleur.name, "telephone": bailleur.contact_phone} if bailleur else None,
        "envois": [
            {"date": (d.sent_at or d.due_at).isoformat(), "canal": d.channel, "expediteur": sender,
             "modele": d.template, "statut": d.status}
            for d, sender in sent_rows
        ],
        "reponses": [
            {"date": r.responded_at.isoformat(), "canal": r.channel, "nature": r.nature, "stade": r.stage}
            for r in response_rows
        ],
        "autres_taches": [
            {"type": t.kind, "stade": t.stage, "statut": t.status, "resultat": t.outcome,
             "date": (t.completed_at or t.created_at).isoformat(),
             "votre_structure": t.queue_partner_id == task.queue_partner_id,
             **({"note": t.note} if t.queue_partner_id == task.queue_partner_id else {})}
            for t in other_tasks
        ],
    }
