"""Social workers' queues through the API: reservation, expiry, concurrency, escalation, outcomes, isolation."""

from __future__ import annotations

import io
import threading

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from api.app import create_app
from campaigns.models import Case, Household, HumanTask, Partner, TaskEscalation
from campaigns.queues import reservations as queues
from campaigns.runtime.root import Runtime
from tests.conftest import Clock, new_partner
from tests.factories import campaign, signalement
from tests.queue_factories import (
    add_worker,
    complete,
    dispatch_rows,
    reserve,
    structure_with_call,
    task_rows,
    tasks,
)


def test_reserve_release_and_versions(runtime: Runtime, client: TestClient) -> None:
    ccas, _ = structure_with_call(runtime, client)
    alice, bruno = add_worker(client, ccas, "Alice"), add_worker(client, ccas, "Bruno")
    [task] = tasks(client, ccas)
    assert (task["type"], task["statut"], task["version"]) == ("appel", "pending", 1)
    taken = reserve(client, ccas, task["id"], alice)
    assert taken.status_code == 200, taken.text
    assert (taken.json()["statut"], taken.json()["agent_id"], taken.json()["version"]) == ("reserved", alice, 2)
    assert reserve(client, ccas, task["id"], bruno).status_code == 409
    refused = client.post(f"/api/v1/taches/{task['id']}/liberer", headers=ccas, json={"agent_id": bruno})
    assert refused.status_code == 409
    assert tasks(client, ccas) == []  # a reserved task leaves the list of tasks to take
    assert [t["id"] for t in tasks(client, ccas, statut="reserved", agent=alice)] == [task["id"]]
    freed = client.post(f"/api/v1/taches/{task['id']}/liberer", headers=ccas, json={"agent_id": alice})
    assert (freed.json()["statut"], freed.json()["agent_id"], freed.json()["version"]) == ("pending", None, 3)
    # A worker who read version 2 is refused: the task changed since.
    stale = reserve(client, ccas, task["id"], bruno, version=2)
    assert stale.status_code == 409 and "changé" in stale.json()["detail"]
    assert reserve(client, ccas, task["id"], bruno, version=3).status_code == 200


def test_reservation_expires_after_four_hours_by_default(runtime: Runtime, client: TestClient, clock: Clock) -> None:
    ccas, _ = structure_with_call(runtime, client)
    alice = add_worker(client, ccas, "Alice")
    [task] = tasks(client, ccas)
    until = reserve(client, ccas, task["id"], alice).json()["reservee_jusqu_au"]
    assert until.startswith("2026-11-25T13:30")
    clock.advance(hours=3, minutes=59)
    runtime.tick()
    assert tasks(client, ccas) == []
    clock.advance(minutes=2)
    runtime.tick()
    [back] = tasks(client, ccas)
    assert (back["statut"], back["agent_id"], back["version"]) == ("pending", None, 3)
    # A shorter reservation, chosen by the worker.
    reserve(client, ccas, task["id"], alice, duree_minutes=30)
    clock.advance(minutes=31)
    runtime.tick()
    assert [t["id"] for t in tasks(client, ccas)] == [task["id"]]


