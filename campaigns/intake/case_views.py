"""What a partner may read back about one of its own cases (its campaigns' contacts, its recorded responses)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.models import Campaign, Case, Dispatch, Household, Response


def case_view(session: Session, case: Case, *, viewer_partner_id: int) -> dict[str, Any]:
    """Contacts are shown only for campaigns the viewer owns: a bailleur must not learn which other
    institutions write to its tenant (docs/domain.md §10.2); that the household answered is shared, since it is
    what stops everyone's letters."""
    household = session.get_one(Household, case.household_id)
    contacts = session.execute(
        select(Dispatch, Campaign.name)
        .join(Campaign, Campaign.id == Dispatch.campaign_id)
        .where(Dispatch.household_id == case.household_id, Campaign.owner_partner_id == viewer_partner_id)
        .order_by(Dispatch.due_at, Dispatch.id)
    )
    responses = session.scalars(
        select(Response).where(Response.household_id == case.household_id).order_by(Response.responded_at)
    ).all()
    current = [r for r in responses if household.current_entry_id and r.stage_entry_id == household.current_entry_id]
    return {
        "reference": case.reference,
        "stade": case.stage,
        "date_stade": case.date_stade.isoformat(),
        "stade_menage": household.stage,
        "mis_a_jour_le": case.updated_at.isoformat(),
        "contacts": [
            {
                "id": d.id,
                "campagne": name,
                "canal": d.channel,
                "etape": d.step_position + 1,
                "stade": d.stage,
                "prevu_le": d.due_at.isoformat(),
                "statut": d.status,
                "motif": d.reason,
                "envoye_le": d.sent_at.isoformat() if d.sent_at else None,
            }
            for d, name in contacts
        ],
        "reponse_recue_au_stade_actuel": bool(current),
        "reponses": [
            {"date": r.responded_at.isoformat(), "canal": r.channel, "nature": r.nature, "stade": r.stage}
            for r in responses
            if r.partner_id == viewer_partner_id
        ],
    }
