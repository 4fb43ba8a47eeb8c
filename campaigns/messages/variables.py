"""The variables every message template reads: the sender, the stage, the household's commune and debt, the winter
truce, whom the household can call, and an appointment's details for its reminder."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.locale.clock import PARIS, local_date
from campaigns.locale.formats import format_date_fr
from campaigns.locale.truce import next_truce_end
from campaigns.messages import prefetched
from campaigns.messages.sources import letter_cases
from campaigns.models import Appointment, Case, Dispatch, Partner, PartnerKind
from campaigns.models.stages import Stage
from campaigns.platform.memo import memoised
from campaigns.platform.ports import Recipient

_LANDLORD_KINDS = (PartnerKind.BAILLEUR_SOCIAL.value, PartnerKind.BAILLEUR_PRIVE.value)


def household_contacts(session: Session, case: Case, owner_id: int) -> dict[str, str | None]:
    """Who the household can call: the ADIL, the social services, its bailleur (those with a phone on file). The
    bailleur is that of a case the campaign of `owner_id` writes with (`sources.letter_cases`): a partner's own
    campaign never names a landlord only another partner's case gives (docs/security.md, rules 1 and 5)."""

    def line(partner: Partner | None) -> str | None:
        if partner is None or not partner.contact_phone:
            return None
        return f"{partner.name} — {partner.contact_phone}"

    def first(*kinds: PartnerKind) -> Partner | None:
        return session.scalars(
            select(Partner).where(Partner.kind.in_([k.value for k in kinds]), Partner.contact_phone.is_not(None))
            .order_by(Partner.id).limit(1)
        ).first()

    return {
        # The same for every household: read once per batch of deliveries (campaigns/platform/memo.py).
        "adil": memoised(("contact_line", "adil"), lambda: line(first(PartnerKind.ADIL))),
        "services_sociaux": memoised(("contact_line", "services_sociaux"),
                                     lambda: line(first(PartnerKind.DEPARTEMENT, PartnerKind.CCAS))),
        "bailleur": line(_bailleur(session, case.household_id, owner_id)),
    }


def _bailleur(session: Session, household_id: int, owner_id: int) -> Partner | None:
    """The landlord of the first (in id order) of the cases the owner's campaign writes with, if any."""
    for found in sorted(letter_cases(session, household_id, owner_id), key=lambda c: c.id):
        partner = prefetched.case_partner(session, found.partner_id) or session.get(Partner, found.partner_id)
        if partner is not None and partner.kind in _LANDLORD_KINDS:
            return partner
    return None


def appointment_variables(session: Session, dispatch_id: int) -> dict[str, object] | None:
    """The reminder SMS's variables (campaigns/queues/appointments.py): day, time, place and the structure met;
    None when the appointment is gone."""
    appointment = session.scalar(select(Appointment).where(Appointment.reminder_dispatch_id == dispatch_id))
    if appointment is None:
        return None
    structure = session.get_one(Partner, appointment.partner_id)
    local = appointment.starts_at.astimezone(PARIS)
    return {"rdv_date": local.date(), "rdv_heure": f"{local.hour} h {local.minute:02d}",
            "rdv_lieu": appointment.place, "rdv_structure": structure.name, "rdv_telephone": structure.contact_phone}


def message_context(dispatch: Dispatch, owner: Partner, case: Case, recipient: Recipient, *, now: datetime,
                    contacts: dict[str, str | None]) -> dict[str, object]:
    return {
        "contacts": contacts,
        "langue": case.langue,
        "destinataire": recipient.display_name,
        "expediteur": owner.name,
        "stade": dispatch.stage,
        "stade_libelle": Stage(dispatch.stage).label,
        "commune": case.commune,
        "montant_dette": case.montant_dette,
        "parc": case.parc,
        "date_audience": case.date_audience,
        "date_envoi": local_date(now),
        "reference": case.reference,
        "telephone_contact": owner.contact_phone,
        # The end of the winter truce for the year the message is sent (2020, 2021: extended; docs/domain.md §2.4).
        "fin_treve": format_date_fr(next_truce_end(local_date(now))),
    }
