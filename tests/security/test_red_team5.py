"""Fifth red-team review (issue 16, docs/security.md): a stranger partner with a valid key knowing a household's
name and birth date (a second bailleur, the CAF), attacking through the HTTP API only.

Each test marked xfail (strict) is a finding that works today: the test performs the attack and asserts the safe
behaviour, so it fails now and passes once the finding is fixed. Twin rows: the stranger pushes the same row about
the tenant others know (KNOWN) and about a person nobody knows (UNKNOWN); on an empty base both contribute the same
figures, so any report splitting them 1/1 tells the stranger which one is known elsewhere."""

from __future__ import annotations

import email
import html
import re
from email import policy
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from campaigns.models import Partner
from tests.factories import signalement
from tests.security.authority_world import (
    KNOWN,
    LANDLORD,
    STATE,
    STRANGER,
    UNKNOWN,
    World,
    admin_partner,
    landlord_row,
    stranger_row,
    world,
)
from tests.security.test_red_team3 import _links, _open_link, _own_email_campaign
from tests.security.test_red_team4 import push_co_tenant_twins
from tests.test_web_auth import new_user
from tests.test_web_tasks import account, post, signed_in

__all__ = ["world"]

REFERENT = "CCAS de Nantes"


def _own_campaign_id(world: World, key: dict[str, str], name: str) -> int:
    listed = world.client.get("/api/v1/campagnes", headers=key)
    assert listed.status_code == 200, listed.text
    [found] = [c["id"] for c in listed.json()["campagnes"] if c["name"] == name]
    return int(found)


def _dry_run(world: World, key: dict[str, str], name: str, **params: Any) -> dict[str, Any]:
    campaign_id = _own_campaign_id(world, key, name)
    answer = world.client.get(f"/api/v1/campagnes/{campaign_id}/simulation", headers=key, params=params)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _state_knows_with_hearing(world: World) -> None:
    """The State's case about the tenant: assigned, hearing on 15 January 2027."""
    world.push(world.state, [signalement("E-1", stade="assignation", date_stade="02/10/2026",
                                         date_audience="15/01/2027")])


def test_a_strangers_own_dry_run_tells_the_hearing_date_others_reported(world: World) -> None:
    """Severity: high. Rule 1 (no oracle).

    Attack: the State knows the tenant (hearing on 15/01/2027). A pilot gives the stranger bailleur a campaign of
    its own (two e-mails, the second 70 days later). The stranger pushes twin rows (KNOWN, UNKNOWN: same stage,
    no hearing date) and reads `GET /api/v1/campagnes/{id}/simulation`: `apres_audience` is `{"email": 1}`, i.e.
    one of its two households has a hearing before 3 February 2027, which it never gave. Moving `debut` (or the
    delays) day by day turns it into the exact hearing date. Safe: the dry run reads its own cases' hearing
    dates (none here), as on an empty base."""
    _state_knows_with_hearing(world)
    world.campaign(name="Relances Harmonie", owner=STRANGER, stages=["impaye"], active=True, steps=[
        {"channel": "email", "template": "etape_{stade}"},
        {"channel": "email", "template": "etape_{stade}", "delay_days": 70}])
    world.push(world.stranger, [stranger_row("B-1", KNOWN), stranger_row("B-2", UNKNOWN)])
    run = _dry_run(world, world.stranger, "Relances Harmonie")
    assert run["menages"] == 2 and run["envoyes"]["email"] == 4, run
    # Today: {"email": 1}: the KNOWN household's second e-mail falls after the State's hearing date.
    assert run["apres_audience"] == {}, run["apres_audience"]


