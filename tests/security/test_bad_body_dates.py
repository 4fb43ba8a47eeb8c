"""Dates in request bodies have bounds, as query dates do (issue 16): out of range is a 422 with a French message
naming the field, never a 500 (0001-01-01 or 9999-12-31 overflowed the date arithmetic)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from campaigns.runtime.root import Runtime
from tests.conftest import new_partner
from tests.factories import signalement

BOUNDS = "date hors limites : entre le 01/01/1990 et le 31/12/2100"


@pytest.fixture
def world(pg_runtime: Runtime) -> Iterator[tuple[TestClient, dict[str, str], dict[str, str], int]]:
    _, state = new_partner(pg_runtime, "DDETS 44", "etat")
    landlord_id, landlord = new_partner(pg_runtime, "Habitat 44", "bailleur_social")
    with TestClient(create_app(pg_runtime), raise_server_exceptions=False) as client:
        assert client.post("/api/v1/signalements", headers=landlord, json=[signalement("R-1")]).status_code == 200
        yield client, state, landlord, landlord_id


def _bodies(landlord_id: int, day: str) -> list[tuple[str, str, dict[str, Any], str]]:
    """(who, path, body, field) of every API body carrying a date."""
    return [
        ("landlord", "/api/v1/reponses", {"reference": "R-1", "canal": "appel", "nature": "appel_entrant",
                                          "date": day}, "date"),
        ("landlord", "/api/v1/reponses", {"reference": "R-1", "canal": "appel", "nature": "appel_entrant",
                                          "date": f"{day}T10:00:00"}, "date"),
        ("state", "/api/v1/attributions", {"depuis": day}, "depuis"),
        ("state", f"/api/v1/admin/partenaires/{landlord_id}/cles", {"dernier_jour": day}, "dernier_jour"),
        ("state", "/api/v1/admin/partenaires", {"nom": "CCAS de Rezé", "type": "ccas", "dernier_jour_cle": day},
         "dernier_jour_cle"),
        ("landlord", "/api/v1/taches/1/reserver", {"agent_id": 1, "date_prevue": day}, "date_prevue"),
    ]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1989-12-31", "2101-01-01"])
def test_body_dates_out_of_range_are_422_naming_the_field(
    world: tuple[TestClient, dict[str, str], dict[str, str], int], day: str
) -> None:
    client, state, landlord, landlord_id = world
    for who, path, body, field in _bodies(landlord_id, day):
        answer = client.post(path, headers=state if who == "state" else landlord, json=body)
        assert answer.status_code == 422, (path, body, answer.status_code, answer.text)
        assert {"champ": field, "motif": BOUNDS} in answer.json()["detail"], (path, answer.text)


def test_body_dates_in_range_still_work(world: tuple[TestClient, dict[str, str], dict[str, str], int]) -> None:
    client, state, landlord, landlord_id = world
    answer = client.post("/api/v1/reponses", headers=landlord, json={
        "reference": "R-1", "canal": "appel", "nature": "appel_entrant", "date": "2026-11-24"})
    assert answer.status_code == 201, answer.text
    key = client.post(f"/api/v1/admin/partenaires/{landlord_id}/cles", headers=state,
                      json={"dernier_jour": "2100-12-31"})
    assert key.status_code == 201, key.text
    assert client.post("/api/v1/attributions", headers=state, json={"depuis": "1990-01-01"}).status_code == 200
