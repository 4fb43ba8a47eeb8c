"""Intake of validated signalement rows: create or update cases, attach them to households, move stages."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from campaigns.crypto.columns import keyring_for
from campaigns.intake.fields import SignalementRow
from campaigns.intake.household_facts import FACT_FIELDS
from campaigns.intake.new_households import enroll_households, first_stages, insert_households
from campaigns.linkage import store as linkage_store
from campaigns.linkage.blocking import RECORD_FIELDS, BlockingKeys, hashed_keys
from campaigns.linkage.matching import BatchLinks, link_batch
from campaigns.linkage.scoring import PersonRecord
from campaigns.locale.clock import local_date
from campaigns.models import Case, CaseChange, Household, Partner
from campaigns.models.stages import Stage
from campaigns.planning.authority import close_own_contacts
from campaigns.planning.current_stays import enroll_joined
from campaigns.planning.own_stays import move_case_stays
from campaigns.planning.sequences import apply_household_stages
from campaigns.planning.stage_authority import OWN_STAY_KINDS
from campaigns.platform.dialect import any_of, insert_returning_ids
from campaigns.queues.contact_search import open_contact_searches

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


_BASE_FIELDS = tuple(name for name in _ROW_FIELDS if name not in FACT_FIELDS)
# Each row's values in one call (a C attribute getter): the hash and the case's columns read every field of every row.
_BASE_VALUES, _FACT_VALUES = attrgetter(*_BASE_FIELDS), attrgetter(*FACT_FIELDS)
_ROW_VALUES = attrgetter(*_ROW_FIELDS)
# Row fields whose case column is nullable with no default: when no row of a batch gives one, the column is left
# out of the batch's insert (NULL all the same), sparing a conversion (often a decryption type's) of each None.
_OMITTABLE = frozenset(
    name for name in _ROW_FIELDS
    if (column := Case.__table__.c["stage" if name == "stade" else name]).nullable
    and column.default is None and column.server_default is None)


def _content_hash(row: SignalementRow) -> str:
    """The household facts count only when given, so the rows pushed before they existed keep their hash."""
    canonical = "\x1f".join(["" if v is None else str(v) for v in _BASE_VALUES(row)])
    canonical += "".join([f"\x1e{name}={v}" for name, v in zip(FACT_FIELDS, _FACT_VALUES(row), strict=True)
                          if v not in (None, False)])
    return hashlib.sha256(canonical.encode()).hexdigest()


def _case_values(row: SignalementRow, *, date_stade: date, fields: tuple[str, ...] = _ROW_FIELDS,
                 values_of: Callable[[SignalementRow], tuple[Any, ...]] = _ROW_VALUES) -> dict[str, Any]:
    """The case columns of a row: every field, or `fields` as read by `values_of` (their `attrgetter`)."""
    values = dict(zip(fields, values_of(row), strict=True))
    values["stage"] = values.pop("stade").value
    values["date_stade"] = date_stade
    return values


def _insert_fields(rows: Sequence[SignalementRow]) -> tuple[str, ...]:
    """The row fields the new cases of a batch are inserted with: those some row gives, and the others that have a
    default (an omitted column would take it)."""
    return tuple(name for name in _ROW_FIELDS
                 if name not in _OMITTABLE or any(getattr(row, name) is not None for row in rows))


@dataclass(slots=True)
class LinkedBatch:
    """One pass over a batch, its blocking keys not stored yet: what to lock, check, then store."""

    counts: IngestCounts
    records: list[PersonRecord] = field(default_factory=list)  # new rows, then updated cases whose identity changed
    keys: list[BlockingKeys] = field(default_factory=list)
    seen: dict[int, set[int]] = field(default_factory=dict)  # record index -> cases it was compared with
    owners: list[tuple[int, int]] = field(default_factory=list)  # record index -> (its case, its household)
    proposed: dict[int, set[int]] = field(default_factory=dict)  # record index -> households proposed to it
    new_keys: list[tuple[int, BlockingKeys]] = field(default_factory=list)  # (case id, keys) of new cases
    changed_keys: list[tuple[int, BlockingKeys]] = field(default_factory=list)  # of updated cases
    touched: set[int] = field(default_factory=set)  # households known before the batch that it joined or changed
    # Households known before the batch that a new open case joined -> the stages those cases report.
    joined: dict[int, set[str]] = field(default_factory=dict)
    unreachable: set[str] = field(default_factory=set)  # references of rows marked injoignable
    partner_id: int = 0

    def all_keys(self) -> set[int]:
        return {key for row_keys in self.keys for key in row_keys}

    def store_keys(self, session: Session) -> None:
        linkage_store.replace_keys(session, self.changed_keys)
        if self.new_keys:
            linkage_store.store_keys(session, self.new_keys)


def serialise_partner_pushes(session: Session, partner_id: int) -> None:
    """Until this transaction ends, this partner's other pushes that update cases wait.

    A no-op UPDATE of the partner row: a row lock on PostgreSQL, the write lock on SQLite (a SELECT ... FOR UPDATE
    would take nothing there).
    """
    session.execute(update(Partner).where(Partner.id == partner_id).values(id=Partner.id))


def _existing_cases(session: Session, partner: Partner, rows: Sequence[SignalementRow]) -> dict[str, Case]:
    found = session.scalars(
        select(Case).where(Case.partner_id == partner.id, any_of(session, Case.reference, [r.reference for r in rows]))
        .execution_options(populate_existing=True)  # read again after waiting for the partner's lock
    )
    return {case.reference: case for case in found}


def link_and_plan(
    session: Session, partner: Partner, rows: Sequence[SignalementRow], *, now: datetime, import_id: int | None,
    lock_first: bool = False,
) -> LinkedBatch:
    """Creates and updates the cases of a batch and links new ones to households; new households get their stage
    and planned contacts. Known households and the blocking keys are left to `settle`. With `lock_first`, this
    partner's pushes and the blocks are locked before anything is read; otherwise only a batch that updates cases
    waits for the partner's other pushes (two pushes creating the same reference meet on the unique key instead)."""
    linked = LinkedBatch(IngestCounts())
    counts = linked.counts
    if lock_first:
        serialise_partner_pushes(session, partner.id)
    existing = _existing_cases(session, partner, rows)
    digests = [_content_hash(row) for row in rows]
    if not lock_first and any((case := existing.get(row.reference)) is not None and case.content_hash != digest
                              for row, digest in zip(rows, digests, strict=True)):
        serialise_partner_pushes(session, partner.id)
        existing = _existing_cases(session, partner, rows)
    new_rows: list[tuple[SignalementRow, str]] = []
    relinked: list[tuple[Case, PersonRecord]] = []
    touched: set[int] = set()
    for row, digest in zip(rows, digests, strict=True):
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
    keyring = keyring_for(session.get_bind().dialect)
    new_keys = [hashed_keys(record, keyring) for record in new_records]
    relinked_keys = [hashed_keys(record, keyring) for _, record in relinked]
    linked.records, linked.keys = new_records + [record for _, record in relinked], new_keys + relinked_keys
    if lock_first:
        linkage_store.lock_blocks(session, linked.all_keys())
    if new_rows:
        counts.created = len(new_rows)
        created = set(_create_cases(session, partner, new_rows, new_keys, new_records, now=now, linked=linked))
        joining = [(row, household) for (row, _), (_, household) in zip(new_rows, linked.owners, strict=True)
                   if household not in created]
        touched.update(household for _, household in joining)
        for row, household in joining:
            if row.stade is not Stage.CLOTURE:
                linked.joined.setdefault(household, set()).add(row.stade.value)
    if relinked:
        counts.reviews += _relink_updated(session, relinked, relinked_keys, now=now, linked=linked)
    linked.touched |= touched
    linked.partner_id = partner.id
    linked.unreachable = {row.reference for row in rows if row.injoignable}
    return linked