@pytest.mark.parametrize("kind", ["bailleur_social", "caf"])
def test_a_strangers_own_dry_run_tells_that_the_household_has_a_referent(world: World, kind: str) -> None:
    """Severity: high. Rule 1 (no oracle); the dry run disagrees with the routing fixed after red team 4
    (`campaigns/queues/routing.open_dispatch_task`: a campaign's calls open in the owner's queue unless it is
    placed to reach the referent).

    Attack: the State records that « CCAS de Nantes » already follows the tenant
    (`POST /api/v1/attributions/referents-connus`). The stranger (a second bailleur, or the CAF) has a campaign of
    its own with one call step, pushes twin rows with its own phone numbers and reads its dry run: the CAF's
    `par_structure` lists « CCAS de Nantes » with one call (the referent's name, and that the household is
    followed); a bailleur's lists itself with one call of the two planned (the other went to a structure it may not
    see). Safe: both calls in the stranger's own queue, as on an empty base and as the tick opens them."""
    admin_partner(world.client, world.state, REFERENT, "ccas")
    key = world.stranger if kind == "bailleur_social" else admin_partner(world.client, world.state, "CAF 44", "caf")
    owner = STRANGER if kind == "bailleur_social" else "CAF 44"
    _state_knows_with_hearing(world)
    known = world.client.post("/api/v1/attributions/referents-connus", headers=world.state,
                              json={"referents": [{"reference": "E-1", "structure": REFERENT}]})
    assert known.status_code == 200, known.text
    world.campaign(name="Appels", owner=owner, stages=["impaye"], active=True, steps=[
        {"channel": "appel", "template": "appel", "delay_days": 5}])
    world.push(key, [stranger_row("B-1", KNOWN, telephone="06 11 22 33 44"),
                     stranger_row("B-2", UNKNOWN, telephone="06 55 66 77 88")])
    run = _dry_run(world, key, "Appels")
    assert run["envoyes"]["appel"] == 2, run
    # Today: [{owner: 1 call}] for the bailleur, [{owner: 1}, {"CCAS de Nantes": 1}] for the CAF.
    assert [(row["structure"], row["appel"]) for row in run["par_structure"]] == [(owner, 2)], run["par_structure"]


def test_two_strangers_unreachable_rows_joined_through_the_landlords_co_tenant_show_in_its_queue(
        world: World) -> None:
    """Severity: high. Rule 1 (no oracle: who lives together, and that another partner knows them). Red team 4
    closed this for the case view and the supervision; the queue still shows it.

    Attack: the stranger suspects that Karim Benali (born 01/02/1980) lives with Aïcha Benali; only the landlord's
    case names him as her co-tenant. It pushes two rows, one about each, marked `injoignable=oui` (no channel
    needed): the service opens a « recherche » task for each in the stranger's own queue. `GET /api/v1/taches`
    shows Aïcha's name and details on both tasks (Karim's task included) and `GET /api/v1/taches/bilan` counts
    1 household, where a twin bailleur pushing two people nobody knows reads each one's name on its task and 2
    households. Safe: each task shows the case it was opened for, and the report counts as on an empty base."""
    twin = admin_partner(world.client, world.state, "Petit Logis", "bailleur_social")
    push_co_tenant_twins(world, twin, injoignable="oui")

    def seen(key: dict[str, str]) -> tuple[list[str], int]:
        tasks = world.client.get("/api/v1/taches", headers=key, params={"statut": "toutes", "a_venir": "true"})
        assert tasks.status_code == 200, tasks.text
        report = world.client.get("/api/v1/taches/bilan", headers=key)
        assert report.status_code == 200, report.text
        return sorted(t["menage"]["prenom"] for t in tasks.json()["taches"]), report.json()["menages"]

    assert seen(twin) == (["Odile", "Paul"], 2)
    # Today: (["Aïcha", "Aïcha"], 1).
    assert seen(world.stranger) == (["Aïcha", "Karim"], 2)


