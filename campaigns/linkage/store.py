"""Blocking keys in the database: their storage, the advisory locks over blocks, candidate cases, review rows."""

from __future__ import annotations

import logging
from collections.abc import Collection, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, type_coerce
from sqlalchemy.orm import Session, aliased
from sqlalchemy.types import TypeEngine

from campaigns.crypto.columns import keyring_for
from campaigns.linkage.blocking import RECORD_FIELDS, BlockingKeys, KeyKind, hashed_keys
from campaigns.linkage.scoring import PersonRecord
from campaigns.models import BlockKey, Case, LinkReview
from campaigns.platform.dialect import advisory_locks, any_of, bulk_insert, bulk_insert_integers, capped_members

log = logging.getLogger(__name__)

# A key shared by more cases than this ("MARTIN" in Paris) finds nobody in particular: it is not used to look
# for candidates, which bounds the work per row whatever the size of the base. Other keys still find the pairs.
BLOCK_CAP = 200
# Advisory locks are taken on buckets of keys, not on each key: a 5,000-row push has ~35,000 keys and the
# shared lock table holds max_locks_per_transaction x max_connections (6,400 by default) for all sessions.
LOCK_BUCKETS = 1024
_LOCK_NAMESPACE = 0x6C6B  # first argument of pg_advisory_xact_lock(int, int): "lk", blocks of linkage
_RECORD_COLUMNS = tuple(getattr(Case, name) for name in RECORD_FIELDS)
# Reviews whose pair must not be proposed again: waiting, refused, or accepted and then undone.
CLOSED_TO_PROPOSALS = ("pending", "rejected", "undone")
_PROBE = KeyKind.PROBE.value  # a plain int: compared for every key of every row


def lock_blocks(session: Session, key_hashes: Iterable[int]) -> None:
    """Serialises pushes that share a block until commit, so that two partners pushing the same household at
    the same moment see each other's rows (PostgreSQL; SQLite has a single writer). Sorted: no deadlock."""
    advisory_locks(session, _LOCK_NAMESPACE, {key % LOCK_BUCKETS for key in key_hashes})


@dataclass(slots=True)
class Candidates:
    """For each probed row, the cases sharing one of its blocking keys."""

    pairs: dict[int, set[int]] = field(default_factory=dict)  # row index -> case ids
    hot_keys: int = 0  # keys skipped because their block exceeds BLOCK_CAP


def find_candidates(session: Session, keys: Sequence[BlockingKeys]) -> Candidates:
    """One query for the whole batch: each probed block read up to BLOCK_CAP + 1 entries, so a huge block costs
    no more than a full one."""
    found = Candidates()
    if not keys:
        return found
    probed = {key for row_keys in keys for key, kind in row_keys.items() if kind == _PROBE}
    members = capped_members(session, BlockKey.key_hash, BlockKey.case_id, probed, BLOCK_CAP + 1)
    hot = {key for key, cases in members.items() if len(cases) > BLOCK_CAP}
    for index, row_keys in enumerate(keys):
        if cases := shared_keys(row_keys, members, hot):
            found.pairs[index] = cases
    found.hot_keys = len(hot)
    _log_hot(found.hot_keys)
    return found


def shared_keys(row_keys: BlockingKeys, members: Mapping[int, Sequence[int]], hot: Container[int]) -> set[int]:
    """The members of this row's probed blocks, huge blocks left out."""
    return {member for key, kind in row_keys.items() if kind == _PROBE and key not in hot
            for member in members.get(key, ())}


def _log_hot(count: int) -> None:
    if count:
        # Only a count: the keys are hashes of names and birth dates.
        log.info("linkage: %d blocking keys above %d cases skipped for candidate search", count, BLOCK_CAP)


def load_records(
    session: Session, case_ids: Collection[int], *, plain: Mapping[str, TypeEngine[Any]] | None = None,
) -> dict[int, tuple[int, PersonRecord]]:
    """{case id: (household id, its person record)}.

    The identity fields are encrypted at rest (campaigns/models/parties.py): only the cases found through the hashed
    blocking keys are read, and their fields are decrypted here, to be normalised and compared in memory.
    `plain` gives the fields a migration finds still stored in clear, with their type at its revision.
    """
    if not case_ids:
        return {}
    columns = _RECORD_COLUMNS if not plain else tuple(
        type_coerce(column, plain[name]) if name in plain else column
        for name, column in zip(RECORD_FIELDS, _RECORD_COLUMNS, strict=True))
    rows = session.execute(
        select(Case.id, Case.household_id, *columns).where(any_of(session, Case.id, list(case_ids)))
    )
    found = {}
    for case_id, household_id, *values in rows:
        found[case_id] = (household_id, PersonRecord(**dict(zip(RECORD_FIELDS, values, strict=True))))
    return found


def store_keys(session: Session, keys_by_case: Iterable[tuple[int, Iterable[int]]]) -> None:
    # Seven or more keys per case: plain integers, the cheapest bulk insert (~50 µs a pushed row otherwise).
    bulk_insert_integers(session, BlockKey, ("key_hash", "case_id"),
                         ((key, case_id) for case_id, keys in keys_by_case for key in keys))


def rebuild_keys(session: Session, *, batch: int = 5_000, plain: Mapping[str, TypeEngine[Any]] | None = None) -> int:
    """Every case's keys computed again (after a change of the key scheme); returns the number of cases.

    `plain`: as in `load_records`, for a migration that runs before some identity fields were encrypted."""
    session.execute(delete(BlockKey))
    done, last = 0, 0
    while ids := list(session.scalars(select(Case.id).where(Case.id > last).order_by(Case.id).limit(batch))):
        keyring = keyring_for(session.get_bind().dialect)  # only once there are cases: an empty base needs no keys
        records = load_records(session, ids, plain=plain)
        store_keys(session, ((case_id, hashed_keys(record, keyring)) for case_id, (_, record) in records.items()))
        done, last = done + len(ids), ids[-1]
    return done


def replace_keys(session: Session, keys_by_case: Sequence[tuple[int, Iterable[int]]]) -> None:
    """New keys for updated cases (their identity fields changed)."""
    if keys_by_case:
        session.execute(delete(BlockKey).where(any_of(session, BlockKey.case_id, [c for c, _ in keys_by_case])))
        store_keys(session, keys_by_case)


def declined_pairs(session: Session, household_ids: Collection[int]) -> set[frozenset[int]]:
    """Household pairs not to propose: a review between their cases is pending, was rejected or undone.

    Read through the cases' current households, so a decision survives later merges of either side.
    """
    mine, theirs = aliased(Case), aliased(Case)
    ids = list(household_ids)
    rows = session.execute(
        select(mine.household_id, theirs.household_id)
        .select_from(LinkReview)
        .join(mine, mine.id == LinkReview.case_id)
        .join(theirs, theirs.id == LinkReview.candidate_case_id)
        .where(LinkReview.status.in_(CLOSED_TO_PROPOSALS),
               or_(any_of(session, mine.household_id, ids), any_of(session, theirs.household_id, ids)))
    )
    return {frozenset(pair) for pair in rows}


def add_reviews(session: Session, reviews: Sequence[dict[str, Any]], *, now: datetime) -> None:
    """Rows of (case_id, candidate_case_id, candidate_household_id, score, explanation)."""
    bulk_insert(session, LinkReview, [{**review, "status": "pending", "created_at": now} for review in reviews])
