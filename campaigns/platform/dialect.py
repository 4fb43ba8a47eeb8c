"""The database-dialect adapter: every difference between PostgreSQL and SQLite that a service meets is here, so
that business modules call one function and never test the dialect themselves (docs/architecture.md).

PostgreSQL is the production base, with concurrent writers; SQLite is the embedded one, with a single writer.
Here: set membership (`= ANY` of one array), insert-ignore, bulk inserts and updates (COPY, unnest()), ids drawn
before insert, row and advisory locks (no-ops on SQLite: nobody can commit in between), per-key capped look-ups,
per-day counts in Paris time and the planner's JIT switch. The engine itself (SQLite pragmas) is made in
`campaigns.platform.db`. tests/test_dialect.py runs each function on both bases.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from datetime import date
from typing import Any

import orjson
from sqlalchemy import JSON, Table, any_, func, literal, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.sql import Insert
from sqlalchemy.sql.schema import ScalarElementColumnDefault
from sqlalchemy.types import TypeDecorator

from campaigns.locale.clock import PARIS
from campaigns.platform.db import Base, UTCDateTime, table_of, with_derived_columns

_SQLITE_PARAMETERS = 500  # keys per IN (...) on SQLite, under its bound-parameter limit


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_ignoring_conflicts(session: Session, table: Any, index_elements: Sequence[str]) -> Insert:
    """INSERT ... ON CONFLICT DO NOTHING for the dialect in use (PostgreSQL or SQLite)."""
    dialect_insert = postgresql.insert if is_postgres(session) else sqlite.insert
    return dialect_insert(table).on_conflict_do_nothing(index_elements=list(index_elements))


def any_of(session: Session, column: Any, values: Sequence[Any]) -> Any:
    """`column IN values`; on PostgreSQL one array parameter (`= ANY`), not thousands of bind parameters."""
    if is_postgres(session):
        return column == any_(literal(list(values), ARRAY(column.type)))
    return column.in_(values)


def allocate_ids(session: Session, table: Table, count: int) -> list[int]:
    """Primary keys for rows about to be bulk-inserted (PostgreSQL: taken from the table's sequence)."""
    if count == 0:
        return []
    sequence = f"{table.name}_id_seq"
    rows = session.execute(
        text("SELECT nextval(:seq) FROM generate_series(1, :n)"), {"seq": sequence, "n": count}
    ).scalars()
    return list(rows)


def _processors(session: Session, table: Table, columns: Sequence[str]) -> dict[str, Any]:
    """Python-side bind conversions (encryption, blind indexes) of the columns, for the paths that bypass
    SQLAlchemy's parameter processing (COPY, unnest() arrays). UTCDateTime is left to the driver."""
    dialect = session.get_bind().dialect
    found = {}
    for name in columns:
        column_type = table.c[name].type
        if isinstance(column_type, TypeDecorator) and not isinstance(column_type, UTCDateTime):
            # An encrypted column offers its conversion with the keyring already read (one call a value).
            converter = getattr(column_type, "bulk_converter", None)
            found[name] = converter(dialect) if converter else _bound(column_type.process_bind_param, dialect)
    return found


def _bound(convert: Any, dialect: Any) -> Any:
    """`convert(value, dialect)` as a function of the value (one call a value on intake's hot path)."""
    def process(value: Any) -> Any:
        return convert(value, dialect)
    return process


def bulk_insert(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """Inserts many rows: COPY on PostgreSQL (no per-row SQL at all), executemany elsewhere.

    Rows must hold plain values; JSON columns are serialised and encrypted columns encrypted here because COPY
    knows neither.
    """
    if not rows:
        return
    table = table_of(model)
    rows = with_derived_columns(table, rows)
    if not is_postgres(session):
        session.execute(table.insert(), list(rows))
        return
    # COPY bypasses SQLAlchemy's column defaults: apply the scalar ones here.
    defaults = {
        c.name: c.default.arg
        for c in table.columns
        if c.name not in rows[0] and isinstance(c.default, ScalarElementColumnDefault)
    }
    given = list(rows[0].keys())
    columns = [*given, *defaults]
    processors = _processors(session, table, columns)
    # Each column's conversion by position, built once: rows are lists from here on (no dict per row).
    conversions = [(position, processors[c]) for position, c in enumerate(columns) if c in processors]
    conversions += [(position, _json_text) for position, c in enumerate(columns) if isinstance(table.c[c].type, JSON)]
    quoted = ", ".join(f'"{c}"' for c in columns)
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:  # type: ignore[union-attr]
        write_row = copy.write_row
        for row in rows:
            values = [row[c] for c in given]
            if defaults:
                values += [row.get(c, default) for c, default in defaults.items()]
            for position, process in conversions:
                values[position] = process(values[position])
            write_row(values)


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def insert_returning_ids(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> list[int]:
    """Inserts rows and returns their new ids, in order."""
    if not rows:
        return []
    table = table_of(model)
    rows = with_derived_columns(table, rows)
    if is_postgres(session):
        ids = allocate_ids(session, table, len(rows))
        bulk_insert(session, model, [{"id": i, **row} for i, row in zip(ids, rows, strict=True)])
        return ids
    stmt = table.insert().returning(table.c.id, sort_by_parameter_order=True)
    return list(session.execute(stmt, list(rows)).scalars())


def bulk_insert_ignoring_conflicts(
    session: Session, model: type[Base], rows: Sequence[dict[str, Any]], conflict_columns: Sequence[str]
) -> None:
    """INSERT ... ON CONFLICT DO NOTHING for many rows; on PostgreSQL one statement over unnest()ed arrays."""
    if not rows:
        return
    table = table_of(model)
    rows = with_derived_columns(table, rows)
    if not is_postgres(session):
        session.execute(insert_ignoring_conflicts(session, table, conflict_columns), list(rows))
        return
    columns = list(rows[0].keys())
    processors = _processors(session, table, columns)
    dialect = session.get_bind().dialect
    arrays = ", ".join(f"CAST(:{c} AS {table.c[c].type.compile(dialect=dialect)}[])" for c in columns)
    quoted = ", ".join(f'"{c}"' for c in columns)
    conflict = ", ".join(f'"{c}"' for c in conflict_columns)
    session.execute(
        text(f'INSERT INTO "{table.name}" ({quoted}) SELECT * FROM unnest({arrays}) '  # noqa: S608 - names from metadata
             f"ON CONFLICT ({conflict}) DO NOTHING"),
        {c: _array(rows, c, processors.get(c)) for c in columns},
    )


def bulk_update(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """UPDATE by primary key `id` for many rows with the same columns; on PostgreSQL one statement."""
    if not rows:
        return
    table = table_of(model)
    rows = with_derived_columns(table, rows)
    if not is_postgres(session):
        session.execute(update(model), list(rows), execution_options={"synchronize_session": False})
        return
    columns = [c for c in rows[0] if c != "id"]
    processors = _processors(session, table, columns)
    dialect = session.get_bind().dialect
    names = ["id", *columns]
    arrays = ", ".join(f"CAST(:{c} AS {table.c[c].type.compile(dialect=dialect)}[])" for c in names)
    assignments = ", ".join(f'"{c}" = v."{c}"' for c in columns)
    session.execute(
        text(f'UPDATE "{table.name}" SET {assignments} FROM unnest({arrays}) AS v({", ".join(names)}) '  # noqa: S608
             f'WHERE "{table.name}".id = v.id'),
        {c: _array(rows, c, processors.get(c)) for c in names},
    )


def _array(rows: Sequence[dict[str, Any]], column: str, process: Any) -> list[Any]:
    if process is None:
        return [row[column] for row in rows]
    return [process(row[column]) for row in rows]


def concurrent_writers(session: Session) -> bool:
    """Whether another transaction may commit between two statements of this one (PostgreSQL). SQLite has a
    single writer: a transaction that writes sees nobody else's commits until it ends."""
    return is_postgres(session)


def reserve_ids(session: Session, model: type[Base], count: int) -> list[int] | None:
    """Primary keys drawn before the rows are written (from the table's sequence), so that rows referring to each
    other are each written once; None where ids are handed out only on insert (SQLite)."""
    if not is_postgres(session):
        return None
    return allocate_ids(session, table_of(model), count)


def lock_rows(session: Session, id_column: Any, ids: Collection[int]) -> None:
    """Row locks on these ids until commit, taken in id order so that two transactions never wait for each other.

    FOR NO KEY UPDATE, as an UPDATE takes: rows that only reference them still go in meanwhile. Nothing to do on
    SQLite (single writer)."""
    if ids and is_postgres(session):
        session.execute(select(id_column).where(any_of(session, id_column, sorted(ids)))
                        .order_by(id_column).with_for_update(key_share=True)).all()


def advisory_lock(session: Session, key: int) -> None:
    """A transaction-level advisory lock on one key (pg_advisory_xact_lock), held until commit; none on SQLite."""
    if is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def advisory_locks(session: Session, namespace: int, keys: Iterable[int]) -> None:
    """Transaction-level advisory locks on (namespace, key) for every key (32-bit integers), taken in ascending
    order in one statement, so that two transactions locking overlapping sets never deadlock; none on SQLite."""
    if not is_postgres(session):
        return
    ordered = sorted(set(keys))
    if ordered:
        session.execute(
            text("SELECT pg_advisory_xact_lock(:namespace, k) "
                 "FROM (SELECT unnest(CAST(:keys AS integer[])) AS k ORDER BY k) AS sorted_keys"),
            {"namespace": namespace, "keys": ordered},
        ).all()


def without_jit(session: Session) -> None:
    """PostgreSQL compiles plans above a cost threshold to machine code (JIT): for aggregates over a few hundred
    thousand rows at most, compiling (0.3 to 0.7 s) costs more than it saves. Off for this transaction."""
    if is_postgres(session):
        session.execute(text("SET LOCAL jit = off"))


def count_by_paris_day(session: Session, column: Any, *conditions: Any) -> Counter[date]:
    """How many rows fall on each Europe/Paris day of a timestamp column (NULLs left out); grouped in the database
    on PostgreSQL, in Python on SQLite (no time zones there)."""
    if is_postgres(session):
        local_day = func.date(func.timezone("Europe/Paris", column))
        rows = session.execute(select(local_day, func.count()).where(column.is_not(None), *conditions)
                               .group_by(local_day))
        return Counter({day: int(n) for day, n in rows})
    return Counter(at.astimezone(PARIS).date()
                   for at in session.scalars(select(column).where(column.is_not(None), *conditions)))


def capped_members(session: Session, key_column: Any, member_column: Any, keys: Collection[int],
                   limit: int) -> dict[int, list[int]]:
    """For each integer key, up to `limit` members of the rows holding it ({key: members}, keys without rows
    left out): a huge group costs no more than `limit` rows. On PostgreSQL one LATERAL look-up per key."""
    if not keys:
        return {}
    members: dict[int, list[int]] = {}
    if not is_postgres(session):
        wanted = list(keys)
        for start in range(0, len(wanted), _SQLITE_PARAMETERS):
            chunk = wanted[start:start + _SQLITE_PARAMETERS]
            for key, member in session.execute(select(key_column, member_column).where(key_column.in_(chunk))):
                group = members.setdefault(key, [])
                if len(group) < limit:
                    group.append(member)
        return members
    table, key_name, member_name = key_column.table.name, key_column.name, member_column.name
    # The array literal is built here: psycopg would dump tens of thousands of list items one by one in Python.
    literal_keys = "{" + ",".join(str(int(key)) for key in keys) + "}"
    key_type = key_column.type.compile(dialect=session.get_bind().dialect)
    # Through the driver's cursor, fetched whole: ~8 (key, member) rows a pushed row, which SQLAlchemy's result
    # would fetch and wrap one at a time (~10 µs a pushed row). Plain integers: no type conversion is skipped.
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cursor:  # type: ignore[union-attr]
        rows = cursor.execute(
            f'SELECT d.k, m.member FROM unnest(CAST(%s AS {key_type}[])) AS d(k) CROSS JOIN LATERAL '  # noqa: S608
            f'(SELECT t."{member_name}" AS member FROM "{table}" AS t WHERE t."{key_name}" = d.k LIMIT %s) AS m',
            (literal_keys, limit),
        ).fetchall()
    for key, member in rows:
        if (held := members.get(key)) is None:
            members[key] = [member]
        else:
            held.append(member)
    return members


def bulk_insert_integers(session: Session, model: type[Base], columns: Sequence[str],
                         rows: Iterable[Sequence[int]]) -> None:
    """Inserts rows of plain integers (no defaults, no conversions): on PostgreSQL one COPY of pre-formatted text,
    a tenth of `bulk_insert`'s row-by-row COPY on a narrow table."""
    if not is_postgres(session):
        bulk_insert(session, model, [dict(zip(columns, row, strict=True)) for row in rows])
        return
    # One %-format a row (a C loop over its values), not a generator of str() calls per value.
    line = "\t".join(["%d"] * len(columns)) + "\n"
    data = "".join([line % tuple(row) for row in rows])
    if not data:
        return
    quoted = ", ".join(f'"{c}"' for c in columns)
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table_of(model).name}" ({quoted}) FROM STDIN') as copy:  # type: ignore[union-attr]
        copy.write(data)
