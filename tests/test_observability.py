"""/metrics (scraped during a real run and checked against the database), liveness and readiness, JSON logs."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from api.app import create_app
from campaigns.models import Dispatch, HumanTask, ImportJob
from campaigns.platform import logs
from campaigns.runtime.root import Runtime
from tests.conftest import Clock, _make_runtime, new_partner
from tests.factories import campaign, signalement

TOKEN = "jeton-des-metriques-de-test"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
CLOSED_PORT = 9  # discard: nothing listens there on the test machines


@pytest.fixture
def metrics_runtime(pg_database: str, pg_runtime: Runtime, tmp_path: Path, clock: Clock) -> Iterator[Runtime]:
    runtime = _make_runtime(pg_database, tmp_path, clock, metrics_token=TOKEN)
    yield runtime
    runtime.join_background(30)
    runtime.engine.dispose()


def _samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = client.get("/metrics", headers=BEARER)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(answer.text) for s in family.samples}


def _by(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str) -> dict[tuple[str, ...], float]:
    return {tuple(v for _, v in labels): value for (n, labels), value in samples.items() if n == name and value}


def test_metrics_are_hidden_without_a_token_and_refused_with_a_wrong_one(
        metrics_runtime: Runtime, pg_runtime: Runtime) -> None:
    with TestClient(create_app(pg_runtime)) as client:
        assert client.get("/metrics").status_code == 404  # no CHAINE_METRICS_TOKEN: as if the route did not exist
    with TestClient(create_app(metrics_runtime)) as client:
        assert client.get("/metrics").status_code == 401
        wrong = client.get("/metrics", headers={"Authorization": "Bearer pas-le-bon"})
        assert wrong.status_code == 401 and "CHAINE_METRICS_TOKEN" in wrong.json()["detail"]
        _, partner_key = new_partner(metrics_runtime, "Habitat 44", "bailleur_social")
        assert client.get("/metrics", headers=partner_key).status_code == 401  # a partner's API key is not it


def test_scrape_during_a_run_matches_the_database(metrics_runtime: Runtime, clock: Clock) -> None:
    runtime = metrics_runtime
    new_partner(runtime, "DDETS 44", "etat")
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    campaign(runtime, owner="DDETS 44")
    with TestClient(create_app(runtime)) as client:
        rows = [signalement(f"R-{i}", nom=name, numero_allocataire=str(100_000 + i), adresse=f"{i + 1} rue Neuve",
                            telephone=f"06{i + 1:08d}" if i % 3 else None)
                for i, name in enumerate(["Martin", "Bernard", "Dubois", "Thomas"])]
        assert client.post("/api/v1/signalements", json=rows, headers=bailleur).json()["crees"] == 4
        csv_rows = ["reference;stade;date_stade;nom;prenom;date_naissance;adresse;code_postal;commune;telephone"]
        csv_rows += [f"C-{i};commandement_de_payer;20/11/2026;{name};Jean;01/01/1970;{i + 1} quai Neuf;44000;Nantes;"
                     for i, name in enumerate(["Petit", "Durand", "Leroy"])]
        csv_rows += ["C-9;stade-inconnu;20/11/2026;Moreau;Luc;01/01/1970;1 rue;44000;Nantes;"]
        posted = client.post("/api/v1/signalements", content="\n".join(csv_rows).encode(),
                             headers={**bailleur, "Content-Type": "text/csv"})
        assert posted.status_code == 202, posted.text
        runtime.join_background(30)
        assert client.get(f"/api/v1/imports/{posted.json()['id']}", headers=bailleur).json()["statut"] == "done"
        assert client.get("/api/v1/signalements/R-1", headers=bailleur).status_code == 200
        before = _samples(client)  # before any tick: every letter waits, due now
        runtime.tick()  # the letters
        clock.advance(days=8)
        runtime.tick()  # the SMS
        clock.advance(days=8)
        runtime.tick()  # the calls, in the structures' queues
        clock.advance(days=30)  # their deadlines pass
        after = _samples(client)

    with runtime.session_factory() as session:
        by_status = {(c, s): float(n) for c, s, n in session.execute(
            select(Dispatch.channel, Dispatch.status, func.count()).group_by(Dispatch.channel, Dispatch.status))}
        tasks = {(s, str(q)): float(n) for q, s, n in session.execute(  # labels in name order: status, structure
            select(HumanTask.queue_partner_id, HumanTask.status, func.count())
            .group_by(HumanTask.queue_partner_id, HumanTask.status))}
        overdue = {(str(q),): float(n) for q, n in session.execute(
            select(HumanTask.queue_partner_id, func.count()).where(HumanTask.sla_due_at < clock.now)
            .group_by(HumanTask.queue_partner_id))}
        imported = session.execute(select(func.sum(ImportJob.processed_rows), func.sum(ImportJob.rejected_count))
                                   ).one()
        letters = session.scalar(select(func.count()).where(Dispatch.channel == "courrier")) or 0
    assert _by(before, "chaine_contacts_due") == {("courrier",): float(letters)}
    assert _by(before, "chaine_oldest_due_contact_age_seconds") == {}  # due exactly now: age 0
    assert _by(after, "chaine_contacts") == by_status
    assert by_status.get(("courrier", "delivered")) == letters == 7.0
    assert ("sms", "delivered") in by_status
    assert _by(after, "chaine_tasks") == tasks and tasks
    assert _by(after, "chaine_tasks_overdue") == overdue and overdue
    assert _by(after, "chaine_contacts_due") == {}
    assert _by(after, "chaine_import_jobs") == {("done",): 2.0}  # the JSON push and the CSV file
    assert _by(after, "chaine_import_rows")[("traitees",)] == imported[0] == 8.0
    assert _by(after, "chaine_import_rows")[("rejetees",)] == imported[1] == 1.0
    assert _by(after, "chaine_database_up") == {(): 1.0}
    # Latency per route template: the reference in the path never becomes a label.
    routes = {labels for (name, labels), _ in after.items() if name == "chaine_http_request_duration_seconds_count"}
    assert (("method", "GET"), ("route", "/api/v1/signalements/{reference}")) in routes
    assert (("method", "POST"), ("route", "/api/v1/signalements")) in routes
    assert not any("R-1" in value for labels in routes for _, value in labels)


def test_oldest_due_contact_age_and_provider_errors(metrics_runtime: Runtime, clock: Clock) -> None:
    runtime = metrics_runtime
    new_partner(runtime, "DDETS 44", "etat")
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    campaign(runtime, owner="DDETS 44")
    with TestClient(create_app(runtime)) as client:
        other = signalement("R-2", nom="Martin", prenom="Paul", numero_allocataire="7654321",
                            adresse="3 bd Victor Hugo", date_naissance="01/01/1970")
        client.post("/api/v1/signalements", json=[signalement("R-1"), other], headers=bailleur)
        with runtime.session_factory.begin() as session:
            first, second = session.scalars(select(Dispatch).where(Dispatch.channel == "courrier")
                                            .order_by(Dispatch.id)).all()
            first.last_error, second.last_error = "RetryableChannelError", "twilio:30003"
            first.status, first.due_at = "temporary_failure", clock.now - timedelta(minutes=5)
        samples = _samples(client)
    assert _by(samples, "chaine_oldest_due_contact_age_seconds") == {(): 300.0}
    assert _by(samples, "chaine_provider_errors") == {("courrier", "RetryableChannelError"): 1.0,
                                                      ("courrier", "twilio:30003"): 1.0}


def test_health_and_readiness(pg_runtime: Runtime) -> None:
    with TestClient(create_app(pg_runtime)) as client:
        assert client.get("/api/v1/sante").json() == {"statut": "ok"}
        ready = client.get("/api/v1/sante/pret")
        assert ready.status_code == 200, ready.text
        assert ready.json()["statut"] == "pret"
        assert ready.headers["X-Request-ID"]


@pytest.mark.parametrize("down", ["base", "courtier"])
def test_readiness_answers_503_in_french_when_the_database_or_the_broker_is_down(
        pg_database: str, tmp_path: Path, clock: Clock, down: str) -> None:
    url = pg_database
    broker = "redis://127.0.0.1:6379/0"
    if down == "base":
        url = f"postgresql+psycopg://postgres:postgres@127.0.0.1:{CLOSED_PORT}/nulle_part"
    else:
        broker = f"redis://127.0.0.1:{CLOSED_PORT}/0"
    runtime = _make_runtime(url, tmp_path, clock, broker_url=broker)
    with TestClient(create_app(runtime)) as client:
        answer = client.get("/api/v1/sante/pret")
        assert client.get("/api/v1/sante").status_code == 200  # alive all the same
    assert answer.status_code == 503
    body = answer.json()
    assert body["statut"] == "indisponible"
    assert body["verifications"][down]["ok"] is False
    assert "ne répond pas" in body["verifications"][down]["detail"]
    assert "postgres:postgres" not in answer.text  # no password in the answer
    other = "courtier" if down == "base" else "base"
    assert body["verifications"][other]["ok"] is True
    runtime.engine.dispose()


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    level = root.level
    stream = io.StringIO()
    logs.configure_logging("json")
    handler = next(h for h in root.handlers if getattr(h, "chaine", False))
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)
    logging.getLogger("uvicorn.access").disabled = False


def test_json_log_lines_name_ids_and_never_personal_data(
        pg_runtime: Runtime, clock: Clock, json_logs: io.StringIO) -> None:
    runtime = pg_runtime
    new_partner(runtime, "DDETS 44", "etat")
    partner_id, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    campaign(runtime, owner="DDETS 44", steps=[{"channel": "sms", "template": "relance"}],
             sending_hours={"days": list(range(7)), "start": "00:00", "end": "23:59"})
    row = signalement("R-1", nom="Quarantotto", prenom="Ludivine", adresse="17 impasse des Glycines",
                      telephone="06 98 76 54 32")
    with TestClient(create_app(runtime)) as client:
        pushed = client.post("/api/v1/signalements", json=[row], headers={**bailleur, "X-Request-ID": "req-42"})
        assert pushed.headers["X-Request-ID"] == "req-42"
        runtime.tick()
        logging.getLogger("campaigns.test").warning("contact %s checked", 1)
    lines = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    request = next(line for line in lines if line.get("route") == "/api/v1/signalements")
    assert (request["request_id"], request["partner_id"], request["status"]) == ("req-42", partner_id, 200)
    assert {"time", "level", "logger", "event", "duration_ms"} <= request.keys()
    text = json_logs.getvalue()
    for personal in ("Quarantotto", "Ludivine", "Glycines", "98 76", "0698765432", "+33698765432"):
        assert personal not in text


def test_text_logs_by_default_carry_the_ids(pg_runtime: Runtime) -> None:
    record = logging.LogRecord("chaine.test", logging.INFO, __file__, 1, "dispatch %s sent", (7,), None)
    formatter = logs.ContextTextFormatter(logs.TEXT_FORMAT)
    with logs.bound(contact_id=7, job_id=3):
        assert formatter.format(record).endswith("chaine.test: dispatch 7 sent [job_id=3 contact_id=7]")
    assert formatter.format(record).endswith("chaine.test: dispatch 7 sent")
