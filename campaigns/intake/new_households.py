"""Households created by a push: inserted already in their stage, with their stage entries, then enrolled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from campaigns.intake.fields import SignalementRow
from campaigns.models import Household, StageEntry
from campaigns.models.stages import Stage, household_stage
from campaigns.planning.sequences import Place, enroll, reported_households
from campaigns.platform.dialect import bulk_insert, bulk_update, insert_returning_ids, reserve_ids


@dataclass(frozen=True, slots=True)
class NewHousehold:
    stage: Stage
    place: Place


def first_stages(rows: Sequence[tuple[SignalementRow, int]], count: int, *, today: date) -> list[NewHousehold]:
    """The stage and place of each of `count` new households from its rows ((row, household number)), read as
    `apply_household_stages` reads them from the cases (the rows of one push come from one partner: the same
    authority over each new household)."""
    reports, places = reported_households(
        (number, row.stade, row.date_stade or today, Place(row.commune, row.code_postal, row.parc, row.allocataire),
         True)
        for row, number in rows
    )
    found = []
    for number in range(count):
        stage = household_stage(reports.get(number, ()))
        if stage is None:
            raise ValueError("a new household without a row")
        found.append(NewHousehold(stage, places[number]))
    return found


def insert_households(session: Session, households: Sequence[NewHousehold], *, now: datetime) -> list[tuple[int, int]]:
    """Inserts the households in their stage and their stage entries: (household id, stage entry id) of each.

    Where ids can be drawn first (PostgreSQL), each household row is written once (no update after its entry).
    """
    if not households:
        return []
    household_ids = reserve_ids(session, Household, len(households))
    entry_ids = reserve_ids(session, StageEntry, len(households))
    if household_ids is not None and entry_ids is not None:
        bulk_insert(session, Household, [
            {"id": h, "stage": new.stage.value, "current_entry_id": e, "created_at": now, "updated_at": now}
            for h, e, new in zip(household_ids, entry_ids, households, strict=True)])
        bulk_insert(session, StageEntry, [
            {"id": e, "household_id": h, "stage": new.stage.value, "entered_at": now}
            for h, e, new in zip(household_ids, entry_ids, households, strict=True)])
        return list(zip(household_ids, entry_ids, strict=True))
    household_ids = insert_returning_ids(session, Household, [
        {"stage": new.stage.value, "created_at": now, "updated_at": now} for new in households])
    entry_ids = insert_returning_ids(session, StageEntry, [
        {"household_id": h, "stage": new.stage.value, "entered_at": now}
        for h, new in zip(household_ids, households, strict=True)])
    bulk_update(session, Household, [{"id": h, "current_entry_id": e}
                                     for h, e in zip(household_ids, entry_ids, strict=True)])
    return list(zip(household_ids, entry_ids, strict=True))


def enroll_households(
    session: Session, households: Sequence[NewHousehold], ids: Sequence[tuple[int, int]], *, now: datetime
) -> None:
    """Their campaigns, once their cases are stored (a landlord's campaign covers its own cases only)."""
    enroll(session, [(h, new.stage, e, new.place) for (h, e), new in zip(ids, households, strict=True)], now=now,
           own_stays=True)
