"""Whatever a stored row holds, the tick never crashes (issue 16): a value out of every bound forced into the
database (a procedure date of 0001-01-01 or 9999-12-31) sets that household aside with its error, shown to the
operator among the alerts, and the tick goes on with every other household."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from api.app import create_app
from campaigns.campaign.alerts import alerts
from campaigns.models import Case, Dispatch, DispatchStatus, HumanTask
from campaigns.runtime.root import Runtime
from tests.conftest import Clock, new_partner
from tests.factories import campaign, signalement

ASSIGNATION = ["assignation"]


def _household(reference: str, nom: str) -> dict[str, Any]:
    n = int(reference[-1])  # three different people: nothing links them into one household
    return signalement(reference, nom=nom, stade="assignation", date_stade="25/11/2026", parc="prive",
                       allocataire="non", date_audience="02/02/2027", date_naissance=f"0{n}/02/197{n}",
                       adresse=f"{n} rue des Lilas", telephone=f"06 12 34 56 7{n}", numero_allocataire=f"12345{n}")


def _setup(runtime: Runtime) -> tuple[dict[str, str], int]:
    headers = new_partner(runtime, "DDETS 44", "etat")[1]
    new_partner(runtime, "Département 44", "departement")
    state = campaign(runtime, owner="DDETS 44", name="Courrier de l'État à l'assignation", stages=ASSIGNATION,
             steps=[{"channel": "courrier", "template": "etape_assignation", "regulatory": True},
                    {"channel": "sms", "template": "relance", "delay_days": 1}])
    campaign(runtime, owner="Département 44", name="Diagnostic social et financier", stages=ASSIGNATION,
             segment={"parc": ["prive"]}, steps=[{"channel": "appel", "dsf": True}])
    return headers, state


@pytest.mark.parametrize("bad_day", ["0001-01-01", "9999-12-31"])
def test_a_bad_stored_date_sets_its_household_aside_and_the_tick_goes_on(
    pg_runtime: Runtime, clock: Clock, bad_day: str
) -> None:
    runtime = pg_runtime
    headers, _ = _setup(runtime)
    with TestClient(create_app(runtime)) as client:
        pushed = client.post("/api/v1/signalements", headers=headers,
                             json=[_household("A-1", "Martin"), _household("A-2", "Durand"),
                                   _household("A-3", "Petit")])
        assert pushed.json()["crees"] == 3
    with runtime.session_factory.begin() as session:
        bad = session.scalars(select(Case.household_id).where(Case.reference == "A-2")).one()
        # Forced past the validation, as an old import, a manual fix or a restored backup could have stored it.
        for column in ("date_audience", "date_stade", "date_premier_impaye"):
            session.execute(text(f"UPDATE cases SET {column} = :day WHERE reference = 'A-2'"), {"day": bad_day})
    runtime.tick()  # crashed here before (an overflow in the scheduling arithmetic), for every household
    clock.advance(days=2, hours=1)
    runtime.tick()
    runtime.tick()
    with runtime.session_factory() as session:
        letters = session.execute(select(Dispatch.household_id, Dispatch.status).where(
            Dispatch.channel == "courrier")).all()
        tasks = session.scalars(select(HumanTask.household_id).where(HumanTask.kind == "dsf_contact")).all()
        found = alerts(session, now=clock())
    good = {household for household, status in letters if status == DispatchStatus.DELIVERED} - {bad}
    assert len(good) == 2  # the two other households got their letter
    assert len(set(tasks) - {bad}) == 2  # and their DSF chain
    aside = [alert for alert in found if alert.kind == "ecartes"]
    assert len(aside) == 1, found
    assert "1 ménage écarté" in aside[0].message and "A-2" not in aside[0].message


def test_the_supervision_api_shows_what_was_set_aside(pg_runtime: Runtime) -> None:
    runtime = pg_runtime
    headers, state = _setup(runtime)
    with TestClient(create_app(runtime)) as client:
        client.post("/api/v1/signalements", headers=headers, json=[_household("A-1", "Martin")])
        with runtime.session_factory.begin() as session:
            session.execute(text("UPDATE cases SET date_audience = '0001-01-01'"))
        runtime.tick()
        answer = client.get(f"/api/v1/campagnes/{state}/supervision", headers=headers)
    assert answer.status_code == 200, answer.text
    assert [a["type"] for a in answer.json()["alertes"]].count("ecartes") == 1
