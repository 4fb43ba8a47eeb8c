"""Alembic: upgrade head on empty databases, and no drift between the models and the migrations."""

from __future__ import annotations

from pathlib import Path

from campaigns.platform.db import make_engine
from campaigns.runtime import migrate
from tests.conftest import drop_pg_database, pg_url, recreate_pg_database, run_database


def test_upgrade_head_on_empty_postgres_has_no_drift() -> None:
    name = run_database("migrations")
    recreate_pg_database(name)
    engine = make_engine(pg_url(name))
    try:
        migrate.upgrade(engine)
        migrate.upgrade(engine)  # a second run is a no-op
        assert migrate.drift(engine) == []
    finally:
        engine.dispose()
        drop_pg_database(name)


def test_upgrade_head_on_empty_sqlite_has_no_drift(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    migrate.upgrade(engine)
    assert migrate.drift(engine) == []
    engine.dispose()


def test_migration_files_follow_the_naming_rule() -> None:
    names = [p.name for p in (migrate.MIGRATIONS_DIR / "versions").glob("*.py")]
    assert names and all(n[:8].isdigit() and n[8] == "_" and n[9:13].isdigit() for n in names)