def settle(session: Session, linked: LinkedBatch, *, now: datetime) -> IngestCounts:
    """The second half of a batch, under the blocks' locks: the households it joined or changed move stage (those
    a new case joined at their own stage enter the campaigns that did not have them), and its blocking keys are
    stored (then seen by the next pushes).

    Households known before this batch are locked in one sorted statement (a push moving the same household waits
    here, then reads its cases again). Always after the blocks' locks, in every push: a push holding a household
    never waits for blocks held by one that waits for that household.
    """
    linked.counts.stage_moves += apply_household_stages(session, linked.touched, now=now)  # locks them first
    move_case_stays(session, linked.touched, now=now)
    enroll_joined(session, linked.joined, now=now)
    if linked.touched:
        session.execute(update(Household).where(any_of(session, Household.id, list(linked.touched)))
                        .values(updated_at=now))
    linked.store_keys(session)
    if linked.unreachable:
        case_ids = session.scalars(select(Case.id).where(
            Case.partner_id == linked.partner_id, any_of(session, Case.reference, sorted(linked.unreachable))))
        open_contact_searches(session, case_ids, now=now)
    return linked.counts


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
    closing = values["stage"] == Stage.CLOTURE and case.stage != Stage.CLOTURE
    for name, value in values.items():
        setattr(case, name, value)
    case.content_hash = digest
    case.updated_at = now
    if closing:
        # Its own campaigns stop; the household closes with its last open case (docs/security.md, rule 3).
        close_own_contacts(session, case, now=now)


