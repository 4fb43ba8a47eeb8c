"""The audit log: reads and changes of households' personal data, by API and pages, each recorded with who, when,
what, which households and why (never the data); exported by the pilots as CSV (API and command line)."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from campaigns.cli.main import app as cli_app
from campaigns.models import AuditEvent, Case, HumanTask
from campaigns.runtime.root import Runtime, set_runtime
from tests.conftest import Clock, new_partner
from tests.factories import signalement
from tests.queue_factories import add_worker, complete, structure_with_call
from tests.test_web_tasks import account, signed_in

PERSONAL = ("Benali", "Aïcha", "Lilas", "612345678", "06 12", "1985", "1234", "1234567")


def _events(runtime: Runtime) -> list[AuditEvent]:
    with runtime.session_factory() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def _row(event: AuditEvent) -> dict[str, Any]:
    return {c.name: getattr(event, c.name) for c in AuditEvent.__table__.columns}


def _assert_no_personal_data(events: list[AuditEvent]) -> None:
    text = repr([_row(e) for e in events])
    for value in PERSONAL:
        assert value not in text, value


def _household(runtime: Runtime, reference: str = "R-1") -> int:
    with runtime.session_factory() as session:
        return session.scalars(select(Case.household_id).where(Case.reference == reference)).one()


def test_push_read_and_response_are_audited_with_who_why_and_which_household(
    runtime: Runtime, client: TestClient, clock: Clock
) -> None:
    bailleur_id, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    _, other = new_partner(runtime, "Autre bailleur", "bailleur_social")
    assert client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1")]).status_code == 200
    household = _household(runtime)
    [push] = _events(runtime)
    assert (push.action, push.actor, push.partner_id, push.household_ids) == (
        "modification", "cle_api", bailleur_id, [household])
    assert push.purpose.startswith("POST /api/v1/signalements (import n° ")
    # The same rows again change nothing: nothing to record.
    clock.advance(minutes=1)
    client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1")])
    assert len(_events(runtime)) == 1
    assert client.get("/api/v1/signalements/R-1", headers=bailleur).status_code == 200
    assert client.get("/api/v1/signalements/R-1", headers=other).status_code == 404  # nothing shown, nothing logged
    response = client.post("/api/v1/reponses", headers=bailleur,
                           json={"reference": "R-1", "canal": "appel", "nature": "appel_entrant"})
    assert response.status_code == 201
    events = _events(runtime)
    assert [(e.action, e.purpose, e.household_ids, e.household_count) for e in events[1:]] == [
        ("lecture", "GET /api/v1/signalements/{reference}", [household], 1),
        ("modification", "POST /api/v1/reponses", [household], 1),
    ]
    assert all(e.partner_id == bailleur_id for e in events)
    assert all(e.api_key_id is not None for e in events[1:])  # an import job knows its partner, not the key
    _assert_no_personal_data(events)


def test_a_refused_change_leaves_no_audit_row(runtime: Runtime, client: TestClient) -> None:
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    answer = client.post("/api/v1/reponses", headers=bailleur,
                         json={"reference": "R-inconnue", "canal": "appel", "nature": "appel_entrant"})
    assert answer.status_code == 404
    assert _events(runtime) == []


def test_task_detail_outcome_and_pages_are_audited(runtime: Runtime, client: TestClient) -> None:
    ccas, _ = structure_with_call(runtime, client)
    household = _household(runtime)
    [task] = client.get("/api/v1/taches", headers=ccas).json()["taches"]
    assert client.get(f"/api/v1/taches/{task['id']}", headers=ccas).status_code == 200
    agent = add_worker(client, ccas)
    client.post(f"/api/v1/taches/{task['id']}/reserver", headers=ccas, json={"agent_id": agent})
    assert complete(client, ccas, task["id"], agent, "message_laisse", note="Rappeler lundi").status_code == 200
    api = [(e.action, e.purpose, e.household_ids) for e in _events(runtime) if e.actor == "cle_api"]
    assert api[-3:] == [
        ("lecture", "GET /api/v1/taches", [household]),
        ("lecture", "GET /api/v1/taches/{task_id}", [household]),
        ("modification", "POST /api/v1/taches/{task_id}/terminer", [household]),
    ]
    # The same household through the pages: the task list and the task page, by the signed-in person.
    with runtime.session_factory.begin() as session:
        session.get_one(HumanTask, task["id"]).status = "pending"
    account(runtime, "alice@ccas.fr")
    signed_in(client, "alice@ccas.fr")
    assert client.get("/mes-taches").status_code == 200
    assert client.get(f"/mes-taches/{task['id']}").status_code == 200
    assert client.get("/mes-taches/999999").status_code == 404
    pages = [(e.action, e.purpose, e.household_ids) for e in _events(runtime) if e.actor == "utilisateur"]
    assert pages == [("lecture", "GET /mes-taches", [household]),
                     ("lecture", "GET /mes-taches/{task_id:int}", [household])]
    assert all(e.user_id is not None for e in _events(runtime) if e.actor == "utilisateur")
    _assert_no_personal_data(_events(runtime))


def test_pilots_export_the_journal_as_csv_and_others_cannot(runtime: Runtime, client: TestClient) -> None:
    _, ddets = new_partner(runtime, "DDETS 44", "etat")
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1"), signalement(
        "R-2", nom="Martin", prenom="Paul", date_naissance="01/01/1970", adresse="3 rue Haute", telephone=None)])
    client.get("/api/v1/signalements/R-1", headers=bailleur)
    assert client.get("/api/v1/admin/menages.csv", headers=ddets).status_code == 200
    day = runtime.clock().date().isoformat()
    assert client.get(f"/api/v1/journal?du={day}&au={day}", headers=bailleur).status_code == 403
    refused = client.get(f"/api/v1/journal?du={day}&au=2020-01-01", headers=ddets)
    assert refused.status_code == 422 and "antérieur" in refused.text
    answer = client.get(f"/api/v1/journal?du={day}&au={day}", headers=ddets)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text.lstrip("\ufeff")), delimiter=";"))
    assert [(r["action"], r["partenaire"], r["nombre_menages"]) for r in rows] == [
        ("modification", "Habitat 44", "2"), ("lecture", "Habitat 44", "1"), ("export", "DDETS 44", "2"),
        ("export", "DDETS 44", "0")]
    assert rows[1]["menages"] == str(_household(runtime)) and rows[1]["cle_api"].startswith("chn_")
    assert rows[2]["motif"] == "GET /api/v1/admin/menages.csv"
    for value in PERSONAL:
        assert value not in answer.text
    # Another day: nothing.
    empty = client.get("/api/v1/journal?du=2020-01-01&au=2020-01-02", headers=ddets)
    assert len(list(csv.reader(io.StringIO(empty.text.lstrip("\ufeff")), delimiter=";"))) == 1


def test_the_command_line_exports_the_journal(runtime: Runtime, client: TestClient) -> None:
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1")])
    day = runtime.clock().date().isoformat()
    set_runtime(runtime)
    try:
        result = CliRunner().invoke(cli_app, ["journal", "export", "--du", day, "--au", day])
        refused = CliRunner().invoke(cli_app, ["journal", "export", "--du", "hier", "--au", day])
    finally:
        set_runtime(None)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output.lstrip("\ufeff")), delimiter=";"))
    assert [(r["action"], r["acteur"]) for r in rows] == [("modification", "cle_api"), ("export", "systeme")]
    assert refused.exit_code == 1 and "--du : date AAAA-MM-JJ attendue" in refused.output
