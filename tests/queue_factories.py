"""Helpers for the queue tests: structures with workers, a call or visit task in their queue."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from campaigns.models import Dispatch, HumanTask, Partner
from campaigns.runtime.root import Runtime
from tests.conftest import new_partner
from tests.factories import campaign, signalement


def add_worker(client: TestClient, headers: dict[str, str], name: str = "Agent A", *,
               supervisor: bool = False) -> int:
    answer = client.post("/api/v1/agents", headers=headers, json={"nom": name, "superviseur": supervisor})
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def tasks(client: TestClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    answer = client.get("/api/v1/taches", headers=headers, params=params)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["taches"])


def reserve(client: TestClient, headers: dict[str, str], task_id: int, agent: int, **extra: Any) -> Any:
    return client.post(f"/api/v1/taches/{task_id}/reserver", headers=headers, json={"agent_id": agent, **extra})


def complete(client: TestClient, headers: dict[str, str], task_id: int, agent: int, outcome: str | None,
             note: str | None = None) -> Any:
    body: dict[str, Any] = {"agent_id": agent, "resultat": outcome}
    if note is not None:
        body["note"] = note
    return client.post(f"/api/v1/taches/{task_id}/terminer", headers=headers, json=body)


def structure_with_call(runtime: Runtime, client: TestClient, *, steps: list[dict[str, Any]] | None = None,
                        rows: list[dict[str, Any]] | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """A CCAS running its own call campaign, a bailleur pushing one tenant, one tick: a call task in the queue.
    Returns the headers of the CCAS and of the bailleur."""
    _, ccas = new_partner(runtime, "CCAS Nantes", "ccas")
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    with runtime.session_factory.begin() as session:
        partner = session.scalars(select(Partner).where(Partner.name == "Habitat 44")).one()
        partner.contact_phone = "02 40 00 00 00"
    campaign(runtime, owner="CCAS Nantes", name="Appels du CCAS",
             steps=steps or [{"channel": "appel"}, {"channel": "sms", "template": "relance", "delay_days": 7}])
    answer = client.post("/api/v1/signalements", headers=bailleur, json=rows or [signalement("R-1")])
    assert answer.status_code == 200, answer.text
    runtime.tick()
    return ccas, bailleur


def dispatch_rows(runtime: Runtime) -> list[tuple[int, str, str, str | None]]:
    with runtime.session_factory() as session:
        return [(d.household_id, d.channel, d.status, d.reason)
                for d in session.scalars(select(Dispatch).order_by(Dispatch.id))]


def task_rows(runtime: Runtime) -> list[HumanTask]:
    with runtime.session_factory() as session:
        return list(session.scalars(select(HumanTask).order_by(HumanTask.id)))
