"""Applying a batch of pushed rows beside concurrent pushes: linked unlocked, then checked under the blocks' locks."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

import psycopg.errors
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from campaigns.intake.cases import IngestCounts, link_and_plan, settle
from campaigns.intake.fields import SignalementRow
from campaigns.linkage import store as linkage_store
from campaigns.linkage.matching import late_reviews
from campaigns.models import Partner
from campaigns.platform.dialect import concurrent_writers

log = logging.getLogger(__name__)

# Optimistic passes before one under the partner's and the blocks' locks from the start. A pass fails only when
# a concurrent push committed a household that one of its new rows matches, or created one of its references
# (or two pushes of one partner each waited for the other's new references: a deadlock PostgreSQL breaks).
OPTIMISTIC_ATTEMPTS = 3
_REFERENCE_KEY = "uq_cases_partner_id_reference"


def ingest(
    session: Session, *, partner: Partner, rows: Sequence[SignalementRow], now: datetime, import_id: int | None
) -> IngestCounts:
    """Applies one batch of valid rows (references unique within the batch). Same rows twice = no change.

    Two partners pushing the same household at the same moment must land on one household. Holding the blocks'
    locks through the whole batch would serialise every push (a 5,000-row batch touches nearly every bucket), so
    the batch is linked and planned first, unlocked and invisible to others (its keys not stored); then the locks
    are taken, which waits for the concurrent pushes sharing a bucket to commit, and the candidates are read
    again: a case committed meanwhile that is only a likely match adds a review; one that a new row matches
    undoes the pass (a savepoint), which is done again. Known households are moved last (`settle`), under the
    locks; locks are always taken in the order partner, blocks, households, so no two pushes wait for each other.
    """
    if not rows:
        return IngestCounts()
    if not concurrent_writers(session):  # nobody can commit in between
        return settle(session, link_and_plan(session, partner, rows, now=now, import_id=import_id, lock_first=True),
                      now=now)
    for _attempt in range(OPTIMISTIC_ATTEMPTS):
        savepoint = session.begin_nested()
        try:
            linked = link_and_plan(session, partner, rows, now=now, import_id=import_id)
            linkage_store.lock_blocks(session, linked.all_keys())
            reviews = late_reviews(session, linked.records, linked.keys, seen=linked.seen, owners=linked.owners,
                                   proposed=linked.proposed, movable=linked.counts.created)
        except (psycopg.errors.UniqueViolation, psycopg.errors.DeadlockDetected, DBAPIError) as exc:
            if not _lost_race(exc):
                raise
            # The same references created by a concurrent push of this partner (committed now: the next pass
            # reads them), or two pushes waiting for each other: this one steps back.
            savepoint.rollback()
            log.info("intake: lost a race with a concurrent push, batch applied again")
            continue
        if reviews is not None:
            linkage_store.add_reviews(session, reviews, now=now)
            linked.counts.reviews += len(reviews)
            savepoint.commit()  # the locks pass to the transaction: held until it commits
            return settle(session, linked, now=now)
        # Undone with its locks (the other pushes go on meanwhile), then linked again, seeing that household.
        savepoint.rollback()
        log.info("intake: a concurrent push committed a matching household, batch linked again")
    return settle(session, link_and_plan(session, partner, rows, now=now, import_id=import_id, lock_first=True),
                  now=now)


def _lost_race(exc: BaseException) -> bool:
    """A duplicate of this partner's (partner, reference) key, or a deadlock between two such inserts."""
    error = exc.orig if isinstance(exc, DBAPIError) else exc
    if isinstance(error, psycopg.errors.DeadlockDetected):
        return True
    return isinstance(error, psycopg.errors.UniqueViolation) and error.diag.constraint_name == _REFERENCE_KEY
