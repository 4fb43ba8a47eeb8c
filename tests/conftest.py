"""Fixtures on real PostgreSQL and Redis (scripts/test.sh makes sure they run) and on SQLite."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from campaigns.accounts.partners import add_partner, issue_key
from campaigns.crypto.cipher import Keyring, generate_key
from campaigns.platform.db import Base
from campaigns.platform.settings import Settings
from campaigns.runtime import migrate
from campaigns.runtime.root import Runtime

PG_ADMIN_DSN = os.environ.get("CHAINE_TEST_PG_ADMIN", "postgresql://postgres:postgres@127.0.0.1:5432/postgres")
# One database per test run: concurrent runs on one machine (developers, CI) never share state.
PG_TEST_DB = f"chaine_test_{os.getpid()}"
# Redis database per run too (1..15; 0 is left to a production-like default). Under pytest-xdist the workers of
# one run share a parent: their databases follow from the parent's pid and their index, so they never collide.
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_REDIS_SLOT = (os.getppid() + int(_XDIST_WORKER[2:])) if _XDIST_WORKER.startswith("gw") else os.getpid()
REDIS_URL = os.environ.get("CHAINE_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{1 + _REDIS_SLOT % 15}")
# One pair of data keys for the run, inherited by the processes tests start (CLI, Celery worker, `chaine run`):
# every process of a test opens what the others encrypted. Tests of the keys themselves pass their own.
os.environ.setdefault("CHAINE_DATA_KEYS", generate_key())
os.environ.setdefault("CHAINE_BLIND_INDEX_KEY", generate_key())
DATA_KEY_ENV = {name: os.environ[name] for name in ("CHAINE_DATA_KEYS", "CHAINE_BLIND_INDEX_KEY")}
# A fixed keyring for tests of pure functions whose output depends on the keys (pinned blocking keys).
FIXED_KEYRING = Keyring(data_keys=[bytes(32)], blind_index_key=bytes(range(32)))


def pg_url(database: str = PG_TEST_DB) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{database}"


def recreate_pg_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_pg_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_database(purpose: str) -> str:
    """A database name private to this test run."""
    return f"chaine_{purpose}_{os.getpid()}"


@dataclass
class Clock:
    """The tests' time: starts on a Wednesday morning in Paris, moves only when told."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 25, 9, 30, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    recreate_pg_database(PG_TEST_DB)
    url = pg_url()
    runtime = Runtime(Settings(database_url=url))
    migrate.upgrade(runtime.engine)
    runtime.engine.dispose()
    yield url
    drop_pg_database(PG_TEST_DB)


def _truncate(runtime: Runtime) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with runtime.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def _make_runtime(url: str, tmp_path: Path, clock: Clock, **overrides: object) -> Runtime:
    settings = Settings(database_url=url, data_dir=tmp_path, outbox_dir=tmp_path / "outbox", **overrides)
    return Runtime(settings, clock=clock)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def pg_runtime(pg_database: str, tmp_path: Path, clock: Clock) -> Iterator[Runtime]:
    runtime = _make_runtime(pg_database, tmp_path, clock)
    _truncate(runtime)
    yield runtime
    runtime.join_background(30)
    runtime.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite database migrated to head per test process; each test starts from a copy of the file."""
    path = tmp_path_factory.mktemp("sqlite-template") / "chaine.db"
    runtime = Runtime(Settings(database_url=f"sqlite:///{path}", data_dir=path.parent))
    migrate.upgrade(runtime.engine)
    runtime.engine.dispose()
    return path


@pytest.fixture
def sqlite_runtime(sqlite_template: Path, tmp_path: Path, clock: Clock) -> Iterator[Runtime]:
    shutil.copyfile(sqlite_template, tmp_path / "chaine.db")
    runtime = _make_runtime(f"sqlite:///{tmp_path / 'chaine.db'}", tmp_path, clock)
    yield runtime
    runtime.join_background(30)
    runtime.engine.dispose()


@pytest.fixture(params=["postgresql", "sqlite"])
def runtime(request: pytest.FixtureRequest) -> Runtime:
    """The core behaviour holds on both backends."""
    fixture = "pg_runtime" if request.param == "postgresql" else "sqlite_runtime"
    return request.getfixturevalue(fixture)  # type: ignore[no-any-return]


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime)) as test_client:
        yield test_client


def new_partner(runtime: Runtime, name: str, kind: str) -> tuple[int, dict[str, str]]:
    """A partner and the Authorization header of its fresh key."""
    with runtime.session_factory.begin() as session:
        partner = add_partner(session, name=name, kind=kind, now=runtime.clock())
        key = issue_key(session, partner=partner, now=runtime.clock())
        return partner.id, {"Authorization": f"Bearer {key}"}


# The test files that take minutes (acceptance scenarios through the CLI and the API, the evaluation on a few
# hundred households, real Celery and honcho processes, browsers). Collected first, so that pytest-xdist
# (`--dist loadfile`, scripts/test.sh) starts them first and the short files fill in around them: started last, one of
# them alone made the whole suite wait several minutes.
LONG_FIRST = ("tests/scenarios/", "tests/test_evaluation_sources.py", "tests/test_evaluation.py", "tests/test_facts.py",
              "tests/test_web_evaluation.py", "tests/test_procfile.py", "tests/test_workers.py", "tests/test_cli.py",
              "tests/test_bad_input_csv.py", "tests/test_statistics.py", "tests/test_answer_browser.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid
        return next((i for i, prefix in enumerate(LONG_FIRST) if path.startswith(prefix)), len(LONG_FIRST))

    items.sort(key=rank)  # stable: the order within a file and among the other files is kept
