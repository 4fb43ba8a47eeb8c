"""Declarative base, engine factory and the few dialect differences (SQLite pragmas live here only)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any, cast

import orjson
from sqlalchemy import JSON, DateTime, Engine, MetaData, Table, any_, create_engine, event, literal, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql import Insert
from sqlalchemy.sql.schema import ScalarElementColumnDefault
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, always hands back aware datetimes (SQLite would return naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the API read while the embedded tick writes; busy_timeout avoids "database is locked".
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    # hide_parameters: a database error logged with its statement never shows the bound values (names, ...).
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True, hide_parameters=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


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


def table_of(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


def allocate_ids(session: Session, table: Table, count: int) -> list[int]:
    """Primary keys for rows about to be bulk-inserted (PostgreSQL: taken from the table's sequence)."""
    if count == 0:
        return []
    sequence = f"{table.name}_id_seq"
    rows = session.execute(
        text("SELECT nextval(:seq) FROM generate_series(1, :n)"), {"seq": sequence, "n": count}
    ).scalars()
    return list(rows)


def with_derived_columns(table: Table, rows: Sequence[dict[str, Any]]) -> Sequence[dict[str, Any]]:
    """Rows with their blind index columns (`info={"blind_index_of": source}`) set from the source values, as the
    ORM's attribute events do for objects: the index type hashes them when bound."""
    derived = [(c.name, c.info["blind_index_of"]) for c in table.columns if "blind_index_of" in c.info]
    wanted = [(name, source) for name, source in derived if rows and source in rows[0] and name not in rows[0]]
    if not wanted:
        return rows
    return [{**row, **{name: row[source] for name, source in wanted}} for row in rows]


def _processors(session: Session, table: Table, columns: Sequence[str]) -> dict[str, Any]:
    """Python-side bind conversions (encryption, blind indexes) of the columns, for the paths that bypass
    SQLAlchemy's parameter processing (COPY, unnest() arrays). UTCDateTime is left to the driver."""
    dialect = session.get_bind().dialect
    found = {}
    for name in columns:
        column_type = table.c[name].type
        if isinstance(column_type, TypeDecorator) and not isinstance(column_type, UTCDateTime):
            found[name] = partial(_bind_one, column_type.process_bind_param, dialect=dialect)
    return found


def _bind_one(convert: Any, value: Any, *, dialect: Any) -> Any:
    return convert(value, dialect)


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
    columns = [*rows[0].keys(), *defaults]
    json_columns = {c for c in columns if isinstance(table.c[c].type, JSON)}
    processors = _processors(session, table, columns)
    quoted = ", ".join(f'"{c}"' for c in columns)
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:  # type: ignore[union-attr]
        for row in rows:
            values = {**defaults, **row}
            for name, process in processors.items():
                values[name] = process(values[name])
            copy.write_row([orjson.dumps(values[c]).decode() if c in json_columns else values[c] for c in columns])


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
