"""`chaine demo | migrer | serveur | executeur | planificateur`: the embedded demo, the schema, the service processes.

The API server is started from uvicorn's factory (`api.app:create_app`): the command line shares the runtime with
the web application but never imports it."""

from __future__ import annotations

from typing import Annotated

import typer

from campaigns.cli.common import open_runtime as _runtime
from campaigns.runtime import migrate
from campaigns.runtime.root import get_runtime


def demo_command(
    households: Annotated[int, typer.Option(help="Nombre de ménages générés")] = 100,
    days: Annotated[int, typer.Option(help="Jours simulés")] = 60,
    seed: Annotated[int, typer.Option(help="Graine du hasard")] = 44,
) -> None:
    """Démonstration embarquée : partenaires de Loire-Atlantique, campagne ADIL 44, 60 jours simulés."""
    from campaigns.demo.run import run_demo

    typer.echo(run_demo(households=households, days=days, seed=seed))


def migrate_command() -> None:
    """Met le schéma de la base à jour (alembic upgrade head)."""
    runtime = get_runtime()
    migrate.upgrade(runtime.engine)
    typer.echo("Schéma à jour.")


def run_command(
    host: Annotated[str, typer.Option()] = "127.0.0.1", port: Annotated[int, typer.Option()] = 8000
) -> None:
    """Sert l'API et les pages web (documentation OpenAPI sur /docs)."""
    import uvicorn

    _runtime()  # embedded mode migrates itself before the first request
    # uvicorn's factory builds the application on this process's runtime and tunes its collector (api/app.py).
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port)


def worker_command(concurrency: Annotated[int, typer.Option()] = 2) -> None:
    """Lance un worker Celery sur toutes les files de chaîne."""
    _runtime()  # refuses a database behind the code
    from campaigns.workers.celery_app import QUEUES, celery_app

    celery_app.worker_main(["worker", "-Q", ",".join(QUEUES), "-c", str(concurrency), "--loglevel", "INFO"])


def beat_command() -> None:
    """Lance Celery beat (le tick chaque minute)."""
    _runtime()  # refuses a database behind the code
    from campaigns.workers.celery_app import celery_app

    celery_app.start(["beat", "--loglevel", "INFO"])
