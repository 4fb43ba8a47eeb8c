"""Saving a campaign: checked, applied, logged field by field, and for a running campaign its contacts not yet sent
replanned (what was sent stays as it was sent)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.campaign.config import CampaignSpec, spec_of, upsert_campaign
from campaigns.campaign.issues import CampaignInvalidError
from campaigns.campaign.lifecycle import Actor, log_change, release_held
from campaigns.campaign.validation import check_campaign
from campaigns.locale.clock import holiday_territory, next_window
from campaigns.models import Campaign, CampaignStatus, Dispatch, DispatchStatus, Enrollment, Reason, Response
from campaigns.models.stages import Stage
from campaigns.planning.authority import stops_campaign
from campaigns.planning.current_stays import freshest_cases
from campaigns.planning.experiments import apply_arm, assign_arms
from campaigns.planning.own_stays import current_enrollment
from campaigns.planning.sequences import plan_enrollment
from campaigns.platform.errors import ValidationError

# Rows a worker holds (queued, sending) or that ended are never touched: only these are "not yet sent".
REPLANNABLE = (DispatchStatus.PLANNED.value, DispatchStatus.TEMPORARY_FAILURE.value)
# Columns that identify a row or record its life: an edit never rewrites them.
_IDENTITY = frozenset({"dedup_key", "enrollment_id", "campaign_id", "household_id", "stage_entry_id", "stage",
                       "step_position", "status", "attempts"})


@dataclass(slots=True)
class SaveResult:
    campaign: Campaign
    changes: list[dict[str, Any]]
    replanned: dict[str, int] = field(default_factory=dict)


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and prefix == "steps":
        out = {}
        for index, item in enumerate(value, start=1):
            out.update(_flatten(item, f"steps.{index}"))
        return out
    return {prefix: value}


def diff_specs(before: CampaignSpec | None, after: CampaignSpec) -> list[dict[str, Any]]:
    """The fields that differ, each with its value before and after (steps compared by number)."""
    old = _flatten(before.model_dump(mode="json", exclude={"active"})) if before is not None else {}
    new = _flatten(after.model_dump(mode="json", exclude={"active"}))
    return [
        {"champ": key, "avant": old.get(key), "apres": new.get(key)}
        for key in sorted(old.keys() | new.keys(), key=_natural)
        if old.get(key) != new.get(key)
    ]


def _natural(key: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isascii() and p.isdigit() else p for p in key.split("."))


def save_campaign(session: Session, spec: CampaignSpec, *, campaign: Campaign | None, actor: Actor,
                  now: datetime, action: str | None = None) -> SaveResult:
    """Creates (`campaign` None: a draft) or edits a campaign. Its status never changes here, except through a
    YAML file or a PUT whose `active` flag says so (`action="chargee"`)."""
    if campaign is not None and campaign.status == CampaignStatus.TERMINEE:
        raise ValidationError(f"la campagne « {campaign.name} » est terminée : elle ne peut plus être modifiée ; "
                              "créez-en une nouvelle (vous pouvez partir de la même configuration)")
    if action != "chargee":
        # The status moves only through activate/pause/resume/end.
        running = campaign is not None and campaign.status == CampaignStatus.ACTIVE
        spec = spec.model_copy(update={"active": running})
    status_after = _status_after(campaign, spec)
    issues = check_campaign(session, spec, campaign_id=campaign.id if campaign else None,
                            running=status_after in (CampaignStatus.ACTIVE, CampaignStatus.EN_PAUSE))
    if issues:
        raise CampaignInvalidError(issues)
    before = spec_of(session, campaign) if campaign is not None else None
    status_before = CampaignStatus(campaign.status) if campaign is not None else None
    changes = diff_specs(before, spec)
    saved = upsert_campaign(session, spec, now=now, campaign=campaign)
    replanned: dict[str, int] = {}
    steps_changed = any(c["champ"].startswith("steps") for c in changes)
    if before is not None and steps_changed and saved.status in (CampaignStatus.ACTIVE, CampaignStatus.EN_PAUSE):
        replanned = replan_pending(session, saved, now=now)
    if status_before is CampaignStatus.EN_PAUSE and saved.status == CampaignStatus.ACTIVE:
        replanned["liberes"] = release_held(session, saved, now=now)
    if status_before != CampaignStatus(saved.status):
        changes.append({"champ": "statut", "avant": status_before.value if status_before else None,
                        "apres": saved.status})
    if changes or before is None:
        log_change(session, saved, actor=actor, action=action or ("creee" if before is None else "modifiee"),
                   now=now, changes=changes, replanned=replanned)
    return SaveResult(saved, changes, replanned)


def _status_after(campaign: Campaign | None, spec: CampaignSpec) -> CampaignStatus:
    current = CampaignStatus(campaign.status) if campaign is not None else CampaignStatus.BROUILLON
    if current is CampaignStatus.TERMINEE:
        return current
    if spec.active:
        return CampaignStatus.ACTIVE
    return CampaignStatus.EN_PAUSE if current is CampaignStatus.ACTIVE else current


def _done_at(dispatch: Dispatch) -> datetime:
    return dispatch.sent_at or dispatch.finished_at or dispatch.due_at


def replan_pending(session: Session, campaign: Campaign, *, now: datetime) -> dict[str, int]:
    """Applies the campaign's current steps to its households still in the stage they were enrolled at and who
    have not answered: contacts not yet sent take the new step (channel, template, conditions, due time), new
    steps are planned, removed ones are cancelled (reason `campaign_edited`). Sent contacts stay as they were."""
    # Answered: a response that stops this campaign's steps (docs/security.md, rule 2).
    answered = select(Response.stage_entry_id).where(Response.stage_entry_id.is_not(None), stops_campaign(campaign))
    enrollments = session.scalars(
        select(Enrollment)
        .where(Enrollment.campaign_id == campaign.id, current_enrollment(session, campaign),
               Enrollment.stage_entry_id.not_in(answered))
        .order_by(Enrollment.id)
    ).all()
    counts = {"modifies": 0, "ajoutes": 0, "annules": 0}
    arms = assign_arms(session, [(campaign.id, e.household_id, e.stage_entry_id, e.stage) for e in enrollments],
                       now=now)
    # Due times on the working days of each household's département, as when it was enrolled.
    places = freshest_cases(session, {e.household_id for e in enrollments})
    for enrollment in enrollments:
        existing = {d.step_position: d for d in session.scalars(
            select(Dispatch).where(Dispatch.enrollment_id == enrollment.id))}
        place = places.get(enrollment.household_id)
        dues = _dues(campaign, enrollment.enrolled_at, existing, now=now,
                     territory=holiday_territory(place.code_postal if place else None))
        # A household in an experiment's arm gets only its arm's steps and templates (experiments.apply_arm).
        fresh = apply_arm(plan_enrollment(campaign, enrollment.household_id, Stage(enrollment.stage),
                                          enrollment.stage_entry_id, enrollment.id, dues=dues),
                          arms.get((campaign.id, enrollment.household_id)))
        planned_positions = {int(row["step_position"]) for row in fresh}  # type: ignore[call-overload]
        new_rows = []
        for row in fresh:
            current = existing.get(int(row["step_position"]))  # type: ignore[call-overload]
            if current is None:
                new_rows.append(row)
            elif _editable(current) and _update(current, row):
                counts["modifies"] += 1
        if new_rows:
            session.add_all(Dispatch(**row) for row in new_rows)
            counts["ajoutes"] += len(new_rows)
        for position, dispatch in existing.items():
            if position not in planned_positions and dispatch.status in REPLANNABLE:
                dispatch.status, dispatch.reason, dispatch.finished_at = (
                    DispatchStatus.CANCELLED.value, Reason.CAMPAIGN_EDITED.value, now)
                counts["annules"] += 1
    session.flush()
    return counts


def _editable(dispatch: Dispatch) -> bool:
    return dispatch.status in REPLANNABLE or (
        dispatch.status == DispatchStatus.CANCELLED and dispatch.reason == Reason.CAMPAIGN_EDITED)


def _dues(campaign: Campaign, enrolled_at: datetime, existing: dict[int, Dispatch], *, now: datetime,
          territory: str | None = None) -> list[datetime]:
    """Due times as sequences.step_due_times counts them, but from what was really sent: a step already gone
    keeps its time, and the next ones count their delay from it; nothing becomes due in the past."""
    dues: list[datetime] = []
    previous = enrolled_at
    for step in campaign.steps:
        current = existing.get(step.position)
        if current is not None and not _editable(current):
            previous = _done_at(current)
            dues.append(previous)
            continue
        base = enrolled_at if step.delay_from == "stage_entry" else previous
        due = next_window(max(base + timedelta(days=step.delay_days), now), territory)
        dues.append(due)
        previous = due
    return dues


def _update(dispatch: Dispatch, row: dict[str, object]) -> bool:
    """Copies the fields of the new plan onto a row not yet sent; True if anything changed."""
    changed = False
    for key, value in row.items():
        if key in _IDENTITY or getattr(dispatch, key) == value:
            continue
        setattr(dispatch, key, value)
        changed = True
    if dispatch.status == DispatchStatus.CANCELLED:
        # A step removed by an earlier edit and added back.
        dispatch.status, dispatch.reason, dispatch.finished_at = DispatchStatus.PLANNED.value, None, None
        changed = True
    return changed