def test_an_appointment_in_year_9999_is_refused_and_never_breaks_the_agenda(world: World) -> None:
    """Severity: low. Bad values: a day out of the service's range (1990–2100, api/int_bounds.py) is a 422 naming
    the field, never stored.

    Request: `POST /api/v1/taches/{id}/terminer` with `resultat=rendez_vous_fixe` and
    `rendez_vous: {"date": "9999-12-31", "heure": "23:30"}` answers 200 (its reminder SMS planned on
    9999-12-30); from then on `GET /api/v1/agents/{id}/agenda.ics` answers 422 « valeur refusée : un nombre ou un
    texte dépasse ce que le service accepte » (the event's end overflows): the worker's calendar is gone until
    someone edits the database."""
    worker = world.client.post("/api/v1/agents", headers=world.stranger, json={"nom": "Zoé"})
    assert worker.status_code == 201, worker.text
    world.push(world.stranger, [stranger_row("B-1", UNKNOWN, injoignable="oui")])
    tasks = world.client.get("/api/v1/taches", headers=world.stranger, params={"statut": "toutes", "a_venir": "true"})
    [task] = tasks.json()["taches"]
    done = world.client.post(f"/api/v1/taches/{task['id']}/terminer", headers=world.stranger, json={
        "agent_id": worker.json()["id"], "resultat": "rendez_vous_fixe",
        "rendez_vous": {"date": "9999-12-31", "heure": "23:30"}})
    # Today: 200, and the agenda below answers 422.
    assert done.status_code == 422, done.text
    assert "date" in done.text, done.text
    agenda = world.client.get(f"/api/v1/agents/{worker.json()['id']}/agenda.ics", headers=world.stranger)
    assert agenda.status_code == 200, agenda.text


def test_a_structures_task_page_gives_the_households_number_that_tells_it_was_known_before(world: World) -> None:
    """Severity: medium. Rule 1 (no oracle); the same leak red team 3 closed for proposed addresses
    (`reference` instead of the household's id) and red team 4 for the supervision's `echecs`.

    Attack: the CAF pushes a person nobody knows (C-2), then the tenant the landlord knows (C-1), both
    `injoignable=oui`: a « recherche » task opens for each in its queue. Its agent opens each task page
    (`GET /mes-taches/{id}`): the link « Voir tout ce qui concerne ce ménage » carries the household's number,
    2 for C-2 and 1 for C-1: the household of the row pushed second existed before the CAF's first push, i.e. another
    partner knows the tenant. On an empty base the numbers follow the CAF's push order. Safe: the page names the
    household by something of the CAF's own (its case reference, the task) or in its push order."""
    caf = admin_partner(world.client, world.state, "CAF 44", "caf")
    account(world.runtime, "agent@caf44.fr", partner="CAF 44")
    world.push(world.landlord, [landlord_row()])
    world.push(caf, [stranger_row("C-2", UNKNOWN, injoignable="oui")])
    world.push(caf, [stranger_row("C-1", KNOWN, injoignable="oui")])
    web = signed_in(TestClient(world.client.app), "agent@caf44.fr")
    tasks = world.client.get("/api/v1/taches", headers=caf, params={"statut": "toutes", "a_venir": "true"})
    numbers: dict[str, int] = {}
    for task in tasks.json()["taches"]:
        page = web.get(f"/mes-taches/{task['id']}")
        assert page.status_code == 200, page.text
        [number] = re.findall(r"/mes-taches/menages/(\d+)", page.text) or ["0"]
        numbers[task["menage"]["prenom"]] = int(number)
    assert set(numbers) == {"Odile", "Aïcha"}, numbers
    # Today: {"Odile": 2, "Aïcha": 1}.
    assert numbers["Odile"] < numbers["Aïcha"] or numbers == {"Odile": 0, "Aïcha": 0}, numbers


# A character str.isdigit() accepts and int() refuses (superscript two): the pages test the first, then call the second.
SUPERSCRIPT_TWO = "\u00b2"


