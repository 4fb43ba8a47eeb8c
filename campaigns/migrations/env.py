"""Alembic environment: runs on the connection handed over by campaigns.runtime.migrate, or on the configured URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from campaigns import models
from campaigns.crypto.columns import bind_keyring
from campaigns.crypto.keys import load_keyring
from campaigns.platform.db import Base, make_engine
from campaigns.platform.settings import get_settings

assert models
config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        # SQLite cannot ALTER most things: batch mode rebuilds tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    # Migrations that encrypt existing rows need the data keys, as Runtime's engine has them.
    bind_keyring(engine, lambda: load_keyring(get_settings()))
    with engine.begin() as new_connection:
        _run(new_connection)
