"""What a partner may read back about one of its own cases (docs/security.md, rule 1): what it pushed, its
campaigns' contacts and the responses it recorded; never what others reported, nor that they know the household."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import Session

from campaigns.crypto.handles import contact_handle
from campaigns.models import Campaign, Case, CaseChange, Dispatch, Response, StageEntry, TemplateVersion
from campaigns.planning.authority import case_stage_since, own_campaigns
from campaigns.platform.dialect import any_of


def _stage_at(session: Session, case: Case, responses: Sequence[Response]) -> dict[int, str]:
    """The case's own stage when each of these responses was recorded, by the case's history."""
    changes = session.execute(select(CaseChange.changed_at, CaseChange.old_stage, CaseChange.new_stage)
                              .where(CaseChange.case_id == case.id, CaseChange.new_stage.is_not(None))
                              .order_by(CaseChange.changed_at, CaseChange.id)).all()
    stages: dict[int, str] = {}
    for response in responses:
        stage = changes[0].old_stage if changes else case.stage
        for changed_at, _old, new in changes:
            if changed_at <= response.created_at and new is not None:
                stage = new
        stages[response.id] = stage or case.stage
    return stages


def written_with(session: Session, case: Case, viewer_partner_id: int) -> ColumnElement[bool]:
    """Which of the household's contacts are this case's. With another case of the viewer in the household (its
    rows grouped, perhaps through another partner's data: a co-tenant, docs/security.md rule 1), those planned on
    this case's own stays, and of the household's stays those sent with this case or, not sent, planned on its
    current stay: what the case would show alone in its household. Alone, every contact of its campaigns there."""
    shared = session.scalar(select(exists().where(Case.household_id == case.household_id,
                                                  Case.partner_id == viewer_partner_id, Case.id != case.id)))
    if not shared:
        return true()
    own_stay = exists().where(StageEntry.id == Dispatch.stage_entry_id, StageEntry.case_id == case.id)
    household_stay = exists().where(StageEntry.id == Dispatch.stage_entry_id, StageEntry.case_id.is_(None))
    unsent_on_its_stay = and_(Dispatch.sent_case_id.is_(None), Dispatch.stage_entry_id == case.stay_entry_id) \
        if case.stay_entry_id is not None else false()
    return or_(own_stay, and_(household_stay, or_(Dispatch.sent_case_id == case.id, unsent_on_its_stay)))


def case_view(session: Session, case: Case, *, viewer_partner_id: int) -> dict[str, Any]:
    """Contacts are shown only for campaigns the viewer owns or runs (a bailleur must not learn which other
    institutions write to its tenant, docs/domain.md §7); responses only those it recorded itself. Same
    shape and values whether or not the household is shared."""
    campaigns = own_campaigns(session, viewer_partner_id)
    contacts: list[tuple[Dispatch, str, str | None]] = [(d, name, version) for d, name, version in session.execute(
        select(Dispatch, Campaign.name, TemplateVersion.content_hash)
        .join(Campaign, Campaign.id == Dispatch.campaign_id)
        .outerjoin(TemplateVersion, TemplateVersion.id == Dispatch.template_version_id)
        .where(Dispatch.household_id == case.household_id, any_of(session, Dispatch.campaign_id, campaigns),
               written_with(session, case, viewer_partner_id))
        .order_by(Dispatch.due_at, Dispatch.id)
    )] if campaigns else []
    responses = session.scalars(
        select(Response).where(Response.household_id == case.household_id, Response.partner_id == viewer_partner_id,
                               or_(Response.case_id.is_(None), Response.case_id == case.id))
        .order_by(Response.responded_at, Response.id)
    ).all()
    since = case_stage_since(session, case)
    stages = _stage_at(session, case, responses)
    return {
        "reference": case.reference,
        "stade": case.stage,
        "date_stade": case.date_stade.isoformat(),
        "mis_a_jour_le": case.updated_at.isoformat(),
        "contacts": [
            {
                # Opaque and stable (campaigns/crypto/handles.py): the service-wide row number would tell in
                # which order the tick planned households (docs/security.md, rule 1).
                "id": contact_handle(session, d.id, viewer_partner_id),
                "campagne": name,
                "canal": d.channel,
                "etape": d.step_position + 1,
                "stade": d.stage,
                "prevu_le": d.due_at.isoformat(),
                "statut": d.status,
                "motif": d.reason,
                "envoye_le": d.sent_at.isoformat() if d.sent_at else None,
                # What was really sent: the template, the language and register asked and used, whether it fell
                # back to another variant (docs/campaigns.md, Templates) and its version, named by its content's hash.
                "modele": d.template,
                "langue_demandee": d.requested_locale,
                "falc_demande": d.requested_falc,
                "langue": d.rendered_locale,
                "falc": d.rendered_falc,
                "repli_langue": d.template_fallback,
                "version_modele": version[:16] if version else None,
            }
            for d, name, version in contacts
        ],
        "reponse_recue_au_stade_actuel": any(r.created_at >= since for r in responses),
        "reponses": [
            {"date": r.responded_at.isoformat(), "canal": r.channel, "nature": r.nature, "stade": stages[r.id]}
            for r in responses
        ],
    }