def test_a_superscript_digit_in_a_form_or_query_is_a_french_error_never_a_500(world: World) -> None:
    """Severity: medium (bad values: never a 500; one of them on the public answer link, open to anyone holding
    a link, without an account). Each request below answers 500 today:

    - the household (or whoever holds its link) after the light check: `POST /r/{token}/accompagnement`
      `structure=²`;
    - an agent: `POST /mes-taches/{id}/prendre` `version=²`;
    - a supervisor: `POST /equipe/reaffecter` `tache=²` (or `agent=²`);
    - an evaluator: `GET /evaluation?bailleur=²`;
    - an operator: `GET /campagnes/{id}/simulation?semaines=²`.
    Safe: a French error on the field (4xx, or the page with its error message)."""
    caf = admin_partner(world.client, world.state, "CAF 44", "caf")
    account(world.runtime, "agent@caf44.fr", partner="CAF 44")
    account(world.runtime, "chef@caf44.fr", partner="CAF 44", role="superviseur", name="Chef")
    new_user(world.runtime, "eval@ddets.fr", role="evaluateur", partner=STATE)
    new_user(world.runtime, "op@ddets.fr", role="operateur", partner=STATE)
    _own_email_campaign(world, STRANGER)
    world.push(world.stranger, [stranger_row("B-1", UNKNOWN)])
    world.push(caf, [stranger_row("C-1", UNKNOWN, injoignable="oui")])
    world.runtime.tick()
    [token, *_] = _links(world, UNKNOWN["email"])
    [task] = world.client.get("/api/v1/taches", headers=caf, params={"statut": "toutes", "a_venir": "true"}
                              ).json()["taches"]
    [campaign] = world.client.get("/api/v1/campagnes", headers=world.state).json()["campagnes"]
    web = TestClient(world.client.app, raise_server_exceptions=False)
    answers: dict[str, int] = {}
    token_csrf = _open_link(web, token, "B-1")
    answers["accompagnement"] = web.post(f"/r/{token}/accompagnement", data={
        "csrf_token": token_csrf, "structure": SUPERSCRIPT_TWO}).status_code
    signed_in(web, "agent@caf44.fr")
    answers["prendre"] = post(web, f"/mes-taches/{task['id']}/prendre", f"/mes-taches/{task['id']}",
                              version=SUPERSCRIPT_TWO).status_code
    signed_in(web, "chef@caf44.fr")
    answers["reaffecter"] = post(web, "/equipe/reaffecter", "/equipe", tache=SUPERSCRIPT_TWO, agent="1").status_code
    signed_in(web, "eval@ddets.fr")
    answers["evaluation"] = web.get("/evaluation", params={"bailleur": SUPERSCRIPT_TWO}).status_code
    signed_in(web, "op@ddets.fr")
    answers["simulation"] = web.get(f"/campagnes/{campaign['id']}/simulation",
                                    params={"semaines": SUPERSCRIPT_TWO}).status_code
    # Today: every one 500.
    assert {page: code for page, code in answers.items() if code >= 500} == {}, answers


def test_the_queues_commune_filter_finds_a_task_by_the_commune_another_partner_gave(world: World) -> None:
    """Severity: medium. Rule 1 (no oracle: another partner's address, and that it knows the household).

    Attack: postcode 44240 covers La Chapelle-sur-Erdre and Sucé-sur-Erdre. The landlord's case puts the tenant
    in La Chapelle-sur-Erdre; the stranger pushes twin rows (KNOWN, UNKNOWN) in Sucé-sur-Erdre, same postcode
    (linkage joins KNOWN's row to the landlord's household), `injoignable=oui`: a « recherche » task opens for
    each in its own queue, both showing Sucé-sur-Erdre. It then asks
    `GET /api/v1/taches?commune=La Chapelle-sur-Erdre&statut=toutes&a_venir=true`: its KNOWN task is listed
    (still showing « Sucé-sur-Erdre »), the UNKNOWN one not. Looping over the communes gives where the household
    lives according to the others, and that someone else knows it. Safe: the filter reads the commune the task
    shows (the queue's own case's when it is not trusted with the household), so it finds nothing."""
    place = {"code_postal": "44240"}
    world.push(world.landlord, [landlord_row(adresse="4 rue Jean Jaurès", commune="La Chapelle-sur-Erdre", **place)])
    world.push(world.stranger, [stranger_row("B-1", KNOWN, injoignable="oui", commune="Sucé-sur-Erdre", **place),
                                stranger_row("B-2", UNKNOWN, injoignable="oui", commune="Sucé-sur-Erdre", **place)])

    def found(commune: str) -> list[tuple[str, str]]:
        tasks = world.client.get("/api/v1/taches", headers=world.stranger,
                                 params={"statut": "toutes", "a_venir": "true", "commune": commune})
        assert tasks.status_code == 200, tasks.text
        return sorted((t["menage"]["prenom"], t["menage"]["commune"]) for t in tasks.json()["taches"])

    assert found("Sucé-sur-Erdre") == [("Aïcha", "Sucé-sur-Erdre"), ("Odile", "Sucé-sur-Erdre")]
    # Today: [("Aïcha", "Sucé-sur-Erdre")].
    assert found("La Chapelle-sur-Erdre") == []


