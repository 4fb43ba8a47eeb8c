"""`chaine importer | envoyer | simuler | rapport | campagnes | menages | modeles`: the chain's daily work."""

from __future__ import annotations

import sys
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any

import typer

from campaigns.cli.common import fail as _fail
from campaigns.cli.common import open_runtime as _runtime
from campaigns.cli.progress import showing
from campaigns.locale.labels import IMPORT_STATUSES, plural
from campaigns.platform.errors import NotFoundError, ValidationError


def import_summary(report: dict[str, Any]) -> str:
    """« Import n°3 : terminé, 300 lignes, 1 créée, 0 mise à jour, 288 inchangées, 11 rejetées. »"""
    status = IMPORT_STATUSES.get(report["statut"], report["statut"])
    return (f"Import n°{report['id']} : {status}, {plural(report['lignes_traitees'], 'ligne', 'lignes')}, "
            f"{plural(report['crees'], 'créée', 'créées')}, {plural(report['mis_a_jour'], 'mise', 'mises')} à jour, "
            f"{plural(report['inchanges'], 'inchangée', 'inchangées')}, "
            f"{plural(report['rejetes'], 'rejetée', 'rejetées')}.")

def campaigns_load(path: Path) -> None:
    """Charge (crée ou remplace) les campagnes d'un fichier YAML."""
    from campaigns.campaign.loading import load_campaigns_file

    runtime = _runtime()
    if not path.is_file():
        _fail(f"fichier introuvable : {path}")
    try:
        with runtime.session_factory.begin() as session:
            loaded = load_campaigns_file(session, path, now=runtime.clock())
            names = [c.name for c in loaded]
    except ValidationError as exc:
        _fail(f"{path} : {exc}")
    for name in names:
        typer.echo(f"Campagne chargée : {name}")


def campaigns_activate(
    name: Annotated[str, typer.Argument(help="Nom de la campagne")],
    sans_menages_actuels: Annotated[bool, typer.Option(
        "--sans-menages-actuels", help="N'inscrire que les ménages qui arriveront ensuite à un stade couvert")] = False,
) -> None:
    """Active une campagne en brouillon : les ménages déjà à un stade couvert sont inscrits (leur séquence part ce
    jour), comme POST /api/v1/campagnes/{id}/activer."""
    from sqlalchemy import select

    from campaigns.campaign.lifecycle import Actor, activate
    from campaigns.models import Campaign

    runtime = _runtime()
    try:
        with runtime.session_factory.begin() as session:
            campaign = session.scalar(select(Campaign).where(Campaign.name == name))
            if campaign is None:
                _fail(f"campagne inconnue « {name} »")
            enrolled = activate(session, campaign, actor=Actor("ligne de commande (chaine campagnes activer)"),
                                now=runtime.clock(), enroll_current=not sans_menages_actuels)
    except ValidationError as exc:
        _fail(str(exc))
    typer.echo(f"Campagne activée : {name} ({plural(enrolled, 'ménage inscrit', 'ménages inscrits')}).")


def import_command(
    path: Path, partner: Annotated[str, typer.Option("--partner", help="Nom du partenaire émetteur")]
) -> None:
    """Importe un fichier CSV d'impayés au nom d'un partenaire et affiche le rapport."""
    from campaigns.accounts.partners import get_partner_by_name
    from campaigns.crypto.columns import keyring_for
    from campaigns.intake.jobs import create_import
    from campaigns.intake.reports import import_report
    from campaigns.intake.stored_files import CHUNK_BYTES, UploadSpool
    from campaigns.models import ImportJob

    runtime = _runtime()
    if not path.is_file():
        _fail(f"fichier introuvable : {path}")
    lines = 0
    # Read and stored piece by piece, as the API does: a file of a million rows is never whole in memory.
    with UploadSpool(keyring_for(runtime.engine.dialect)) as spool, path.open("rb") as source:
        while piece := source.read(CHUNK_BYTES):
            spool.write(piece)
            lines += piece.count(b"\n")
        try:
            with runtime.session_factory.begin() as session:
                owner = get_partner_by_name(session, partner)
                job_id = create_import(session, partner=owner, source="csv", payload=spool, now=runtime.clock()).id
        except NotFoundError as exc:
            _fail(str(exc))

    def processed() -> int:
        with runtime.session_factory() as session:
            return session.get_one(ImportJob, job_id).processed_rows

    # Rows of the file, header excluded (a quoted field over several lines makes it an estimate).
    with showing(f"Import n°{job_id}", max(lines - 1, 1), processed):
        runtime.submit_import(job_id, background=False)
    with runtime.session_factory.begin() as session:
        report = import_report(session, session.get_one(ImportJob, job_id), rejections_url=None)
    typer.echo(import_summary(report))
    if report["erreur"]:
        typer.echo(f"Erreur : {report['erreur']}")
    if report["colonnes_inconnues"]:
        typer.echo("Colonnes inconnues ignorées : " + ", ".join(report["colonnes_inconnues"]))
    for rejection in report["rejets"]:
        typer.echo(f"  ligne {rejection['ligne']}, champ « {rejection['champ']} » : {rejection['motif']}")
    if report["statut"] == "failed":
        raise typer.Exit(code=1)


