"""A shared household as a stranger partner meets it (docs/security.md): the DDETS pilot, a bailleur that knows the
tenant (A), and a second partner (B) with its own valid key, created through the admin API as an operator would."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from campaigns.runtime.root import Runtime
from tests.conftest import Clock, new_partner
from tests.factories import signalement

STATE = "DDETS 44"
LANDLORD = "Habitat 44"
STRANGER = "Harmonie Habitat"
# What the stranger knows of the tenant: her name and birth date, and an e-mail of its own for her (every pushed row
# needs a channel; the landlord's row has no e-mail, so this one neither links nor separates the two cases).
KNOWN = {"nom": "Benali", "prenom": "Aïcha", "date_naissance": "12/03/1985", "email": "a.benali@harmonie.example"}
# Another person, known to nobody: the stranger's row about her is the "empty base" twin of its row about Aïcha.
UNKNOWN = {"nom": "Lefebvre", "prenom": "Odile", "date_naissance": "07/07/1977", "email": "o.lefebvre@harmonie.example"}


@dataclass
class World:
    client: TestClient
    runtime: Runtime
    clock: Clock
    state: dict[str, str]
    landlord: dict[str, str]
    stranger: dict[str, str]

    def push(self, headers: dict[str, str], rows: list[dict[str, Any]]) -> dict[str, Any]:
        answer = self.client.post("/api/v1/signalements", headers=headers, json=rows)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def view(self, headers: dict[str, str], reference: str) -> dict[str, Any]:
        answer = self.client.get(f"/api/v1/signalements/{reference}", headers=headers)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def campaign(self, **spec: Any) -> None:
        answer = self.client.put("/api/v1/campagnes", headers=self.state,
                                 json={"stages": ["commandement_de_payer", "assignation"], **spec})
        assert answer.status_code == 200, answer.text


def admin_partner(client: TestClient, pilot: dict[str, str], name: str, kind: str) -> dict[str, str]:
    """A partner and its first key, created by the pilot through POST /api/v1/admin/partenaires."""
    answer = client.post("/api/v1/admin/partenaires", headers=pilot, json={"nom": name, "type": kind})
    assert answer.status_code == 201, answer.text
    return {"Authorization": f"Bearer {answer.json()['cle']}"}


def stranger_row(reference: str, who: dict[str, str], **extra: Any) -> dict[str, Any]:
    """A row built from a name, a birth date and the partner's own e-mail for the person (and its own stage and
    place)."""
    row = {"reference": reference, "stade": "impaye", "date_stade": "23/11/2026", "commune": "Nantes",
           "code_postal": "44000", **who, **extra}
    return {k: v for k, v in row.items() if v is not None}


def landlord_row(reference: str = "A-1", **extra: Any) -> dict[str, Any]:
    return signalement(reference, **{"stade": "assignation", "date_stade": "02/10/2026",
                                     "date_audience": "15/01/2027", **extra})


@pytest.fixture
def world(pg_runtime: Runtime, clock: Clock) -> Iterator[World]:
    # The first pilot key is issued as `chaine partenaires ajouter` does; every other key through the admin API.
    _, state = new_partner(pg_runtime, STATE, "etat")
    with TestClient(create_app(pg_runtime)) as client:
        landlord = admin_partner(client, state, LANDLORD, "bailleur_social")
        stranger = admin_partner(client, state, STRANGER, "bailleur_social")
        yield World(client, pg_runtime, clock, state, landlord, stranger)