def _emails_to(world: World, mailbox: str) -> list[str]:
    """The plain-text bodies of the e-mails sent to `mailbox` (the stranger's own address for the person)."""
    bodies: list[str] = []
    for path in sorted(world.runtime.settings.resolved_outbox_dir.rglob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if mailbox in str(message.get("To", "")):
            part = message.get_body(("plain",))
            assert part is not None
            bodies.append(str(part.get_content()))  # type: ignore[attr-defined]
    return bodies


def test_a_structures_own_email_names_the_landlord_of_a_household_it_merely_pushed(world: World) -> None:
    """Severity: high. Rule 1 (no oracle: who else knows the household, by name) and rule 5 (a campaign writes
    with its own cases' data).

    Attack: a landlord with a phone on file (« Atlantique Habitations — 02 40 12 34 56 ») knows the tenant. The CAF,
    with an e-mail campaign of its own at « impayé », pushes twin rows (KNOWN, UNKNOWN) giving its own mailbox for
    each person. After the tick, the e-mail about KNOWN reads « votre bailleur, avec qui un accord reste possible
    (Atlantique Habitations — 02 40 12 34 56) », the one about UNKNOWN « votre bailleur, avec qui un accord reste
    possible. ». Any bailleur's or structure's campaign on the `etape_*` templates (e-mails and letters to an
    address the partner gave) does the same. Safe: the contact line names a bailleur of the cases the campaign
    writes with (none for the CAF here), as on an empty base."""
    created = world.client.post("/api/v1/admin/partenaires", headers=world.state, json={
        "nom": "Atlantique Habitations", "type": "bailleur_social", "telephone": "02 40 12 34 56"})
    assert created.status_code == 201, created.text
    landlord = {"Authorization": f"Bearer {created.json()['cle']}"}
    caf = admin_partner(world.client, world.state, "CAF 44", "caf")
    world.push(landlord, [landlord_row("L-1")])
    world.campaign(name="Courriels de la CAF", owner="CAF 44", stages=["impaye"], active=True,
                   steps=[{"channel": "email", "template": "etape_{stade}"}])
    world.push(caf, [stranger_row("C-1", KNOWN), stranger_row("C-2", UNKNOWN)])
    world.runtime.tick()
    [unknown] = _emails_to(world, UNKNOWN["email"])
    [known] = _emails_to(world, KNOWN["email"])
    assert "accord reste possible." in unknown, unknown
    # Today: « … accord reste possible (Atlantique Habitations — 02 40 12 34 56). »
    assert "Atlantique Habitations" not in known, known


def _list_rows(web: TestClient) -> dict[str, str]:
    """« Mes ménages »: each row's reference and its « Envois de vos campagnes » cell, as text."""
    page = html.unescape(web.get("/mes-menages").text)
    rows: dict[str, str] = {}
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.S):
        cells = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
                 for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        reference = next((re.sub(r".*Référence ", "", cell) for cell in cells if "Référence" in cell), None)
        if reference is not None:
            rows[reference] = cells[3]
    return rows


