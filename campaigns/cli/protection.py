"""`chaine cles | journal | conservation`: data keys and their rotation, the audit log export, the retention purge."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from campaigns.cli.common import fail as _fail
from campaigns.cli.common import open_runtime as _runtime
from campaigns.cli.progress import showing
from campaigns.locale.labels import plural


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{option} : date AAAA-MM-JJ attendue, reçu « {value} »")
        raise  # unreachable: _fail exits


def keys_generate() -> None:
    """Affiche une nouvelle clé aléatoire (256 bits, base64) pour CHAINE_DATA_KEYS ou CHAINE_BLIND_INDEX_KEY."""
    from campaigns.crypto.cipher import generate_key

    typer.echo(generate_key())


def keys_rotate(
    lot: Annotated[int, typer.Option(help="Dossiers par transaction")] = 1_000,
) -> None:
    """Rechiffre toutes les données avec la première clé de CHAINE_DATA_KEYS (reprenable : relancez-la si elle
    s'interrompt). Retirez l'ancienne clé de CHAINE_DATA_KEYS seulement après."""
    from campaigns.crypto.cipher import DataKeyError
    from campaigns.crypto.rotation import rotate
    from campaigns.linkage.store import rebuild_keys

    runtime = _runtime()
    try:
        result = rotate(runtime.session_factory, batch=lot,
                        progress=lambda table, rows: typer.echo(
                            f"{table} : {plural(rows, 'ligne traitée', 'lignes traitées')}", err=True))
    except DataKeyError as exc:
        _fail(str(exc))
        return
    # The blocking keys of the linkage are keyed with the blind index key, which the rotation may have changed.
    with runtime.session_factory.begin() as session:
        rebuilt = rebuild_keys(session)
    typer.echo(f"Rotation terminée : {plural(result.rows, 'ligne relue', 'lignes relues')}, "
               f"{plural(result.reencrypted, 'valeur rechiffrée', 'valeurs rechiffrées')} "
               f"avec la nouvelle clé ; clés de rapprochement recalculées pour "
               f"{plural(rebuilt, 'dossier', 'dossiers')}.")


def journal_export(
    du: Annotated[str, typer.Option("--du", help="Premier jour (AAAA-MM-JJ)")],
    au: Annotated[str, typer.Option("--au", help="Dernier jour, inclus (AAAA-MM-JJ)")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Fichier CSV (sinon la sortie)")] = None,
) -> None:
    """Exporte le journal des accès aux données personnelles (qui, quand, quoi, quels ménages, pourquoi)."""
    from campaigns.accounts import audit
    from campaigns.accounts.audit import Actor, AuditAction, day_bounds

    start_day, end_day = _day(du, "--du"), _day(au, "--au")
    if end_day < start_day:
        _fail("--au : antérieur au premier jour --du")
    start, end = day_bounds(start_day, end_day)
    runtime = _runtime()
    with runtime.session_factory.begin() as session:
        audit.record(session, actor=Actor.system(), action=AuditAction.EXPORT, purpose="chaine journal export",
                     household_ids=(), count=0, now=runtime.clock())
    with runtime.session_factory() as session:
        chunks = audit.journal_csv(session, start=start, end=end)
        if output is None:
            for chunk in chunks:
                sys.stdout.write(chunk)
            return
        with output.open("w", encoding="utf-8", newline="") as handle:
            for chunk in chunks:
                handle.write(chunk)
    typer.echo(f"Journal écrit dans {output}")


def retention_purge(
    now: Annotated[str | None, typer.Option("--now", help="Instant simulé, ISO 8601 avec fuseau")] = None,
) -> None:
    """Efface les données personnelles des ménages clos depuis plus longtemps que leur durée de conservation."""
    runtime = _runtime()
    moment = runtime.clock()
    if now is not None:
        try:
            moment = datetime.fromisoformat(now)
        except ValueError:
            _fail(f"--now : date ISO 8601 attendue, reçu « {now} »")
        if moment.tzinfo is None:
            _fail("--now : précisez le fuseau (par exemple 2026-11-25T10:00:00+01:00)")
    handled = [0]
    with showing("Purge des données expirées", None, lambda: handled[0]):
        result = runtime.purge_expired(now=moment, progress=lambda count: handled.__setitem__(0, count))
    typer.echo(f"{plural(len(result.households), 'ménage purgé', 'ménages purgés')}, "
               f"{plural(result.cases, 'dossier', 'dossiers')}, "
               f"{plural(result.files, 'fichier effacé', 'fichiers effacés')} dans la boîte d'envoi.")
