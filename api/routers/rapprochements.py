"""Pilots' review list of uncertain household pairs, and the merges they made (each one can be undone)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from api.auditing import ApiAuditDep
from api.deps import OwnerDep, RuntimeDep
from campaigns.accounts.audit import merge_households, review_households
from campaigns.linkage.merges import MergeConflictError, undo_merge
from campaigns.linkage.reviews import accept_review, merge_list, reject_review, review_list

router = APIRouter(prefix="/api/v1", tags=["rapprochements"])


class ReviewStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    UNDONE = "undone"


def _conflict(exc: MergeConflictError) -> HTTPException:
    return HTTPException(status_code=409, detail=str(exc))


@router.get("/rapprochements", summary="Paires de dossiers incertaines, à vérifier")
def list_reviews(
    caller: OwnerDep,
    runtime: RuntimeDep,
    audit: ApiAuditDep,
    statut: Annotated[ReviewStatus | None, Query()] = ReviewStatus.PENDING,
    limite: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    with runtime.session_factory.begin() as session:
        status = statut.value if statut is not None else None
        reviews = review_list(session, status=status, limit=limite)
        audit.read(session, review_households(session, [r["id"] for r in reviews]), now=runtime.clock())
        return {"rapprochements": reviews}


@router.post("/rapprochements/{review_id}/accepter", summary="Même ménage : fusionner (annulable)")
def accept(review_id: int, caller: OwnerDep, runtime: RuntimeDep, audit: ApiAuditDep) -> dict[str, Any]:
    with runtime.session_factory.begin() as session:
        audit.change(session, review_households(session, [review_id]), now=runtime.clock())
        try:
            merge = accept_review(session, review_id, partner_id=caller.partner_id, now=runtime.clock())
        except MergeConflictError as exc:
            raise _conflict(exc) from None
        return {"id": review_id, "statut": "accepted", "fusion_id": merge.id if merge else None,
                "menage": merge.into_household_id if merge else None}


@router.post("/rapprochements/{review_id}/rejeter", summary="Ménages distincts : ne plus proposer cette paire")
def reject(review_id: int, caller: OwnerDep, runtime: RuntimeDep, audit: ApiAuditDep) -> dict[str, Any]:
    with runtime.session_factory.begin() as session:
        audit.change(session, review_households(session, [review_id]), now=runtime.clock())
        try:
            reject_review(session, review_id, partner_id=caller.partner_id, now=runtime.clock())
        except MergeConflictError as exc:
            raise _conflict(exc) from None
        return {"id": review_id, "statut": "rejected"}


@router.get("/fusions", summary="Fusions de ménages : qui, quand, pourquoi")
def list_merges(
    caller: OwnerDep, runtime: RuntimeDep, limite: Annotated[int, Query(ge=1, le=500)] = 100
) -> dict[str, Any]:
    with runtime.session_factory.begin() as session:
        return {"fusions": merge_list(session, limit=limite)}


@router.post("/fusions/{merge_id}/annuler", summary="Annuler une fusion : les deux ménages et leurs contacts")
def undo(merge_id: int, caller: OwnerDep, runtime: RuntimeDep, audit: ApiAuditDep) -> dict[str, Any]:
    with runtime.session_factory.begin() as session:
        audit.change(session, merge_households(session, [merge_id]), now=runtime.clock())
        try:
            merge = undo_merge(session, merge_id, partner_id=caller.partner_id, now=runtime.clock())
        except MergeConflictError as exc:
            raise _conflict(exc) from None
        return {"id": merge.id, "statut": "annulee", "menages": [merge.from_household_id, merge.into_household_id]}