def tick_command(
    now: Annotated[str | None, typer.Option("--now", help="Instant simulé, ISO 8601 avec fuseau")] = None,
) -> None:
    """Envoie les contacts arrivés à échéance (mode embarqué : dans ce processus)."""
    runtime = _runtime()
    moment: datetime | None = None
    if now is not None:
        try:
            moment = datetime.fromisoformat(now)
        except ValueError:
            _fail(f"--now : date ISO 8601 attendue, reçu « {now} »")
        if moment is not None and moment.tzinfo is None:
            _fail("--now : précisez le fuseau (par exemple 2026-11-25T10:00:00+01:00)")
    count = runtime.tick(now=moment)
    typer.echo(f"{plural(count, 'contact traité', 'contacts traités')}.")


def households_export(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Fichier CSV (sinon la sortie)")] = None,
) -> None:
    """Exporte le regroupement des dossiers en ménages : partenaire, référence, ménage."""
    from campaigns.accounts.audit import record_export
    from campaigns.linkage.exports import grouping_csv

    runtime = _runtime()
    with runtime.session_factory.begin() as session:
        record_export(session, purpose="chaine households export", now=runtime.clock())
    with runtime.session_factory() as session:
        if output is None:
            for chunk in grouping_csv(session):
                sys.stdout.write(chunk)
            return
        with output.open("w", encoding="utf-8", newline="") as handle:
            for chunk in grouping_csv(session):
                handle.write(chunk)
    typer.echo(f"Export écrit dans {output}")


def simulate_command(
    debut: Annotated[str | None, typer.Option(help="Premier jour simulé (AAAA-MM-JJ), par défaut aujourd'hui")] = None,
    jours: Annotated[int, typer.Option(help="Durée simulée en jours")] = 90,
    brouillons: Annotated[bool, typer.Option(
        "--brouillons", help="Rejouer aussi les campagnes en brouillon, comme si elles étaient activées au premier "
        "jour")] = False,
    par_menage: Annotated[bool, typer.Option("--par-menage", help="Lister aussi chaque ménage")] = False,
) -> None:
    """Rejoue les campagnes actives sur les ménages actuels, sans rien envoyer : courriers par ménage et profil."""
    from campaigns.locale.clock import PARIS
    from campaigns.simulation.report import format_fr
    from campaigns.simulation.stock import simulate

    runtime = _runtime()
    start = runtime.clock()
    if debut is not None:
        try:
            start = datetime.combine(date.fromisoformat(debut), time(9, 0), tzinfo=PARIS)
        except ValueError:
            _fail(f"--debut : date AAAA-MM-JJ attendue, reçu « {debut} »")
    if not 1 <= jours <= 730:
        _fail("--jours : entre 1 et 730")
    with runtime.session_factory() as session:
        report = simulate(session, start=start, days=jours, rules=runtime.coordination_rules,
                          include_drafts=brouillons)
    typer.echo(format_fr(report, per_household=par_menage))


def templates_check() -> None:
    """Vérifie tous les modèles : règles FALC, contenu obligatoire, lisibilité (Kandel–Moles)."""
    from campaigns.messages.falc import check_templates
    from campaigns.messages.requirements import check_all_variants
    from campaigns.runtime.root import utc_now

    report = check_templates()
    typer.echo(report.format_fr())
    missing = check_all_variants(now=utc_now())
    typer.echo("")
    typer.echo("Contenu obligatoire : " + ("complet dans chaque variante." if not missing else "manquant"))
    for line in missing:
        typer.echo(f"  {line}")
    if not report.ok or missing:
        raise typer.Exit(code=1)


def rapport_command(
    debut: Annotated[str, typer.Option(help="Premier jour de la période (AAAA-MM-JJ)")],
    fin: Annotated[str, typer.Option(help="Dernier jour de la période, inclus (AAAA-MM-JJ)")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Fichier HTML produit")] = Path("rapport.html"),
) -> None:
    """Rapport d'évaluation autonome (HTML, graphiques inclus) : taux de réponse, délais, indicateurs."""
    from campaigns.evaluation.period import Period, Scope
    from campaigns.evaluation.time_to_response import evaluate_with_events
    from campaigns.facts.daily import refresh_facts
    from campaigns.reports.html import report_html
    from campaigns.reports.tables import build_report

    try:
        period = Period(date.fromisoformat(debut), date.fromisoformat(fin))
    except ValueError:
        _fail(f"--debut et --fin : dates AAAA-MM-JJ attendues, la fin après le début (reçu « {debut} », « {fin} »)")
        return
    runtime = _runtime()
    with runtime.session_factory.begin() as session:
        refresh_facts(session, now=runtime.clock())
    with runtime.session_factory() as session:
        evaluation = evaluate_with_events(session, period=period, scope=Scope(), now=runtime.clock())
    output.write_text(report_html(build_report(evaluation)), encoding="utf-8")
    reached = plural(evaluation.overview.n, "ménage contacté", "ménages contactés")
    typer.echo(f"Rapport écrit dans {output} : {reached} dans la période.")
