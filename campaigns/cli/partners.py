"""`chaine partners`: partners and their API keys (shown once, optionally with a last valid day)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from campaigns.cli.common import fail as _fail
from campaigns.cli.common import open_runtime as _runtime
from campaigns.platform.errors import NotFoundError, ValidationError

_EXPIRY_HELP = "Dernier jour de validité de la clé (JJ/MM/AAAA ou AAAA-MM-JJ) ; sans date, jusqu'à révocation"


def _expiry(value: str | None, now: datetime) -> datetime | None:
    """The key's `expires_at` from the French or ISO spelling of its last valid day."""
    from campaigns.accounts.partners import key_expiry

    if value is None:
        return None
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            last_day = datetime.strptime(value.strip(), pattern).date()  # noqa: DTZ007 (a calendar day, no time)
        except ValueError:
            continue
        return key_expiry(last_day, now=now)
    raise ValidationError(f"date d'expiration « {value} » illisible : JJ/MM/AAAA attendu (ex. 30/06/2027)")


def partners_add(
    name: str,
    kind: Annotated[str, typer.Option("--kind", help="bailleur_social, bailleur_prive, etat, departement, caf, "
                                      "ccas, adil, association")],
    telephone: Annotated[str | None, typer.Option(help="Téléphone imprimé sur les courriers")] = None,
    adresse: Annotated[str | None, typer.Option(help="Adresse postale (lignes séparées par « | »)")] = None,
    expire_le: Annotated[str | None, typer.Option("--expire-le", help=_EXPIRY_HELP)] = None,
) -> None:
    """Crée un partenaire et affiche sa clé d'API (une seule fois, seule sur la dernière ligne)."""
    from campaigns.accounts.partners import add_partner, issue_key

    runtime = _runtime()
    try:
        expires_at = _expiry(expire_le, runtime.clock())
        with runtime.session_factory.begin() as session:
            partner = add_partner(
                session, name=name, kind=kind, now=runtime.clock(), contact_phone=telephone,
                contact_address=adresse.replace("|", "\n") if adresse else None,
            )
            key = issue_key(session, partner=partner, now=runtime.clock(), expires_at=expires_at)
    except ValidationError as exc:
        _fail(str(exc))
    typer.echo(f"Partenaire « {name} » créé ({kind}). Clé d'API (conservez-la, elle ne sera plus affichée) :")
    typer.echo(key)


def partners_key(
    name: str, expire_le: Annotated[str | None, typer.Option("--expire-le", help=_EXPIRY_HELP)] = None
) -> None:
    """Émet une nouvelle clé d'API pour un partenaire existant."""
    from campaigns.accounts.partners import get_partner_by_name, issue_key

    runtime = _runtime()
    try:
        expires_at = _expiry(expire_le, runtime.clock())
        with runtime.session_factory.begin() as session:
            key = issue_key(session, partner=get_partner_by_name(session, name), now=runtime.clock(),
                            expires_at=expires_at)
    except (NotFoundError, ValidationError) as exc:
        _fail(str(exc))
    validity = f", valable jusqu'au {expire_le} inclus" if expire_le else ""
    typer.echo(f"Nouvelle clé pour « {name} »{validity} :")
    typer.echo(key)
