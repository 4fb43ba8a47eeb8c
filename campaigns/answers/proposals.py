"""Addresses a household proposed through its answer link (« Mes coordonnées ont changé »), checked by one structure.

The structure that checks is fixed when the household sends the address: the household's referent, else the
partner whose message carried the link (`LinkAnswer.reviewer_partner_id`). Only that partner lists, accepts or
refuses it; any other partner gets the same "not found" as for a number that does not exist (docs/security.md,
rule 1). Nothing is written to a case: an accepted address is used by the next letters of the campaigns that may
read it (campaigns/messages/addressees.py, `accepted_move`), until a partner pushes a newer address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.accounts import audit
from campaigns.models import LinkAnswer
from campaigns.platform.errors import NotFoundError, ValidationError
from campaigns.queues.task_views import contact_case, landlord_queue

KIND = "adresse"


class Review(StrEnum):
    PENDING = "a_verifier"
    ACCEPTED = "acceptee"
    REFUSED = "refusee"


REVIEW_LABELS = {Review.PENDING: "à vérifier", Review.ACCEPTED: "acceptée", Review.REFUSED: "refusée"}
UNKNOWN = "Adresse proposée introuvable."


@dataclass(frozen=True, slots=True)
class Proposal:
    id: int
    household_id: int
    proposed: tuple[str, ...]
    status: str
    created_at: datetime
    reviewed_at: datetime | None
    # The household as the structure sees it on its tasks: name and the address its letters use now.
    name: str | None
    current: tuple[str, ...]
    # The reviewer's own case number in the household, if it has one: never the household's internal id, whose
    # order tells whether the household was known before (docs/security.md, rule 1).
    reference: str | None = None

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "reference": self.reference, "adresse_proposee": list(self.proposed),
                "statut": self.status, "statut_libelle": REVIEW_LABELS[Review(self.status)],
                "proposee_le": self.created_at.isoformat(),
                "verifiee_le": self.reviewed_at.isoformat() if self.reviewed_at else None,
                "nom": self.name, "adresse_actuelle": list(self.current)}


def _view(session: Session, row: LinkAnswer, partner_id: int) -> Proposal:
    own = partner_id if landlord_queue(session, partner_id) else None
    case = contact_case(session, row.household_id, partner_id=own)
    name = " ".join(p for p in ((case.prenom or ""), (case.nom or "").upper()) if p) if case else None
    current: tuple[str, ...] = ()
    if case is not None and case.adresse and not case.adresse_invalide:
        current = tuple(line for line in (case.adresse, case.complement_adresse,
                                          f"{case.code_postal or ''} {case.commune or ''}".strip()) if line)
    return Proposal(row.id, row.household_id, tuple((row.detail or "").splitlines()), row.status, row.created_at,
                    row.reviewed_at, name or None, current,
                    case.reference if case is not None and case.partner_id == partner_id else None)


def list_proposals(session: Session, *, partner_id: int, status: Review | None = Review.PENDING) -> list[Proposal]:
    """The addresses this partner checks, oldest first; `status` None: all of them."""
    query = select(LinkAnswer).where(LinkAnswer.kind == KIND, LinkAnswer.reviewer_partner_id == partner_id)
    if status is not None:
        query = query.where(LinkAnswer.status == status.value)
    return [_view(session, row, partner_id) for row in session.scalars(query.order_by(LinkAnswer.id))]


def _own(session: Session, proposal_id: int, partner_id: int) -> LinkAnswer:
    row = session.get(LinkAnswer, proposal_id)
    if row is None or row.kind != KIND or row.reviewer_partner_id != partner_id:
        raise NotFoundError(UNKNOWN)
    return row


def review(session: Session, *, proposal_id: int, partner_id: int, accept: bool, now: datetime,
           actor: audit.Actor) -> Proposal:
    """Accepts or refuses a pending proposal of this partner (NotFoundError for any other); audited."""
    row = _own(session, proposal_id, partner_id)
    if row.status != Review.PENDING:
        raise ValidationError(f"Cette adresse a déjà été {REVIEW_LABELS[Review(row.status)]}.")
    row.status = (Review.ACCEPTED if accept else Review.REFUSED).value
    row.reviewed_at = row.updated_at = now
    session.flush()
    audit.record(session, actor=actor, action=audit.AuditAction.CHANGE,
                 purpose=f"adresse proposée par le ménage {REVIEW_LABELS[Review(row.status)]}",
                 household_ids=[row.household_id], now=now)
    return _view(session, row, partner_id)
