"""Alembic configured from code (no alembic.ini to keep in step): upgrade, the schema guard, and drift detection.

PostgreSQL is migrated by an operator (`chaine migrer`, docs/installation.md); every other command refuses a database
whose revision is not the code's with one French sentence. SQLite (embedded mode) migrates itself.
"""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from campaigns import models
from campaigns.platform.db import Base
from campaigns.platform.errors import StartupError
from campaigns.platform.resources import migrations_dir

MIGRATIONS_DIR = migrations_dir()
assert models  # the tables must be registered on Base.metadata before comparing


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.set_main_option(
        "file_template", "%%(year)d%%(month).2d%%(day).2d_%%(hour).2d%%(minute).2d_%%(slug)s"
    )
    return config


def upgrade(engine: Engine) -> None:
    run(engine, "head")


def run(engine: Engine, revision: str, *, down: bool = False) -> None:
    """Upgrades (or downgrades) to `revision` in one transaction. On SQLite, where changing a column copies its
    table to a new one and drops the old, foreign keys are off during the migration (as SQLite's documentation
    asks for such changes) and checked whole before the commit."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                (command.downgrade if down else command.upgrade)(config, revision)
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise StartupError("La migration laisserait des références cassées : rien n'a été changé.")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


MIGRATE_COMMAND = "chaine migrer"
SCHEMA_BEHIND = f"La base de données n'est pas à jour : lancez `{MIGRATE_COMMAND}`."
SCHEMA_AHEAD = ("La base de données a été migrée par une version plus récente de chaîne : "
                "installez cette version avant de lancer une commande.")


class SchemaNotCurrentError(StartupError):
    """The database's Alembic revision is not the code's (empty database, or migrations not run)."""


def code_heads() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def database_heads(engine: Engine) -> set[str]:
    """The revisions recorded in alembic_version (empty for a database never migrated)."""
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def require_current(engine: Engine) -> None:
    """Raise SchemaNotCurrentError unless the database is at the code's head revision."""
    heads, current = code_heads(), database_heads(engine)
    if current == heads:
        return
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    known = {revision.revision for revision in script.walk_revisions()}
    raise SchemaNotCurrentError(SCHEMA_AHEAD if current - known else SCHEMA_BEHIND)


def prepare(engine: Engine) -> None:
    """Before a command uses the database: SQLite migrates itself, any other database must already be migrated."""
    if engine.dialect.name == "sqlite":
        upgrade(engine)
    else:
        require_current(engine)


def drift(engine: Engine) -> list[Any]:
    """Differences between the ORM models and the migrated database (empty when they agree)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": engine.dialect.name == "sqlite"}
        )
        return list(compare_metadata(context, Base.metadata))
