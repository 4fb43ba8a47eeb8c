"""What every `chaine` command shares: the runtime (the composition root, shared with the web application) and the
one way a command fails (a French sentence on standard error, exit code 1)."""

from __future__ import annotations

from typing import NoReturn

import typer

from campaigns.runtime import migrate
from campaigns.runtime.root import Runtime, get_runtime


def open_runtime() -> Runtime:
    """The process's runtime; embedded mode (SQLite) migrates itself, PostgreSQL is migrated with `chaine migrer`."""
    runtime = get_runtime()
    if runtime.settings.resolved_database_url.startswith("sqlite"):
        migrate.upgrade(runtime.engine)
    return runtime


def fail(message: str) -> NoReturn:
    typer.echo(f"Erreur : {message}", err=True)
    raise typer.Exit(code=1)
