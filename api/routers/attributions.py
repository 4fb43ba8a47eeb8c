"""Referent attribution, the monthly concertation's batch mode (docs/domain.md §9.1): owners run the rules on the
households of a stage; a household that already has a referent keeps it. Bailleurs never see who the referent is."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from api.auditing import ApiAuditDep
from api.deps import OwnerDep, RuntimeDep
from api.int_bounds import BodyDay
from campaigns.locale.clock import PARIS
from campaigns.models import Case
from campaigns.models.stages import OPEN_STAGES, Stage
from campaigns.queues.referents import attribute_referents, households_at_stage, record_known_referent
from campaigns.queues.rules import load_default_rules, load_rules, load_territory

router = APIRouter(prefix="/api/v1", tags=["attributions"])


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stade: Stage = Stage.COMMANDEMENT_DE_PAYER
    regles: str | None = Field(default=None, description="Règles YAML (par défaut : critères de la Vendée)")
    territoire: str | None = Field(default=None, description="Territoire YAML : code INSEE ou département → structures")
    depuis: BodyDay | None = Field(default=None, description="Ménages entrés au stade depuis ce jour (AAAA-MM-JJ)")


@router.post("/attributions", summary="Attribuer un référent aux ménages d'un stade (concertation mensuelle)")
def post_batch(payload: BatchIn, caller: OwnerDep, runtime: RuntimeDep, audit: ApiAuditDep) -> dict[str, Any]:
    if payload.stade not in OPEN_STAGES:
        raise HTTPException(
            status_code=422, detail=[{"champ": "stade", "motif": "stade clos : choisissez un stade ouvert"}])
    rules = load_rules(payload.regles) if payload.regles else load_default_rules()
    territory = load_territory(payload.territoire) if payload.territoire else None
    since = datetime.combine(payload.depuis, time(0), tzinfo=PARIS).astimezone(UTC) if payload.depuis else None
    now = runtime.clock()
    with runtime.session_factory.begin() as session:
        ids = households_at_stage(session, payload.stade, since=since)
        batch = attribute_referents(session, ids, rules=rules, territory=territory, now=now)
        audit.change(session, ids, now=now)
    result = batch.result
    return {
        "stade": payload.stade.value,
        "dossiers": len(result.attributions),
        "par_structure": dict(sorted(batch.by_partner.items())),
        "par_type": dict(sorted(result.by_kind.items())),
        "nouvelles_attributions": dict(sorted(result.new_by_kind.items())),
        "par_regle": dict(sorted(result.by_rule.items())),
        "referents_existants": batch.existing,
        "attribues": batch.assigned,
        "a_designer": batch.to_designate,
        "non_traites": result.untreated,
        "rapport": result.format_fr(batch.by_partner),
    }


class KnownReferent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1, max_length=100, description="Référence d'un de vos dossiers")
    structure: str = Field(min_length=1, max_length=200, description="Nom du partenaire qui suit déjà le ménage")


class KnownReferentsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    referents: list[KnownReferent] = Field(min_length=1, max_length=10_000)


@router.post("/attributions/referents-connus", summary="Enregistrer les référents déjà connus (règle 0)")
def post_known(payload: KnownReferentsIn, caller: OwnerDep, runtime: RuntimeDep, audit: ApiAuditDep) -> dict[str, Any]:
    with runtime.session_factory.begin() as session:
        for index, item in enumerate(payload.referents, start=1):
            household_id = session.scalar(
                select(Case.household_id).where(Case.partner_id == caller.partner_id, Case.reference == item.reference)
            )
            if household_id is None:
                raise HTTPException(status_code=404, detail=f"élément n°{index} : dossier introuvable")
            record_known_referent(session, household_id=household_id, partner_name=item.structure, now=runtime.clock())
            audit.change(session, [household_id], now=runtime.clock())
        return {"enregistres": len(payload.referents)}
