"""A small world for the household pages (issue 19), built once per test module on PostgreSQL: a bailleur with 27
tenants in Nantes (pages of 25), its own call-then-letter campaign, a CCAS calling every Nantes household, the
DDETS knowing one of the tenants (a shared household) and one household of its own in Rezé; a response, a closed
case, a task completed with a note."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from api.app import create_app
from campaigns.accounts.partners import add_partner, issue_key
from campaigns.accounts.users import add_user
from campaigns.models import Campaign, Case, HumanTask, Partner
from campaigns.platform.db import Base
from campaigns.platform.settings import Settings
from campaigns.runtime.root import Runtime
from tests.conftest import Clock
from tests.factories import campaign, signalement
from tests.test_web_auth import PASSWORD, log_in

HABITAT, DDETS, CCAS = "Habitat 44", "DDETS 44", "CCAS Nantes"
HABITAT_CAMPAIGN, CCAS_CAMPAIGN = "Relance Habitat", "Appels CCAS"
NOTE = "Note confidentielle du CCAS QZ"
TENANTS = 27


def tenant(i: int, **extra: Any) -> dict[str, Any]:
    """The i-th tenant of Habitat 44: her own name, birth date, address and phone (no two link together)."""
    return signalement(f"HAB-{i:03d}", nom="Benali" if i == 1 else f"Nom{i:02d}", prenom=f"Prénom{i:02d}",
                       date_naissance=f"{(i % 28) + 1:02d}/0{(i % 9) + 1}/19{60 + i}",
                       adresse=f"{i} rue des Lilas", telephone=f"06 10 00 00 {i:02d}",
                       numero_allocataire=f"77{i:05d}", **extra)


@dataclass
class World:
    runtime: Runtime
    app: Any
    keys: dict[str, dict[str, str]]
    ids: dict[str, int]

    def signed_in(self, email: str) -> TestClient:
        client = TestClient(self.app)
        assert log_in(client, email=email).status_code == 303  # type: ignore[attr-defined]
        return client


def _truncate(runtime: Runtime) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with runtime.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def _partner(runtime: Runtime, name: str, kind: str) -> dict[str, str]:
    with runtime.session_factory.begin() as session:
        partner = add_partner(session, name=name, kind=kind, now=runtime.clock())
        return {"Authorization": f"Bearer {issue_key(session, partner=partner, now=runtime.clock())}"}


def _accounts(runtime: Runtime) -> None:
    with runtime.session_factory.begin() as session:
        for email, role, owner in (("bailleur@habitat.fr", "bailleur", HABITAT), ("admin@habitat.fr", "admin", HABITAT),
                                   ("operateur@ddets.fr", "operateur", DDETS), ("agent@ccas.fr", "agent", CCAS)):
            partner = session.scalars(select(Partner).where(Partner.name == owner)).one()
            add_user(session, email=email, display_name=email.split("@")[0], password=PASSWORD, partner=partner,
                     role=role, now=runtime.clock())


def build(runtime: Runtime, client: TestClient) -> World:
    keys = {name: _partner(runtime, name, kind) for name, kind in
            ((DDETS, "etat"), (HABITAT, "bailleur_social"), (CCAS, "ccas"))}
    campaign(runtime, owner=HABITAT, name=HABITAT_CAMPAIGN, steps=[
        {"channel": "appel"}, {"channel": "courrier", "template": "etape_commandement_de_payer", "delay_days": 30}])
    campaign(runtime, owner=CCAS, name=CCAS_CAMPAIGN, steps=[{"channel": "appel"}],
             territory={"communes": ["Nantes"]})
    pushed = client.post("/api/v1/signalements", headers=keys[HABITAT],
                         json=[tenant(i) for i in range(1, TENANTS + 1)])
    assert pushed.status_code == 200 and pushed.json()["rejetes"] == 0, pushed.text
    state = client.post("/api/v1/signalements", headers=keys[DDETS], json=[
        {**tenant(1), "reference": "ETA-1", "date_stade": "21/11/2026"},
        signalement("ETA-2", nom="Quennec", prenom="Jules", date_naissance="09/09/1980", adresse="5 rue Jean Jaurès",
                    code_postal="44400", commune="REZE", telephone="06 44 55 66 77", numero_allocataire="1000004")])
    assert state.status_code == 200 and state.json()["rejetes"] == 0, state.text
    runtime.tick()
    closed = client.post("/api/v1/signalements", headers=keys[HABITAT],
                         json=[tenant(27, stade="cloture", motif_cloture="dette soldée")])
    assert closed.status_code == 200 and closed.json()["mis_a_jour"] == 1, closed.text
    answered = client.post("/api/v1/reponses", headers=keys[HABITAT],
                           json={"reference": "HAB-001", "canal": "appel", "nature": "appel_entrant"})
    assert answered.status_code == 201, answered.text
    _accounts(runtime)
    with runtime.session_factory() as session:
        ids = {ref: household for ref, household in session.execute(select(Case.reference, Case.household_id))}
        ids |= {f"case:{ref}": case_id for ref, case_id in session.execute(select(Case.reference, Case.id))}
        ids["ccas_campaign"] = session.scalars(select(Campaign.id).where(Campaign.name == CCAS_CAMPAIGN)).one()
        ids["ccas"] = session.scalars(select(Partner.id).where(Partner.name == CCAS)).one()
        ids["ccas_task"] = session.scalars(select(HumanTask.id).where(
            HumanTask.household_id == ids["HAB-001"], HumanTask.queue_partner_id == ids["ccas"])).one()
        ids["other_task"] = session.scalars(select(HumanTask.id).where(
            HumanTask.queue_partner_id != ids["ccas"]).order_by(HumanTask.id).limit(1)).one()
    worker = client.post("/api/v1/agents", headers=keys[CCAS], json={"nom": "Agent CCAS"}).json()["id"]
    for action, body in (("reserver", {}), ("terminer", {"resultat": "message_laisse", "note": NOTE})):
        done = client.post(f"/api/v1/taches/{ids['ccas_task']}/{action}", headers=keys[CCAS],
                           json={"agent_id": worker, **body})
        assert done.status_code == 200, done.text
    return World(runtime, client.app, keys, ids)


@pytest.fixture(scope="module")
def world(pg_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data: Path = tmp_path_factory.mktemp("menages")
    settings = Settings(database_url=pg_database, data_dir=data, outbox_dir=data / "outbox", rate_limit_per_minute=0)
    runtime = Runtime(settings, clock=Clock())
    _truncate(runtime)
    with TestClient(create_app(runtime)) as client:
        yield build(runtime, client)
    runtime.join_background(30)
    runtime.engine.dispose()
