"""Plain factory functions for test data."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from campaigns.campaign.config import CampaignSpec, upsert_campaign
from campaigns.models import Campaign
from campaigns.runtime.root import Runtime


def signalement(reference: str = "R-1", **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "reference": reference,
        "stade": "commandement_de_payer",
        "date_stade": "20/11/2026",
        "parc": "social",
        "nom": "Benali",
        "prenom": "Aïcha",
        "date_naissance": "12/03/1985",
        "adresse": "12 rue des Lilas",
        "code_postal": "44000",
        "commune": "Nantes",
        "telephone": "06 12 34 56 78",
        "montant_dette": "1 234,56",
        "loyer_mensuel": "520,00",
        "allocataire": "oui",
        "numero_allocataire": "1234567",
    }
    row.update(overrides)
    return {k: v for k, v in row.items() if v is not None}


def campaign(runtime: Runtime, *, owner: str, name: str = "Courriers de l'État", stages: list[str] | None = None,
             steps: list[dict[str, Any]] | None = None, **extra: Any) -> int:
    spec = CampaignSpec.model_validate(
        {
            "name": name,
            "owner": owner,
            "stages": stages or ["commandement_de_payer"],
            "steps": steps
            or [
                {"channel": "courrier", "template": "information_etat"},
                {"channel": "sms", "template": "relance", "delay_days": 7, "conditions": ["no_response"]},
                {"channel": "appel", "delay_days": 7, "conditions": ["no_response"]},
            ],
            **extra,
        }
    )
    with runtime.session_factory.begin() as session:
        return upsert_campaign(session, spec, now=runtime.clock()).id


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    return session.get_one(Campaign, campaign_id)