def test_the_landlord_list_page_counts_two_strangers_rows_joined_through_the_co_tenant_together(
        world: World) -> None:
    """Severity: high. Rule 1 (no oracle: who lives together, and that another partner knows them). Red team 4's
    co-tenant attack, closed for the case view (`GET /api/v1/signalements/{ref}`) and the supervision, still works
    on the bailleur's list page.

    Attack: as red team 4, the stranger pushes Aïcha and Karim Benali (two rows, its own letter campaign); only
    the landlord's case names Karim as Aïcha's co-tenant, and linkage joins them. The stranger's bailleur account
    opens `/mes-menages`: each row reads « 2 envois » where a twin bailleur that pushed two people nobody knows
    reads « 1 envoi » on each. Safe: each row counts the contacts written with its case."""
    twin = admin_partner(world.client, world.state, "Petit Logis", "bailleur_social")
    new_user(world.runtime, "compte@harmonie.example", role="bailleur", partner=STRANGER)
    new_user(world.runtime, "compte@petit.example", role="bailleur", partner="Petit Logis")
    for owner in (STRANGER, "Petit Logis"):
        world.campaign(name=f"Courriers de {owner}", owner=owner, stages=["impaye"], active=True,
                       steps=[{"channel": "courrier", "template": "etape_{stade}"}])
    push_co_tenant_twins(world, twin)
    web = TestClient(world.client.app)
    signed_in(web, "compte@petit.example")
    twin_rows = _list_rows(web)
    signed_in(web, "compte@harmonie.example")
    stranger_rows = _list_rows(web)
    assert sorted(twin_rows) == ["B-1", "B-2"] and all(c.startswith("1 envoi") for c in twin_rows.values()), twin_rows
    # Today: « 2 envois, le dernier le 25/11/2026 » on both rows.
    assert stranger_rows == twin_rows, stranger_rows


def test_a_non_ascii_answer_link_is_the_unknown_link_page_never_a_500(world: World) -> None:
    """Severity: medium. Bad values never give a 500; this page is public (no account, no key), and a household
    retyping the link printed on its letter can type an accented letter.

    Request: `GET /r/%C3%A9` (« é »), or `GET /r/abc%C2%B2`, anonymous: 500 today, where `GET /r/abc` answers the
    French 404 « lien inconnu » page. The POST routes under `/r/{token}/…` go through the same lookup."""
    web = TestClient(world.client.app, raise_server_exceptions=False)
    plain = web.get("/r/abc")
    assert plain.status_code == 404, plain.text
    # Today: 500 for both.
    assert [web.get(path).status_code for path in ("/r/%C3%A9", "/r/abc%C2%B2")] == [404, 404]


def test_a_joint_visits_structure_number_answers_alike_for_no_partner_and_a_bailleur(world: World) -> None:
    """Severity: low. Rule 1 (no oracle on the other partners).

    Request: `POST /api/v1/taches/{id}/terminer` on one of the CAF's visit tasks with `visite_conjointe.structure_id`
    set to number after number: « structure inconnue » for a number that is no partner's, « pour le bailleur,
    indiquez « bailleur » » for a bailleur's, the task left open, so the CAF listed the bailleurs' numbers for free.
    Safe: one answer, to the byte, for both; the task stays open."""
    caf = admin_partner(world.client, world.state, "CAF 44", "caf")
    worker = world.client.post("/api/v1/agents", headers=caf, json={"nom": "Zoé"})
    assert worker.status_code == 201, worker.text
    world.push(caf, [stranger_row("C-1", UNKNOWN, injoignable="oui")])
    listed = world.client.get("/api/v1/taches", headers=caf, params={"statut": "toutes", "a_venir": "true"})
    [task] = listed.json()["taches"]
    with world.runtime.session_factory() as session:
        landlord_id = session.scalars(select(Partner.id).where(Partner.name == LANDLORD)).one()
        nobody = (session.scalar(select(func.max(Partner.id))) or 0) + 1000

    def close(structure_id: int) -> tuple[int, str]:
        answer = world.client.post(f"/api/v1/taches/{task['id']}/terminer", headers=caf, json={
            "agent_id": worker.json()["id"], "resultat": "absent",
            "visite_conjointe": {"structure_id": structure_id}})
        return answer.status_code, answer.text

    refused = close(nobody)
    assert refused[0] == 422 and "structure inconnue" in refused[1], refused
    # Before the fix: « pour le bailleur, indiquez « bailleur » » for the landlord's number.
    assert close(landlord_id) == refused
    still = world.client.get(f"/api/v1/taches/{task['id']}", headers=caf)
    assert still.status_code == 200 and still.json()["statut"] == "pending", still.text