def _relink_updated(
    session: Session, relinked: list[tuple[Case, PersonRecord]], keys: list[BlockingKeys], *, now: datetime,
    linked: LinkedBatch,
) -> int:
    """An updated case keeps its household (no silent merge): a new likely household only becomes a review."""
    links = link_batch(session, [record for _, record in relinked], keys,
                       existing=[(case.id, case.household_id) for case, _ in relinked])
    offset = len(linked.records) - len(relinked)  # the updated cases come after the new rows
    linked.seen.update({offset + row: cases for row, cases in links.seen.items()})
    linked.owners += [(case.id, case.household_id) for case, _ in relinked]
    for proposal in links.proposals:
        linked.proposed.setdefault(offset + proposal.row, set()).add(proposal.candidate_household)
    linked.changed_keys = [(case.id, row_keys) for (case, _), row_keys in zip(relinked, keys, strict=True)]
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
    linked: LinkedBatch,
) -> list[int]:
    """Inserts the new rows' cases, and their new households already in their stage and enrolled (the ids of the
    households created are returned: their stage needs no second look)."""
    counts = linked.counts
    links: BatchLinks = link_batch(session, records, keys)
    linked.seen.update(links.seen)
    today = local_date(now)
    households = first_stages([(row, -reference - 1) for (row, _), reference in zip(new_rows, links.households,
                                                                                    strict=True) if reference < 0],
                              links.new_households, today=today)
    ids = insert_households(session, households, now=now)
    new_ids = [household for household, _entry in ids]

    def household_id(reference: int) -> int:
        return reference if reference > 0 else new_ids[-reference - 1]

    # A case (of a partner but the pilots) in a new household at its stage runs its campaigns on the household's stay;
    # any other of its new cases gets its stay once the households are settled (own_stays.move_case_stays).
    stays = {household: (entry, new.stage.value) for (household, entry), new in zip(ids, households, strict=True)
             } if partner.kind in OWN_STAY_KINDS else {}
    case_rows: list[dict[str, Any]] = []
    given = _insert_fields([row for row, _ in new_rows])
    values_of = attrgetter(*given)
    for (row, digest), reference in zip(new_rows, links.households, strict=True):
        values = _case_values(row, date_stade=row.date_stade or today, fields=given, values_of=values_of)
        values.update(partner_id=partner.id, household_id=household_id(reference), content_hash=digest,
                      created_at=now, updated_at=now)
        stay = stays.get(values["household_id"])
        values["stay_entry_id"] = stay[0] if stay is not None and stay[1] == values["stage"] else None
        if stay is not None and stay[1] != values["stage"] and values["stage"] != Stage.CLOTURE:
            linked.touched.add(values["household_id"])
        case_rows.append(values)
    case_ids = insert_returning_ids(session, Case, case_rows)
    enroll_households(session, households, ids, now=now)
    counts.stage_moves += len(households)
    linked.new_keys = list(zip(case_ids, keys, strict=True))
    linked.owners += [(case_id, row["household_id"]) for case_id, row in zip(case_ids, case_rows, strict=True)]
    for proposal in links.proposals:
        linked.proposed.setdefault(proposal.row, set()).add(household_id(proposal.candidate_household))
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
    return new_ids


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
    keyring = keyring_for(session.get_bind().dialect)
    linkage_store.store_keys(session, ((case_id, hashed_keys(PersonRecord.from_row(row), keyring))
                                       for case_id, row in zip(case_ids, rows, strict=True)))
    return len(case_ids)
