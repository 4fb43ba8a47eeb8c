"""Blocking keys in the database: their storage, the advisory locks over blocks, candidate cases, review rows."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Collection, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, text
from sqlalchemy.orm import Session, aliased

from campaigns.db import any_of, bulk_insert, is_postgres
from campaigns.linkage import PersonRecord
from campaigns.linkage_blocking import BlockingKeys, KeyKind
from campaigns.models import BlockKey, Case, LinkReview

log = logging.getLogger(__name__)

# A key shared by more cases than this ("MARTIN" in Paris) finds nobody in particular: it is not used to look
# for candidates, which bounds the work per row whatever the size of the base. Other keys still find the pairs.
BLOCK_CAP = 200
# Advisory locks are taken on buckets of keys, not on each key: a 5,000-row push has ~35,000 keys and the
# shared lock table holds max_locks_per_transaction x max_connections (6,400 by default) for all sessions.
LOCK_BUCKETS = 1024
_LOCK_NAMESPACE = 0x6C6B  # first argument of pg_advisory_xact_lock(int, int): "lk", blocks of linkage
_RECORD_COLUMNS = (
    Case.nom, Case.prenom, Case.date_naissance, Case.nom_cotitulaire, Case.prenom_cotitulaire,
    Case.date_naissance_cotitulaire, Case.adresse, Case.complement_adresse, Case.code_postal, Case.commune,
    Case.telephone, Case.email, Case.numero_allocataire,
)
_RECORD_FIELDS = tuple(column.key for column in _RECORD_COLUMNS)
# Reviews whose pair must not be proposed again: waiting, refused, or accepted and then undone.
CLOSED_TO_PROPOSALS = ("pending", "rejected", "undone")


def lock_blocks(session: Session, key_hashes: Iterable[int]) -> None:
    """Serialises pushes that share a block until commit, so that two partners pushing the same household at
    the same moment see each other's rows (PostgreSQL; SQLite has a single writer). Sorted: no deadlock."""
    if not is_postgres(session):
        return
    buckets = sorted({key % LOCK_BUCKETS for key in key_hashes})
    if buckets:
        session.execute(
            text("SELECT pg_advisory_xact_lock(:namespace, b) "
                 "FROM (SELECT unnest(CAST(:buckets AS integer[])) AS b ORDER BY b) AS sorted_buckets"),
            {"namespace": _LOCK_NAMESPACE, "buckets": buckets},
        ).all()


@dataclass(slots=True)
class Candidates:
    """For each probed row, the cases sharing enough blocking evidence with it (`enough_evidence`)."""

    pairs: dict[int, set[int]] = field(default_factory=dict)  # row index -> case ids
    hot_keys: int = 0  # keys skipped because their block exceeds BLOCK_CAP


def enough_evidence(kinds: Counter[int]) -> bool:
    """Whether two records sharing keys of these kinds are worth comparing.

    A strong key (phone, e-mail, CAF number, address + names, address + flat), or two birth keys (the initials
    of the prénom and of the nom at one birth date), or a birth key and the address. A name alone is shared by
    thousands, an address by a building: without a birth date `compare` could only make a review of them, and
    address + names already covers the review worth having. The bound keeps the comparisons per row flat as
    the base grows: random members of a birth block rarely share a second key.
    """
    births = kinds[KeyKind.BIRTH]  # shared initials at the same birth date (swapped keys are never probed)
    return kinds[KeyKind.STRONG] > 0 or births >= 2 or (births == 1 and kinds[KeyKind.ADDRESS] > 0)


# The same rule in SQL. Birth and strong blocks are read (each up to BLOCK_CAP + 1 entries, so a huge block
# costs no more than a full one); address blocks (a whole building) are never read: the address key is probed
# by primary key for the few pairs that share a single birth key.
_CANDIDATES_SQL = text("""
WITH probe AS (
    SELECT * FROM unnest(CAST(:rows AS integer[]), CAST(:keys AS bigint[]), CAST(:kinds AS smallint[]))
        AS p(row_idx, key_hash, kind)
), blocks AS (
    SELECT d.key_hash, m.case_id, count(*) OVER (PARTITION BY d.key_hash) AS size
    FROM (SELECT DISTINCT key_hash FROM probe WHERE kind <> 3) AS d
    CROSS JOIN LATERAL (
        SELECT b.case_id FROM block_keys AS b WHERE b.key_hash = d.key_hash LIMIT :probe_limit
    ) AS m
), shared AS (
    SELECT p.row_idx, b.case_id, count(*) FILTER (WHERE p.kind = 1) AS births, bool_or(p.kind = 2) AS strong
    FROM probe AS p JOIN blocks AS b ON b.key_hash = p.key_hash
    WHERE b.size <= :cap
    GROUP BY p.row_idx, b.case_id
), addresses AS (
    SELECT row_idx, key_hash FROM probe WHERE kind = 3
)
SELECT row_idx, case_id FROM shared WHERE strong OR births >= 2
UNION
SELECT s.row_idx, s.case_id
FROM shared AS s
JOIN addresses AS a ON a.row_idx = s.row_idx
JOIN block_keys AS k ON k.key_hash = a.key_hash AND k.case_id = s.case_id
WHERE s.births = 1 AND NOT s.strong
UNION ALL
SELECT -1, count(DISTINCT key_hash) FROM blocks WHERE size > :cap
""")


