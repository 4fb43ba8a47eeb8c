"""What every `chaine` command shares: the runtime (the composition root, shared with the web application) and the
one way a command fails (a French sentence on standard error, exit code 1)."""

from __future__ import annotations

from typing import NoReturn

import typer

from campaigns.platform.errors import StartupError
from campaigns.platform.settings import get_settings
from campaigns.runtime import migrate
from campaigns.runtime.root import Runtime, get_runtime


def open_runtime() -> Runtime:
    """The process's runtime; embedded mode (SQLite) migrates itself, PostgreSQL is migrated with `chaine migrer`
    and refused until then (campaigns.runtime.migrate.prepare)."""
    try:
        runtime = get_runtime()
        migrate.prepare(runtime.engine)
    except StartupError as exc:
        refuse(exc)
    return runtime


def check_settings() -> None:
    """Before any command: a bad CHAINE_* variable stops it with one sentence naming the variable."""
    try:
        get_settings()
    except StartupError as exc:
        refuse(exc)


def refuse(error: StartupError) -> NoReturn:
    """A process that cannot start: its sentence alone on standard error, exit code 1."""
    typer.echo(str(error), err=True)
    raise typer.Exit(code=1)


def fail(message: str) -> NoReturn:
    typer.echo(f"Erreur : {message}", err=True)
    raise typer.Exit(code=1)
