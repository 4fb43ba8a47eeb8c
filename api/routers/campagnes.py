"""Campaigns through the API (same schema as the YAML files): create from scratch or from a preset, edit, and move
through brouillon → active ⇄ en_pause → terminée. Refusals list every reason with its field (step n°, champ)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as SchemaError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import Caller, CallerDep, OwnerDep, RuntimeDep
from campaigns.campaign.access import get_visible_campaign, visible_campaigns
from campaigns.campaign.config import CampaignSpec, spec_of
from campaigns.campaign.edits import save_campaign
from campaigns.campaign.issues import CampaignInvalidError, issues_from_pydantic
from campaigns.campaign.lifecycle import Actor, activate, end, pause, resume
from campaigns.campaign.presets import get_preset, presets
from campaigns.campaign.validation import check_campaign
from campaigns.models import Campaign, CampaignStatus
from campaigns.platform.errors import ValidationError

router = APIRouter(prefix="/api/v1/campagnes", tags=["campagnes"])


def campaign_view(session: Session, campaign: Campaign) -> dict[str, Any]:
    spec = spec_of(session, campaign)
    return {
        "id": campaign.id,
        **spec.model_dump(mode="json"),
        "statut": campaign.status,
        "statut_libelle": CampaignStatus(campaign.status).label,
    }


def actor_of(caller: Caller) -> Actor:
    return Actor(f"clé d'API de {caller.name}", partner_id=caller.partner_id)


CampaignBody = Annotated[dict[str, Any], Body(description="Même schéma que les fichiers YAML (docs/campaigns.md)")]


def parse_spec(body: dict[str, Any]) -> CampaignSpec:
    """Read here rather than by FastAPI, so that schema errors come back like the rules' (step n°, champ)."""
    try:
        return CampaignSpec.model_validate(body)
    except SchemaError as exc:
        raise refused(CampaignInvalidError(issues_from_pydantic(exc))) from None


def refused(exc: ValidationError) -> HTTPException:
    if isinstance(exc, CampaignInvalidError):
        return HTTPException(status_code=422, detail=[issue.as_dict() for issue in exc.issues])
    return HTTPException(status_code=422, detail=str(exc))


@router.put("", summary="Créer ou remplacer une campagne par son nom (comme un fichier YAML ; `active` la lance)")
def put_campaign(body: CampaignBody, caller: OwnerDep, runtime: RuntimeDep) -> dict[str, Any]:
    spec = parse_spec(body)
    with runtime.session_factory.begin() as session:
        existing = session.scalar(select(Campaign).where(Campaign.name == spec.name))
        try:
            result = save_campaign(session, spec, campaign=existing, actor=actor_of(caller), now=runtime.clock(),
                                   action="chargee")
        except ValidationError as exc:
            raise refused(exc) from None
        return campaign_view(session, result.campaign)


@router.get("", summary="Lister les campagnes (les vôtres, ou toutes pour la DDETS et le Département)")
def list_campaigns(caller: CallerDep, runtime: RuntimeDep) -> dict[str, Any]:
    with runtime.session_factory() as session:
        return {"campagnes": [campaign_view(session, c)
                              for c in visible_campaigns(session, partner_id=caller.partner_id)]}


@router.post("", status_code=201, summary="Créer une campagne en brouillon")
def create_campaign(body: CampaignBody, caller: OwnerDep, runtime: RuntimeDep) -> dict[str, Any]:
    spec = parse_spec(body)
    with runtime.session_factory.begin() as session:
        try:
            result = save_campaign(session, spec, campaign=None, actor=actor_of(caller), now=runtime.clock())
        except ValidationError as exc:
            raise refused(exc) from None
        return campaign_view(session, result.campaign)


@router.get("/modeles", summary="Les modèles de campagne tirés des sources (points de départ)")
def list_presets(caller: CallerDep) -> dict[str, Any]:
    return {"modeles": [{"id": p.id, "titre": p.title, "description": p.description, "sources": p.sources,
                         "proprietaire_habituel": p.owner_kind.value,
                         "operateur_habituel": p.operator_kind.value if p.operator_kind else None,
                         "campagne": p.campaign} for p in presets()]}


class FromPreset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nom: str = Field(min_length=1, max_length=200)
    proprietaire: str | None = Field(default=None, description="Par défaut : vous")
    operateur: str | None = Field(default=None, description="Opérateur délégué (ADIL, association), facultatif")


