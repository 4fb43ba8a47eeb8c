"""Rule 1 of docs/security.md attacked through the pages (issue 19): a second bailleur's account, whose case about a
tenant joined the household another bailleur and the State follow, opens « Mes ménages », the household's page (by
its own case's number, by another's, by the household's number) and searches for what the others know. Nothing it
reads may differ from what it reads about a person nobody else knows; a number it may not open answers exactly as a
number that does not exist (404 on its pages, 403 on the pilots' pages whatever the number)."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from campaigns.models import Case
from tests.security.authority_world import KNOWN, LANDLORD, STATE, STRANGER, UNKNOWN, World, stranger_row, world
from tests.security.test_authority_no_oracle import _shared_household
from tests.test_web_auth import csrf_of, log_in, new_user

__all__ = ["world"]

# What the stranger must never read: the landlord's reference and name, the State's campaign, the stage, dates and
# hearing the landlord reported, the other partners' names.
THEIRS = ("A-1", LANDLORD, STATE, "Courriers de l'État", "ssignation", "02/10/2026", "15/01/2027", "1 234,56",
          "12 rue des Lilas", "06 12 34 56 78", "Relance Habitat")


def _account(world: World, email: str, partner: str) -> TestClient:
    new_user(world.runtime, email=email, role="bailleur", partner=partner)
    client = TestClient(world.client.app)
    assert log_in(client, email=email).status_code == 303  # type: ignore[attr-defined]
    return client


def _cases(world: World) -> dict[str, tuple[int, int]]:
    with world.runtime.session_factory() as session:
        return {ref: (case_id, household) for ref, case_id, household in
                session.execute(select(Case.reference, Case.id, Case.household_id))}


def _twin(text: str, reference: str, who: dict[str, str], case_id: int) -> str:
    """A page about one person made comparable with its twin's: her name, reference and case number taken out."""
    text = text.replace(f"{who['prenom']} {who['nom'].upper()}", "PERSONNE").replace(reference, "REF")
    return re.sub(rf"/mes-menages/{case_id}\b", "/mes-menages/N", text)


def _leaks(page: str) -> list[str]:
    """The markers of others' knowledge in a page, the stage filter's list of every stage left out."""
    text = html.unescape(re.sub(r"<select.*?</select>", "", page, flags=re.S)).lower()
    return [marker for marker in THEIRS if marker.lower() in text]


def _row(listing: str, case_id: int) -> str:
    found = re.search(rf'<tr>\s*<td><a class="fr-link" href="/mes-menages/{case_id}">.*?</tr>', listing, re.S)
    assert found is not None, listing
    return found[0]


def test_a_second_bailleur_reads_the_same_pages_as_for_a_person_nobody_knows(world: World) -> None:
    _shared_household(world)
    world.push(world.stranger, [stranger_row("B-1", KNOWN), stranger_row("B-2", UNKNOWN)])
    world.runtime.tick()
    cases = _cases(world)
    assert cases["B-1"][1] == cases["A-1"][1] != cases["B-2"][1]  # the link is made: that is the service's point
    stranger = _account(world, "gestion@harmonie.fr", STRANGER)

    listing = stranger.get("/mes-menages")
    assert listing.status_code == 200 and listing.headers["cache-control"] == "no-store"
    assert "2 ménages." in listing.text
    shared_row, alone_row = _row(listing.text, cases["B-1"][0]), _row(listing.text, cases["B-2"][0])
    assert _twin(shared_row, "B-1", KNOWN, cases["B-1"][0]) == _twin(alone_row, "B-2", UNKNOWN, cases["B-2"][0])
    assert "Aucun envoi" in shared_row and "Aucune réponse" in shared_row and "Ouvert" in shared_row

    shared, alone = (stranger.get(f"/mes-menages/{cases[ref][0]}") for ref in ("B-1", "B-2"))
    assert shared.status_code == alone.status_code == 200 and shared.headers["cache-control"] == "no-store"
    assert _twin(shared.text, "B-1", KNOWN, cases["B-1"][0]) == _twin(alone.text, "B-2", UNKNOWN, cases["B-2"][0])
    assert "Impayé de loyer" in shared.text and "0 contact de vos campagnes, 0 réponse enregistrée" in shared.text
    for page in (listing, shared):
        assert _leaks(page.text) == []
        # The household's number is never shown to a bailleur (an old number would say someone knew her first).
        assert f"/menages/{cases['B-1'][1]}" not in page.text and "n° " + str(cases["B-1"][1]) not in page.text


def test_another_case_or_household_number_answers_as_an_unknown_one(world: World) -> None:
    _shared_household(world)
    world.push(world.stranger, [stranger_row("B-1", KNOWN)])
    cases = _cases(world)
    stranger = _account(world, "gestion@harmonie.fr", STRANGER)
    unknown = stranger.get("/mes-menages/999999")
    assert unknown.status_code == 404
    # By the number of the landlord's case of the same household: the unknown number's page, to the byte.
    answer = stranger.get(f"/mes-menages/{cases['A-1'][0]}")
    assert (answer.status_code, answer.text) == (404, unknown.text)
    # The pilots' and workers' household pages refuse a bailleur whatever the number: no 404/403 difference.
    for path in ("/menages/{}", "/mes-taches/{}/menage"):
        refused = stranger.get(path.format(999999))
        assert refused.status_code == 403
        assert (stranger.get(path.format(cases["A-1"][1])).status_code,
                stranger.get(path.format(cases["A-1"][1])).text) == (403, refused.text)


def test_a_search_finds_the_bailleurs_own_cases_only(world: World) -> None:
    _shared_household(world)
    world.push(world.stranger, [stranger_row("B-1", KNOWN)])
    cases = _cases(world)
    stranger = _account(world, "gestion@harmonie.fr", STRANGER)
    token = csrf_of(stranger.get("/mes-menages").text)

    def search(text: str) -> str:
        answer = stranger.post("/mes-menages", data={"csrf_token": token, "recherche": text})
        assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store", answer.text
        return answer.text

    # The landlord's tenant's address: the answer to a word nobody wrote.
    assert "Aucun résultat pour « Zzyva »" in search("Zzyva")
    assert search("Lilas").replace("Lilas", "Zzyva") == search("Zzyva")
    # The landlord's reference finds, at most, the stranger's own cases (« A-1 » is « A » and « 1 »: Aïcha, B-1).
    by_reference = search("A-1")
    assert set(re.findall(r'href="/mes-menages/(\d+)"', by_reference)) <= {str(cases["B-1"][0])}
    assert _leaks(by_reference.replace("« A-1 »", "").replace('value="A-1"', "")) == []
    # Her name finds the stranger's own case of her, and that alone.
    found = search("benali")
    assert "1 ménage pour « benali »" in found and "B-1" in found
    assert _leaks(found) == []
    # The search never goes into an address: no link nor form target carries it.
    assert not re.search(r'(href|action)="[^"]*benali', found, re.I)
