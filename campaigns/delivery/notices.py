"""The notices to the social services (M24, campaigns/messages/notices.py) as partners read them back
(`GET /api/v1/notifications`): a structure reads those addressed to it once they are sent; the campaign owner that
sends them reads every one of its notices, with its status (one with no competent structure is `skipped`,
reason `no_channel`). Each shows what the letter said of the household (its name, address and phone, the
mandataire to involve) and nothing more; a landlord never reads them (api/access_rules.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from campaigns.crypto.handles import contact_handle
from campaigns.locale.formats import format_phone_fr
from campaigns.messages.addressees import protected_case
from campaigns.messages.sources import best_case, letter_cases
from campaigns.models import STRUCTURE_NOTICES, Campaign, Case, Dispatch, DispatchStatus, NoticeRecipient, Partner
from campaigns.platform.dialect import any_of

SENT = (DispatchStatus.SENDING.value, DispatchStatus.DELIVERED.value, DispatchStatus.RETURNED.value)
NOT_YET = (DispatchStatus.PLANNED.value, DispatchStatus.QUEUED.value)


@dataclass(frozen=True, slots=True)
class NoticeList:
    notices: list[dict[str, Any]]
    household_ids: list[int]  # whose personal data the answer shows (audited by the caller)


def _household(case: Case | None, cases: list[Case]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    if case is None:
        return None, None
    phone = case.telephone if case.telephone and not case.telephone_invalide else None
    household = {"nom": case.nom, "prenom": case.prenom,
                 "adresse": None if case.adresse_invalide else case.adresse,
                 "complement_adresse": None if case.adresse_invalide else case.complement_adresse,
                 "code_postal": case.code_postal, "commune": case.commune,
                 "telephone": format_phone_fr(phone) if phone else None}
    protected = protected_case(cases)
    mandataire = None if protected is None else {
        "nom": protected.mandataire_nom,
        "telephone": format_phone_fr(protected.mandataire_telephone) if protected.mandataire_telephone else None}
    return household, mandataire


def list_notices(session: Session, *, partner_id: int, limit: int) -> NoticeList:
    """The caller's notices, newest first: addressed to it and sent, or sent by its campaigns (not planned)."""
    received = select(NoticeRecipient.dispatch_id).where(NoticeRecipient.partner_id == partner_id)
    own = select(Campaign.id).where(Campaign.owner_partner_id == partner_id)
    rows = session.execute(
        select(Dispatch, Campaign.owner_partner_id)
        .join(Campaign, Campaign.id == Dispatch.campaign_id)
        .where(Dispatch.template.in_(sorted(STRUCTURE_NOTICES)), or_(
            and_(Dispatch.id.in_(received), Dispatch.status.in_(SENT)),
            and_(Dispatch.campaign_id.in_(own), Dispatch.status.not_in(NOT_YET))))
        .order_by(func.coalesce(Dispatch.sent_at, Dispatch.finished_at, Dispatch.due_at).desc(), Dispatch.id.desc())
        .limit(limit)
    ).all()
    ids = [dispatch.id for dispatch, _owner in rows]
    recipients: dict[int, list[str]] = defaultdict(list)
    for dispatch_id, name in session.execute(
        select(NoticeRecipient.dispatch_id, Partner.name).join(Partner, Partner.id == NoticeRecipient.partner_id)
        .where(any_of(session, NoticeRecipient.dispatch_id, ids)).order_by(NoticeRecipient.id)
    ) if ids else ():
        recipients[dispatch_id].append(name)
    names = {partner_id: name for partner_id, name in session.execute(select(Partner.id, Partner.name))}
    notices = []
    for dispatch, owner_id in rows:
        cases = letter_cases(session, dispatch.household_id, owner_id)
        case = best_case(cases, owner_id)
        household, mandataire = _household(case, cases)
        kind = STRUCTURE_NOTICES[dispatch.template or ""]
        notices.append({
            # The reader's handle of the letter (campaigns/crypto/handles.py): the sender reports its return with it.
            "id": contact_handle(session, dispatch.id, partner_id), "message": kind.code, "objet": kind.title,
            "modele": dispatch.template,
            "canal": dispatch.channel, "expediteur": names.get(owner_id), "destinataires": recipients[dispatch.id],
            "statut": dispatch.status, "motif": dispatch.reason,
            "envoye_le": dispatch.sent_at.isoformat() if dispatch.sent_at else None,
            "stade": dispatch.stage, "date_stade": case.date_stade.isoformat() if case else None,
            "reference": case.reference if case else None, "menage": household, "mandataire": mandataire,
        })
    return NoticeList(notices, sorted({dispatch.household_id for dispatch, _owner in rows}))
