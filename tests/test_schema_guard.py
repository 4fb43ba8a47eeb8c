"""On PostgreSQL no command runs on a database behind the code: one French sentence, exit code 1, no traceback.

Run through the real command line (a subprocess of the installed `chaine`), as an operator would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory

from campaigns.platform.db import make_engine
from campaigns.runtime import migrate
from tests.conftest import (
    DATA_KEY_ENV,
    REDIS_URL,
    drop_pg_database,
    pg_url,
    recreate_pg_database,
    run_database,
)

CHAINE = str(Path(sys.executable).parent / "chaine")
BEHIND = "La base de données n'est pas à jour : lancez `chaine migrer`."


@pytest.fixture
def empty_database() -> Iterator[str]:
    name = run_database("guard")
    recreate_pg_database(name)
    yield pg_url(name)
    drop_pg_database(name)


def _env(url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("CHAINE_")}
    return base | DATA_KEY_ENV | {"CHAINE_DATABASE_URL": url, "CHAINE_DATA_DIR": str(tmp_path)} | extra


def _chaine(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CHAINE, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


def _refused(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.strip() == BEHIND
    assert "Traceback" not in result.stdout + result.stderr


def _migrate_to_previous(url: str) -> str:
    """Migrate to the revision before the code's head; returns that revision."""
    config = migrate.alembic_config(url)
    (head,) = ScriptDirectory.from_config(config).get_heads()
    previous = ScriptDirectory.from_config(config).get_revision(head).down_revision
    assert isinstance(previous, str)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, previous)
    finally:
        engine.dispose()
    return previous


def test_commands_on_an_empty_database_say_to_migrate(empty_database: str, tmp_path: Path) -> None:
    env = _env(empty_database, tmp_path)
    for args in (["tick"], ["households", "export"], ["partners", "add", "ADIL 44", "--kind", "adil"]):
        _refused(_chaine(args, env, tmp_path))
    migrated = _chaine(["migrate"], env, tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    ticked = _chaine(["tick"], env, tmp_path)
    assert ticked.returncode == 0, ticked.stderr
    assert "contact" in ticked.stdout


def test_processes_refuse_a_database_behind_the_code(empty_database: str, tmp_path: Path) -> None:
    previous = _migrate_to_previous(empty_database)
    engine = make_engine(empty_database)
    try:
        assert migrate.database_heads(engine) == {previous}
        with pytest.raises(migrate.SchemaNotCurrentError):
            migrate.require_current(engine)
    finally:
        engine.dispose()
    env = _env(empty_database, tmp_path, CHAINE_BROKER_URL=REDIS_URL)
    for args in (["run", "--port", "1"], ["worker", "--concurrency", "1"], ["beat"]):
        _refused(_chaine(args, env, tmp_path))


def test_embedded_mode_migrates_itself(tmp_path: Path) -> None:
    env = _env("", tmp_path)
    del env["CHAINE_DATABASE_URL"]
    result = _chaine(["tick"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    engine = make_engine(f"sqlite:///{tmp_path / 'chaine.db'}")
    try:
        assert migrate.database_heads(engine) == migrate.code_heads()
    finally:
        engine.dispose()
