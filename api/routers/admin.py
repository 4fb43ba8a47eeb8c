"""Owner-only administration: the household grouping of every case, partners and their API keys (a key is shown
once, at creation, and can be revoked)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from api.auditing import ApiAuditDep
from api.deps import OwnerDep, RuntimeDep
from api.int_bounds import BodyDay
from campaigns.accounts.partners import (
    add_partner,
    get_partner,
    issue_key,
    key_expiry,
    list_keys,
    list_partners,
    revoke_key,
)
from campaigns.linkage.exports import grouping_csv
from campaigns.locale.clock import PARIS
from campaigns.models import ApiKey, Partner

router = APIRouter(prefix="/api/v1/admin", tags=["administration"])


@router.get("/menages.csv", summary="Regroupement des dossiers en ménages (CSV)")
def export_households(caller: OwnerDep, runtime: RuntimeDep, audit: ApiAuditDep) -> StreamingResponse:
    with runtime.session_factory.begin() as session:
        audit.export_all(session, now=runtime.clock())

    def stream() -> object:
        with runtime.session_factory() as session:
            yield from grouping_csv(session)

    return StreamingResponse(
        stream(),  # type: ignore[arg-type]
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="menages.csv"'},
    )


def _partner(partner: Partner) -> dict[str, Any]:
    return {"id": partner.id, "nom": partner.name, "type": partner.kind, "telephone": partner.contact_phone,
            "adresse": partner.contact_address}


def _key(api_key: ApiKey) -> dict[str, Any]:
    return {"id": api_key.id, "debut": api_key.prefix, "creee_le": api_key.created_at.isoformat(),
            "revoquee_le": api_key.revoked_at.isoformat() if api_key.revoked_at else None,
            "expire_le": api_key.expires_at.astimezone(PARIS).isoformat() if api_key.expires_at else None}


class NewKey(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dernier_jour: BodyDay | None = Field(default=None, description="Dernier jour de validité (inclus), heure de Paris")


class NewPartner(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nom: str = Field(min_length=1, max_length=200)
    type: str
    telephone: str | None = Field(default=None, max_length=20)
    adresse: str | None = Field(default=None, max_length=300, description=(
        "Adresse postale des courriers au partenaire : lignes séparées par « | » (comme `chaine partenaires "
        "ajouter --adresse`) ou par des retours à la ligne, la dernière « CP Commune »"))
    dernier_jour_cle: BodyDay | None = Field(default=None, description="Dernier jour de validité de la première clé")


@router.get("/partenaires", summary="Les partenaires")
def get_partners(caller: OwnerDep, runtime: RuntimeDep) -> dict[str, Any]:
    with runtime.session_factory() as session:
        return {"partenaires": [_partner(p) for p in list_partners(session)]}


@router.post("/partenaires", status_code=201, summary="Créer un partenaire et sa première clé (montrée une fois)")
def post_partner(body: NewPartner, caller: OwnerDep, runtime: RuntimeDep) -> dict[str, Any]:
    with runtime.session_factory.begin() as session:
        expires_at = key_expiry(body.dernier_jour_cle, now=runtime.clock())
        partner = add_partner(session, name=body.nom, kind=body.type, now=runtime.clock(),
                              contact_phone=body.telephone,
                              contact_address=body.adresse.replace("|", "\n") if body.adresse else None)
        key = issue_key(session, partner=partner, now=runtime.clock(), expires_at=expires_at)
        return {**_partner(partner), "cle": key}


@router.get("/partenaires/{partner_id}/cles", summary="Les clés d'API d'un partenaire (leur début seulement)")
def get_keys(partner_id: int, caller: OwnerDep, runtime: RuntimeDep) -> dict[str, Any]:
    with runtime.session_factory() as session:
        get_partner(session, partner_id)
        return {"cles": [_key(k) for k in list_keys(session, partner_id)]}


@router.post("/partenaires/{partner_id}/cles", status_code=201, summary="Créer une clé d'API (montrée une fois)")
def post_key(partner_id: int, caller: OwnerDep, runtime: RuntimeDep, body: NewKey | None = None) -> dict[str, Any]:
    expires_at = key_expiry(body.dernier_jour if body else None, now=runtime.clock())
    with runtime.session_factory.begin() as session:
        key = issue_key(session, partner=get_partner(session, partner_id), now=runtime.clock(), expires_at=expires_at)
        return {"cle": key, "expire_le": expires_at.isoformat() if expires_at else None}


@router.post("/partenaires/{partner_id}/cles/{key_id}/revoquer", summary="Révoquer une clé d'API")
def post_revoke(partner_id: int, key_id: int, caller: OwnerDep, runtime: RuntimeDep) -> dict[str, Any]:
    with runtime.session_factory.begin() as session:
        return _key(revoke_key(session, key_id=key_id, partner_id=partner_id, now=runtime.clock()))