def find_candidates(session: Session, keys: Sequence[BlockingKeys]) -> Candidates:
    """One query for the whole batch."""
    found = Candidates()
    if not keys:
        return found
    if not is_postgres(session):
        return _find_candidates_sqlite(session, keys, found)
    probes = [(index, key, kind) for index, row_keys in enumerate(keys) for key, kind in row_keys.items()
              if kind != KeyKind.BIRTH_SWAPPED]
    rows = ",".join(str(index) for index, _key, _kind in probes)
    hashes = ",".join(str(key) for _index, key, _kind in probes)
    kinds = ",".join(str(kind) for _index, _key, kind in probes)
    # Array literals built here: psycopg would dump ~40,000 list items one by one in Python.
    result = session.execute(_CANDIDATES_SQL, {"rows": f"{{{rows}}}", "keys": f"{{{hashes}}}",
                                               "kinds": f"{{{kinds}}}", "cap": BLOCK_CAP,
                                               "probe_limit": BLOCK_CAP + 1})
    for index, case_id in result:
        if index < 0:
            found.hot_keys = case_id
        else:
            found.pairs.setdefault(index, set()).add(case_id)
    _log_hot(found.hot_keys)
    return found


def _find_candidates_sqlite(session: Session, keys: Sequence[BlockingKeys], found: Candidates) -> Candidates:
    # Embedded bases are small: every block is read (address blocks too), the rule applied here.
    wanted = list({key for row_keys in keys for key in row_keys})
    members: dict[int, list[int]] = {}
    for start in range(0, len(wanted), 500):  # SQLite's bound-parameter limit
        chunk = wanted[start:start + 500]
        for key, case_id in session.execute(
            select(BlockKey.key_hash, BlockKey.case_id).where(BlockKey.key_hash.in_(chunk))
        ):
            members.setdefault(key, []).append(case_id)
    hot = {key for key, cases in members.items() if len(cases) > BLOCK_CAP}
    for index, row_keys in enumerate(keys):
        if cases := shared_evidence(row_keys, members, hot):
            found.pairs[index] = cases
    found.hot_keys = len(hot)
    _log_hot(found.hot_keys)
    return found


def shared_evidence(row_keys: BlockingKeys, members: Mapping[int, Sequence[int]], hot: Container[int]
                    ) -> set[int]:
    """The members of this row's blocks that share enough evidence with it (`enough_evidence`)."""
    kinds: dict[int, Counter[int]] = {}
    for key, kind in row_keys.items():
        if (key in hot and kind != KeyKind.ADDRESS) or kind == KeyKind.BIRTH_SWAPPED:
            continue
        for member in members.get(key, ()):
            kinds.setdefault(member, Counter())[kind] += 1
    return {member for member, counts in kinds.items() if enough_evidence(counts)}


def _log_hot(count: int) -> None:
    if count:
        # Only a count: the keys are hashes of names and birth dates.
        log.info("linkage: %d blocking keys above %d cases skipped for candidate search", count, BLOCK_CAP)


def load_records(session: Session, case_ids: Collection[int]) -> dict[int, tuple[int, PersonRecord]]:
    """{case id: (household id, its person record)}."""
    if not case_ids:
        return {}
    rows = session.execute(
        select(Case.id, Case.household_id, *_RECORD_COLUMNS).where(any_of(session, Case.id, list(case_ids)))
    )
    return {
        row[0]: (row[1], PersonRecord(**{**dict(zip(_RECORD_FIELDS, row[2:], strict=True)),
                                         "prenom": row[3] or ""}))
        for row in rows
    }


def store_keys(session: Session, keys_by_case: Iterable[tuple[int, Iterable[int]]]) -> None:
    if not is_postgres(session):
        bulk_insert(session, BlockKey, [{"key_hash": key, "case_id": case_id}
                                        for case_id, keys in keys_by_case for key in keys])
        return
    # Seven or more keys per case: COPY of pre-formatted text costs a tenth of `bulk_insert`'s row-by-row
    # COPY on this two-integer table (~50 µs a pushed row otherwise).
    data = "".join(f"{key}\t{case_id}\n" for case_id, keys in keys_by_case for key in keys)
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy("COPY block_keys (key_hash, case_id) FROM STDIN") as copy:  # type: ignore[union-attr]
        copy.write(data)


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
