"""Red-team attacks by a stranger partner with a valid key (issue 16, docs/security.md), through the HTTP API only.

Each test is one finding of an independent review: it failed while the attack worked, and passes now that the code
holds it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from api.app import create_app
from campaigns.models import Case, Dispatch
from campaigns.runtime.root import Runtime
from tests.answer_world import LINK_RE, checked
from tests.conftest import Clock, new_partner
from tests.factories import signalement
from tests.security.authority_world import KNOWN, UNKNOWN, admin_partner, landlord_row, stranger_row
from tests.test_evaluation import person

STATE = "DDETS 44"
PERIOD = {"debut": "2026-09-01", "fin": "2026-12-31"}


@dataclass
class Red:
    client: TestClient
    runtime: Runtime
    clock: Clock
    state: dict[str, str]
    keys: dict[str, dict[str, str]]

    def push(self, who: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
        answer = self.client.post("/api/v1/signalements", headers=self.keys[who], json=rows)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        assert body["rejetes"] == 0, body
        return body


@pytest.fixture
def red(pg_runtime: Runtime, clock: Clock) -> Iterator[Red]:
    """The State's pilot, the tenant's landlord, two stranger bailleurs, a CAF and a CCAS, each key created by the
    pilot through the admin API."""
    _, state = new_partner(pg_runtime, STATE, "etat")
    with TestClient(create_app(pg_runtime)) as client:
        keys = {name: admin_partner(client, state, name, kind) for name, kind in (
            ("Habitat 44", "bailleur_social"), ("Harmonie Habitat", "bailleur_social"),
            ("Petit Logis", "bailleur_social"), ("CAF 44", "caf"), ("CCAS de Nantes", "ccas"))}
        yield Red(client, pg_runtime, clock, state, keys)


def _state_letters(red: Red) -> None:
    answer = red.client.put("/api/v1/campagnes", headers=red.state, json={
        "name": "Courriers de l'État", "owner": STATE, "stages": ["commandement_de_payer", "assignation"],
        "steps": [{"channel": "courrier", "template": "information_etat", "regulatory": True},
                  {"channel": "courrier", "template": "information_etat", "delay_days": 10}], "active": True})
    assert answer.status_code == 200, answer.text


def test_a_strangers_own_evaluation_tells_whether_the_household_is_known_elsewhere(red: Red) -> None:
    """Two stranger bailleurs push the same kind of rows, one about the landlord's tenant (KNOWN), the other about
    a person nobody knows (UNKNOWN): everything each reads of its own evaluation must be the same."""
    _state_letters(red)
    red.push("Habitat 44", [landlord_row()])
    red.runtime.tick()
    answered = red.client.post("/api/v1/reponses", headers=red.keys["Habitat 44"],
                               json={"reference": "A-1", "canal": "appel", "nature": "appel_entrant"})
    assert answered.status_code == 201, answered.text
    red.push("Harmonie Habitat", [stranger_row("B-1", KNOWN)])
    red.push("Petit Logis", [stranger_row("B-1", UNKNOWN)])
    red.runtime.tick()
    red.clock.advance(days=14)
    red.runtime.tick()
    reports = []
    for who in ("Harmonie Habitat", "Petit Logis"):
        answer = red.client.get("/api/v1/evaluation", headers=red.keys[who], params=PERIOD)
        assert answer.status_code == 200, answer.text
        reports.append(answer.json()["sections"])
    shared, alone = reports
    # Today: `synthese` says 0 households contacted for the unknown person and "< 5" (contacted by the State, at
    # the assignation stage the landlord reported, with the landlord's recorded answer) for the known one.
    assert shared == alone, (shared["synthese"], alone["synthese"])


def test_a_stranger_padding_its_evaluation_reads_the_targets_stage_exactly(red: Red) -> None:
    _state_letters(red)
    red.push("Habitat 44", [landlord_row()])
    red.runtime.tick()
    pads = [person(100 + i, stade="assignation", date_stade="01/10/2026") for i in range(5)]
    # The stranger pushes the tenant at "impayé" (a stage no campaign writes at) next to five made-up households.
    red.push("Harmonie Habitat", [stranger_row("B-1", KNOWN), *pads])
    red.runtime.tick()
    red.clock.advance(days=2)
    red.runtime.tick()
    answer = red.client.get("/api/v1/evaluation", headers=red.keys["Harmonie Habitat"], params=PERIOD)
    assert answer.status_code == 200, answer.text
    by_stage = {line["valeur"]: line["menages"] for line in answer.json()["sections"]["taux_stade"]["lignes"]}
    # On an empty base the stranger's tenant (pushed at "impayé") is contacted by nobody: 5 households, the pads.
    # Today: 6 at "assignation au tribunal", the stage only the landlord reported.
    assert by_stage == {"assignation au tribunal": 5}, by_stage


def test_a_stranger_with_a_fresher_row_redirects_the_states_regulatory_letter_and_sms(red: Red) -> None:
    answer = red.client.put("/api/v1/campagnes", headers=red.state, json={
        "name": "Courriers de l'État", "owner": STATE, "stages": ["commandement_de_payer"],
        "steps": [{"channel": "courrier", "template": "information_etat", "regulatory": True},
                  {"channel": "sms", "template": "relance", "delay_days": 1}], "active": True})
    assert answer.status_code == 200, answer.text
    # The landlord's tenant, her dwelling "12 rue des Lilas" and her phone; the commandement served on 20/11/2026.
    red.push("Habitat 44", [signalement("A-1")])
    # The stranger knows her name and birth date; it gives an address and a number it controls, dated 2028.
    red.push("Harmonie Habitat", [stranger_row("B-1", KNOWN, date_stade="20/11/2028", adresse="1 place du Piège",
                                               code_postal="44100", telephone="07 99 99 99 99")])
    red.runtime.tick()
    red.clock.advance(days=1, hours=1)
    red.runtime.tick()
    with red.runtime.session_factory() as session:
        stranger_case = session.scalar(select(Case.id).where(Case.reference == "B-1"))
        sent = [(d.channel, d.status, d.sent_adresse, d.sent_case_id) for d in session.scalars(
            select(Dispatch).order_by(Dispatch.id))]
    assert [channel for channel, *_ in sent] == ["courrier", "sms"], sent
    # Today: [("courrier", "delivered", "1 place du Piège", <B-1>), ("sms", "delivered", None, <B-1>)].
    assert all(case_id != stranger_case for *_, case_id in sent), sent
    assert sent[0][2] == "12 rue des Lilas", sent


def test_a_strangers_reported_referent_overrides_the_landlords_in_the_monthly_attribution(red: Red) -> None:
    # The landlord says the CCAS already follows its tenant (rule 0 of the attribution).
    red.push("Habitat 44", [signalement("A-1", referent_connu="CCAS de Nantes")])
    # The CAF, knowing only her name and birth date, pushes a row one day more recent naming itself.
    red.push("CAF 44", [stranger_row("C-1", KNOWN, stade="commandement_de_payer", date_stade="21/11/2026",
                                     referent_connu="CAF 44")])
    answer = red.client.post("/api/v1/attributions", headers=red.state, json={"stade": "commandement_de_payer"})
    assert answer.status_code == 200, answer.text
    # Today: {"CAF 44": 1} — the household, its calls and its data now go to the stranger.
    assert answer.json()["par_structure"] == {"CCAS de Nantes": 1}, answer.json()


def test_a_stranger_bailleur_naming_itself_referent_is_attributed_the_household(red: Red) -> None:
    red.push("Habitat 44", [signalement("A-1")])
    red.push("Harmonie Habitat", [stranger_row("B-1", KNOWN, stade="commandement_de_payer",
                                               referent_connu="Harmonie Habitat")])
    answer = red.client.post("/api/v1/attributions", headers=red.state, json={"stade": "commandement_de_payer"})
    assert answer.status_code == 200, answer.text
    assert "Harmonie Habitat" not in answer.json()["par_structure"], answer.json()


def test_a_caf_records_the_landlords_answer_on_a_household_it_merely_pushed(red: Red) -> None:
    red.push("Habitat 44", [landlord_row()])
    red.push("CAF 44", [stranger_row("C-1", KNOWN)])
    answer = red.client.post("/api/v1/reponses", headers=red.keys["CAF 44"], json={
        "reference": "C-1", "canal": "courrier", "nature": "courrier", "partie": "bailleur"})
    # Today: 201, stored as the household's landlord answer at the household's stage (campaigns/facts/stays.py).
    assert answer.status_code in (403, 422), answer.text


@pytest.mark.parametrize("field", ["commune", "reference"])
def test_an_invisible_value_in_a_required_field_is_a_row_error(red: Red, field: str) -> None:
    row = signalement("R-1", nom="Moreau", prenom="Lucie", date_naissance="02/02/1990") | {field: "\u202e\u200b"}
    answer = red.client.post("/api/v1/signalements", headers=red.keys["Harmonie Habitat"], json=[row])
    assert answer.status_code == 200, answer.text
    assert answer.json()["rejetes"] == 1, answer.json()


def test_an_invisible_first_name_is_dropped_with_a_warning(red: Red) -> None:
    """The first name is optional (a row without one is kept, issue 17): made of invisible characters only, it is
    dropped with its warning, never stored as a name that prints nothing."""
    row = signalement("R-1", nom="Moreau", prenom="\u202e\u200b", date_naissance="02/02/1990")
    answer = red.client.post("/api/v1/signalements", headers=red.keys["Harmonie Habitat"], json=[row])
    assert answer.status_code == 200, answer.text
    assert answer.json()["rejetes"] == 0 and answer.json()["crees"] == 1, answer.json()
    warnings = [r for r in answer.json()["rejets"] if r["champ"] == "prenom"]
    assert warnings and "invisibles" in warnings[0]["motif"], answer.json()
    with red.runtime.session_factory() as session:
        assert session.scalars(select(Case.prenom)).one() is None


def test_the_attribution_report_writes_one_case_in_the_singular(red: Red) -> None:
    red.push("Habitat 44", [signalement("A-1")])
    answer = red.client.post("/api/v1/attributions", headers=red.state, json={"stade": "commandement_de_payer"})
    assert answer.status_code == 200, answer.text
    assert "1 dossiers" not in answer.json()["rapport"], answer.json()["rapport"]


def test_the_strangers_case_view_and_queues_stay_those_of_an_unknown_person(red: Red) -> None:
    """Held today (kept as a regression): the case view, queue, report, campaigns and proposals of two strangers,
    one on the shared household and one on a person nobody knows, are byte for byte the same."""
    _state_letters(red)
    red.push("Habitat 44", [landlord_row()])
    red.runtime.tick()
    red.push("Harmonie Habitat", [stranger_row("B-1", KNOWN)])
    red.push("Petit Logis", [stranger_row("B-1", UNKNOWN)])
    red.runtime.tick()
    red.clock.advance(days=12)
    red.runtime.tick()
    for path in ("/api/v1/signalements/B-1", "/api/v1/taches", "/api/v1/taches/bilan", "/api/v1/campagnes",
                 "/api/v1/adresses-proposees", "/api/v1/horaires", "/api/v1/agents"):
        shared = red.client.get(path, headers=red.keys["Harmonie Habitat"])
        alone = red.client.get(path, headers=red.keys["Petit Logis"])
        assert (shared.status_code, shared.content) == (alone.status_code, alone.content), path


def test_a_strangers_own_campaign_shows_whether_the_household_is_shared(red: Red) -> None:
    ids = {}
    for name in ("Harmonie Habitat", "Petit Logis"):
        answer = red.client.put("/api/v1/campagnes", headers=red.state, json={
            "name": f"Relances {name}", "owner": name, "stages": ["impaye", "assignation"],
            "steps": [{"channel": "email", "template": "relance"}], "active": True})
        assert answer.status_code == 200, answer.text
        ids[name] = answer.json()["id"]
    red.push("Habitat 44", [landlord_row()])
    red.runtime.tick()
    red.push("Harmonie Habitat", [stranger_row("B-1", KNOWN)])
    red.push("Petit Logis", [stranger_row("B-1", UNKNOWN)])
    red.runtime.tick()
    red.clock.advance(hours=2)
    red.runtime.tick()

    def seen(name: str) -> list[Any]:
        key, campaign_id = red.keys[name], ids[name]
        view = red.client.get("/api/v1/signalements/B-1", headers=key).json()
        dry_run = red.client.get(f"/api/v1/campagnes/{campaign_id}/simulation", headers=key).json()
        supervision = red.client.get(f"/api/v1/campagnes/{campaign_id}/supervision", headers=key).json()
        return [[(c["canal"], c["statut"]) for c in view["contacts"]], dry_run["supprimes"], dry_run["envoyes"],
                supervision["menages"], supervision["contacts_total"]]

    # Today: shared = [[], [no_channel ×1], no e-mail sent, 0, {}]; alone = [[("email", "delivered")], [], 1 e-mail,
    # 1, {"delivered": 1}].
    assert seen("Harmonie Habitat") == seen("Petit Logis")


def test_a_strangers_made_up_curator_receives_a_copy_of_the_states_letter(red: Red) -> None:
    answer = red.client.put("/api/v1/campagnes", headers=red.state, json={
        "name": "Courriers de l'État", "owner": STATE, "stages": ["commandement_de_payer"],
        "steps": [{"channel": "courrier", "template": "information_etat", "regulatory": True}], "active": True})
    assert answer.status_code == 200, answer.text
    red.push("Habitat 44", [signalement("A-1")])
    # An older row than the landlord's: its address is never chosen, only its made-up measure.
    red.push("Harmonie Habitat", [stranger_row(
        "B-1", KNOWN, stade="commandement_de_payer", date_stade="01/11/2026", mesure_protection="curatelle",
        mandataire_nom="Cabinet Piège", mandataire_adresse="1 place du Piège", mandataire_code_postal="44100",
        mandataire_commune="Nantes")])
    red.runtime.tick()
    with red.runtime.session_factory() as session:
        sent = [(d.status, d.sent_adresse) for d in session.scalars(select(Dispatch))]
    assert sent == [("delivered", "12 rue des Lilas")], sent
    # Today: a "*.copie-*" letter "aux bons soins de Cabinet Piège, 1 place du Piège" sits next to the original.
    copies = list(red.runtime.settings.resolved_outbox_dir.rglob("*.copie-*"))
    assert not copies, copies


def test_the_copy_a_stranger_receives_lets_it_answer_for_the_household(red: Red) -> None:
    answer = red.client.put("/api/v1/campagnes", headers=red.state, json={
        "name": "Courriers de l'État", "owner": STATE, "stages": ["commandement_de_payer"],
        "steps": [{"channel": "courrier", "template": "information_etat", "regulatory": True},
                  {"channel": "courrier", "template": "information_etat", "delay_days": 10}], "active": True})
    assert answer.status_code == 200, answer.text
    red.push("Habitat 44", [signalement("A-1")])
    red.push("Harmonie Habitat", [stranger_row(
        "B-1", KNOWN, stade="commandement_de_payer", date_stade="01/11/2026", mesure_protection="curatelle",
        mandataire_nom="Cabinet Piège", mandataire_adresse="1 place du Piège", mandataire_code_postal="44100",
        mandataire_commune="Nantes")])
    red.runtime.tick()
    copies = list(red.runtime.settings.resolved_outbox_dir.rglob("*.copie-*"))
    if not copies:  # the copy is not sent: the attack is held
        return
    text = "".join(page.extract_text() or "" for page in PdfReader(copies[0]).pages).replace("\n", "")
    match = LINK_RE.search(text)
    assert match, text
    token = match.group(1)
    browser = TestClient(red.client.app)
    # The birth year the stranger knows (or the reference "A-1" printed on the copy) passes the light check.
    token_csrf = checked(browser, token, answer="1985")
    done = browser.post(f"/r/{token}/recu", data={"csrf_token": token_csrf})
    assert done.status_code != 200, "the stranger recorded « courrier reçu » as the household"


def test_a_strangers_fresher_row_without_address_suppresses_the_states_regulatory_letter(red: Red) -> None:
    answer = red.client.put("/api/v1/campagnes", headers=red.state, json={
        "name": "Courriers de l'État", "owner": STATE, "stages": ["commandement_de_payer"],
        "steps": [{"channel": "courrier", "template": "information_etat", "regulatory": True}], "active": True})
    assert answer.status_code == 200, answer.text
    red.push("Habitat 44", [signalement("A-1")])  # commandement served on 20/11/2026, address and phone
    red.push("CAF 44", [stranger_row("C-1", KNOWN, stade="commandement_de_payer", date_stade="24/11/2026")])
    red.runtime.tick()
    with red.runtime.session_factory() as session:
        sent = [(d.status, d.reason) for d in session.scalars(select(Dispatch))]
    # Today: [("skipped", "no_channel")].
    assert sent == [("delivered", None)], sent


def test_a_self_reported_referent_gets_the_states_call_with_the_landlords_data(red: Red) -> None:
    answer = red.client.put("/api/v1/campagnes", headers=red.state, json={
        "name": "Courriers de l'État", "owner": STATE, "stages": ["commandement_de_payer"],
        "steps": [{"channel": "courrier", "template": "information_etat"}, {"channel": "appel", "delay_days": 3}],
        "active": True})
    assert answer.status_code == 200, answer.text
    red.push("Habitat 44", [signalement("A-1", email="aicha@example.org")])
    # An older row than the landlord's (so its lack of address changes nothing), naming itself as the referent.
    red.push("CAF 44", [stranger_row("C-1", KNOWN, stade="commandement_de_payer", date_stade="01/11/2026",
                                     referent_connu="CAF 44")])
    attributed = red.client.post("/api/v1/attributions", headers=red.state, json={"stade": "commandement_de_payer"})
    assert attributed.status_code == 200, attributed.text
    red.runtime.tick()
    red.clock.advance(days=5)
    red.runtime.tick()
    queue = red.client.get("/api/v1/taches", headers=red.keys["CAF 44"], params={"statut": "toutes"})
    assert queue.status_code == 200, queue.text
    # Today: one "appel" task whose "menage" holds "+33612345678" and "12 rue des Lilas" (the landlord's data).
    assert "12 rue des Lilas" not in queue.text and "+33612345678" not in queue.text, queue.json()
