"""Closure facts: households that entered `cloture` on a day, by reason (free text, normalised), and whether they
had answered or had a letter returned NPAI (the Essonne closure table, docs/domain.md §11.7)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from campaigns.facts.attribution import NOT_RECORDED
from campaigns.facts.stays import day_of, household_profiles, in_days
from campaigns.messages.addressees import PARTNER_LETTERS
from campaigns.models import Case, ClosureFact, Dispatch, DispatchStatus, Response, StageEntry
from campaigns.models.stages import Stage
from campaigns.platform.dialect import any_of, bulk_insert


def normalise_motif(motif: str | None) -> str:
    """Closure reasons are free text: case and spacing are ignored when counting them."""
    text_ = " ".join((motif or "").split()).lower()
    return text_[:200] or NOT_RECORDED


def closure_rows(session: Session, days: Collection[date]) -> list[dict[str, Any]]:
    """Households that entered `cloture` on these days: reason (their freshest closing case), whether they had
    answered at any time, and whether a letter to them came back NPAI."""
    if not days:
        return []
    entries = session.execute(
        select(StageEntry.household_id, StageEntry.entered_at).where(
            StageEntry.stage == Stage.CLOTURE.value, in_days(StageEntry.entered_at, days)
        )
    ).all()
    households = sorted({household_id for household_id, _ in entries})
    if not households:
        return []
    motifs: dict[int, tuple[tuple[date, datetime], str | None]] = {}
    for household_id, date_stade, updated_at, motif in session.execute(
        select(Case.household_id, Case.date_stade, Case.updated_at, Case.motif_cloture).where(
            any_of(session, Case.household_id, households), Case.stage == Stage.CLOTURE.value
        )
    ):
        if household_id not in motifs or (date_stade, updated_at) >= motifs[household_id][0]:
            motifs[household_id] = ((date_stade, updated_at), motif)
    responded = set(session.scalars(
        select(Response.household_id).where(any_of(session, Response.household_id, households)).distinct()
    ))
    returned = set(session.scalars(
        select(Dispatch.household_id).where(
            any_of(session, Dispatch.household_id, households), Dispatch.status == DispatchStatus.RETURNED.value,
            # A letter to the landlord or to the social services comes back from their address, not the household's.
            or_(Dispatch.template.is_(None), Dispatch.template.not_in(sorted(PARTNER_LETTERS))),
        ).distinct()
    ))
    profiles = household_profiles(session, households)
    counts: Counter[tuple[Any, ...]] = Counter()
    for household_id, entered_at in entries:
        profile = profiles.get(household_id)
        counts[(day_of(entered_at), profile.bailleur_id if profile else None, profile.parc if profile else None,
                profile.territory if profile else None, normalise_motif(motifs.get(household_id, (None, None))[1]),
                household_id in responded, household_id in returned)] += 1
    columns = ("day", "bailleur_partner_id", "parc", "territory", "motif", "responded", "returned")
    return [{**dict(zip(columns, key, strict=True)), "households": n} for key, n in sorted(counts.items(), key=repr)]


def rebuild_closures(session: Session, days: Sequence[date]) -> None:
    rows = closure_rows(session, days)
    session.execute(delete(ClosureFact).where(ClosureFact.day.in_(days)))
    bulk_insert(session, ClosureFact, rows)