@router.post("/modeles/{preset_id}", status_code=201, summary="Créer une campagne en brouillon à partir d'un modèle")
def create_from_preset(preset_id: str, body: FromPreset, caller: OwnerDep, runtime: RuntimeDep) -> dict[str, Any]:
    preset = get_preset(preset_id)
    with runtime.session_factory.begin() as session:
        try:
            spec = preset.spec(name=body.nom, owner=body.proprietaire or caller.name, delegate=body.operateur)
            result = save_campaign(session, spec, campaign=None, actor=actor_of(caller), now=runtime.clock())
        except ValidationError as exc:
            raise refused(exc) from None
        return campaign_view(session, result.campaign)


@router.get("/{campaign_id}", summary="Une campagne, avec ce qui empêcherait de l'activer")
def get_campaign(campaign_id: int, caller: CallerDep, runtime: RuntimeDep) -> dict[str, Any]:
    with runtime.session_factory() as session:
        campaign = get_visible_campaign(session, campaign_id, partner_id=caller.partner_id)
        issues = check_campaign(session, spec_of(session, campaign), campaign_id=campaign.id, running=True)
        return {**campaign_view(session, campaign), "avant_activation": [i.as_dict() for i in issues]}


@router.put("/{campaign_id}", summary="Modifier une campagne (en cours : seules les étapes pas encore envoyées)")
def edit_campaign(campaign_id: int, body: CampaignBody, caller: OwnerDep, runtime: RuntimeDep) -> dict[str, Any]:
    spec = parse_spec(body)
    with runtime.session_factory.begin() as session:
        campaign = get_visible_campaign(session, campaign_id, partner_id=caller.partner_id)
        try:
            result = save_campaign(session, spec, campaign=campaign, actor=actor_of(caller), now=runtime.clock())
        except ValidationError as exc:
            raise refused(exc) from None
        return {**campaign_view(session, result.campaign), "modifications": result.changes,
                "contacts_replanifies": result.replanned}


class Activation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    inscrire_menages_actuels: bool = Field(
        default=True, description="Inscrire aussi les ménages déjà à un stade couvert (leur séquence part ce jour)")


def _move(campaign_id: int, caller: Caller, runtime: RuntimeDep, action: str, **options: Any) -> dict[str, Any]:
    with runtime.session_factory.begin() as session:
        campaign = get_visible_campaign(session, campaign_id, partner_id=caller.partner_id)
        actor, now = actor_of(caller), runtime.clock()
        try:
            if action == "activer":
                count = {"menages_inscrits": activate(session, campaign, actor=actor, now=now, **options)}
            elif action == "pause":
                pause(session, campaign, actor=actor, now=now)
                count = {}
            elif action == "reprendre":
                count = {"menages_inscrits": resume(session, campaign, actor=actor, now=now)}
            else:
                count = {"contacts_annules": end(session, campaign, actor=actor, now=now)}
        except ValidationError as exc:
            raise HTTPException(status_code=409, detail=refused(exc).detail) from None
        return {**campaign_view(session, campaign), **count}


@router.post("/{campaign_id}/activer", summary="Activer un brouillon (après vérification)")
def activate_campaign(campaign_id: int, caller: OwnerDep, runtime: RuntimeDep,
                      body: Annotated[Activation | None, Body()] = None) -> dict[str, Any]:
    options = body or Activation()
    return _move(campaign_id, caller, runtime, "activer", enroll_current=options.inscrire_menages_actuels)


@router.post("/{campaign_id}/pause", summary="Mettre en pause : les contacts prévus attendent la reprise")
def pause_campaign(campaign_id: int, caller: OwnerDep, runtime: RuntimeDep) -> dict[str, Any]:
    return _move(campaign_id, caller, runtime, "pause")


@router.post("/{campaign_id}/reprendre", summary="Reprendre : les contacts dus pendant la pause partent")
def resume_campaign(campaign_id: int, caller: OwnerDep, runtime: RuntimeDep) -> dict[str, Any]:
    return _move(campaign_id, caller, runtime, "reprendre")


@router.post("/{campaign_id}/terminer", summary="Terminer : les contacts encore prévus sont annulés")
def end_campaign(campaign_id: int, caller: OwnerDep, runtime: RuntimeDep) -> dict[str, Any]:
    return _move(campaign_id, caller, runtime, "terminer")

