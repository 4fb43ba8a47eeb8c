"""The review list: uncertain pairs that a pilot accepts (the households are merged) or rejects (for good)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from campaigns.linkage.merges import MergeConflictError, merge_households
from campaigns.models import Case, HouseholdMerge, LinkReview, Partner
from campaigns.platform.errors import NotFoundError

STATUSES = ("pending", "accepted", "rejected", "undone")


def _pending(session: Session, review_id: int) -> LinkReview:
    review = session.get(LinkReview, review_id, with_for_update=True)
    if review is None:
        raise NotFoundError("rapprochement inconnu")
    if review.status != "pending":
        raise MergeConflictError(f"rapprochement déjà traité (statut : {review.status})")
    return review


def accept_review(session: Session, review_id: int, *, partner_id: int, now: datetime) -> HouseholdMerge | None:
    """The case's household is merged into the candidate's. None when they are one household already."""
    review = _pending(session, review_id)
    review.status, review.decided_at, review.decided_by_partner_id = "accepted", now, partner_id
    # Read through the cases: either household may have been merged since the review was proposed.
    from_id = session.scalars(select(Case.household_id).where(Case.id == review.case_id)).one()
    into_id = session.scalars(select(Case.household_id).where(Case.id == review.candidate_case_id)).one()
    if from_id == into_id:
        return None
    return merge_households(
        session, from_id, into_id, reason=f"rapprochement n°{review.id} accepté : {review.explanation}",
        score=float(review.score), partner_id=partner_id, now=now, review_id=review.id,
    )


def reject_review(session: Session, review_id: int, *, partner_id: int, now: datetime) -> LinkReview:
    """Recorded: the same households are not proposed again (`linkage_store.declined_pairs`)."""
    review = _pending(session, review_id)
    review.status, review.decided_at, review.decided_by_partner_id = "rejected", now, partner_id
    return review


def _side(case: Case, partner: str) -> dict[str, Any]:
    return {
        "partenaire": partner, "reference": case.reference, "menage": case.household_id, "nom": case.nom,
        "prenom": case.prenom, "date_naissance": case.date_naissance.isoformat() if case.date_naissance else None,
        "nom_cotitulaire": case.nom_cotitulaire, "prenom_cotitulaire": case.prenom_cotitulaire,
        "adresse": case.adresse, "complement_adresse": case.complement_adresse, "code_postal": case.code_postal,
        "commune": case.commune, "stade": case.stage,
    }


def review_list(session: Session, *, status: str | None, limit: int) -> list[dict[str, Any]]:
    """Both sides of each pair as the reviewer needs them to decide (owners only: personal data)."""
    mine, theirs = aliased(Case), aliased(Case)
    my_partner, their_partner = aliased(Partner), aliased(Partner)
    stmt = (
        select(LinkReview, mine, my_partner.name, theirs, their_partner.name)
        .join(mine, mine.id == LinkReview.case_id).join(my_partner, my_partner.id == mine.partner_id)
        .join(theirs, theirs.id == LinkReview.candidate_case_id)
        .join(their_partner, their_partner.id == theirs.partner_id)
        .order_by(LinkReview.score.desc(), LinkReview.id).limit(limit)
    )
    if status is not None:
        stmt = stmt.where(LinkReview.status == status)
    return [
        {
            "id": review.id, "score": float(review.score), "explication": review.explanation,
            "statut": review.status, "cree_le": review.created_at.isoformat(),
            "decide_le": review.decided_at.isoformat() if review.decided_at else None,
            "dossier": _side(case, partner), "candidat": _side(candidate, candidate_partner),
        }
        for review, case, partner, candidate, candidate_partner in session.execute(stmt)
    ]


def merge_list(session: Session, *, limit: int) -> list[dict[str, Any]]:
    """Who merged what, when and why, and whether it was undone (no personal data)."""
    decided, undone = aliased(Partner), aliased(Partner)
    stmt = (
        select(HouseholdMerge, decided.name, undone.name)
        .outerjoin(decided, decided.id == HouseholdMerge.decided_by_partner_id)
        .outerjoin(undone, undone.id == HouseholdMerge.undone_by_partner_id)
        .order_by(HouseholdMerge.created_at.desc(), HouseholdMerge.id.desc()).limit(limit)
    )
    return [
        {
            "id": merge.id, "menage_absorbe": merge.from_household_id, "menage_conserve": merge.into_household_id,
            "motif": merge.reason, "score": float(merge.score) if merge.score is not None else None,
            "rapprochement_id": merge.link_review_id, "decide_par": by, "le": merge.created_at.isoformat(),
            "dossiers_deplaces": len(merge.moved.get("cases", [])),
            "annulee_le": merge.undone_at.isoformat() if merge.undone_at else None, "annulee_par": undone_by,
        }
        for merge, by, undone_by in session.execute(stmt)
    ]
