"""Intake of validated signalement rows: create or update cases, attach them to households, move stages."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from campaigns import linkage_store
from campaigns.db import any_of, insert_returning_ids
from campaigns.dedup import BatchLinks, link_batch
from campaigns.intake import SignalementRow
from campaigns.linkage import PersonRecord
from campaigns.linkage_blocking import RECORD_FIELDS, BlockingKeys, hashed_keys
from campaigns.models import Case, CaseChange, Household, Partner
from campaigns.scheduling import local_date
from campaigns.sequences import apply_household_stages

# Columns of Case filled from a pushed row, in SignalementRow order (stade is stored as `stage`).
_ROW_FIELDS = tuple(f.name for f in fields(SignalementRow) if f.name != "row_number")


@dataclass(slots=True)
class IngestCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    stage_moves: int = 0
    attached: int = 0  # new cases attached to a household already known
    reviews: int = 0  # pairs sent to the review list


def _content_hash(row: SignalementRow) -> str:
    canonical = "\x1f".join("" if (v := getattr(row, name)) is None else str(v) for name in _ROW_FIELDS)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _case_values(row: SignalementRow, *, date_stade: date) -> dict[str, Any]:
    values = {name: getattr(row, name) for name in _ROW_FIELDS}
    values["stage"] = values.pop("stade").value
    values["date_stade"] = date_stade
    return values


def ingest(
    session: Session, *, partner: Partner, rows: Sequence[SignalementRow], now: datetime, import_id: int | None
) -> IngestCounts:
    """Applies one batch of valid rows (references unique within the batch). Same rows twice = no change."""
    counts = IngestCounts()
    if not rows:
        return counts
    existing = {
        c.reference: c
        for c in session.scalars(
            select(Case).where(
                Case.partner_id == partner.id, any_of(session, Case.reference, [r.reference for r in rows])
            )
        )
    }
    new_rows: list[tuple[SignalementRow, str]] = []
    relinked: list[tuple[Case, PersonRecord]] = []
    touched: set[int] = set()
    for row in rows:
        digest = _content_hash(row)
        case = existing.get(row.reference)
        if case is None:
            new_rows.append((row, digest))
        elif case.content_hash == digest:
            counts.unchanged += 1
        else:
            counts.updated += 1
            before = [getattr(case, name) for name in RECORD_FIELDS]
            _update_case(session, case, row, digest, now=now, import_id=import_id)
            touched.add(case.household_id)
            if [getattr(case, name) for name in RECORD_FIELDS] != before:
                relinked.append((case, PersonRecord.from_row(case)))
    new_records = [PersonRecord.from_row(row) for row, _ in new_rows]
    new_keys = [hashed_keys(record) for record in new_records]
    relinked_keys = [hashed_keys(record) for _, record in relinked]
    # Before any candidate is read: a concurrent push of the same people waits for this one to commit.
    linkage_store.lock_blocks(session, {key for keys in (*new_keys, *relinked_keys) for key in keys})
    if relinked:
        counts.reviews += _relink_updated(session, relinked, relinked_keys, now=now)
    if new_rows:
        counts.created = len(new_rows)
        touched |= _create_cases(session, partner, new_rows, new_keys, new_records, now=now, counts=counts)
    counts.stage_moves = apply_household_stages(session, touched, now=now)
    return counts


def _update_case(
    session: Session, case: Case, row: SignalementRow, digest: str, *, now: datetime, import_id: int | None
) -> None:
    values = _case_values(row, date_stade=row.date_stade or case.date_stade)
    changed = sorted(name for name, value in values.items() if getattr(case, name) != value)
    session.add(
        CaseChange(
            case_id=case.id,
            import_id=import_id,
            changed_at=now,
            # Recorded under the partners' column names.
            fields=sorted("stade" if name == "stage" else name for name in changed),
            old_stage=case.stage if "stage" in changed else None,
            new_stage=values["stage"] if "stage" in changed else None,
        )
    )
    if case.adresse != values["adresse"] or case.code_postal != values["code_postal"]:
        case.adresse_invalide = False  # a new address is worth trying again after an NPAI
    if case.telephone != values["telephone"]:
        case.telephone_invalide = False  # likewise a new number after a "faux numéro" outcome
    for name, value in values.items():
        setattr(case, name, value)
    case.content_hash = digest
    case.updated_at = now


def _relink_updated(
    session: Session, relinked: list[tuple[Case, PersonRecord]], keys: list[BlockingKeys], *, now: datetime
) -> int:
    """An updated case keeps its household (no silent merge): a new likely household only becomes a review."""
    links = link_batch(session, [record for _, record in relinked], keys,
                       existing=[(case.id, case.household_id) for case, _ in relinked])
    linkage_store.replace_keys(session, [(case.id, row_keys) for (case, _), row_keys in zip(relinked, keys,
                                                                                           strict=True)])
    reviews = [
        {"case_id": relinked[p.row][0].id, "candidate_case_id": p.candidate_case,
         "candidate_household_id": p.candidate_household, "score": p.score, "explanation": p.explanation}
        for p in links.proposals
    ]
    linkage_store.add_reviews(session, reviews, now=now)
    return len(reviews)


def _create_cases(
    session: Session,
    partner: Partner,
    new_rows: list[tuple[SignalementRow, str]],
    keys: list[BlockingKeys],
    records: list[PersonRecord],
    *,
    now: datetime,
    counts: IngestCounts,
) -> set[int]:
    links: BatchLinks = link_batch(session, records, keys)
    new_ids = insert_returning_ids(
        session, Household, [{"created_at": now, "updated_at": now} for _ in range(links.new_households)]
    )

    def household_id(reference: int) -> int:
        return reference if reference > 0 else new_ids[-reference - 1]

    today = local_date(now)
    case_rows: list[dict[str, Any]] = []
    for (row, digest), reference in zip(new_rows, links.households, strict=True):
        values = _case_values(row, date_stade=row.date_stade or today)
        values.update(partner_id=partner.id, household_id=household_id(reference), content_hash=digest,
                      created_at=now, updated_at=now)
        case_rows.append(values)
    case_ids = insert_returning_ids(session, Case, case_rows)
    linkage_store.store_keys(session, zip(case_ids, keys, strict=True))
    reviews = [
        {"case_id": case_ids[p.row],
         "candidate_case_id": p.candidate_case if p.candidate_case > 0 else case_ids[-p.candidate_case - 1],
         "candidate_household_id": household_id(p.candidate_household), "score": p.score,
         "explanation": p.explanation}
        for p in links.proposals
    ]
    linkage_store.add_reviews(session, reviews, now=now)
    counts.attached += links.attached
    counts.reviews += len(reviews)
    touched = {row["household_id"] for row in case_rows}
    existing = touched.difference(new_ids)
    if existing:
        session.execute(update(Household).where(any_of(session, Household.id, list(existing))).values(updated_at=now))
    return touched


def load_households(session: Session, *, partner: Partner, rows: Sequence[SignalementRow], now: datetime) -> int:
    """Bulk load of a base already grouped upstream: one new household per row, no matching, no stage planned.

    For a first migration (or a benchmark's base): later pushes find these cases through their stored keys.
    """
    household_ids = insert_returning_ids(session, Household, [{"created_at": now, "updated_at": now}] * len(rows))
    today = local_date(now)
    case_rows = [
        {**_case_values(row, date_stade=row.date_stade or today), "partner_id": partner.id, "household_id": household,
         "content_hash": _content_hash(row), "created_at": now, "updated_at": now}
        for row, household in zip(rows, household_ids, strict=True)
    ]
    case_ids = insert_returning_ids(session, Case, case_rows)
    linkage_store.store_keys(session, ((case_id, hashed_keys(PersonRecord.from_row(row)))
                                       for case_id, row in zip(case_ids, rows, strict=True)))
    return len(case_ids)
