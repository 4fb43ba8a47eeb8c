"""Campaign definitions (YAML and API share one schema) and their storage."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.accounts.partners import find_partner_by_name
from campaigns.locale.text import normalise_text
from campaigns.models import Campaign, CampaignStep, ChannelKind, Partner
from campaigns.models.stages import OPEN_STAGES, Stage
from campaigns.planning.experiments import ExperimentSpec, StepArms, check_steps, experiment_spec, store_experiment
from campaigns.platform.errors import ValidationError
from campaigns.platform.yaml_text import read_yaml

Condition = Literal["no_response", "has_phone", "has_mobile", "has_email", "has_address", "no_phone"]


class StepSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: ChannelKind
    delay_days: int = Field(default=0, ge=0, le=365)
    delay_from: Literal["previous", "stage_entry"] = "previous"
    conditions: list[Condition] = Field(default_factory=list)
    template: str | None = None
    # The State's letter at a stage: never suppressed by coordination or caps.
    regulatory: bool = False
    # At the assignation stage, open the DSF task chain (first contact, second offer, CCAPEX, transmission).
    dsf: bool = False
    # Visits: announced beforehand (default) or unannounced (visite inopinée).
    announced: bool = True
    # Campaign experiment (campaigns.planning.experiments): the arms this step is planned for (empty: every arm), and
    # the template of each arm's households instead of `template`.
    arms: list[str] = Field(default_factory=list)
    variants: dict[str, str] = Field(default_factory=dict)

    @field_validator("template")
    @classmethod
    def _template_name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[a-z0-9_]+(\{stade\}[a-z0-9_]*)?", value):
            raise ValueError(f"nom de modèle invalide « {value} » : lettres minuscules, chiffres, _ et {{stade}}")
        return value

    @model_validator(mode="after")
    def _template_for_messages(self) -> StepSpec:
        if self.channel in (ChannelKind.COURRIER, ChannelKind.SMS, ChannelKind.EMAIL) and not self.template:
            raise ValueError(f"une étape « {self.channel.value} » doit nommer un modèle (template)")
        if self.dsf and self.channel not in (ChannelKind.APPEL, ChannelKind.VISITE):
            raise ValueError("seule une étape « appel » ou « visite » peut ouvrir la chaîne DSF (dsf: true)")
        return self


class SendingHoursSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4, 5], description="0 = lundi")
    start: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end: str = Field(default="19:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")

    @model_validator(mode="after")
    def _coherent(self) -> SendingHoursSpec:
        if not self.days or any(d < 0 or d > 6 for d in self.days):
            raise ValueError("jours d'envoi : des nombres de 0 (lundi) à 6 (dimanche), au moins un")
        if self.start >= self.end:
            raise ValueError("l'heure de début d'envoi doit précéder l'heure de fin")
        return self


class SegmentSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    parc: list[Literal["social", "prive"]] = Field(default_factory=list)
    allocataire: list[Literal["oui", "non", "inconnu"]] = Field(default_factory=list)


class TerritorySpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    communes: list[str] = Field(default_factory=list)
    # Full postal codes (44000) or département prefixes (44).
    postcodes: list[str] = Field(default_factory=list)

    @field_validator("postcodes")
    @classmethod
    def _postcodes(cls, values: list[str]) -> list[str]:
        for value in values:
            if not (value.isdigit() and len(value) in (2, 3, 5)):
                raise ValueError(f"code postal ou département invalide « {value} »")
        return values


class CampaignSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    owner: str = Field(min_length=1)
    stages: list[Stage] = Field(min_length=1)
    territory: TerritorySpec = Field(default_factory=TerritorySpec)
    steps: list[StepSpec] = Field(min_length=1)
    active: bool = True
    # The operator (ADIL, association) the owner delegates the campaign to; it sees only these households.
    delegate: str | None = Field(default=None, min_length=1)
    priority: int = Field(default=100, ge=0, le=1000, description="plus petit = prioritaire")
    coordination: Literal["merge", "suppress"] = "merge"
    over_cap: Literal["defer", "skip"] = "defer"
    # None: no sending hours, allowed only without SMS or e-mail steps (campaign_validation says so).
    sending_hours: SendingHoursSpec | None = Field(default_factory=SendingHoursSpec)
    segment: SegmentSpec = Field(default_factory=SegmentSpec)
    languages: list[str] = Field(default_factory=list, description="vide : toutes les langues des modèles")
    falc: Literal["menage", "toujours", "jamais"] = "menage"
    fallback_order: list[Literal["langue_falc", "langue", "fr_falc", "fr"]] = Field(
        default_factory=list,
        description="ordre de repli quand une langue ou le FALC n'a pas encore de modèle (ex. langue_falc, langue, "
                    "fr_falc, fr) ; vide : chaque langue de la campagne doit avoir son modèle",
    )
    unit_costs: dict[ChannelKind, float] = Field(
        default_factory=dict, description="coût unitaire d'un contact par canal, en euros (coût par réponse)"
    )
    retention_days: int | None = Field(
        default=None, ge=30, le=3650,
        description="jours de conservation des données personnelles d'un ménage clos (vide : CHAINE_RETENTION_DAYS)",
    )
    experiment: ExperimentSpec | None = Field(
        default=None, description="tirage au sort des ménages entre des bras (modèles ou séquences différents)"
    )

    @field_validator("unit_costs")
    @classmethod
    def _unit_costs(cls, values: dict[ChannelKind, float]) -> dict[ChannelKind, float]:
        for channel, cost in values.items():
            if not 0 <= cost <= 10_000:
                raise ValueError(f"coût unitaire « {channel.value} » : entre 0 et 10 000 euros")
        return values

    @field_validator("languages")
    @classmethod
    def _languages(cls, values: list[str]) -> list[str]:
        for value in values:
            if not re.fullmatch(r"[a-z]{2,3}", value):
                raise ValueError(f"code de langue invalide « {value} » (fr, en, ar…)")
        return values

    @field_validator("stages")
    @classmethod
    def _open_stages(cls, values: list[Stage]) -> list[Stage]:
        if any(v not in OPEN_STAGES for v in values):
            raise ValueError("une campagne ne peut pas couvrir le stade « cloture »")
        return values

    @model_validator(mode="after")
    def _experiment_arms(self) -> CampaignSpec:
        check_steps(self.experiment, step_arms(self))
        return self


def step_arms(spec: CampaignSpec) -> list[StepArms]:
    return [StepArms(s.channel.value, s.template, s.arms, s.variants) for s in spec.steps]


def _french_errors(exc: PydanticValidationError, where: str) -> str:
    from campaigns.campaign.issues import issues_from_pydantic

    return "; ".join(f"{where}{issue.text[:1].lower()}{issue.text[1:]}" for issue in issues_from_pydantic(exc))


def parse_campaigns_yaml(text: str) -> list[CampaignSpec]:
    # A date YAML cannot build (« 2026-02-30 ») is a French error naming its field too, never a crash.
    document = read_yaml(text, source="campagnes")
    items: Any = document.get("campaigns") if isinstance(document, dict) else document
    if not isinstance(items, list) or not items:
        raise ValidationError("le fichier doit contenir une liste « campaigns » non vide")
    specs = []
    for index, item in enumerate(items, start=1):
        try:
            specs.append(CampaignSpec.model_validate(item))
        except PydanticValidationError as exc:
            raise ValidationError(_french_errors(exc, f"campagne n°{index}, ")) from None
    return specs


def upsert_campaign(
    session: Session, spec: CampaignSpec, *, now: datetime, campaign: Campaign | None = None
) -> Campaign:
    """Creates or replaces a campaign by name (or the `campaign` given: an edit may rename it). Steps already
    planned keep their own copy of the step (campaign_edits replans those not yet sent)."""
    owner = find_partner_by_name(session, spec.owner)
    if owner is None:
        raise ValidationError(f"campagne « {spec.name} » : propriétaire inconnu « {spec.owner} »")
    delegate = find_partner_by_name(session, spec.delegate) if spec.delegate else None
    if spec.delegate and delegate is None:
        raise ValidationError(f"campagne « {spec.name} » : opérateur délégué inconnu « {spec.delegate} »")
    if campaign is None:
        campaign = session.scalar(select(Campaign).where(Campaign.name == spec.name))
    if campaign is None:
        campaign = Campaign(name=spec.name, created_at=now, status="brouillon")
        session.add(campaign)
    campaign.name = spec.name
    campaign.owner_partner_id = owner.id
    campaign.delegate_partner_id = delegate.id if delegate is not None else None
    campaign.stages = [s.value for s in spec.stages]
    campaign.communes = sorted({normalise_text(c) for c in spec.territory.communes})
    campaign.postcodes = sorted(set(spec.territory.postcodes))
    apply_active_flag(campaign, spec.active)
    campaign.priority = spec.priority
    campaign.coordination = spec.coordination
    campaign.over_cap = spec.over_cap
    campaign.sending_hours = spec.sending_hours.model_dump() if spec.sending_hours is not None else {}
    campaign.segment = {k: v for k, v in spec.segment.model_dump().items() if v}
    campaign.languages = list(spec.languages)
    campaign.falc = spec.falc
    campaign.fallback_order = list(dict.fromkeys(spec.fallback_order))
    campaign.unit_costs = {channel.value: float(cost) for channel, cost in spec.unit_costs.items()}
    campaign.retention_days = spec.retention_days
    campaign.steps.clear()
    session.flush()
    campaign.steps.extend(
        CampaignStep(
            position=i,
            channel=step.channel.value,
            delay_days=step.delay_days,
            delay_from=step.delay_from,
            conditions=list(step.conditions),
            template=step.template,
            regulatory=step.regulatory,
            dsf=step.dsf,
            announced=step.announced,
        )
        for i, step in enumerate(spec.steps)
    )
    session.flush()
    store_experiment(session, campaign, spec.experiment, step_arms(spec), now=now)
    return campaign


def apply_active_flag(campaign: Campaign, active: bool) -> None:
    """`active` of a YAML file or a PUT: true runs the campaign; false keeps a draft a draft, pauses a running
    one. An ended campaign stays ended (campaign_lifecycle refuses to edit it before this is reached)."""
    if campaign.status == "terminee":
        return
    if active:
        campaign.status = "active"
    elif campaign.status == "active":
        campaign.status = "en_pause"
    campaign.active = campaign.status == "active"


def spec_of(session: Session, campaign: Campaign) -> CampaignSpec:
    """A stored campaign as the schema it was saved from (to edit it, compare it, or check it again)."""
    owner = session.get_one(Partner, campaign.owner_partner_id)
    delegate = session.get(Partner, campaign.delegate_partner_id) if campaign.delegate_partner_id else None
    # Step columns carry the step fields of the same name (fields added later come along without a change here).
    steps = [
        {name: getattr(step, name) for name in StepSpec.model_fields if hasattr(step, name)}
        for step in campaign.steps
    ]
    experiment = experiment_spec(session, campaign.id)
    for position, rules in (experiment[1] if experiment else {}).items():
        if position < len(steps):
            steps[position].update(rules)
    return CampaignSpec.model_validate({
        "name": campaign.name,
        "owner": owner.name,
        "delegate": delegate.name if delegate is not None else None,
        "stages": campaign.stages,
        "territory": {"communes": campaign.communes, "postcodes": campaign.postcodes},
        "steps": steps,
        "active": campaign.active,
        "priority": campaign.priority,
        "coordination": campaign.coordination,
        "over_cap": campaign.over_cap,
        "sending_hours": campaign.sending_hours or None,
        "segment": campaign.segment or {},
        "languages": campaign.languages,
        "falc": campaign.falc,
        "fallback_order": campaign.fallback_order or [],
        "unit_costs": campaign.unit_costs,
        "retention_days": campaign.retention_days,
        "experiment": experiment[0] if experiment else None,
    })
