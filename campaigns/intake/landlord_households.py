"""A bailleur's households as its pages show them (docs/web.md, « Mes ménages »): its own cases by the stage it
reported, each with what its own campaigns sent or plan, the responses it recorded and whether its case is closed.

Rule 1 of docs/security.md (no oracle): every figure comes from the bailleur's own case, its own campaigns' contacts
(`authority.own_campaigns`, as `case_views.case_view` reads them) and the responses it recorded. Never the
household's coordinated stage, another partner's case or contacts: the same rows whether the household is shared or
not."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaigns.intake.case_search import display_name, partner_case_labels
from campaigns.intake.case_views import case_view, written_with
from campaigns.models import Case, CaseChange, Dispatch, DispatchStatus, Response
from campaigns.models.stages import Stage
from campaigns.planning.authority import own_campaigns
from campaigns.platform.communes import commune_label
from campaigns.platform.dialect import any_of
from campaigns.platform.paging import PAGE_SIZE, Paged, page_number, search_terms, slice_page

SENT = (DispatchStatus.SENDING.value, DispatchStatus.DELIVERED.value, DispatchStatus.RETURNED.value)
TO_COME = (DispatchStatus.PLANNED.value, DispatchStatus.QUEUED.value, DispatchStatus.TEMPORARY_FAILURE.value)


@dataclass(frozen=True, slots=True)
class OwnHousehold:
    """One of the bailleur's cases, and what was done in its name about the household."""

    case_id: int
    # For the audit of the page that shows it only: never shown to the bailleur (docs/web.md, « Mes ménages »).
    household_id: int
    reference: str
    name: str
    commune: str
    stage: str
    stage_date: date
    closed: bool
    sent: int
    last_sent: datetime | None
    to_come: int
    responses: int
    last_response: datetime | None


def stage_counts(session: Session, *, partner_id: int) -> dict[str, int]:
    """The bailleur's cases per stage it reported, in procedure order (stages without a case left out)."""
    counts = dict(session.execute(select(Case.stage, func.count()).where(
        Case.partner_id == partner_id, Case.purged_at.is_(None)).group_by(Case.stage)).all())
    return {stage.value: counts[stage.value] for stage in Stage if counts.get(stage.value)}


def own_households(session: Session, *, partner_id: int, stage: str | None = None, query: str = "",
                   page: int = 1) -> Paged[OwnHousehold]:
    """A page of the bailleur's cases, the latest stage first; `query` narrows them by name, reference or
    commune."""
    terms = search_terms(query)
    if terms:
        found = slice_page([label.case_id for label in partner_case_labels(session, partner_id=partner_id,
                                                                           stage=stage) if label.matches(terms)],
                           page)
        ids, total, number = found.rows, found.total, found.number
    else:
        scope = select(Case.id).where(Case.partner_id == partner_id, Case.purged_at.is_(None))
        if stage is not None:
            scope = scope.where(Case.stage == stage)
        total = session.scalar(select(func.count()).select_from(scope.subquery())) or 0
        number = page_number(page, total)
        ids = list(session.scalars(scope.order_by(Case.date_stade.desc(), Case.id.desc())
                                   .offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    return Paged(_rows(session, partner_id, ids), total, number)


def _rows(session: Session, partner_id: int, case_ids: Sequence[int]) -> list[OwnHousehold]:
    if not case_ids:
        return []
    cases = {c.id: c for c in session.scalars(select(Case).where(any_of(session, Case.id, list(case_ids))))}
    households = sorted({c.household_id for c in cases.values()})
    campaigns = own_campaigns(session, partner_id)
    sent: Counter[int] = Counter()
    to_come: Counter[int] = Counter()
    last_sent: dict[int, datetime] = {}
    # Per case, as its page (case_views.written_with): two of the bailleur's rows joined through another partner's
    # data (a co-tenant) never read each other's contacts (docs/security.md rule 1).
    for case in cases.values() if campaigns else ():
        for status, count, latest in session.execute(
                select(Dispatch.status, func.count(), func.max(Dispatch.sent_at))
                .where(Dispatch.household_id == case.household_id, any_of(session, Dispatch.campaign_id, campaigns),
                       written_with(session, case, partner_id))
                .group_by(Dispatch.status)):
            if status in SENT:
                sent[case.id] += count
                if latest is not None and (case.id not in last_sent or latest > last_sent[case.id]):
                    last_sent[case.id] = latest
            elif status in TO_COME:
                to_come[case.id] += count
    answers: dict[int, list[tuple[int | None, datetime]]] = defaultdict(list)
    for household_id, case_id, responded_at in session.execute(
            select(Response.household_id, Response.case_id, Response.responded_at)
            .where(Response.partner_id == partner_id, any_of(session, Response.household_id, households))):
        answers[household_id].append((case_id, responded_at))
    rows = []
    for case_id in case_ids:
        case = cases[case_id]
        own = [at for answered_case, at in answers[case.household_id] if answered_case in (None, case.id)]
        rows.append(OwnHousehold(
            case_id=case.id, household_id=case.household_id, reference=case.reference,
            name=display_name(case.prenom, case.nom),
            commune=commune_label(case.commune, case.code_postal), stage=case.stage, stage_date=case.date_stade,
            closed=case.stage == Stage.CLOTURE,
            sent=sent[case.id], last_sent=last_sent.get(case.id), to_come=to_come[case.id],
            responses=len(own), last_response=max(own, default=None)))
    return rows


def own_case(session: Session, case_id: int, *, partner_id: int) -> Case | None:
    """The bailleur's own case, or None for any other (another partner's, purged, or none): one answer for all."""
    case = session.get(Case, case_id)
    return case if case is not None and case.partner_id == partner_id and case.purged_at is None else None


def own_timeline(session: Session, case: Case) -> dict[str, Any]:
    """The case page: what the bailleur pushed and, by date, its case's stage moves, its campaigns' contacts and
    the responses it recorded (the very contacts and responses of the API's case view), newest first."""
    view = case_view(session, case, viewer_partner_id=case.partner_id)
    moves = session.execute(select(CaseChange.changed_at, CaseChange.new_stage).where(
        CaseChange.case_id == case.id, CaseChange.new_stage.is_not(None)).order_by(CaseChange.changed_at)).all()
    first = session.scalar(select(CaseChange.old_stage).where(
        CaseChange.case_id == case.id, CaseChange.new_stage.is_not(None)).order_by(CaseChange.changed_at).limit(1))
    events: list[dict[str, Any]] = [{"kind": "dossier", "at": case.created_at, "stage": first or case.stage}]
    events += [{"kind": "stade", "at": at, "stage": stage} for at, stage in moves]
    events += [{"kind": "contact", "at": datetime.fromisoformat(c["envoye_le"] or c["prevu_le"]),
                "channel": c["canal"], "status": c["statut"], "reason": c["motif"], "campaign": c["campagne"],
                "step": c["etape"], "stage": c["stade"]} for c in view["contacts"]]
    events += [{"kind": "reponse", "at": datetime.fromisoformat(r["date"]), "channel": r["canal"],
                "nature": r["nature"], "stage": r["stade"]} for r in view["reponses"]]
    events.sort(key=lambda e: e["at"], reverse=True)
    return {"events": events, "responded_at_stage": view["reponse_recue_au_stade_actuel"],
            "contacts": len(view["contacts"]), "responses": len(view["reponses"])}
