"""Migrations d4b8e2f6a1c3 and e2a6c8f4b1d7 (docs/security.md, rule 7): the open cases of every partner but the
pilots get their stays, on both backends."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from campaigns.runtime import migrate
from campaigns.runtime.root import Runtime
from tests.conftest import new_partner
from tests.factories import signalement

BEFORE = "c3e8a1f5d7b2"
STRUCTURES_BEFORE = "c5a9e3d7f1b2"


def _migrate(runtime: Runtime, revision: str, *, down: bool = False) -> None:
    migrate.run(runtime.engine, revision, down=down)


def test_the_migration_gives_the_bailleurs_open_cases_their_stays(runtime: Runtime, client: TestClient) -> None:
    _, state = new_partner(runtime, "DDETS 44", "etat")
    _, landlord = new_partner(runtime, "Habitat 44", "bailleur_social")
    _, second = new_partner(runtime, "Harmonie Habitat", "bailleur_social")
    for headers, row in ((state, signalement("E-1", stade="assignation")),
                         (landlord, signalement("A-1", stade="assignation")),
                         (second, signalement("B-1", stade="jugement")),
                         (second, signalement("B-2", nom="Durand", date_naissance="07/07/1977", stade="cloture",
                                              motif_cloture="relogé"))):
        answer = client.post("/api/v1/signalements", headers=headers, json=[row])
        assert answer.status_code == 200 and answer.json()["rejetes"] == 0, answer.text
    _migrate(runtime, BEFORE, down=True)
    cases, own = _upgrade_without_case_stays(runtime)
    assert cases["A-1"][0] == cases["A-1"][1] is not None  # at the household's stage: its stay
    assert cases["E-1"][0] is None and cases["B-2"][0] is None  # the State's case; a closed case
    assert [tuple(row) for row in own] == [("jugement", "B-1")]  # at another stage: a stay of its own
    assert cases["B-1"][0] not in (None, cases["B-1"][1])


def test_the_migration_gives_the_structures_open_cases_their_stays(runtime: Runtime, client: TestClient) -> None:
    """Migration e2a6c8f4b1d7: rule 7 for the CAF, a CCAS, the ADIL and the associations; the pilots' cases and the
    closed ones get none."""
    _, state = new_partner(runtime, "DDETS 44", "etat")
    _, caf = new_partner(runtime, "CAF 44", "caf")
    _, ccas = new_partner(runtime, "CCAS de Nantes", "ccas")
    for headers, row in ((state, signalement("E-1", stade="assignation")),
                         (caf, signalement("C-1", stade="assignation")),
                         (ccas, signalement("S-1", stade="jugement")),
                         (ccas, signalement("S-2", nom="Durand", date_naissance="07/07/1977", stade="cloture",
                                            motif_cloture="relogé"))):
        answer = client.post("/api/v1/signalements", headers=headers, json=[row])
        assert answer.status_code == 200 and answer.json()["rejetes"] == 0, answer.text
    _migrate(runtime, STRUCTURES_BEFORE, down=True)
    with runtime.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM cases WHERE stay_entry_id IS NOT NULL")).scalar() == 0
    cases, own = _upgrade_without_case_stays(runtime)
    assert cases["C-1"][0] == cases["C-1"][1] is not None  # at the household's stage: its stay
    assert cases["E-1"][0] is None and cases["S-2"][0] is None  # the State's case; a closed case
    assert [tuple(row) for row in own] == [("jugement", "S-1")]  # at another stage: a stay of its own
    assert cases["S-1"][0] not in (None, cases["S-1"][1])


def _upgrade_without_case_stays(runtime: Runtime) -> tuple[dict[str, tuple[Any, Any]], list[Any]]:
    """Drops the stays the cases had (rows as the previous version left them), migrates to head and returns each
    case's stay and its household's current stay, and the stays of a case of its own."""
    with runtime.engine.begin() as connection:
        connection.execute(text("DELETE FROM stage_entries WHERE id NOT IN (SELECT current_entry_id FROM households "
                                "WHERE current_entry_id IS NOT NULL) AND id NOT IN (SELECT stage_entry_id FROM "
                                "enrollments) AND id NOT IN (SELECT stage_entry_id FROM dispatches)"))
    _migrate(runtime, "head")
    with runtime.engine.connect() as connection:
        cases = {reference: (stay, current) for reference, stay, current in connection.execute(text(
            "SELECT c.reference, c.stay_entry_id, h.current_entry_id FROM cases c "
            "JOIN households h ON h.id = c.household_id"))}
        own = list(connection.execute(text("SELECT e.stage, c.reference FROM stage_entries e "
                                           "JOIN cases c ON c.id = e.case_id")).all())
    return cases, own
