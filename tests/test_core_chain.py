"""End to end through the API: push, household, campaign, tick, delivery, response, stage moves."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from campaigns.locale.labels import CONTACT_REASONS
from campaigns.models import CaseChange, Dispatch, Household, HumanTask
from campaigns.runtime.root import Runtime
from tests.conftest import Clock, new_partner
from tests.factories import campaign, signalement


def _dispatches(runtime: Runtime) -> list[Dispatch]:
    with runtime.session_factory() as session:
        return list(session.scalars(select(Dispatch).order_by(Dispatch.id)))


def test_push_then_same_rows_again_changes_nothing(runtime: Runtime, client: TestClient) -> None:
    _, headers = new_partner(runtime, "Habitat 44", "bailleur_social")
    rows = [signalement("R-1"), signalement("R-2", nom="Martin", prenom="Paul", numero_allocataire="7654321",
                                            adresse="3 bd Victor Hugo", date_naissance="01/01/1970")]
    first = client.post("/api/v1/signalements", json=rows, headers=headers)
    assert first.status_code == 200, first.text
    assert (first.json()["crees"], first.json()["rejetes"]) == (2, 0)
    again = client.post("/api/v1/signalements", json=rows, headers=headers)
    assert (again.json()["crees"], again.json()["inchanges"], again.json()["mis_a_jour"]) == (0, 2, 0)
    rows[0]["montant_dette"] = "1 500,00"
    rows[0]["stade"] = "assignation"
    changed = client.post("/api/v1/signalements", json=rows, headers=headers)
    assert (changed.json()["mis_a_jour"], changed.json()["inchanges"]) == (1, 1)
    with runtime.session_factory() as session:
        change = session.scalars(select(CaseChange)).one()
        assert change.fields == ["montant_dette", "stade"]
        assert (change.old_stage, change.new_stage) == ("commandement_de_payer", "assignation")
    view = client.get("/api/v1/signalements/R-1", headers=headers).json()
    assert view["stade"] == "assignation"


def test_partner_reads_only_its_own_cases(runtime: Runtime, client: TestClient) -> None:
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    _, other = new_partner(runtime, "Harmonie Habitat", "bailleur_social")
    client.post("/api/v1/signalements", json=[signalement("R-1")], headers=bailleur)
    assert client.get("/api/v1/signalements/R-1", headers=bailleur).status_code == 200
    assert client.get("/api/v1/signalements/R-1", headers=other).status_code == 404
    assert client.get("/api/v1/signalements/R-1").status_code == 401
    assert client.get("/api/v1/signalements/R-1", headers={"Authorization": "Bearer faux"}).status_code == 401


def test_two_partners_same_people_are_one_household(runtime: Runtime, client: TestClient) -> None:
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    _, ddets = new_partner(runtime, "DDETS 44", "etat")
    client.post("/api/v1/signalements", json=[signalement("B-1")], headers=bailleur)
    # The State knows them without allocataire number, with accents and case differing: name + birth date.
    client.post("/api/v1/signalements", headers=ddets, json=[
        signalement("E-9", nom="BENALI", prenom="aicha", numero_allocataire=None, adresse="12, rue des lilas")])
    # A third push of a co-tenant couple at the same address: name + address.
    client.post("/api/v1/signalements", headers=ddets, json=[
        signalement("E-10", prenom="Karim", date_naissance="02/02/1980", numero_allocataire=None)])
    client.post("/api/v1/signalements", headers=ddets, json=[
        signalement("E-11", nom="Durand", prenom="Léa", date_naissance="05/05/1990", numero_allocataire=None,
                    adresse="8 place Royale")])
    with runtime.session_factory() as session:
        assert session.scalar(select(func.count(Household.id))) == 2
    export = client.get("/api/v1/admin/menages.csv", headers=ddets)
    assert export.status_code == 200
    lines = export.text.lstrip("\ufeff").splitlines()
    assert lines[0] == "partenaire;reference;menage"
    households = {line.split(";")[1]: line.split(";")[2] for line in lines[1:]}
    assert households["B-1"] == households["E-9"] == households["E-10"] != households["E-11"]
    assert client.get("/api/v1/admin/menages.csv", headers=bailleur).status_code == 403


def test_sequence_runs_steps_and_skips_impossible_channel(runtime: Runtime, client: TestClient,
                                                          clock: Clock) -> None:
    _, ddets = new_partner(runtime, "DDETS 44", "etat")
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    campaign(runtime, owner="DDETS 44")
    client.post("/api/v1/signalements", headers=bailleur, json=[
        signalement("R-1"), signalement("R-2", nom="Martin", prenom="Paul", telephone=None,
                                        numero_allocataire="999", adresse="3 bd Victor Hugo")])
    planned = _dispatches(runtime)
    assert [(d.channel, d.status) for d in planned] == [("courrier", "planned"), ("sms", "planned"),
                                                         ("appel", "planned")] * 2
    assert runtime.tick() == 2  # 09:30 UTC on a Wednesday: both letters are due now
    letters = sorted((runtime.settings.resolved_outbox_dir / "courrier").rglob("*.pdf"))
    assert len(letters) == 2 and letters[0].read_bytes().startswith(b"%PDF")
    clock.advance(days=7)
    assert runtime.tick() == 2
    by_household = {(d.household_id, d.channel): (d.status, d.reason) for d in _dispatches(runtime)}
    assert by_household[(1, "sms")] == ("delivered", None)
    assert by_household[(2, "sms")] == ("skipped", "no_channel")
    clock.advance(days=7)
    runtime.tick()
    tasks = client.get("/api/v1/taches", headers=ddets).json()["taches"]
    # The household without a phone has no call task either: the step is skipped, the sequence went on.
    assert [(t["type"], t["stade"], t["menage"]["commune"]) for t in tasks] == [
        ("appel", "commandement_de_payer", "Nantes")]
    assert client.get("/api/v1/taches", headers=bailleur).json()["taches"] == []
    assert runtime.tick() == 0


def test_a_step_whose_condition_is_not_met_is_not_missing_contact_details(runtime: Runtime, client: TestClient) -> None:
    """Issue 19: the letter « si le ménage n'a pas de téléphone » of a household with a phone read « coordonnées
    manquantes ». It is skipped as a condition not met; the household without a phone gets its letter."""
    new_partner(runtime, "DDETS 44", "etat")
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    campaign(runtime, owner="DDETS 44", steps=[
        {"channel": "courrier", "template": "information_etat", "conditions": ["no_phone"]},
        {"channel": "sms", "template": "relance", "conditions": ["no_phone"]}])
    client.post("/api/v1/signalements", headers=bailleur, json=[
        signalement("R-1"), signalement("R-2", nom="Martin", prenom="Paul", telephone=None,
                                        numero_allocataire="999", adresse="3 bd Victor Hugo")])
    runtime.tick()
    rows = {(d.household_id, d.channel): (d.status, d.reason) for d in _dispatches(runtime)}
    assert rows[(1, "courrier")] == ("skipped", "condition_not_met")
    assert rows[(2, "courrier")] == ("delivered", None)
    # Without a mobile, the SMS cannot go whatever its condition: missing contact details.
    assert rows[(2, "sms")] == ("skipped", "no_channel")
    assert CONTACT_REASONS["condition_not_met"] == "condition de l'étape non remplie"


def test_response_cancels_pending_steps_in_every_campaign(runtime: Runtime, client: TestClient) -> None:
    _, ddets = new_partner(runtime, "DDETS 44", "etat")
    new_partner(runtime, "Département 44", "departement")
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    campaign(runtime, owner="DDETS 44")
    campaign(runtime, owner="Département 44", name="Relance du Département",
             steps=[{"channel": "visite", "delay_days": 21}])
    client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1")])
    runtime.tick()
    # A partner's plain response stops its own campaigns only (docs/security.md, rule 2): here none.
    plain = client.post("/api/v1/reponses", headers=bailleur,
                        json={"reference": "R-1", "canal": "appel", "nature": "appel_entrant"})
    assert plain.status_code == 201 and plain.json()["contacts_annules"] == 0
    assert [d.status for d in _dispatches(runtime)] == ["delivered", "planned", "planned", "planned"]
    # With an attributed reason it stops every campaign's pending steps; the bailleur is told its own count only.
    answer = client.post("/api/v1/reponses", headers=bailleur,
                         json={"reference": "R-1", "canal": "accueil", "nature": "rendez_vous",
                               "motif_menage": "rendez_vous_honore"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["contacts_annules"] == 0
    statuses = [(d.channel, d.status, d.reason) for d in _dispatches(runtime)]
    assert statuses == [("courrier", "delivered", None), ("sms", "cancelled", "responded_other_campaign"),
                        ("appel", "cancelled", "responded_other_campaign"),
                        ("visite", "cancelled", "responded_other_campaign")]
    view = client.get("/api/v1/signalements/R-1", headers=bailleur).json()
    assert view["reponse_recue_au_stade_actuel"] is True
    assert view["contacts"] == []  # the bailleur owns none of these campaigns
    owner_view = client.post("/api/v1/signalements", headers=ddets, json=[signalement("E-1")])
    assert owner_view.json()["crees"] == 1


def test_stage_change_and_cloture_cancel_pending(runtime: Runtime, client: TestClient, clock: Clock) -> None:
    new_partner(runtime, "DDETS 44", "etat")
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    campaign(runtime, owner="DDETS 44", stages=["commandement_de_payer", "assignation"])
    client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1")])
    runtime.tick()
    client.post("/api/v1/signalements", headers=bailleur,
                json=[signalement("R-1", stade="assignation", date_stade="24/11/2026")])
    rows = [(d.stage, d.channel, d.status, d.reason) for d in _dispatches(runtime)]
    assert rows[:3] == [("commandement_de_payer", "courrier", "delivered", None),
                        ("commandement_de_payer", "sms", "cancelled", "stage_changed"),
                        ("commandement_de_payer", "appel", "cancelled", "stage_changed")]
    assert [r[2] for r in rows[3:]] == ["planned"] * 3
    # A stale push of an earlier stage does not move the procedure backwards.
    client.post("/api/v1/signalements", headers=bailleur,
                json=[signalement("R-1", stade="commandement_de_payer", date_stade="24/11/2026")])
    with runtime.session_factory() as session:
        assert session.scalars(select(Household.stage)).one() == "assignation"
    client.post("/api/v1/signalements", headers=bailleur, json=[
        signalement("R-1", stade="cloture", date_stade="25/11/2026", motif_cloture="dette soldée")])
    assert {(d.status, d.reason) for d in _dispatches(runtime)[3:]} == {("cancelled", "closed")}
    clock.advance(days=30)
    assert runtime.tick() == 0
    with runtime.session_factory() as session:
        assert session.scalar(select(func.count(HumanTask.id))) == 0


def test_a_step_can_use_each_stages_own_template(runtime: Runtime, client: TestClient, clock: Clock) -> None:
    new_partner(runtime, "DDETS 44", "etat")
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    campaign(runtime, owner="DDETS 44", stages=["commandement_de_payer", "assignation"],
             steps=[{"channel": "courrier", "template": "etape_{stade}", "regulatory": True}])
    client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1")])
    runtime.tick()
    client.post("/api/v1/signalements", headers=bailleur,
                json=[signalement("R-1", stade="assignation", date_stade="24/11/2026")])
    clock.advance(days=1)
    runtime.tick()
    assert [(d.template, d.status) for d in _dispatches(runtime)] == [
        ("etape_commandement_de_payer", "delivered"), ("etape_assignation", "delivered")]
