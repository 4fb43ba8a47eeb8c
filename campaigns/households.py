"""Intake of validated signalement rows: create or update cases, attach them to households, move stages."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from campaigns.db import any_of, bulk_insert, bulk_insert_ignoring_conflicts, insert_returning_ids
from campaigns.dedup import IdentityFields, identity_keys, match_households
from campaigns.intake import SignalementRow
from campaigns.models import Case, CaseChange, Household, HouseholdKey, Partner
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


def _content_hash(row: SignalementRow) -> str:
    canonical = "\x1f".join("" if (v := getattr(row, name)) is None else str(v) for name in _ROW_FIELDS)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _case_values(row: SignalementRow, *, date_stade: date) -> dict[str, Any]:
    values = {name: getattr(row, name) for name in _ROW_FIELDS}
    values["stage"] = values.pop("stade").value
    values["date_stade"] = date_stade
    return values


def _identity(row: SignalementRow) -> IdentityFields:
    return IdentityFields(
        nom=row.nom,
        prenom=row.prenom,
        date_naissance=row.date_naissance,
        nom_cotitulaire=row.nom_cotitulaire,
        prenom_cotitulaire=row.prenom_cotitulaire,
        date_naissance_cotitulaire=row.date_naissance_cotitulaire,
        adresse=row.adresse,
        code_postal=row.code_postal,
        numero_allocataire=row.numero_allocataire,
    )


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
    touched: set[int] = set()
    key_rows: list[dict[str, Any]] = []
    for row in rows:
        digest = _content_hash(row)
        case = existing.get(row.reference)
        if case is None:
            new_rows.append((row, digest))
        elif case.content_hash == digest:
            counts.unchanged += 1
        else:
            counts.updated += 1
            _update_case(session, case, row, digest, now=now, import_id=import_id)
            touched.add(case.household_id)
            key_rows.extend(_key_rows(case.household_id, row))
    if new_rows:
        counts.created = len(new_rows)
        touched |= _create_cases(session, partner, new_rows, now=now, key_rows=key_rows)
    if key_rows:
        bulk_insert_ignoring_conflicts(session, HouseholdKey, key_rows, ["key_hash"])
    counts.stage_moves = apply_household_stages(session, touched, now=now)
    return counts


def _key_rows(household_id: int, row: SignalementRow) -> list[dict[str, Any]]:
    return [{"key_hash": key, "household_id": household_id} for key in match_keys(row)]


def match_keys(row: SignalementRow) -> list[str]:
    return identity_keys(_identity(row))


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
    for name, value in values.items():
        setattr(case, name, value)
    case.content_hash = digest
    case.updated_at = now


def _create_cases(
    session: Session,
    partner: Partner,
    new_rows: list[tuple[SignalementRow, str]],
    *,
    now: datetime,
    key_rows: list[dict[str, Any]],
) -> set[int]:
    matches = match_households(session, [_identity(row) for row, _ in new_rows])
    # Rows of this batch that share a key with each other form one new household.
    batch_groups: dict[str, int] = {}
    group_of_row: list[int | None] = []
    new_group_count = 0
    for household_id, keys in matches:
        if household_id is not None:
            group_of_row.append(None)
            continue
        group = next((batch_groups[k] for k in keys if k in batch_groups), None)
        if group is None:
            group = new_group_count
            new_group_count += 1
        for key in keys:
            batch_groups.setdefault(key, group)
        group_of_row.append(group)
    new_ids: list[int] = []
    if new_group_count:
        new_ids = insert_returning_ids(
            session, Household, [{"created_at": now, "updated_at": now} for _ in range(new_group_count)]
        )
    today = local_date(now)
    case_rows: list[dict[str, Any]] = []
    touched: set[int] = set()
    for (row, digest), (matched, keys), group in zip(new_rows, matches, group_of_row, strict=True):
        household_id = matched if matched is not None else new_ids[group]  # type: ignore[index]
        touched.add(household_id)
        key_rows.extend({"key_hash": key, "household_id": household_id} for key in keys)
        values = _case_values(row, date_stade=row.date_stade or today)
        values.update(
            partner_id=partner.id,
            household_id=household_id,
            content_hash=digest,
            created_at=now,
            updated_at=now,
        )
        case_rows.append(values)
    bulk_insert(session, Case, case_rows)
    existing = touched.difference(new_ids)
    if existing:
        session.execute(update(Household).where(any_of(session, Household.id, list(existing))).values(updated_at=now))
    return touched
