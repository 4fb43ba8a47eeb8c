"""`chaine` command line: partners, campaigns, imports, tick, exports, demo, API server and Celery processes."""

from __future__ import annotations

import sys
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated

import typer

from campaigns.cli.partners import partners_app
from campaigns.cli.protection import journal_app, keys_app, retention_app
from campaigns.platform.errors import NotFoundError, ValidationError
from campaigns.runtime import migrate
from campaigns.runtime.root import Runtime, get_runtime

app = typer.Typer(help="chaîne : coordination de la chaîne des courriers de prévention des expulsions.",
                  no_args_is_help=True)
campaigns_app = typer.Typer(help="Campagnes.", no_args_is_help=True)
households_app = typer.Typer(help="Ménages.", no_args_is_help=True)
templates_app = typer.Typer(help="Modèles de messages.", no_args_is_help=True)
app.add_typer(partners_app, name="partners")
app.add_typer(campaigns_app, name="campaigns")
app.add_typer(households_app, name="households")
app.add_typer(templates_app, name="templates")
app.add_typer(keys_app, name="cles")
app.add_typer(journal_app, name="journal")
app.add_typer(retention_app, name="conservation")


def _runtime() -> Runtime:
    runtime = get_runtime()
    if runtime.settings.resolved_database_url.startswith("sqlite"):
        # Embedded mode sets itself up; PostgreSQL is migrated explicitly with `chaine migrate`.
        migrate.upgrade(runtime.engine)
    return runtime


def _fail(message: str) -> None:
    typer.echo(f"Erreur : {message}", err=True)
    raise typer.Exit(code=1)


@app.command("migrate")
def migrate_command() -> None:
    """Met le schéma de la base à jour (alembic upgrade head)."""
    runtime = get_runtime()
    migrate.upgrade(runtime.engine)
    typer.echo("Schéma à jour.")


@campaigns_app.command("load")
def campaigns_load(path: Path) -> None:
    """Charge (crée ou remplace) les campagnes d'un fichier YAML."""
    from campaigns.campaign.config import load_campaigns_file

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


@app.command("import")
def import_command(
    path: Path, partner: Annotated[str, typer.Option("--partner", help="Nom du partenaire émetteur")]
) -> None:
    """Importe un fichier CSV d'impayés au nom d'un partenaire et affiche le rapport."""
    from campaigns.accounts.partners import get_partner_by_name
    from campaigns.intake.jobs import create_import
    from campaigns.intake.reports import import_report
    from campaigns.models import ImportJob

    runtime = _runtime()
    if not path.is_file():
        _fail(f"fichier introuvable : {path}")
    try:
        with runtime.session_factory.begin() as session:
            owner = get_partner_by_name(session, partner)
            job_id = create_import(session, partner=owner, source="csv", payload=path.read_bytes(),
                                   now=runtime.clock()).id
    except NotFoundError as exc:
        _fail(str(exc))
    runtime.submit_import(job_id, background=False)
    with runtime.session_factory.begin() as session:
        report = import_report(session, session.get_one(ImportJob, job_id), rejections_url=None)
    typer.echo(f"Import n°{report['id']} : {report['statut']}, {report['lignes_traitees']} lignes, "
               f"{report['crees']} créées, {report['mis_a_jour']} mises à jour, {report['inchanges']} inchangées, "
               f"{report['rejetes']} rejetées.")
    if report["erreur"]:
        typer.echo(f"Erreur : {report['erreur']}")
    if report["colonnes_inconnues"]:
        typer.echo("Colonnes inconnues ignorées : " + ", ".join(report["colonnes_inconnues"]))
    for rejection in report["rejets"]:
        typer.echo(f"  ligne {rejection['ligne']}, champ « {rejection['champ']} » : {rejection['motif']}")
    if report["statut"] == "failed":
        raise typer.Exit(code=1)


@app.command("tick")
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
    typer.echo(f"{count} contact(s) traité(s).")


@households_app.command("export")
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


@app.command("simulate")
def simulate_command(
    debut: Annotated[str | None, typer.Option(help="Premier jour simulé (AAAA-MM-JJ), par défaut aujourd'hui")] = None,
    jours: Annotated[int, typer.Option(help="Durée simulée en jours")] = 90,
) -> None:
    """Rejoue les campagnes actives sur les ménages actuels, sans rien envoyer : courriers par ménage et profil."""
    from campaigns.platform.clock import PARIS
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
        report = simulate(session, start=start, days=jours, rules=runtime.coordination_rules)
    typer.echo(format_fr(report))


@templates_app.command("check")
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


@app.command("demo")
def demo_command(
    households: Annotated[int, typer.Option(help="Nombre de ménages générés")] = 100,
    days: Annotated[int, typer.Option(help="Jours simulés")] = 60,
    seed: Annotated[int, typer.Option(help="Graine du hasard")] = 44,
) -> None:
    """Démonstration embarquée : partenaires de Loire-Atlantique, campagne ADIL 44, 60 jours simulés."""
    from campaigns.demo.run import run_demo

    typer.echo(run_demo(households=households, days=days, seed=seed))


@app.command("run")
def run_command(
    host: Annotated[str, typer.Option()] = "127.0.0.1", port: Annotated[int, typer.Option()] = 8000
) -> None:
    """Sert l'API (documentation OpenAPI sur /docs)."""
    import uvicorn

    from api.app import create_app
    from campaigns.platform.collector import tune_collector

    application = create_app(_runtime())
    tune_collector()
    uvicorn.run(application, host=host, port=port)


@app.command("worker")
def worker_command(concurrency: Annotated[int, typer.Option()] = 2) -> None:
    """Lance un worker Celery sur toutes les files de chaîne."""
    from campaigns.workers.celery_app import QUEUES, celery_app

    celery_app.worker_main(["worker", "-Q", ",".join(QUEUES), "-c", str(concurrency), "--loglevel", "INFO"])


@app.command("beat")
def beat_command() -> None:
    """Lance Celery beat (le tick chaque minute)."""
    from campaigns.workers.celery_app import celery_app

    celery_app.start(["beat", "--loglevel", "INFO"])


@app.command("rapport")
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
    typer.echo(f"Rapport écrit dans {output} : {evaluation.overview.n} ménage(s) contacté(s) dans la période.")


users_app = typer.Typer(help="Comptes des personnes qui utilisent les pages web.", no_args_is_help=True)
app.add_typer(users_app, name="users")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Mot de passe", hide_input=True)
    confirmation: str = typer.prompt("Confirmez le mot de passe", hide_input=True)
    if password != confirmation:
        _fail("les deux mots de passe saisis sont différents")
    return password


@users_app.command("add")
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


@users_app.command("link-worker")
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


@users_app.command("disable")
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
