"""Household linkage through the API: spelling variants of one household are grouped, namesakes are not."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from campaigns.models import Case, Household, LinkReview
from campaigns.runtime.root import Runtime
from tests.conftest import new_partner
from tests.factories import campaign, signalement


def _households(runtime: Runtime) -> dict[str, int]:
    with runtime.session_factory() as session:
        rows = session.execute(select(Case.reference, Case.household_id))
        return {reference: household for reference, household in rows}


def _count(runtime: Runtime, model: Any) -> int:
    with runtime.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _push(client: TestClient, headers: dict[str, str], rows: list[dict[str, Any]]) -> dict[str, Any]:
    answer = client.post("/api/v1/signalements", json=rows, headers=headers)
    assert answer.status_code == 200, answer.text
    report: dict[str, Any] = answer.json()
    assert report["rejetes"] == 0, report["rejets"]
    return report


# The second partner knows the household without allocataire number nor phone: only names, birth dates and
# the address can link it, written the second partner's way.
NO_STRONG_KEY = {"numero_allocataire": None, "telephone": None}
VARIANTS = {
    "accents and case": ({}, {"nom": "BENALI", "prenom": "AICHA"}),
    "inverted nom and prénom": ({}, {"nom": "Aïcha", "prenom": "Benali"}),
    "épouse / née": ({"nom": "Benali épouse Martin"}, {"nom": "Mme MARTIN née BENALI"}),
    "day and month swapped": ({}, {"date_naissance": "03/12/1985"}),
    "bis and abbreviated street type": ({"adresse": "12 bis rue des Lilas", "complement_adresse": "Bât. B"},
                                        {"adresse": "12B, R. DES LILAS", "complement_adresse": "bat B"}),
    "hyphens, apostrophes and particles": ({"nom": "N'Diaye-de la Fontaine", "prenom": "Jean-Pierre"},
                                           {"nom": "NDIAYE DE LA FONTAINE", "prenom": "Jean Pierre"}),
    "St / Saint and CEDEX": ({"adresse": "3 rue Saint-Jacques", "code_postal": "44600", "commune": "Saint-Nazaire"},
                             {"adresse": "3 r St Jacques", "code_postal": "44600", "commune": "ST NAZAIRE CEDEX"}),
    "postcode typo": ({}, {"code_postal": "44100", "adresse": "12, rue des Lilas"}),
    "missing birth date, same CAF number": ({}, {"date_naissance": None, "adresse": None,
                                                 "numero_allocataire": "01234567",
                                                 # a channel is now required; an e-mail the first partner lacks
                                                 "email": "aicha.benali@example.org"}),
    "missing birth date, same dwelling": ({}, {"date_naissance": None}),
}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_spelling_variants_are_one_household(runtime: Runtime, client: TestClient, name: str) -> None:
    first, second = VARIANTS[name]
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    _, ddets = new_partner(runtime, "DDETS 44", "etat")
    _push(client, bailleur, [signalement("B-1", **first)])
    report = _push(client, ddets, [signalement("E-1", **{**NO_STRONG_KEY, **second})])
    assert report["crees"] == 1
    households = _households(runtime)
    assert households["B-1"] == households["E-1"], name
    assert _count(runtime, Household) == 1


def test_co_tenant_pushed_as_titulaire_by_another_partner(runtime: Runtime, client: TestClient) -> None:
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    _, caf = new_partner(runtime, "CAF 44", "caf")
    _push(client, bailleur, [signalement("B-1", nom="Dubois", prenom="Sophie", date_naissance="01/06/1979",
                                         nom_cotitulaire="Benali", prenom_cotitulaire="Karim",
                                         date_naissance_cotitulaire="02/02/1980")])
    _push(client, caf, [signalement("C-7", nom="BENALI", prenom="Karim", date_naissance="02/02/1980",
                                    adresse="12 r. des Lilas", **NO_STRONG_KEY)])
    households = _households(runtime)
    assert households["B-1"] == households["C-7"]
    assert _count(runtime, LinkReview) == 0


def test_couple_pushed_separately_sharing_a_phone_is_one_household(runtime: Runtime, client: TestClient) -> None:
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    _, ddets = new_partner(runtime, "DDETS 44", "etat")
    _push(client, bailleur, [signalement("B-1", complement_adresse="appt 14")])
    _push(client, ddets, [signalement("E-1", prenom="Karim", date_naissance="02/02/1980", numero_allocataire=None,
                                      complement_adresse="Appartement 14")])
    households = _households(runtime)
    assert households["B-1"] == households["E-1"]


def test_father_and_son_same_name_same_address_are_two_households(runtime: Runtime, client: TestClient) -> None:
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    _, ddets = new_partner(runtime, "DDETS 44", "etat")
    _push(client, bailleur, [signalement("B-1", prenom="Karim", date_naissance="12/03/1958")])
    _push(client, ddets, [signalement("E-1", prenom="Karim", date_naissance="12/03/1985", **NO_STRONG_KEY)])
    households = _households(runtime)
    assert households["B-1"] != households["E-1"]
    with runtime.session_factory() as session:
        reviews = session.scalars(select(LinkReview)).all()
    assert len(reviews) <= 1
    for review in reviews:
        assert review.status == "pending"
        assert "ans d'écart" in review.explanation


def test_neighbour_in_another_flat_is_another_household(runtime: Runtime, client: TestClient) -> None:
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    _push(client, bailleur, [
        signalement("B-1", complement_adresse="appt 3"),
        signalement("B-2", nom="Durand", prenom="Paul", date_naissance="05/01/1990", complement_adresse="appt 14",
                    **NO_STRONG_KEY)])
    households = _households(runtime)
    assert households["B-1"] != households["B-2"]
    assert _count(runtime, LinkReview) == 0


def test_same_household_twice_in_one_push_is_linked_within_the_batch(runtime: Runtime, client: TestClient) -> None:
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    _push(client, bailleur, [signalement("B-1"), signalement("B-2", nom="BENALI", **NO_STRONG_KEY)])
    households = _households(runtime)
    assert households["B-1"] == households["B-2"]


SURNAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
            "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier"]
FIRST_NAMES = ["Marie", "Jean", "Nathalie", "Pierre", "Isabelle", "Michel", "Sophie", "Karim", "Aïcha", "Léa",
               "Thomas", "Fatou", "Julien", "Amina", "Loïc"]


def _household(i: int) -> dict[str, Any]:
    born = date(1940, 1, 1) + timedelta(days=53 * i)  # a birth date each: no namesake by construction
    return signalement(
        f"R-{i}", stade="impaye", nom=f"{SURNAMES[i % 20]}", prenom=FIRST_NAMES[i % 15],
        date_naissance=born.strftime("%d/%m/%Y"), adresse=f"{i + 1} avenue de la République",
        telephone=f"06 {i // 100:02d} {i % 100:02d} 12 34", numero_allocataire=str(5_000_000 + i))


def test_scenario_1_bailleur_push_overlapping_known_households(runtime: Runtime, client: TestClient) -> None:
    """docs/domain.md §13 scenario 1, adapted: 300 lines from Habitat 44, 40 of them already known from the State.

    Every row needs a usable channel (postal address with postcode, phone or e-mail) unless marked
    `injoignable=oui`: the 12 lines without phone nor address are rejected with « aucun moyen de contact », as the
    scenario's "some rejected with their reasons". So 288 lines ingested, 40 attached, 248 new households.
    """
    _, ddets = new_partner(runtime, "DDETS 44", "etat")
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    campaign(runtime, owner="DDETS 44", stages=["impaye"])
    known = [_household(i) for i in range(100)]
    _push(client, ddets, known)
    lines = []
    for i in range(40):  # the same households, the bailleur's way: capitals, street type abbreviated, no CAF number
        row = _household(i)
        lines.append({**row, "reference": f"H-{i}", "nom": row["nom"].upper(), "numero_allocataire": None,
                      "adresse": row["adresse"].replace("avenue", "av.")})
    lines += [{**_household(i), "reference": f"H-{i}"} for i in range(100, 348)]
    lines += [{**_household(i), "reference": f"H-{i}", "adresse": None, "telephone": None, "code_postal": None}
              for i in range(348, 360)]
    lines = [{k: v for k, v in row.items() if v is not None} for row in lines]
    answer = client.post("/api/v1/signalements", json=lines, headers=bailleur)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["crees"], report["rejetes"]) == (288, 12)
    assert {(r["reference"], r["champ"]) for r in report["rejets"]} == {(f"H-{i}", "adresse") for i in range(348, 360)}
    assert all(r["motif"].startswith("aucun moyen de contact") for r in report["rejets"])
    households = _households(runtime)
    assert not {f"H-{i}" for i in range(348, 360)} & set(households)
    attached = [i for i in range(40) if households[f"H-{i}"] == households[f"R-{i}"]]
    assert len(attached) == 40
    new = {households[f"H-{i}"] for i in range(100, 348)}
    assert len(new) == 248
    assert not new & {households[f"R-{i}"] for i in range(100)}
    assert _count(runtime, Household) == 100 + 248
    assert _count(runtime, LinkReview) == 0
