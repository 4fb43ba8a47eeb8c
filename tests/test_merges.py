"""Review list and merges through the API: accept merges, undo restores both households exactly, reject sticks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from api.routers import rapprochements
from campaigns.models import (
    AnswerLink,
    Dispatch,
    Enrollment,
    Household,
    HouseholdMerge,
    LinkReview,
    Response,
    StageEntry,
)
from campaigns.runtime.root import Runtime
from tests.conftest import Clock, new_partner
from tests.factories import campaign, signalement

# Known to the CAF with a birth date twenty years off (a keying error, or a parent of the same names?), without
# phone nor CAF number: same name, same address, so only a review. (It was 21/07/1987: dates less than a
# generation apart are now weighed, not capped, and the same names at one address with such a date are linked.)
UNCERTAIN = {"date_naissance": "21/07/1965", "telephone": None, "numero_allocataire": None}


@pytest.fixture
def api(runtime: Runtime) -> Iterator[TestClient]:
    app = create_app(runtime)
    if not any(getattr(route, "path", "") == "/api/v1/rapprochements" for route in app.routes):
        app.include_router(rapprochements.router)  # until api/app.py includes it
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def partners(runtime: Runtime) -> dict[str, dict[str, str]]:
    _, ddets = new_partner(runtime, "DDETS 44", "etat")
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    _, caf = new_partner(runtime, "CAF 44", "caf")
    campaign(runtime, owner="DDETS 44", stages=["commandement_de_payer", "assignation"])
    return {"ddets": ddets, "bailleur": bailleur, "caf": caf}


def _push(client: TestClient, headers: dict[str, str], rows: list[dict[str, Any]]) -> None:
    answer = client.post("/api/v1/signalements", json=rows, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["rejetes"] == 0


def _state(runtime: Runtime) -> dict[str, Any]:
    """Everything a merge touches, as plain values."""
    with runtime.session_factory() as session:
        return {
            "households": sorted(session.execute(
                select(Household.id, Household.stage, Household.current_entry_id, Household.merged_into_id)).all()),
            "dispatches": sorted(session.execute(
                select(Dispatch.id, Dispatch.household_id, Dispatch.status, Dispatch.reason, Dispatch.finished_at,
                       Dispatch.stage_entry_id)).all()),
            "responses": sorted(session.execute(
                select(Response.id, Response.household_id, Response.stage_entry_id)).all()),
            "entries": sorted(session.execute(
                select(StageEntry.id, StageEntry.household_id, StageEntry.stage, StageEntry.left_at,
                       StageEntry.left_reason)).all()),
            "enrollments": sorted(session.execute(select(Enrollment.id, Enrollment.household_id)).all()),
            "links": sorted(session.execute(select(AnswerLink.id, AnswerLink.household_id)).all()),
        }


def _pending_reviews(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    answer = client.get("/api/v1/rapprochements", headers=headers)
    assert answer.status_code == 200, answer.text
    reviews: list[dict[str, Any]] = answer.json()["rapprochements"]
    return reviews


def test_uncertain_pair_is_listed_with_both_sides(runtime: Runtime, api: TestClient, partners: dict[str, Any]
                                                  ) -> None:
    _push(api, partners["bailleur"], [signalement("B-1")])
    _push(api, partners["caf"], [signalement("C-1", nom="BENALI", adresse="12 r des Lilas", **UNCERTAIN)])
    reviews = _pending_reviews(api, partners["ddets"])
    assert len(reviews) == 1
    review = reviews[0]
    assert review["dossier"]["partenaire"] == "CAF 44" and review["dossier"]["reference"] == "C-1"
    assert review["candidat"]["partenaire"] == "Habitat 44" and review["candidat"]["date_naissance"] == "1985-03-12"
    assert review["dossier"]["menage"] != review["candidat"]["menage"]
    assert "dates de naissance différentes" in review["explication"] and review["score"] > 0
    assert api.get("/api/v1/rapprochements", headers=partners["bailleur"]).status_code == 403
    assert api.get("/api/v1/rapprochements?statut=rejected", headers=partners["ddets"]).json() == {
        "rapprochements": []}


def test_accept_merges_and_undo_restores_both_households(runtime: Runtime, api: TestClient, clock: Clock,
                                                          partners: dict[str, Any]) -> None:
    _push(api, partners["bailleur"], [signalement("B-1")])
    _push(api, partners["caf"], [signalement("C-1", **UNCERTAIN)])
    assert runtime.tick() == 2  # each household's letter
    answer = api.post("/api/v1/reponses", headers=partners["bailleur"],
                      json={"reference": "B-1", "canal": "appel", "nature": "appel_entrant",
                            "motif_menage": "rendez_vous_honore"})
    # With an attributed reason the DDETS's SMS and call stop; the bailleur is told its own count only
    # (docs/security.md, rules 1 and 2).
    assert answer.json()["contacts_annules"] == 0
    before = _state(runtime)
    review_id = _pending_reviews(api, partners["ddets"])[0]["id"]

    accepted = api.post(f"/api/v1/rapprochements/{review_id}/accepter", headers=partners["ddets"])
    assert accepted.status_code == 200, accepted.text
    merge_id, kept = accepted.json()["fusion_id"], accepted.json()["menage"]
    merged = _state(runtime)
    assert {h for _, h, *_ in merged["dispatches"]} == {kept}
    assert {h for _, h, _ in merged["responses"]} == {kept}
    # The letters' answer links follow the household (an opt-out through a link keeps its effect after a merge).
    assert len(merged["links"]) == 2 and {h for _, h in merged["links"]} == {kept}
    absorbed = [h for h in merged["households"] if h[3] == kept]
    assert len(absorbed) == 1 and absorbed[0][1:3] == (None, None)
    # The CAF household's pending SMS and call were duplicates of the kept household's (already answered).
    assert sorted((d[2], d[3]) for d in merged["dispatches"] if d[2] != "delivered") == [
        ("cancelled", "duplicate"), ("cancelled", "duplicate"), ("cancelled", "responded_other_campaign"),
        ("cancelled", "responded_other_campaign")]
    view = api.get("/api/v1/signalements/C-1", headers=partners["caf"]).json()
    # The bailleur's answer stops everyone's letters, but the CAF is not told of another partner's record (rule 1).
    assert view["reponse_recue_au_stade_actuel"] is False
    fusions = api.get("/api/v1/fusions", headers=partners["ddets"]).json()["fusions"]
    assert [(f["id"], f["decide_par"], f["rapprochement_id"], f["annulee_le"]) for f in fusions] == [
        (merge_id, "DDETS 44", review_id, None)]
    assert "accepté" in fusions[0]["motif"]
    assert api.post(f"/api/v1/rapprochements/{review_id}/accepter", headers=partners["ddets"]).status_code == 409

    clock.advance(hours=2)
    undone = api.post(f"/api/v1/fusions/{merge_id}/annuler", headers=partners["ddets"])
    assert undone.status_code == 200, undone.text
    assert _state(runtime) == before
    assert api.post(f"/api/v1/fusions/{merge_id}/annuler", headers=partners["ddets"]).status_code == 409
    fusion = api.get("/api/v1/fusions", headers=partners["ddets"]).json()["fusions"][0]
    assert fusion["annulee_par"] == "DDETS 44" and fusion["annulee_le"]
    # The undone pair counts as judged: it is not proposed again.
    assert _pending_reviews(api, partners["ddets"]) == []
    _push(api, partners["caf"], [signalement("C-1", **UNCERTAIN, complement_adresse="appt 2")])
    assert _pending_reviews(api, partners["ddets"]) == []


def test_undo_reverts_a_stage_move_caused_by_the_merge(runtime: Runtime, api: TestClient,
                                                       partners: dict[str, Any]) -> None:
    _push(api, partners["bailleur"], [signalement("B-1")])
    # The State's case (it moves a household: docs/security.md, rule 6) is further on than the landlord's.
    _push(api, partners["ddets"], [signalement("C-1", stade="assignation", **UNCERTAIN)])
    before = _state(runtime)
    review_id = _pending_reviews(api, partners["ddets"])[0]["id"]
    merge_id = api.post(f"/api/v1/rapprochements/{review_id}/accepter", headers=partners["ddets"]).json()["fusion_id"]
    with runtime.session_factory() as session:
        merge = session.get_one(HouseholdMerge, merge_id)
        kept = session.get_one(Household, merge.into_household_id)
        assert kept.stage == "assignation"  # the kept household moved with the State's case
        assert merge.moved["into_move"]["previous_stage"] == "commandement_de_payer"
    assert api.post(f"/api/v1/fusions/{merge_id}/annuler", headers=partners["ddets"]).status_code == 200
    after = _state(runtime)
    assert after["households"] == before["households"]
    assert after["responses"] == before["responses"]
    # The contacts planned for the merged stay are kept for the record, cancelled; the others are as before.
    assert [d for d in after["dispatches"] if d[0] <= max(d[0] for d in before["dispatches"])] == before["dispatches"]
    assert {(d[2], d[3]) for d in after["dispatches"][len(before["dispatches"]):]} == {("cancelled", "stage_changed")}


def test_rejected_pair_is_not_proposed_again(runtime: Runtime, api: TestClient, partners: dict[str, Any]) -> None:
    _push(api, partners["bailleur"], [signalement("B-1")])
    _push(api, partners["caf"], [signalement("C-1", **UNCERTAIN)])
    review_id = _pending_reviews(api, partners["ddets"])[0]["id"]
    rejected = api.post(f"/api/v1/rapprochements/{review_id}/rejeter", headers=partners["ddets"])
    assert rejected.status_code == 200 and rejected.json()["statut"] == "rejected"
    assert api.post(f"/api/v1/rapprochements/{review_id}/rejeter", headers=partners["ddets"]).status_code == 409
    # Re-pushed with other identity details: the same pair of cases is compared again, and stays apart.
    _push(api, partners["caf"], [signalement("C-1", **UNCERTAIN, complement_adresse="Bât A")])
    _push(api, partners["caf"], [signalement("C-1", **UNCERTAIN, stade="assignation")])
    assert _pending_reviews(api, partners["ddets"]) == []
    with runtime.session_factory() as session:
        assert [r.status for r in session.scalars(select(LinkReview))] == ["rejected"]
        assert len(set(session.scalars(select(Household.id)))) == 2


def test_updated_identity_proposes_a_review_never_a_merge(runtime: Runtime, api: TestClient,
                                                          partners: dict[str, Any]) -> None:
    _push(api, partners["bailleur"], [signalement("B-1")])
    _push(api, partners["caf"], [signalement("C-1", nom="Durand", prenom="Paul", date_naissance="05/05/1990",
                                             adresse="3 place Royale", telephone=None, numero_allocataire=None)])
    assert _pending_reviews(api, partners["ddets"]) == []
    # The CAF corrects its file: it was the Benali household all along. A pilot decides.
    _push(api, partners["caf"], [signalement("C-1", telephone=None, numero_allocataire=None)])
    reviews = _pending_reviews(api, partners["ddets"])
    assert [(r["dossier"]["reference"], r["candidat"]["reference"]) for r in reviews] == [("C-1", "B-1")]
    with runtime.session_factory() as session:
        assert len(set(session.scalars(select(Household.id)))) == 2


def test_unknown_ids_and_non_owners(runtime: Runtime, api: TestClient, partners: dict[str, Any]) -> None:
    owner = partners["ddets"]
    assert api.post("/api/v1/rapprochements/999/accepter", headers=owner).status_code == 404
    assert api.post("/api/v1/rapprochements/999/rejeter", headers=owner).status_code == 404
    assert api.post("/api/v1/fusions/999/annuler", headers=owner).status_code == 404
    assert api.get("/api/v1/fusions", headers=partners["bailleur"]).status_code == 403
    assert api.post("/api/v1/fusions/1/annuler", headers=partners["caf"]).status_code == 403
    assert api.get("/api/v1/fusions").status_code == 401
