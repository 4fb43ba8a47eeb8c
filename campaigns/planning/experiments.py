"""Experiments: a campaign randomises its households between arms (template variants, or sequences such as
"letter" against "letter + SMS"), with a stable assignment.

The arm is drawn from a hash of the experiment key and the household id (SHA-256, weights honoured), so drawing
again gives the same arm; it is also recorded at the household's first enrollment (`experiment_assignments`) and
that record is what planning uses ever after: changing the weights or the arms later never moves a household that
was already drawn. An arm removed from the experiment keeps its households: they get the steps open to every arm,
with the steps' own templates. Steps skipped by an arm keep the other steps' timing (the delays are computed on the
whole sequence), so that the arms differ only by what the experiment changes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.models import Campaign, ChannelKind, Dispatch, Experiment, ExperimentAssignment
from campaigns.platform.dialect import any_of, bulk_insert_ignoring_conflicts
from campaigns.platform.errors import ValidationError
from campaigns.platform.memo import memoised

TEMPLATE_NAME = re.compile(r"[a-z0-9_]+(\{stade\}[a-z0-9_]*)?")
MESSAGE_CHANNELS = (ChannelKind.COURRIER, ChannelKind.SMS, ChannelKind.EMAIL)


class ArmSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=30, pattern=r"^[\w][\w +\-']*$")
    weight: int = Field(default=1, ge=1, le=100, description="part relative des ménages tirés dans ce bras")


class ExperimentSpec(BaseModel):
    """`experiment:` of a campaign (YAML or API); the steps say what differs between arms (`arms`, `variants`)."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]{0,59}$", description="clé stable du tirage")
    arms: list[ArmSpec] = Field(max_length=6, description="de 2 à 6 bras ; le premier sert de référence")
    minimal_effect: float | None = Field(
        default=None, gt=0, lt=1, description="plus petite différence de taux de réponse à détecter (0,05 = 5 points)"
    )

    @field_validator("arms")
    @classmethod
    def _distinct(cls, arms: list[ArmSpec]) -> list[ArmSpec]:
        names = [a.name for a in arms]
        if len(names) < 2:
            raise ValueError("une expérience compare au moins deux bras")
        if len(set(names)) != len(names):
            raise ValueError("deux bras de l'expérience portent le même nom")
        return arms


@dataclass(frozen=True, slots=True)
class StepArms:
    """What an experiment changes in one step: the arms it is planned for (empty: all) and per-arm templates."""

    channel: str
    template: str | None
    arms: Sequence[str]
    variants: dict[str, str]


def check_steps(experiment: ExperimentSpec | None, steps: Sequence[StepArms]) -> None:
    """The step-level `arms` and `variants` must name arms of the experiment; raises ValueError in French."""
    names = [] if experiment is None else [a.name for a in experiment.arms]
    differs = False
    for number, step in enumerate(steps, start=1):
        where = f"étape n°{number}"
        if (step.arms or step.variants) and experiment is None:
            raise ValueError(f"{where} : « arms » et « variants » demandent une expérience (experiment) de campagne")
        for name in [*step.arms, *step.variants]:
            if name not in names:
                raise ValueError(f"{where} : bras inconnu « {name} » (bras de l'expérience : {', '.join(names)})")
        if step.variants and step.channel not in MESSAGE_CHANNELS:
            raise ValueError(f"{where} : seules les étapes courrier, SMS ou e-mail ont des modèles par bras")
        for template in step.variants.values():
            if not TEMPLATE_NAME.fullmatch(template):
                raise ValueError(f"{where} : nom de modèle invalide « {template} »")
        differs = differs or (bool(step.arms) and set(step.arms) != set(names))
        differs = differs or any(t != step.template for t in step.variants.values())
    if experiment is not None and not differs:
        raise ValueError("l'expérience ne change rien entre ses bras : réservez une étape à certains bras (arms) "
                         "ou donnez un modèle par bras (variants)")


def store_experiment(session: Session, campaign: Campaign, spec: ExperimentSpec | None,
                     steps: Sequence[StepArms], *, now: datetime) -> None:
    """Records the campaign's experiment; a campaign that drops it (or changes its key) ends the running one."""
    running = session.scalars(select(Experiment).where(Experiment.campaign_id == campaign.id,
                                                       Experiment.ended_at.is_(None))).all()
    experiment = None
    if spec is not None:
        experiment = session.scalar(select(Experiment).where(Experiment.key == spec.key))
        if experiment is not None and experiment.campaign_id != campaign.id:
            raise ValidationError(f"campagne « {campaign.name} » : la clé d'expérience « {spec.key} » est déjà "
                                  "celle d'une autre campagne")
    for other in running:
        if other is not experiment:
            other.ended_at = now
    if spec is None:
        return
    if experiment is None:
        experiment = Experiment(key=spec.key, campaign_id=campaign.id, created_at=now)
        session.add(experiment)
    experiment.arms = [{"name": a.name, "weight": a.weight} for a in spec.arms]
    experiment.steps = {str(position): {"arms": list(step.arms), "variants": dict(step.variants)}
                        for position, step in enumerate(steps) if step.arms or step.variants}
    experiment.minimal_effect = spec.minimal_effect
    experiment.updated_at = now
    experiment.ended_at = None
    session.flush()


