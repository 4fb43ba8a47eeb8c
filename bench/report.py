"""Evaluation at scale: 1,000,000 contacts and 200,000 responses in PostgreSQL, one campaign running an
experiment (letter against letter + SMS), then the evaluator's page (GET /evaluation, as served) and the full
report, timed (target: under 2 s each), and the tick's refresh of the facts.

Run: .venv/bin/python bench/report.py [--contacts 1000000] [--responses 200000] [--reuse] [--verify]
(CHAINE_BENCH_PG overrides the server, default postgresql+psycopg://postgres:postgres@127.0.0.1:5432; `--reuse`
keeps the database of a previous run; `--verify` rebuilds every fact after the incremental tick and compares).

Why it is fast (docs/benchmarks.md). Nothing the page or the report shows reads the events: every figure, the
Kaplan–Meier curves, the experiments and the files still open are sums of the facts (`daily_facts`, `daily_reach`,
`closure_facts`), read by calendar month from the roll-ups (`monthly_facts`, `monthly_reach`, `ix_monthly_*_month`)
for the months the period covers whole, and by day (`(day, status)`, `(day, dimension)`) for the rest. The tick keeps
them up to date stay by stay: the stays touched since the previous tick (`ix_dispatches_finished_at`,
`ix_responses_created_at`, `ix_cases_updated_at`, `ix_stage_entries_left_at`, `ix_experiment_assignments_assigned_at`,
NPAI returns found by comparing the count of returned letters per day) have the rows built from their stored inputs
(`fact_stays`) taken out and the rows of their live events put in. The first build of the facts is a one-off.

Figures: docs/benchmarks.md, "Evaluation report" (measured on the shared 2-core development machine).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from fastapi.testclient import TestClient
from sqlalchemy import select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.app import create_app  # noqa: E402
from campaigns.accounts.partners import add_partner  # noqa: E402
from campaigns.accounts.users import add_user, find_user_by_email  # noqa: E402
from campaigns.campaign.config import CampaignSpec, upsert_campaign  # noqa: E402
from campaigns.evaluation.period import Period, Scope, evaluate  # noqa: E402
from campaigns.evaluation.time_to_response import evaluate_with_events  # noqa: E402
from campaigns.facts.daily import refresh_facts  # noqa: E402
from campaigns.models import (  # noqa: E402
    Case,
    Dispatch,
    Enrollment,
    Experiment,
    ExperimentAssignment,
    Household,
    HumanTask,
    Partner,
    Response,
    StageEntry,
    TemplateVersion,
)
from campaigns.planning.experiments import draw_arm  # noqa: E402
from campaigns.platform.dialect import bulk_insert  # noqa: E402
from campaigns.platform.settings import Settings  # noqa: E402
from campaigns.reports.files import report_csv, report_xlsx  # noqa: E402
from campaigns.reports.html import report_html  # noqa: E402
from campaigns.reports.tables import build_report  # noqa: E402
from campaigns.runtime import migrate  # noqa: E402
from campaigns.runtime.root import Runtime  # noqa: E402

PASSWORD = "banc d'essai du rapport"
SERVER = os.environ.get("CHAINE_BENCH_PG", "postgresql+psycopg://postgres:postgres@127.0.0.1:5432")
DATABASE = "chaine_bench_report"
YEAR_START = datetime(2025, 1, 1, 8, tzinfo=UTC)
NOW = datetime(2026, 1, 20, 10, tzinfo=UTC)
BAILLEURS = ["NMH", "LNH", "HABITAT 44", "Harmonie Habitat", "CDC Habitat Social", "LOGI OUEST",
             "Atlantique Habitations", "VILOGIA", "Aiguillon Construction", "CIF Coopérative", "ICF Habitat", "SILENE"]
STAGES = ["impaye", "commandement_de_payer", "assignation", "jugement", "commandement_de_quitter_les_lieux"]
POSTCODES = ["44000", "44600", "44400", "49000", "85000", "91000", "93300"]
MOTIFS = ["aucun contact", "n'habite pas à l'adresse indiquée", "dette soldée", "départ volontaire",
          "orientation vers la MDS", "plan d'apurement respecté"]
CAMPAIGNS: list[dict[str, Any]] = [
    {"name": "Courriers de l'État", "owner": "DDETS 44",
     "steps": [{"channel": "courrier", "template": "information_etat"},
               {"channel": "sms", "template": "relance", "delay_days": 7, "arms": ["courrier_sms"]}],
     "unit_costs": {"courrier": 1.2, "sms": 0.08},
     # Letter alone against letter + SMS: each household of this campaign is drawn into one arm.
     "experiment": {"key": "relance-sms-2025", "arms": [{"name": "courrier"}, {"name": "courrier_sms"}],
                    "minimal_effect": 0.03}},
    {"name": "ADIL 44 aller-vers", "owner": "ADIL 44",
     "steps": [{"channel": "courrier", "template": "information_etat"}, {"channel": "appel", "delay_days": 7},
               {"channel": "visite", "delay_days": 7}, {"channel": "visite", "delay_days": 7}],
     "unit_costs": {"courrier": 1.2, "appel": 6, "visite": 25}},
    {"name": "Relances du Département", "owner": "Département 44",
     "steps": [{"channel": "sms", "template": "relance"}, {"channel": "courrier", "template": "information_etat",
                                                           "delay_days": 10}, {"channel": "appel", "delay_days": 10}],
     "unit_costs": {"courrier": 1.2, "sms": 0.08, "appel": 6}},
]


def recreate_database(*, reuse: bool) -> tuple[str, bool]:
    """The bench database, and whether it must be filled (False: `--reuse` and it already holds the data)."""
    admin = SERVER.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone() is not None
        if reuse and exists:
            return f"{SERVER}/{DATABASE}", False
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    return f"{SERVER}/{DATABASE}", True


def generate(runtime: Runtime, contacts: int, responses: int, seed: int = 44) -> None:
    rng = random.Random(seed)
    with runtime.session_factory.begin() as session:
        owners = {name: add_partner(session, name=name, kind=kind, now=NOW).id for name, kind in (
            ("DDETS 44", "etat"), ("ADIL 44", "adil"), ("Département 44", "departement"))}
        bailleurs = [add_partner(session, name=name, kind="bailleur_social", now=NOW).id for name in BAILLEURS]
        campaigns = [upsert_campaign(session, CampaignSpec.model_validate({**spec, "stages": STAGES}), now=NOW)
                     for spec in CAMPAIGNS]
        steps = {c.id: [s.channel for s in c.steps] for c in campaigns}
        experiment = session.scalars(select(Experiment)).one()
        experiment_id, experiment_key, arms = experiment.id, experiment.key, experiment.arms
        versions = {}
        for channel, slug in (("courrier", "information_etat"), ("sms", "relance")):
            for falc in (False, True):
                version = TemplateVersion(channel=channel, slug=slug, locale="fr", falc=falc,
                                          content_hash=f"{slug}{falc}", sources={}, created_at=NOW)
                session.add(version)
                session.flush()
                versions[(channel, falc)] = version.id
    hh_rows, case_rows, entry_rows, enrol_rows, dispatch_rows, task_rows = [], [], [], [], [], []
    assignment_rows: list[dict[str, Any]] = []
    first_contact: dict[int, datetime] = {}
    closed: list[int] = []
    dispatch_id = h = 0
    while dispatch_id < contacts:
        h += 1
        social = rng.random() < 0.6
        stage = rng.choice(STAGES)
        start = YEAR_START + timedelta(days=rng.randrange(0, 340), minutes=rng.randrange(0, 600))
        campaign = campaigns[rng.randrange(len(campaigns))]
        falc = rng.random() < 0.3
        partner = bailleurs[h % len(bailleurs)] if social else owners["DDETS 44"]
        hh_rows.append({"id": h, "stage": stage, "current_entry_id": h, "created_at": start, "updated_at": start})
        is_closed = rng.random() < 0.1
        case_rows.append({
            "id": h, "partner_id": partner, "reference": f"B{h}", "household_id": h,
            "stage": "cloture" if is_closed else stage, "date_stade": start.date(),
            "parc": "social" if social else "prive", "prenom": "X", "commune": "Nantes",
            "code_postal": rng.choice(POSTCODES), "langue": "fr", "falc": falc,
            "motif_cloture": rng.choice(MOTIFS) if is_closed else None, "adresse_invalide": False,
            "content_hash": str(h), "created_at": start, "updated_at": start})
        # Procedures move on: a stay started more than 90 days before now has been left (another stage).
        moved = start + timedelta(days=60) if start + timedelta(days=90) < NOW else None
        entry_rows.append({"id": h, "household_id": h, "stage": stage, "entered_at": start, "left_at": moved})
        enrol_rows.append({"id": h, "campaign_id": campaign.id, "household_id": h, "stage_entry_id": h,
                           "stage": stage, "enrolled_at": start})
        channels = steps[campaign.id]
        if campaign is campaigns[0]:
            arm = draw_arm(experiment_key, h, arms)
            assignment_rows.append({"experiment_id": experiment_id, "household_id": h, "stage_entry_id": h,
                                    "stage": stage, "arm": arm, "assigned_at": start})
            channels = channels if arm == "courrier_sms" else channels[:1]
        at = start
        first_contact[h] = start
        for position, channel in enumerate(channels[: 1 + int(rng.random() * len(channels))]):
            if dispatch_id >= contacts:
                break
            dispatch_id += 1
            templated = channel in ("courrier", "sms")
            returned = channel == "courrier" and rng.random() < 0.05
            dispatch_rows.append({
                "id": dispatch_id, "dedup_key": f"b{dispatch_id}", "enrollment_id": h, "campaign_id": campaign.id,
                "household_id": h, "stage_entry_id": h, "stage": stage, "step_position": position,
                "channel": channel, "template": None, "conditions": [], "regulatory": False,
                "template_version_id": versions[(channel, falc)] if templated else None,
                "rendered_locale": "fr" if templated else None, "rendered_falc": falc if templated else None,
                "template_fallback": False, "due_at": at, "status": "returned" if returned else "delivered",
                "attempts": 1, "sent_at": at, "finished_at": at})
            if channel in ("appel", "visite"):
                task_rows.append({"dispatch_id": dispatch_id, "household_id": h, "queue_partner_id":
                                  owners[campaign_owner(campaign.id, campaigns)], "kind": channel, "stage": stage,
                                  "status": "completed", "due_at": at, "created_at": at, "updated_at": at})
            at += timedelta(days=7, minutes=rng.randrange(0, 120))
        if is_closed:
            closed.append(h)
    households = h
    closing = [{"id": households + n + 1, "household_id": h, "stage": "cloture", "left_at": None,
                "entered_at": first_contact[h] + timedelta(days=40)} for n, h in enumerate(closed)]
    responders = rng.sample(range(1, households + 1), min(responses, households))
    response_rows = [{"household_id": h, "case_id": h, "partner_id": owners["DDETS 44"], "stage": None,
                      "stage_entry_id": h, "channel": "appel", "nature": "appel_entrant",
                      "responded_at": first_contact[h] + timedelta(hours=rng.randrange(1, 24 * 25)),
                      "created_at": None} for h in responders]
    for row in response_rows:
        row["created_at"] = row["responded_at"]
    with runtime.session_factory.begin() as session:
        for model, rows in ((Household, hh_rows), (Case, case_rows), (StageEntry, entry_rows + closing),
                            (Enrollment, enrol_rows), (Dispatch, dispatch_rows), (HumanTask, task_rows),
                            (Response, response_rows), (ExperimentAssignment, assignment_rows)):
            for offset in range(0, len(rows), 200_000):
                bulk_insert(session, model, rows[offset:offset + 200_000])
        for table in ("households", "cases", "stage_entries", "enrollments", "dispatches"):
            session.execute(text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))
    analyze(runtime)
    print(f"générés : {households:,} ménages, {len(dispatch_rows):,} contacts, {len(response_rows):,} réponses, "
          f"{len(task_rows):,} tâches, {len(closed):,} clôtures, {len(assignment_rows):,} ménages tirés au sort")


def analyze(runtime: Runtime, *tables: str) -> None:
    """Planner statistics, committed (ANALYZE in a transaction that is rolled back would leave none)."""
    with runtime.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"ANALYZE {', '.join(tables)}" if tables else "ANALYZE"))


def campaign_owner(campaign_id: int, campaigns: list[Any]) -> str:
    index = [c.id for c in campaigns].index(campaign_id)
    return str(CAMPAIGNS[index]["owner"])


def timed(label: str, runs: int, action: Any) -> Any:
    durations, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = action()
        durations.append(time.perf_counter() - started)
    print(f"{label} : {min(durations):.3f} s (meilleur de {runs}), {sum(durations) / runs:.3f} s en moyenne")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--responses", type=int, default=200_000)
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the database of a previous run (no generation) when it exists")
    parser.add_argument("--verify", action="store_true",
                        help="after the incremental tick, rebuild every fact and compare the reports")
    args = parser.parse_args()
    url, fresh = recreate_database(reuse=args.reuse)
    runtime = Runtime(Settings(database_url=url), clock=lambda: NOW)
    migrate.upgrade(runtime.engine)
    if fresh:
        started = time.perf_counter()
        generate(runtime, args.contacts, args.responses)
        print(f"génération et COPY : {time.perf_counter() - started:.1f} s")
    else:
        with runtime.engine.begin() as conn:  # what a previous run's tick added, and when it ran
            conn.execute(text("DELETE FROM responses WHERE created_at > :now"), {"now": NOW})
            conn.execute(text("DELETE FROM facts_refreshes"))

    def build() -> Any:
        with runtime.session_factory.begin() as session:
            return refresh_facts(session, now=NOW, full=True)

    outcome = timed("construction complète des faits (une fois)", 1, build)
    with runtime.session_factory() as session:
        counts = {t: session.scalar(text(f"SELECT count(*) FROM {t}")) for t in
                  ("daily_facts", "daily_reach", "monthly_facts", "monthly_reach", "fact_stays")}
    print(f"faits : {outcome.days} jours, " + ", ".join(f"{n:,} lignes {t}" for t, n in counts.items()))
    analyze(runtime, *counts)
    period = Period(date(2025, 1, 1), date(2025, 12, 31))
    query = {"debut": period.start.isoformat(), "fin": period.end.isoformat()}

    def main_computation() -> Any:
        with runtime.session_factory() as session:
            return evaluate(session, period=period, scope=Scope(), now=NOW)

    def full_report() -> Any:
        with runtime.session_factory() as session:
            report = build_report(evaluate_with_events(session, period=period, scope=Scope(), now=NOW))
        return report, report_html(report)

    client = evaluator_client(runtime)

    def main_page(params: dict[str, str]) -> Any:
        page = client.get("/evaluation", params=params)
        assert page.status_code == 200 and page.text.count("<svg") >= 5, page.status_code
        return page

    evaluation = timed("calcul principal de l'évaluateur (faits, statistiques)", 5, main_computation)
    page = timed("page de l'évaluateur, GET /evaluation sur l'année (HTTP, graphiques, tableaux)", 5,
                 lambda: main_page(query))
    timed("page de l'évaluateur filtrée (stade assignation, parc social)", 3,
          lambda: main_page({**query, "stade": "assignation", "parc": "social"}))
    report, html = timed("rapport complet (faits + Kaplan–Meier + expériences + dossiers en cours + HTML)", 3,
                         full_report)
    timed("exports CSV et XLSX du rapport", 3, lambda: (report_csv(report), report_xlsx(report)))
    quarter = Period(date(2025, 4, 1), date(2025, 6, 30))
    with runtime.session_factory() as session:
        timed("rapport complet sur un trimestre", 3, lambda: build_report(
            evaluate_with_events(session, period=quarter, scope=Scope(), now=NOW)))
    with runtime.session_factory.begin() as session:
        session.execute(text("INSERT INTO responses (household_id, partner_id, stage_entry_id, channel, nature, "
                             "responded_at, created_at) SELECT household_id, 1, id, 'appel', 'appel_entrant', "
                             "entered_at + interval '3 days', :now FROM stage_entries WHERE stage <> 'cloture' "
                             "ORDER BY entered_at DESC LIMIT 100"), {"now": NOW + timedelta(minutes=1)})
    later = NOW + timedelta(minutes=2)

    def tick_refresh() -> Any:
        with runtime.session_factory.begin() as session:
            return refresh_facts(session, now=later)

    refreshed = timed("rafraîchissement du tick après 100 nouvelles réponses", 1, tick_refresh)
    print(f"  séjours repris : {refreshed.stays}, jours modifiés : {refreshed.days}")
    timed("rafraîchissement du tick sans changement", 3, tick_refresh)
    if args.verify:
        incremental = build_report(evaluate_with_events(runtime.session_factory(), period=period, scope=Scope(),
                                                        now=later))
        with runtime.session_factory.begin() as session:
            refresh_facts(session, now=later, full=True)
        rebuilt = build_report(evaluate_with_events(runtime.session_factory(), period=period, scope=Scope(),
                                                    now=later))
        differing = [a.key for a, b in zip(incremental.tables, rebuilt.tables, strict=True) if a != b]
        differing += ["courbes"] if incremental.curves != rebuilt.curves else []
        print("faits du tick incrémental identiques à une reconstruction complète : "
              + ("oui" if not differing else "NON (" + ", ".join(differing) + ")"))
    print(f"\nrésultats sur {period.start} – {period.end} : {evaluation.overview.n:,} séjours contactés, "
          f"{evaluation.overview.successes:,} ont répondu ({100 * (evaluation.overview.value or 0):.1f} %)")
    for row in evaluation.rates["canal"]:
        low, high = 100 * (row.rate.low or 0), 100 * (row.rate.high or 0)
        print(f"  {row.label:<20} {row.rate.successes:>8,} / {row.rate.n:<8,} "
              f"{100 * (row.rate.value or 0):5.1f} % [{low:.1f} ; {high:.1f}]")
    npai = dict(evaluation.sections.npai)["ensemble"]
    print(f"  NPAI : {npai.successes:,} / {npai.n:,} courriers ({100 * (npai.value or 0):.1f} %)")
    for row in report.table("experiences").rows:
        print(f"  expérience {row[0]}, bras {row[2]} : {row[4]:,} / {row[3]:,} ; {row[-1]}")
    print(f"  page /evaluation : {len(page.text) / 1024:.0f} Kio ; rapport HTML : {len(html) / 1024:.0f} Kio, "
          f"{len(report.tables)} tableaux")


def evaluator_client(runtime: Runtime) -> TestClient:
    """A signed-in evaluator on the application (TestClient: the page is timed as served, without the network)."""
    with runtime.session_factory.begin() as session:
        if find_user_by_email(session, "evaluation@ddets44.fr") is None:
            partner = session.scalars(select(Partner).where(Partner.name == "DDETS 44")).one()
            add_user(session, email="evaluation@ddets44.fr", display_name="Évaluation", password=PASSWORD,
                     partner=partner, role="evaluateur", now=NOW)
    client = TestClient(create_app(runtime))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/connexion").text)
    assert token is not None
    client.post("/connexion", data={"email": "evaluation@ddets44.fr", "password": PASSWORD,
                                    "csrf_token": token.group(1)})
    return client

if __name__ == "__main__":
    main()
