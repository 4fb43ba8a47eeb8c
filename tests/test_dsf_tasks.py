"""The DSF task chain at the assignation stage (docs/domain.md §6 and scenario 5 of §13)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select

from campaigns.campaign.config import StepSpec
from campaigns.models import Dispatch, Household, Partner
from campaigns.planning.dsf_chain import dsf_deadlines
from campaigns.runtime.root import Runtime
from tests.conftest import Clock, new_partner
from tests.factories import campaign, signalement
from tests.queue_factories import add_worker, complete, task_rows, tasks

HEARING = "02/02/2027"  # a Tuesday, ten weeks after the tests' Wednesday 25 November 2026
ASSIGNATION = ["assignation"]


def _household(reference: str = "A-1", **extra: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"stade": "assignation", "date_stade": "25/11/2026", "parc": "prive",
                              "allocataire": "non", "date_audience": HEARING}
    return signalement(reference, **{**fields, **extra})


def _setup(runtime: Runtime) -> dict[str, dict[str, str]]:
    headers = {name: new_partner(runtime, name, kind)[1] for name, kind in (
        ("DDETS 44", "etat"), ("Département 44", "departement"), ("CCAS Nantes", "ccas"),
        ("SCI des Lilas", "bailleur_prive"))}
    campaign(runtime, owner="DDETS 44", name="Courrier de l'État à l'assignation (M16)", stages=ASSIGNATION,
             priority=1, steps=[{"channel": "courrier", "template": "etape_assignation", "regulatory": True}])
    campaign(runtime, owner="Département 44", name="Diagnostic social et financier", stages=ASSIGNATION,
             segment={"parc": ["prive"]}, steps=[{"channel": "appel", "dsf": True}])
    campaign(runtime, owner="CCAS Nantes", name="Recommandation CLIL", stages=ASSIGNATION, priority=50,
             steps=[{"channel": "courrier", "template": "information_etat"}])
    return headers


def _by_kind(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {t["type"]: t for t in rows}


def test_scenario_5_dsf_deadlines_and_letter_coordination(runtime: Runtime, client: TestClient,
                                                          clock: Clock) -> None:
    headers = _setup(runtime)
    departement, landlord = headers["Département 44"], headers["SCI des Lilas"]
    assert client.post("/api/v1/signalements", headers=headers["DDETS 44"], json=[_household()]).status_code == 200
    assert client.post("/api/v1/signalements", headers=landlord, json=[_household("BAIL-9")]).json()["crees"] == 1
    runtime.tick()
    runtime.tick()  # a second tick opens nothing twice
    everything = _by_kind(tasks(client, departement, a_venir=True))
    assert sorted(everything) == ["dsf_ccapex", "dsf_contact", "dsf_relance", "dsf_transmission"]
    assert len(task_rows(runtime)) == 4  # the DSF step itself adds no plain call task
    expected = dsf_deadlines(date(2026, 11, 25), date(2027, 2, 2))
    assert (expected.first_contact_due, expected.second_offer_due, expected.ccapex_request_due,
            expected.transmission_due) == (date(2026, 12, 16), date(2027, 1, 12), date(2027, 1, 19), date(2027, 1, 26))
    # Each deadline is the end of its day, Paris time (23:00 UTC in winter).
    assert everything["dsf_contact"]["echeance"] == "2026-12-16T23:00:00+00:00"
    assert everything["dsf_relance"]["echeance"] == "2027-01-12T23:00:00+00:00"
    assert everything["dsf_ccapex"]["echeance"] == "2027-01-19T23:00:00+00:00"
    assert everything["dsf_transmission"]["echeance"] == "2027-01-26T23:00:00+00:00"
    # The second offer is only shown from its day: it is due if the household has not answered by then.
    assert everything["dsf_relance"]["a_partir_du"] == "2027-01-11T23:00:00+00:00"
    assert sorted(_by_kind(tasks(client, departement))) == ["dsf_ccapex", "dsf_contact", "dsf_transmission"]
    # The regulatory M16 letter is sent; the CLIL letter of the same window is folded into it.
    with runtime.session_factory() as session:
        letters = {d.template: d for d in session.scalars(select(Dispatch).where(Dispatch.channel == "courrier"))}
    assert letters["etape_assignation"].status == "delivered"
    assert (letters["information_etat"].status, letters["information_etat"].reason) == ("cancelled", "duplicate")
    assert letters["information_etat"].merged_into_id == letters["etape_assignation"].id
    # The landlord never sees the DSF.
    assert tasks(client, landlord, statut="toutes", a_venir=True) == []
    view = client.get("/api/v1/signalements/BAIL-9", headers=landlord)
    assert view.status_code == 200 and "dsf" not in view.text.lower()

    # The household answers the first offer: the second offer stops, the CCAPEX and transmission deadlines stay.
    agent = add_worker(client, departement, "Travailleuse sociale")
    done = complete(client, departement, everything["dsf_contact"]["id"], agent, "rendez_vous_fixe")
    assert done.status_code == 200, done.text
    after = {t["type"]: t["statut"] for t in tasks(client, departement, statut="toutes", a_venir=True)}
    assert after == {"dsf_contact": "completed", "dsf_relance": "cancelled", "dsf_ccapex": "pending",
                     "dsf_transmission": "pending"}
    # Administrative steps are closed without an outcome code.
    assert complete(client, departement, everything["dsf_ccapex"]["id"], agent, None).status_code == 200
    clock.advance(days=7)
    runtime.tick()
    assert len(task_rows(runtime)) == 4


def test_without_a_response_the_second_offer_opens_on_its_day(runtime: Runtime, client: TestClient,
                                                               clock: Clock) -> None:
    headers = _setup(runtime)
    client.post("/api/v1/signalements", headers=headers["DDETS 44"], json=[_household()])
    runtime.tick()
    agent = add_worker(client, headers["Département 44"], "Agent")
    contact = _by_kind(tasks(client, headers["Département 44"]))["dsf_contact"]
    assert complete(client, headers["Département 44"], contact["id"], agent, "pas_de_reponse").status_code == 200
    relance = _by_kind(tasks(client, headers["Département 44"], a_venir=True))["dsf_relance"]
    assert client.post(f"/api/v1/taches/{relance['id']}/reserver", headers=headers["Département 44"],
                       json={"agent_id": agent}).status_code == 422  # not open yet
    clock.now = clock.now.replace(year=2027, month=1, day=12, hour=8)
    assert "dsf_relance" in _by_kind(tasks(client, headers["Département 44"]))


def test_hearing_date_known_later_completes_the_chain_in_the_referents_queue(runtime: Runtime, client: TestClient,
                                                                             clock: Clock) -> None:
    headers = _setup(runtime)
    ccas = headers["CCAS Nantes"]
    row = _household(date_audience=None, telephone=None)
    client.post("/api/v1/signalements", headers=headers["DDETS 44"], json=[row])
    with runtime.session_factory.begin() as session:
        household = session.scalars(select(Household)).one()
        household.referent_partner_id = session.scalars(select(Partner.id).where(Partner.name == "CCAS Nantes")).one()
    runtime.tick()
    # No phone: the DSF call step is skipped, the DSF chain is opened all the same, in the referent's queue.
    with runtime.session_factory() as session:
        step = session.scalars(select(Dispatch).where(Dispatch.channel == "appel")).one()
        assert (step.status, step.reason) == ("skipped", "no_channel")
    assert sorted(_by_kind(tasks(client, ccas, a_venir=True))) == ["dsf_contact"]
    assert tasks(client, headers["Département 44"], statut="toutes", a_venir=True) == []
    clock.advance(days=2)
    client.post("/api/v1/signalements", headers=headers["DDETS 44"], json=[{**row, "date_audience": HEARING}])
    runtime.tick()
    runtime.tick()
    chain = _by_kind(tasks(client, ccas, a_venir=True))
    assert sorted(chain) == ["dsf_ccapex", "dsf_contact", "dsf_relance", "dsf_transmission"]
    assert chain["dsf_transmission"]["echeance"] == "2027-01-26T23:00:00+00:00"
    # Received on 25 November (entry into the stage), not on the day the hearing date arrived.
    assert chain["dsf_contact"]["echeance"] == "2026-12-16T23:00:00+00:00"


def test_only_a_call_or_visit_step_opens_the_dsf_chain() -> None:
    with pytest.raises(ValidationError, match="chaîne DSF"):
        StepSpec.model_validate({"channel": "courrier", "template": "information_etat", "dsf": True})
    assert StepSpec.model_validate({"channel": "visite", "dsf": True}).dsf is True
