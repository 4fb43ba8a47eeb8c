"""`chaine rapprochement entrainer | comparer | activer | versions`: the linkage parameters on the live base.

Training reads a sample of the base and writes one row (campaigns/linkage/versions.py): pushes go on meanwhile.
A version is compared with the active one (how many links would change) before an operator activates it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from campaigns.cli.common import fail, open_runtime
from campaigns.linkage import versions


def _print_changes(changes: dict[str, int]) -> None:
    for label, count in sorted(changes.items()):
        typer.echo(f"  {label} : {count}")


def train_command(
    version: Annotated[str | None, typer.Option(help="Nom de la version (par défaut : la date et l'heure)")] = None,
    echantillon: Annotated[int, typer.Option(help="Nombre de dossiers lus pour l'entraînement")] = 50_000,
    graine: Annotated[int, typer.Option(help="Graine du tirage des paires aléatoires")] = 17,
) -> None:
    """Estime de nouveaux paramètres sur la base (m par EM sur les paires candidates, u par paires aléatoires)."""
    now = datetime.now(UTC)
    name = version or f"base-{now:%Y%m%d-%H%M}"
    runtime = open_runtime()
    with runtime.session_factory() as session:  # read only: no lock held while training
        try:
            params = versions.train_on_base(session, version=name, limit=echantillon, seed=graine)
        except ValueError as exc:
            fail(str(exc))
        changes = versions.compare_versions(session, params, limit=min(echantillon, 20_000))
    with runtime.session_factory.begin() as session:
        try:
            versions.save_version(session, params, now=now)
        except ValueError as exc:
            fail(str(exc))
    typer.echo(f"Version « {name} » enregistrée (non active), {params.trained.get('blocked_pairs', 0)} paires "
               f"candidates. Changements par rapport à la version active :")
    _print_changes(changes)
    typer.echo(f"Pour l'appliquer : chaine rapprochement activer {name}")


def compare_command(
    version: Annotated[str, typer.Argument(help="Version à comparer avec la version active")],
    echantillon: Annotated[int, typer.Option(help="Nombre de dossiers comparés")] = 20_000,
) -> None:
    """Compte les liens qui changeraient si VERSION remplaçait la version active."""
    runtime = open_runtime()
    with runtime.session_factory() as session:
        params = versions.load_version(session, version)
        if params is None:
            fail(f"version « {version} » inconnue")
        changes = versions.compare_versions(session, params, limit=echantillon)
    typer.echo(f"Version « {version} » comparée à la version active :")
    _print_changes(changes)


def activate_command(version: Annotated[str, typer.Argument(help="Version à activer")]) -> None:
    """Active VERSION : les envois suivants sont rapprochés avec ses paramètres."""
    runtime = open_runtime()
    with runtime.session_factory.begin() as session:
        try:
            versions.activate(session, version, now=datetime.now(UTC))
        except ValueError as exc:
            fail(str(exc))
    typer.echo(f"Version « {version} » active.")


def list_command() -> None:
    """Liste les versions enregistrées."""
    runtime = open_runtime()
    with runtime.session_factory() as session:
        rows = versions.list_versions(session)
    if not rows:
        typer.echo("Aucune version enregistrée : les paramètres livrés avec le code sont utilisés.")
    for name, created, active in rows:
        typer.echo(f"{name}  {created:%Y-%m-%d %H:%M}{'  (active)' if active else ''}")