def experiment_spec(session: Session, campaign_id: int) -> tuple[dict[str, Any], dict[int, dict[str, Any]]] | None:
    """The running experiment of a campaign as the YAML/API schema writes it: the campaign's `experiment`, and
    per step position its `arms` and `variants` (for views and editors that show a campaign back)."""
    experiment = session.scalar(select(Experiment).where(Experiment.campaign_id == campaign_id,
                                                         Experiment.ended_at.is_(None)))
    if experiment is None:
        return None
    spec: dict[str, Any] = {"key": experiment.key, "arms": experiment.arms}
    if experiment.minimal_effect is not None:
        spec["minimal_effect"] = experiment.minimal_effect
    return spec, {int(position): rules for position, rules in experiment.steps.items()}


def draw_arm(key: str, household_id: int, arms: Sequence[dict[str, Any]]) -> str:
    """The arm of a household: a uniform number from SHA-256(key, household id), cut by the arms' weights."""
    digest = hashlib.sha256(f"{key}\x1f{household_id}".encode()).digest()
    weights = [int(a.get("weight", 1)) for a in arms]
    point = int.from_bytes(digest[:8], "big") / 2**64 * sum(weights)
    for arm, weight in zip(arms, weights, strict=True):
        point -= weight
        if point < 0:
            return str(arm["name"])
    return str(arms[-1]["name"])


@dataclass(frozen=True, slots=True)
class ArmPlan:
    """A household's recorded arm and what the experiment changes in the campaign's steps."""

    arm: str
    steps: dict[str, dict[str, Any]]


def assign_arms(session: Session, enrollments: Iterable[tuple[int, int, int, str]], *,
                now: datetime) -> dict[tuple[int, int], ArmPlan]:
    """The arm of each (campaign, household, stay, stage) enrolled in a campaign running an experiment, keyed by
    (campaign id, household id): the recorded one, or drawn now and recorded."""
    wanted = list(enrollments)
    if not wanted:
        return {}
    experiments = {e.campaign_id: e for e in session.scalars(select(Experiment).where(
        any_of(session, Experiment.campaign_id, sorted({c for c, _h, _e, _s in wanted})),
        Experiment.ended_at.is_(None)))}
    plans: dict[tuple[int, int], ArmPlan] = {}
    for campaign_id, experiment in experiments.items():
        mine = {h: (e, s) for c, h, e, s in wanted if c == campaign_id}
        recorded = _recorded(session, experiment.id, mine)
        new = [{"experiment_id": experiment.id, "household_id": h, "stage_entry_id": e, "stage": s,
                "arm": draw_arm(experiment.key, h, experiment.arms), "assigned_at": now}
               for h, (e, s) in mine.items() if h not in recorded]
        if new:
            # Two enrollments of one household racing each other agree: the first record wins, the other reads it.
            bulk_insert_ignoring_conflicts(session, ExperimentAssignment, new, ["experiment_id", "household_id"])
            recorded = _recorded(session, experiment.id, mine)
        for household_id, arm in recorded.items():
            plans[(campaign_id, household_id)] = ArmPlan(arm, experiment.steps)
    return plans


def _recorded(session: Session, experiment_id: int, households: dict[int, Any]) -> dict[int, str]:
    rows = session.execute(select(ExperimentAssignment.household_id, ExperimentAssignment.arm).where(
        ExperimentAssignment.experiment_id == experiment_id,
        any_of(session, ExperimentAssignment.household_id, sorted(households))))
    return {household_id: arm for household_id, arm in rows}


def apply_arm(rows: list[dict[str, object]], plan: ArmPlan | None) -> list[dict[str, object]]:
    """The planned Dispatch rows of one enrollment for its arm: steps reserved to other arms left out, the arm's
    template put in (with the stage for `etape_{stade}`)."""
    if plan is None:
        return rows
    kept = []
    for row in rows:
        rules = plan.steps.get(str(row["step_position"]), {})
        if rules.get("arms") and plan.arm not in rules["arms"]:
            continue
        template = rules.get("variants", {}).get(plan.arm)
        kept.append(row if template is None else {**row, "template": template.replace("{stade}", str(row["stage"]))})
    return kept


def follow_arm(session: Session, dispatch: Dispatch) -> bool:
    """At send time, the household's recorded arm has the last word: False when the step is not one of its arm's
    (the row is skipped), else the row takes the arm's template. Rows planned by `apply_arm` already agree."""
    # Most campaigns run no experiment: asked once per batch of deliveries (campaigns/platform/memo.py).
    running = memoised(("running_experiment", dispatch.campaign_id), lambda: session.scalar(
        select(Experiment.id).where(Experiment.campaign_id == dispatch.campaign_id, Experiment.ended_at.is_(None))
        .limit(1)) is not None)
    if not running:
        return True
    found = session.execute(
        select(Experiment.steps, ExperimentAssignment.arm)
        .join(ExperimentAssignment, ExperimentAssignment.experiment_id == Experiment.id)
        .where(Experiment.campaign_id == dispatch.campaign_id, Experiment.ended_at.is_(None),
               ExperimentAssignment.household_id == dispatch.household_id)
    ).first()
    if found is None:
        return True
    kept = apply_arm([{"step_position": dispatch.step_position, "stage": dispatch.stage,
                       "template": dispatch.template}], ArmPlan(found.arm, found.steps))
    if not kept:
        return False
    template = kept[0]["template"]
    dispatch.template = None if template is None else str(template)
    return True
