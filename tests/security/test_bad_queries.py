"""Dates out of range in query parameters answer 422 with a French message, never 500 (issue 16): supervision
`jour=0001-01-01`, evaluation dates in year 9999, and every other date parameter of the JSON API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from campaigns.runtime.root import Runtime
from tests.conftest import new_partner
from tests.factories import campaign

BOUNDS = "date hors limites : entre le 01/01/1990 et le 31/12/2100"


@pytest.fixture
def world(pg_runtime: Runtime) -> Iterator[tuple[TestClient, dict[str, str], int]]:
    _, state = new_partner(pg_runtime, "DDETS 44", "etat")
    campaign_id = campaign(pg_runtime, owner="DDETS 44")
    with TestClient(create_app(pg_runtime), raise_server_exceptions=False) as client:
        yield client, state, campaign_id


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1989-12-31", "2101-01-01"])
def test_date_parameters_out_of_range_are_422(world: tuple[TestClient, dict[str, str], int], day: str) -> None:
    client, state, campaign_id = world
    queries = {
        f"/api/v1/campagnes/{campaign_id}/supervision?jour={day}": "jour",
        f"/api/v1/campagnes/{campaign_id}/simulation?debut={day}": "debut",
        f"/api/v1/evaluation?debut=2026-01-01&fin={day}": "fin",
        f"/api/v1/evaluation?debut={day}&fin=2026-01-01": "debut",
        f"/api/v1/evaluation/export.csv?debut=2026-01-01&fin={day}": "fin",
        f"/api/v1/evaluation/export.xlsx?debut={day}&fin=2026-01-01": "debut",
        f"/api/v1/simulation?debut={day}": "debut",
        f"/api/v1/taches?echeance={day}": "echeance",
        f"/api/v1/taches/tournee?date={day}&agent=1": "date",
        f"/api/v1/journal?du={day}&au=2026-01-01": "du",
    }
    for path, field in queries.items():
        answer = client.get(path, headers=state)
        assert answer.status_code == 422, (path, answer.status_code, answer.text)
        assert {"champ": field, "motif": BOUNDS} in answer.json()["detail"], (path, answer.text)


def test_dates_in_range_still_work(world: tuple[TestClient, dict[str, str], int]) -> None:
    client, state, campaign_id = world
    assert client.get(f"/api/v1/campagnes/{campaign_id}/supervision?jour=2026-11-25", headers=state).status_code == 200
    assert client.get("/api/v1/taches?echeance=2100-12-31", headers=state).status_code == 200


def test_malformed_and_huge_parameters_are_422_in_french(world: tuple[TestClient, dict[str, str], int]) -> None:
    client, state, _ = world
    big = "99999999999999999999"
    answers = {
        "/api/v1/taches?echeance=99999-01-01": {"champ": "echeance", "motif": "date ISO attendue (AAAA-MM-JJ)"},
        "/api/v1/taches?echeance=2026-01-01T10:30": {"champ": "echeance",
                                                     "motif": "date sans heure attendue (AAAA-MM-JJ)"},
        f"/api/v1/taches?agent={big}": {"champ": "agent", "motif": "nombre hors limites : au plus 2147483647"},
        f"/api/v1/imports/{big}": {"champ": "import_id", "motif": "nombre hors limites : au plus 2147483647"},
    }
    for path, error in answers.items():
        answer = client.get(path, headers=state)
        assert answer.status_code == 422 and answer.json()["detail"] == [error], (path, answer.text)
