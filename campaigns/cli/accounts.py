"""`chaine comptes`: the accounts of the people who use the web pages."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from campaigns.cli.common import fail as _fail
from campaigns.cli.common import open_runtime as _runtime
from campaigns.platform.errors import NotFoundError, ValidationError


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Mot de passe", hide_input=True)
    confirmation: str = typer.prompt("Confirmez le mot de passe", hide_input=True)
    if password != confirmation:
        _fail("les deux mots de passe saisis sont différents")
    return password


def users_add(
    email: str,
    *,
    partner: Annotated[str, typer.Option("--partner", help="Nom du partenaire de la personne")],
    role: Annotated[str, typer.Option("--role", help="admin, operateur, bailleur, agent, superviseur, evaluateur")],
    nom: Annotated[str | None, typer.Option("--nom", help="Nom affiché (par défaut : l'adresse électronique)")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin",
                                                 help="Lire le mot de passe sur l'entrée standard")] = False,
    agent: Annotated[int | None, typer.Option(
        "--agent", help="Rôles agent et superviseur : identifiant d'un agent existant de la structure "
                        "(par défaut, un agent est créé au nom du compte)")] = None,
) -> None:
    """Crée un compte ; le mot de passe est demandé deux fois (ou lu sur l'entrée standard)."""
    from campaigns.accounts.partners import get_partner_by_name
    from campaigns.accounts.users import add_user

    runtime = _runtime()
    password = _read_password(password_stdin)
    try:
        with runtime.session_factory.begin() as session:
            user = add_user(session, email=email, display_name=nom or email, password=password,
                            partner=get_partner_by_name(session, partner), role=role, now=runtime.clock(),
                            worker_id=agent)
            worker_id = user.worker_id
    except (NotFoundError, ValidationError) as exc:
        _fail(str(exc))
    typer.echo(f"Compte créé ({role}, {partner})" + (f", relié à l'agent n° {worker_id}." if worker_id else "."))


def users_link_worker(
    email: str,
    agent: Annotated[int | None, typer.Option(
        "--agent", help="Identifiant d'un agent existant de la structure (par défaut, un agent est créé)")] = None,
) -> None:
    """Relie un compte agent ou superviseur à l'agent qui prend les tâches de la file en son nom."""
    from campaigns.accounts.users import get_user_by_email, link_worker

    runtime = _runtime()
    try:
        with runtime.session_factory.begin() as session:
            worker = link_worker(session, user=get_user_by_email(session, email), worker_id=agent,
                                 now=runtime.clock())
            worker_id = worker.id
    except (NotFoundError, ValidationError) as exc:
        _fail(str(exc))
    typer.echo(f"Compte relié à l'agent n° {worker_id}.")


def users_disable(email: str) -> None:
    """Désactive un compte : il ne peut plus se connecter et ses sessions ouvertes sont fermées."""
    from campaigns.accounts.users import disable_user, get_user_by_email

    runtime = _runtime()
    try:
        with runtime.session_factory.begin() as session:
            disable_user(session, user=get_user_by_email(session, email), now=runtime.clock())
    except NotFoundError as exc:
        _fail(str(exc))
    typer.echo("Compte désactivé.")
