"""The dialect adapter (`campaigns.platform.dialect`) gives the same results on PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select, text

from campaigns.models import BlockKey, Household
from campaigns.platform import dialect
from campaigns.runtime.root import Runtime


def _is_postgres(runtime: Runtime) -> bool:
    return runtime.engine.dialect.name == "postgresql"


def _advisory_locks_held(runtime: Runtime, session: object) -> int:
    if not _is_postgres(runtime):
        return 0
    return int(session.scalar(text(  # type: ignore[attr-defined]
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")))


def test_integer_rows_insert_ignore_and_membership(runtime: Runtime) -> None:
    with runtime.session_factory.begin() as session:
        dialect.bulk_insert_integers(session, BlockKey, ("key_hash", "case_id"), [(7, 1), (7, 2), (-3, 1)])
        dialect.bulk_insert_integers(session, BlockKey, ("key_hash", "case_id"), [])
        session.execute(dialect.insert_ignoring_conflicts(session, BlockKey, ["key_hash", "case_id"]),
                        [{"key_hash": 7, "case_id": 1}, {"key_hash": 8, "case_id": 1}])
        dialect.bulk_insert_ignoring_conflicts(session, BlockKey, [{"key_hash": 7, "case_id": 2},
                                                                   {"key_hash": 9, "case_id": 4}],
                                               ["key_hash", "case_id"])
    with runtime.session_factory() as session:
        rows = sorted((k, c) for k, c in session.execute(select(BlockKey.key_hash, BlockKey.case_id)))
        assert rows == [(-3, 1), (7, 1), (7, 2), (8, 1), (9, 4)]
        found = session.scalars(select(BlockKey.key_hash).where(dialect.any_of(session, BlockKey.key_hash, [7, 9])))
        assert sorted(found) == [7, 7, 9]


def test_capped_members(runtime: Runtime) -> None:
    with runtime.session_factory.begin() as session:
        dialect.bulk_insert_integers(session, BlockKey, ("key_hash", "case_id"),
                                     [(1, case) for case in range(10)] + [(2, 5), (-2, 6)])
    with runtime.session_factory() as session:
        members = dialect.capped_members(session, BlockKey.key_hash, BlockKey.case_id, {1, 2, -2, 404}, 3)
        assert dialect.capped_members(session, BlockKey.key_hash, BlockKey.case_id, set(), 3) == {}
    assert sorted(members) == [-2, 1, 2]
    assert len(members[1]) == 3 and set(members[1]) <= set(range(10))
    assert members[2] == [5] and members[-2] == [6]


def test_ids_rows_and_updates(runtime: Runtime) -> None:
    now = datetime(2026, 11, 25, 9, tzinfo=UTC)
    with runtime.session_factory.begin() as session:
        reserved = dialect.reserve_ids(session, Household, 2)
        assert (reserved is not None) == _is_postgres(runtime) == dialect.concurrent_writers(session)
        ids = dialect.insert_returning_ids(session, Household, [
            {"stage": "impaye", "created_at": now, "updated_at": now},
            {"stage": "assignation", "created_at": now, "updated_at": now}])
        assert len(ids) == 2 and ids[0] < ids[1]
        if reserved is not None:
            assert ids[0] > max(reserved)
        dialect.bulk_insert(session, Household, [{"stage": "cloture", "created_at": now, "updated_at": now}])
        dialect.bulk_update(session, Household, [{"id": ids[0], "current_entry_id": 11},
                                                 {"id": ids[1], "current_entry_id": 12}])
    with runtime.session_factory() as session:
        rows = session.execute(select(Household.stage, Household.current_entry_id).order_by(Household.id)).all()
    assert [tuple(row) for row in rows] == [("impaye", 11), ("assignation", 12), ("cloture", None)]


def test_counts_by_paris_day(runtime: Runtime) -> None:
    # 23:30 UTC on 1 March is 00:30 on 2 March in Paris (UTC+1); 22:30 UTC on 1 July is 00:30 on 2 July (UTC+2).
    instants = [datetime(2026, 3, 1, 22, 59, tzinfo=UTC), datetime(2026, 3, 1, 23, 30, tzinfo=UTC),
                datetime(2026, 7, 1, 22, 30, tzinfo=UTC), datetime(2026, 7, 1, 21, 59, tzinfo=UTC)]
    with runtime.session_factory.begin() as session:
        dialect.bulk_insert(session, Household, [{"stage": "impaye", "created_at": at, "updated_at": at}
                                                 for at in instants])
    with runtime.session_factory() as session:
        counts = dialect.count_by_paris_day(session, Household.created_at)
        assert counts == {date(2026, 3, 1): 1, date(2026, 3, 2): 1, date(2026, 7, 2): 1, date(2026, 7, 1): 1}
        only_march = dialect.count_by_paris_day(session, Household.created_at,
                                                Household.created_at < datetime(2026, 4, 1, tzinfo=UTC))
        assert only_march == {date(2026, 3, 1): 1, date(2026, 3, 2): 1}


def test_locks_are_held_until_commit_on_postgresql_only(runtime: Runtime) -> None:
    now = datetime(2026, 11, 25, 9, tzinfo=UTC)
    with runtime.session_factory.begin() as session:
        ids = dialect.insert_returning_ids(session, Household, [{"stage": "impaye", "created_at": now,
                                                                  "updated_at": now}])
    with runtime.session_factory.begin() as session:
        dialect.advisory_lock(session, 4_402_001)
        dialect.advisory_locks(session, 0x6C6B, [5, 3, 5, 1000])
        dialect.advisory_locks(session, 0x6C6B, [])
        dialect.lock_rows(session, Household.id, ids)
        dialect.lock_rows(session, Household.id, [])
        dialect.without_jit(session)
        assert _advisory_locks_held(runtime, session) == (4 if _is_postgres(runtime) else 0)
        if _is_postgres(runtime):
            assert session.scalar(text("SHOW jit")) == "off"
    with runtime.session_factory() as session:
        assert _advisory_locks_held(runtime, session) == 0
        assert session.scalar(select(func.count()).select_from(Household)) == 1