def test_two_workers_claiming_at_once_on_postgres(pg_runtime: Runtime) -> None:
    with TestClient(create_app(pg_runtime)) as client:
        ccas, _ = structure_with_call(pg_runtime, client)
        workers = [add_worker(client, ccas, f"Agent {i}") for i in range(8)]
        [task] = tasks(client, ccas)
    with pg_runtime.session_factory() as session:
        partner_id = session.get_one(HumanTask, task["id"]).queue_partner_id
    barrier = threading.Barrier(len(workers))
    won: list[int] = []
    lost: list[int] = []

    def claim(worker_id: int) -> None:
        with pg_runtime.session_factory() as session:
            # Everyone reads version 1 first, then all try to take it in the same instant.
            session.get_one(HumanTask, task["id"])
            barrier.wait()
            try:
                queues.reserve(session, task_id=task["id"], partner_id=partner_id, worker_id=worker_id,
                               now=pg_runtime.clock(), expected_version=1)
                session.commit()
                won.append(worker_id)
            except queues.TaskConflictError:
                session.rollback()
                lost.append(worker_id)

    threads = [threading.Thread(target=claim, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(won) == 1 and len(lost) == len(workers) - 1
    with pg_runtime.session_factory() as session:
        row = session.get_one(HumanTask, task["id"])
        assert (row.status, row.reserved_by_worker_id, row.version) == ("reserved", won[0], 2)


def test_a_structure_never_sees_another_structures_tasks(runtime: Runtime, client: TestClient) -> None:
    ccas, bailleur = structure_with_call(runtime, client)
    _, other = new_partner(runtime, "CCAS Rezé", "ccas")
    alice = add_worker(client, ccas, "Alice")
    intruder = add_worker(client, other, "Intrus")
    [task] = tasks(client, ccas)
    assert tasks(client, other) == [] and tasks(client, bailleur) == []
    assert tasks(client, other, statut="toutes") == []
    for headers in (other, bailleur):
        answer = client.get(f"/api/v1/taches/{task['id']}", headers=headers)
        assert answer.status_code == 404 and answer.json()["detail"] == "tâche introuvable"
    assert reserve(client, other, task["id"], intruder).status_code == 404
    assert complete(client, other, task["id"], intruder, "joint").status_code == 404
    # Nor can a structure act in the name of another structure's worker.
    assert reserve(client, other, task["id"], alice).status_code == 404
    assert reserve(client, ccas, task["id"], intruder).status_code == 404
    assert client.get("/api/v1/taches/999999", headers=ccas).status_code == 404


def test_detail_shows_what_the_worker_needs_and_not_other_partners_notes(runtime: Runtime, client: TestClient,
                                                                        clock: Clock) -> None:
    _, ddets = new_partner(runtime, "DDETS 44", "etat")
    campaign(runtime, owner="DDETS 44", name="Appels de l'État", steps=[{"channel": "appel"}])
    ccas, _ = structure_with_call(runtime, client, steps=[
        {"channel": "courrier", "template": "information_etat"}, {"channel": "appel"}])
    alice, agent_etat = add_worker(client, ccas, "Alice"), add_worker(client, ddets, "Agent État")
    [state_task] = tasks(client, ddets)
    assert complete(client, ddets, state_task["id"], agent_etat, "message_laisse",
                    note="Rappeler après 18 h, voisin hostile").status_code == 200
    [task] = tasks(client, ccas)
    detail = client.get(f"/api/v1/taches/{task['id']}", headers=ccas).json()
    assert detail["menage"]["telephone"] == "+33612345678"
    assert detail["menage"]["adresse"] == "12 rue des Lilas" and detail["menage"]["commune"] == "Nantes"
    assert (detail["stade"], detail["stade_libelle"]) == ("commandement_de_payer", "commandement de payer")
    assert detail["montant_dette"] == "1234.56"
    assert detail["bailleur"] == {"nom": "Habitat 44", "telephone": "02 40 00 00 00"}
    assert sorted((e["canal"], e["expediteur"], e["statut"]) for e in detail["envois"]) == [
        ("appel", "CCAS Nantes", "delivered"), ("appel", "DDETS 44", "delivered"),
        ("courrier", "CCAS Nantes", "delivered")]
    [other] = detail["autres_taches"]
    assert (other["resultat"], other["votre_structure"]) == ("message_laisse", False) and "note" not in other
    assert "voisin" not in str(detail)
    for hidden in ("numero_allocataire", "date_naissance", "1985-03-12", "allocataire"):
        assert hidden not in str(detail)
    done = complete(client, ccas, task["id"], alice, "pas_de_reponse", note="Sonne dans le vide")
    assert done.status_code == 200
    state_view = client.get(f"/api/v1/taches/{state_task['id']}", headers=ddets).json()
    assert state_view["note"] == "Rappeler après 18 h, voisin hostile"
    assert "Sonne dans le vide" not in str(state_view)


def test_rendez_vous_fixe_cancels_the_households_pending_sms(runtime: Runtime, client: TestClient,
                                                             clock: Clock) -> None:
    ccas, _ = structure_with_call(runtime, client)
    new_partner(runtime, "Département 44", "departement")
    campaign(runtime, owner="Département 44", name="Visites du Département",
             steps=[{"channel": "visite", "delay_days": 21}])
    alice = add_worker(client, ccas, "Alice")
    [task] = tasks(client, ccas)
    assert [(c, s) for _, c, s, _ in dispatch_rows(runtime)] == [("appel", "delivered"), ("sms", "planned")]
    done = complete(client, ccas, task["id"], alice, "rendez_vous_fixe", note="RDV mardi 10 h au CCAS")
    assert done.status_code == 200, done.text
    assert (done.json()["statut"], done.json()["resultat"], done.json()["contacts_annules"]) == (
        "completed", "rendez_vous_fixe", 1)
    assert [(c, s, r) for _, c, s, r in dispatch_rows(runtime)] == [
        ("appel", "delivered", None), ("sms", "cancelled", "responded")]
    # The household answered: no other campaign planned it after, and the task cannot be closed twice.
    assert complete(client, ccas, task["id"], alice, "joint").status_code == 409
    with runtime.session_factory() as session:
        assert session.scalar(select(HumanTask.outcome)) == "rendez_vous_fixe"
    clock.advance(days=30)
    runtime.tick()
    assert len(task_rows(runtime)) == 1


def test_pas_de_reponse_lets_the_sequence_go_on(runtime: Runtime, client: TestClient, clock: Clock) -> None:
    ccas, _ = structure_with_call(runtime, client)
    alice = add_worker(client, ccas, "Alice")
    [task] = tasks(client, ccas)
    assert complete(client, ccas, task["id"], alice, "pas_de_reponse").json()["contacts_annules"] == 0
    clock.advance(days=7)
    runtime.tick()
    assert [(c, s) for _, c, s, _ in dispatch_rows(runtime)] == [("appel", "delivered"), ("sms", "delivered")]


def test_faux_numero_invalidates_the_phone_for_every_campaign(runtime: Runtime, client: TestClient,
                                                              clock: Clock) -> None:
    ccas, _ = structure_with_call(runtime, client)
    alice = add_worker(client, ccas, "Alice")
    [task] = tasks(client, ccas)
    assert complete(client, ccas, task["id"], alice, "faux_numero").json()["telephones_invalides"] == 1
    with runtime.session_factory() as session:
        assert session.scalars(select(Case.telephone_invalide)).all() == [True]
    clock.advance(days=7)
    runtime.tick()
    assert [(c, s, r) for _, c, s, r in dispatch_rows(runtime)][1] == ("sms", "skipped", "no_channel")


def test_a_new_number_from_the_partner_is_tried_again(runtime: Runtime, client: TestClient) -> None:
    ccas, bailleur = structure_with_call(runtime, client)
    alice = add_worker(client, ccas, "Alice")
    [task] = tasks(client, ccas)
    complete(client, ccas, task["id"], alice, "faux_numero")
    same = client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1", montant_dette="1500,00")])
    assert same.status_code == 200, same.text
    with runtime.session_factory() as session:
        assert session.scalars(select(Case.telephone_invalide)).all() == [True]
    new = client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1", telephone="06 11 22 33 44")])
    assert new.status_code == 200, new.text
    with runtime.session_factory() as session:
        assert session.scalars(select(Case.telephone_invalide)).all() == [False]


def test_parti_invalidates_the_address_and_opens_a_locate_task(runtime: Runtime, client: TestClient) -> None:
    ccas, _ = structure_with_call(runtime, client, steps=[{"channel": "visite", "announced": False}])
    alice = add_worker(client, ccas, "Alice")
    [task] = tasks(client, ccas)
    assert (task["type"], task["annoncee"]) == ("visite", False)
    assert complete(client, ccas, task["id"], alice, "faux_numero").status_code == 422
    done = complete(client, ccas, task["id"], alice, "parti", note="Logement vide, voisins : parti fin octobre")
    assert (done.json()["adresses_invalidees"], done.json()["contacts_annules"]) == (1, 0)
    [locate] = tasks(client, ccas)
    assert (locate["id"], locate["type"]) == (done.json()["tache_recherche"], "recherche")
    assert locate["menage"]["adresse"] is None and locate["menage"]["adresse_invalide"] is True


def test_overdue_task_escalates_to_the_supervisors(runtime: Runtime, client: TestClient, clock: Clock) -> None:
    ccas, _ = structure_with_call(runtime, client)
    alice = add_worker(client, ccas, "Alice")
    chef = add_worker(client, ccas, "Cheffe", supervisor=True)
    [task] = tasks(client, ccas)
    # Two working days (Wednesday → Friday), the deadline is the end of Friday 27 November, Paris time.
    assert task["echeance"] == "2026-11-27T23:00:00+00:00"
    clock.advance(days=2, hours=13)  # Friday 23:30 Paris time
    runtime.tick()
    assert tasks(client, ccas, escaladee=True) == []
    clock.advance(hours=1)
    runtime.tick()
    runtime.tick()  # escalated once only
    [escalated] = tasks(client, ccas, escaladee=True)
    assert (escalated["id"], escalated["escaladee"], escalated["version"]) == (task["id"], True, 2)
    assert tasks(client, ccas, escaladee=False) == []
    refused = reserve(client, ccas, task["id"], alice)
    assert refused.status_code == 403 and "superviseur" in refused.json()["detail"]
    assert reserve(client, ccas, task["id"], chef).status_code == 200
    with runtime.session_factory() as session:
        record = session.scalars(select(TaskEscalation)).one()
        row = session.get_one(HumanTask, task["id"])
        assert record.from_partner_id == record.to_partner_id == row.queue_partner_id
        assert record.escalated_at == row.escalated_at and record.reason == "echeance_depassee"


def test_without_supervisor_escalation_stays_in_the_structure(runtime: Runtime, client: TestClient,
                                                              clock: Clock) -> None:
    # Issue 18: an overdue task escalates inside its structure, never to the campaign owner of another institution.
    _, ddets = new_partner(runtime, "DDETS 44", "etat")
    _, ccas = new_partner(runtime, "CCAS Nantes", "ccas")
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    campaign(runtime, owner="DDETS 44", steps=[{"channel": "appel"}])
    client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1")])
    with runtime.session_factory.begin() as session:
        household = session.scalars(select(Household)).one()
        household.referent_partner_id = session.scalars(select(Partner.id).where(Partner.name == "CCAS Nantes")).one()
    runtime.tick()
    alice = add_worker(client, ccas, "Alice")
    bob = add_worker(client, ccas, "Bob")
    [task] = tasks(client, ccas)
    reserve(client, ccas, task["id"], alice, duree_minutes=7 * 24 * 60)
    clock.advance(days=3)
    runtime.tick()
    assert tasks(client, ddets, statut="toutes") == []
    # Alice still holds it: "my tasks" shows it, with its escalation.
    [mine] = tasks(client, ccas, statut="reserved", agent=alice)
    assert (mine["id"], mine["escaladee"], mine["agent_id"]) == (task["id"], True, alice)
    with runtime.session_factory() as session:
        record = session.scalars(select(TaskEscalation)).one()
        row = session.get_one(HumanTask, task["id"])
        ccas_id = session.scalars(select(Partner.id).where(Partner.name == "CCAS Nantes")).one()
        assert (record.from_worker_id, record.from_partner_id, record.to_partner_id) == (alice, ccas_id, ccas_id)
        assert (row.queue_partner_id, row.escalated_to_partner_id) == (ccas_id, ccas_id)
    assert client.get(f"/api/v1/taches/{task['id']}", headers=ddets).status_code == 404
    # No supervisor in the structure: once Alice lets it go, any worker of the team may take it.
    assert client.post(f"/api/v1/taches/{task['id']}/liberer", headers=ccas,
                       json={"agent_id": alice}).status_code == 200
    assert reserve(client, ccas, task["id"], bob).status_code == 200


def test_list_filters_by_type_deadline_and_commune(runtime: Runtime, client: TestClient) -> None:
    ccas, _ = structure_with_call(runtime, client, steps=[{"channel": "appel"}, {"channel": "visite"}], rows=[
        signalement("R-1"),
        signalement("R-2", nom="Martin", prenom="Paul", numero_allocataire="999", adresse="3 bd Victor Hugo",
                    date_naissance="01/01/1970", commune="Rezé", code_postal="44400", date_audience="15/01/2027"),
    ])
    everything = tasks(client, ccas)
    assert len(everything) == 4
    # The household with a hearing date comes first.
    assert [t["menage"]["commune"] for t in everything] == ["Rezé", "Rezé", "Nantes", "Nantes"]
    assert {t["type"] for t in tasks(client, ccas, type="visite")} == {"visite"}
    assert {t["menage"]["commune"] for t in tasks(client, ccas, commune="reze")} == {"Rezé"}
    assert [t["type"] for t in tasks(client, ccas, echeance="2026-11-27")] == ["appel", "appel"]
    assert client.get("/api/v1/taches", headers=ccas, params={"type": "courrier"}).status_code == 422
    labels = client.get("/api/v1/taches/resultats", headers=ccas).json()["resultats"]
    assert {"code": "rendez_vous_fixe", "libelle": "Rendez-vous fixé", "vaut_reponse": True} in labels


def test_round_of_visits_is_a_pdf_grouped_by_commune(runtime: Runtime, client: TestClient) -> None:
    ccas, _ = structure_with_call(runtime, client, steps=[{"channel": "visite", "announced": False}], rows=[
        signalement("R-1"),
        signalement("R-2", nom="Martin", prenom="Paul", numero_allocataire="999", adresse="3 bd Victor Hugo",
                    date_naissance="01/01/1970", commune="Rezé", code_postal="44400"),
    ])
    alice, bruno = add_worker(client, ccas, "Alice"), add_worker(client, ccas, "Bruno")
    for task in tasks(client, ccas):
        assert reserve(client, ccas, task["id"], alice, date_prevue="2026-11-27").status_code == 200
    answer = client.get("/api/v1/taches/tournee", headers=ccas, params={"date": "2026-11-27", "agent": alice})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)
    assert "Tournée du 27 novembre 2026" in text and "Alice" in text
    assert text.index("Nantes") < text.index("Rezé") and text.count("inopinée") == 2
    assert "Aïcha BENALI" in text and "Paul MARTIN" in text
    empty = client.get("/api/v1/taches/tournee", headers=ccas, params={"date": "2026-11-27", "agent": bruno})
    assert "Aucune visite" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(empty.content)).pages)
    # Held until the end of the planned day, not four hours.
    clock_tasks = tasks(client, ccas, statut="reserved")
    assert {t["reservee_jusqu_au"] for t in clock_tasks} == {"2026-11-27T23:00:00+00:00"}
    assert client.get("/api/v1/taches/tournee", headers=ccas,
                      params={"date": "2026-11-27", "agent": 999}).status_code == 404


@pytest.mark.parametrize("outcome", ["visite_realisee", "absent"])
def test_visit_outcomes_are_refused_on_calls(runtime: Runtime, client: TestClient, outcome: str) -> None:
    ccas, _ = structure_with_call(runtime, client)
    alice = add_worker(client, ccas, "Alice")
    [task] = tasks(client, ccas)
    refused = complete(client, ccas, task["id"], alice, outcome)
    assert refused.status_code == 422 and "impossible pour un appel" in refused.json()["detail"]
    assert complete(client, ccas, task["id"], alice, None).status_code == 422
