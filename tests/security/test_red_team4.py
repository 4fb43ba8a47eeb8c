"""Fourth red-team review (issue 16, docs/security.md): a stranger partner with a valid key knowing a household's
name and birth date (a second bailleur, the CAF, an association), and a pilot's key, attack through the HTTP API, the
signed Twilio webhook and the pages only.

Each test marked xfail (strict) is a finding that works today on main: the test performs the attack and asserts the
safe behaviour, so it fails now and passes once the finding is fixed."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from twilio.request_validator import RequestValidator

from campaigns.models import Campaign, Case, Dispatch, Response
from tests.security.authority_world import (
    KNOWN,
    STATE,
    STRANGER,
    UNKNOWN,
    World,
    admin_partner,
    landlord_row,
    stranger_row,
    world,
)
from tests.security.test_authority_evidence import BASE, TOKEN, _sent, sms_world
from tests.security.test_authority_evidence import _campaigns as _state_and_landlord_sms
from tests.security.test_authority_evidence import _contacts as _all_contacts
from tests.security.test_authority_evidence import _days as _ticked_days
from tests.test_evaluation import person
from tests.test_web_auth import log_in, new_user

__all__ = ["sms_world", "world"]

# A second stranger bailleur, whose rows are about a person nobody knows (the empty base).
TWIN = "Petit Logis"
STATE_LETTERS = "Courriers de l'État"
PERIOD = {"debut": "2026-09-01", "fin": "2026-12-31"}


def _state_letter_then_sms(world: World) -> None:
    """The State's regulatory letter at « commandement de payer », then its SMS the next day."""
    world.campaign(name=STATE_LETTERS, owner=STATE, stages=["commandement_de_payer"], steps=[
        {"channel": "courrier", "template": "information_etat", "regulatory": True},
        {"channel": "sms", "template": "relance", "delay_days": 1}], active=True)


def _state_contacts(world: World) -> dict[str, tuple[str, str | None]]:
    with world.runtime.session_factory() as session:
        rows = session.execute(select(Dispatch.channel, Dispatch.status, Dispatch.reason)
                               .join(Campaign, Campaign.id == Dispatch.campaign_id)
                               .where(Campaign.name == STATE_LETTERS)).all()
    return {channel: (status, reason) for channel, status, reason in rows}


def _queue(world: World, key: dict[str, str]) -> list[dict[str, Any]]:
    tasks = world.client.get("/api/v1/taches", headers=key, params={"statut": "toutes", "a_venir": "true"})
    assert tasks.status_code == 200, tasks.text
    found: list[dict[str, Any]] = tasks.json()["taches"]
    return found


def test_a_response_on_a_task_opened_on_the_strangers_own_word_stops_the_states_sms(world: World) -> None:
    """Severity: high. Rule 2 (no action on others' behalf).

    Attack: a second bailleur knowing the tenant's name and birth date pushes a row about her marked
    `injoignable=oui` (no channel needed): the service opens a « recherche » task in the stranger's own queue, on
    the stranger's word alone. The stranger then records a plain response (no `motif_menage`) on that task
    (`POST /api/v1/reponses {"tache_id": ...}`): `api/routers/reponses.post_response` turns any response on a task
    of the caller's queue into `Evidence.WORKER_OUTCOME`, so every partner's pending steps of every stay stop: the
    State's SMS is cancelled (`responded`) and never goes. The same works with a call-back task the stranger asks
    for through its own (untrusted) answer link, and with `POST /api/v1/taches/{id}/terminer` and an answering
    outcome (`campaigns/queues/reservations._apply`).

    What changes: the State's and the landlord's relances of the household stop on the word of a partner that
    neither reached the household through a channel the service operates nor gave the attributed, audited reason
    rule 2 asks for (the audit log has no « arrêt pour tout le ménage » line). Safe: the State's SMS goes."""
    _state_letter_then_sms(world)
    world.push(world.landlord, [landlord_row(stade="commandement_de_payer", date_stade="20/11/2026")])
    world.runtime.tick()
    world.push(world.stranger, [stranger_row("B-1", KNOWN, injoignable="oui")])
    [task] = _queue(world, world.stranger)
    assert task["type"] == "recherche", task
    answered = world.client.post("/api/v1/reponses", headers=world.stranger, json={
        "tache_id": task["id"], "canal": "appel", "nature": "appel_entrant"})
    assert answered.status_code == 201, answered.text
    world.clock.advance(days=1, hours=1)
    world.runtime.tick()
    # Today: {"courrier": ("delivered", None), "sms": ("cancelled", "responded")}.
    assert _state_contacts(world) == {"courrier": ("delivered", None), "sms": ("delivered", None)}


def _own_two_step_campaign(world: World, owner: str) -> None:
    world.campaign(name=f"Relances de {owner}", owner=owner, stages=["impaye"], active=True, steps=[
        {"channel": "email", "template": "etape_{stade}"},
        {"channel": "email", "template": "etape_{stade}", "delay_days": 10}])


def test_a_merge_cancels_the_strangers_own_steps_and_tells_it_the_household_is_known(world: World) -> None:
    """Severity: medium. Rule 1 (no oracle) and rule 7 (own stays).

    Attack: the stranger pushes the tenant with only the building of the State's address (« 12 rue des Lilas
    bât B » against the State's « 12 rue des Lilas, apt 3 »): the pair waits for review (issue 17) and the pilot,
    doing its job, accepts it (`POST /api/v1/rapprochements/{id}/accepter`). `campaigns/linkage/merges.
    merge_households` cancels every pending contact of the absorbed household as `duplicate`, including the
    stranger's own campaign's next step, which runs on its own case's stay (rule 7) and should go on as on an
    empty base; it is never planned again.

    What leaks: the stranger's case view (`GET /api/v1/signalements/B-1`) shows its step 2 « cancelled,
    duplicate » where a twin bailleur pushing a person nobody knows sees it « planned »: the merge tells the
    stranger that another partner knows the household. What changes: a partner's (or the true landlord's) own
    relances stop for good after a review is accepted. Safe: both views the same."""
    twin = admin_partner(world.client, world.state, TWIN, "bailleur_social")
    _own_two_step_campaign(world, STRANGER)
    _own_two_step_campaign(world, TWIN)
    world.push(world.state, [landlord_row("E-1", adresse="12 rue des Lilas, apt 3")])
    world.runtime.tick()
    world.push(world.stranger, [stranger_row("B-1", KNOWN, adresse="12 rue des Lilas bât B", code_postal="44000")])
    world.push(twin, [stranger_row("B-1", UNKNOWN, adresse="12 rue des Lilas bât B", code_postal="44000")])
    world.runtime.tick()
    pending = world.client.get("/api/v1/rapprochements", headers=world.state)
    assert pending.status_code == 200, pending.text
    [review] = pending.json()["rapprochements"]
    accepted = world.client.post(f"/api/v1/rapprochements/{review['id']}/accepter", headers=world.state)
    assert accepted.status_code == 200, accepted.text
    world.runtime.tick()

    def contacts(key: dict[str, str]) -> list[tuple[str, int, str, str | None]]:
        return [(c["stade"], c["etape"], c["statut"], c["motif"]) for c in world.view(key, "B-1")["contacts"]]

    alone = contacts(twin)
    assert alone == [("impaye", 1, "delivered", None), ("impaye", 2, "planned", None)], alone
    # Today: [..., ("impaye", 2, "cancelled", "duplicate")].
    assert contacts(world.stranger) == alone


@pytest.mark.parametrize("field", ["regles", "territoire"])
def test_an_impossible_date_in_the_attribution_yaml_is_a_422(world: World, field: str) -> None:
    """Severity: low. Bad values: « no input gives a 500 » (issue 16, Bad values and faults).

    Attack: a pilot key (or an operator's mistake) posts attribution rules or a territory whose YAML holds
    `2026-02-30` (`POST /api/v1/attributions {"regles": "2026-02-30"}`): `yaml.safe_load` builds dates and raises
    `ValueError` (« day is out of range for month »), which `campaigns/queues/rules._read_yaml` does not catch
    (only `yaml.YAMLError`): the API answers a bare 500 instead of a French 422. Same in
    `campaigns/campaign/config.parse_campaigns_yaml` (the CLI's campaign files)."""
    client = TestClient(world.client.app, raise_server_exceptions=False)
    answer = client.post("/api/v1/attributions", headers=world.state, json={field: "2026-02-30"})
    # Today: 500 « Internal Server Error ».
    assert answer.status_code == 422, answer.text


def _call_campaign(world: World, owner: str) -> None:
    world.campaign(name=f"Appels de {owner}", owner=owner, stages=["impaye"], active=True, steps=[
        {"channel": "email", "template": "etape_{stade}"}, {"channel": "appel", "delay_days": 1}])


def test_a_strangers_own_call_step_tells_it_the_household_has_a_referent(world: World) -> None:
    """Severity: medium. Rule 1 (no oracle); the known limit « a bailleur's own campaign in a household attributed
    to a referent » says the bailleur does not see the task, so « a lever, not a window »: it is a window too.

    Attack: the stranger runs its own campaign with a call step (an e-mail, then a call the next day) and pushes the
    tenant (name, birth date, its own e-mail and phone for her). The household is attributed to the CCAS (the
    pilot recorded its known referent). `campaigns/queues/routing.queue_partner` sends the call task to the
    referent's queue instead of the campaign's owner. A twin bailleur doing the same about a person nobody knows
    gets the task in its own queue.

    What leaks: the stranger's `GET /api/v1/taches` is empty where the twin's lists its call, `GET
    /api/v1/taches/bilan` counts 0 households against 1, and its campaign's supervision (`files`) has no queue
    where the twin's has its own: the household is known to the pilots, attributed to a structure. Safe: the same
    answers for both (the call in the stranger's own queue, or in no one's for both)."""
    ccas = admin_partner(world.client, world.state, "CCAS de Nantes", "ccas")
    assert ccas
    world.push(world.state, [landlord_row("E-1")])
    recorded = world.client.post("/api/v1/attributions/referents-connus", headers=world.state,
                                 json={"referents": [{"reference": "E-1", "structure": "CCAS de Nantes"}]})
    assert recorded.status_code == 200, recorded.text
    twin = admin_partner(world.client, world.state, TWIN, "bailleur_social")
    _call_campaign(world, STRANGER)
    _call_campaign(world, TWIN)
    world.push(world.stranger, [stranger_row("B-1", KNOWN, telephone="06 11 11 11 11")])
    world.push(twin, [stranger_row("B-1", UNKNOWN, telephone="06 22 22 22 22")])
    world.runtime.tick()
    world.clock.advance(days=1, hours=2)
    world.runtime.tick()

    def seen(key: dict[str, str], name: str) -> list[Any]:
        [campaign] = world.client.get("/api/v1/campagnes", headers=key).json()["campagnes"]
        followed = world.client.get(f"/api/v1/campagnes/{campaign['id']}/supervision", headers=key)
        report = world.client.get("/api/v1/taches/bilan", headers=key)
        assert followed.status_code == report.status_code == 200, (followed.text, report.text)
        queues = [{**q, "structure": q["structure"].replace(name, "X")} for q in followed.json()["files"]]
        return [[(t["type"], t["stade"]) for t in _queue(world, key)], report.json(), queues]

    alone = seen(twin, TWIN)
    assert alone[0] == [("appel", "impaye")], alone
    # Today: [[], {"menages": 0, ...}, []] against [[("appel", "impaye")], {"menages": 1, ...}, [{"structure": ...}]].
    assert seen(world.stranger, STRANGER) == alone


def _own_email_campaign(world: World, owner: str) -> None:
    world.campaign(name=f"Relances de {owner}", owner=owner, stages=["impaye"], active=True,
                   steps=[{"channel": "email", "template": "etape_{stade}"}])


def test_a_strangers_own_campaign_evaluation_counts_one_household_less_when_it_is_shared(world: World) -> None:
    """Severity: high. Rule 1 (no oracle) and E2 (a bailleur's evaluation: its households, by its own contacts and
    the pilots').

    Attack: the stranger runs its own e-mail campaign and pushes the tenant (name, birth date, its own e-mail for
    her) among five made-up households (padding, so that no cell is small); a twin bailleur does the same with a
    person nobody knows. Both e-mails go. `GET /api/v1/evaluation` (bailleur key) reads its stays through
    `campaigns/facts/stays.household_profiles` / `campaigns/evaluation/restricted.reader_stays`, which keep only the
    households whose landlord (rule 6) the reader is: the twin is its tenant's landlord (first bailleur), the
    stranger is not (the landlord came first), so the household its own campaign wrote to is dropped.

    What leaks: « ensemble des ménages contactés » is 5 for the stranger and 6 for the twin (and the other sections
    alike): one exact figure tells the stranger that another bailleur (or the State) knew its target first. The fix
    of red team 1's finding (a stranger's evaluation showing others' contacts) holds only for a stranger without a
    campaign of its own. Safe: the same synthesis for both (6: the households its own campaign reached)."""
    twin = admin_partner(world.client, world.state, TWIN, "bailleur_social")
    _own_email_campaign(world, STRANGER)
    _own_email_campaign(world, TWIN)
    world.push(world.landlord, [landlord_row()])
    world.runtime.tick()
    world.push(world.stranger, [stranger_row("B-1", KNOWN), *[
        person(100 + i, stade="impaye", date_stade="20/11/2026", email=f"p{i}@harmonie.example") for i in range(5)]])
    world.push(twin, [stranger_row("B-1", UNKNOWN), *[
        person(200 + i, stade="impaye", date_stade="20/11/2026", email=f"q{i}@petit.example") for i in range(5)]])
    world.runtime.tick()
    world.clock.advance(days=2)
    world.runtime.tick()

    def contacted(key: dict[str, str]) -> Any:
        answer = world.client.get("/api/v1/evaluation", headers=key, params=PERIOD)
        assert answer.status_code == 200, answer.text
        [own, *_] = answer.json()["sections"]["synthese"]["lignes"]
        assert own["valeur"] == "ensemble des ménages contactés", own
        return own["menages"]

    assert contacted(twin) == 6
    # Today: 5 (the household it wrote to is left out: its landlord came first).
    assert contacted(world.stranger) == 6


def test_a_strangers_wrong_number_outcome_stops_the_states_sms(world: World) -> None:
    """Severity: high. Rule 2 (no action on others' behalf), rule 4's per-source principle applied to phones, and
    rule 1 (the answer's count).

    Attack: the stranger knows the tenant's name, birth date and phone. Its own campaign has a call step; it pushes
    the tenant with that phone, so the call opens in its own queue. Its worker (`POST /api/v1/agents`) closes the
    task « faux_numero » (`POST /api/v1/taches/{id}/terminer`). `campaigns/queues/reservations._apply` marks the
    number invalid in every case of the household that holds it, with no vouching check (the « parti » and NPAI
    paths have one since red team 3: `standing.trusted_with`, `dwelling_cases`).

    What changes: the landlord's case's phone is marked invalid, the State's SMS to the household is skipped
    (`no_channel`), and so would every other partner's. What leaks: `telephones_invalides` answers 2 (its case and
    the landlord's), where a twin on an empty base reads 1: the stranger learns that another partner gave the same
    number. Safe: its own case's number only (1), and the State's SMS goes."""
    _state_letter_then_sms(world)
    world.campaign(name="Appels", owner=STRANGER, stages=["impaye"], active=True, steps=[{"channel": "appel"}])
    world.push(world.landlord, [landlord_row(stade="commandement_de_payer", date_stade="20/11/2026")])
    world.runtime.tick()
    # The landlord's tenant's phone is 06 12 34 56 78 (tests.factories.signalement); the stranger knows it too.
    world.push(world.stranger, [stranger_row("B-1", KNOWN, telephone="06 12 34 56 78")])
    world.runtime.tick()
    [task] = _queue(world, world.stranger)
    assert task["type"] == "appel", task
    agent = world.client.post("/api/v1/agents", headers=world.stranger, json={"nom": "Zoé B."})
    assert agent.status_code == 201, agent.text
    done = world.client.post(f"/api/v1/taches/{task['id']}/terminer", headers=world.stranger,
                             json={"agent_id": agent.json()["id"], "resultat": "faux_numero"})
    assert done.status_code == 200, done.text
    world.clock.advance(days=5, hours=1)
    world.runtime.tick()
    # Today: 2 numbers invalidated, and the State's SMS ("skipped", "no_channel").
    assert (done.json()["telephones_invalides"], _state_contacts(world)["sms"]) == (1, ("delivered", None))


def test_the_purge_date_of_a_strangers_closed_case_tells_that_the_state_wrote_to_the_household(world: World) -> None:
    """Severity: low. Rule 1 (no oracle) and rule 3 (closure and purge per case).

    Attack: the stranger's own campaign keeps data 30 days (`retention_days`); it pushes the tenant, its e-mail goes,
    and it closes its case the next day. A twin bailleur does the same about a person nobody knows. The State's
    campaign, which keeps 1,000 days, wrote to the tenant's household. `campaigns/protection/retention.
    expired_cases` waits, for a closed case in a household still open, for the longest retention of the
    household's campaigns (any owner's): the twin's case is purged after 30 days, the stranger's after 1,000.

    What leaks: a month later, the twin's « Mes ménages » page no longer lists its closed case while the
    stranger's still does (`campaigns/intake/landlord_households`: purged cases are left out): the case outlives
    the stranger's own retention only because another partner's campaign wrote to the household. What changes:
    the stranger's personal data is kept beyond the period its own campaign declares. Safe: both pages the same
    (each closed case purged after its own partner's campaigns' retention)."""
    twin = admin_partner(world.client, world.state, TWIN, "bailleur_social")
    world.campaign(name=STATE_LETTERS, owner=STATE, stages=["assignation"], active=True, retention_days=1000,
                   steps=[{"channel": "courrier", "template": "information_etat"}])
    for owner in (STRANGER, TWIN):
        world.campaign(name=f"Relances de {owner}", owner=owner, stages=["impaye"], active=True, retention_days=30,
                       steps=[{"channel": "email", "template": "etape_{stade}"}])
    world.push(world.landlord, [landlord_row()])
    world.runtime.tick()
    world.push(world.stranger, [stranger_row("B-1", KNOWN)])
    world.push(twin, [stranger_row("B-1", UNKNOWN)])
    world.runtime.tick()
    world.clock.advance(days=1)
    closure = {"stade": "cloture", "date_stade": "25/11/2026", "motif_cloture": "dette soldée"}
    world.push(world.stranger, [stranger_row("B-1", KNOWN, **closure)])
    world.push(twin, [stranger_row("B-1", UNKNOWN, **closure)])
    world.runtime.tick()
    world.clock.advance(days=31)
    world.runtime.tick()  # embedded mode: the retention purge runs with the tick

    def listed(partner: str) -> bool:
        email = f"bailleur@{partner.replace(' ', '-').lower()}.example"
        new_user(world.runtime, email=email, role="bailleur", partner=partner)
        browser = TestClient(world.client.app)
        log_in(browser, email)
        page = browser.get("/mes-menages")
        assert page.status_code == 200, page.text
        return "Référence B-1" in page.text

    assert not listed(TWIN)
    # Today: True (the stranger's closed case waits for the State's 1,000 days).
    assert not listed(STRANGER)


STRANGERS_OWN_PHONE = "+33699887766"  # a mobile of the stranger's own office, given in its row as the tenant's


def _text_from(world: World, phone: str, body: str) -> None:
    """An SMS to the service's number from `phone`, as Twilio delivers it (signed webhook)."""
    form = {"From": phone, "Body": body, "MessageSid": "SM" + "4" * 32}
    signature = RequestValidator(TOKEN).compute_signature(BASE + "/api/v1/twilio/entrant", form)
    answer = world.client.post("/api/v1/twilio/entrant", data=form, headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("body", ["Bonjour, c'est noté", "STOP"])
def test_a_text_from_the_strangers_own_number_stops_everyones_relances(sms_world: World, body: str) -> None:
    """Severity: critical. Rule 2 (no action on others' behalf: which evidence counts).

    Attack: the State texted the tenant (her number, +33 6 12 34 56 78, given by the State and her landlord); its
    letter and the landlord's SMS are planned for the next days. The stranger pushes a row with the tenant's name
    and birth date and, as her phone, a mobile of its own office; then texts the service's number from that mobile
    (a real SMS: Twilio signs the webhook). `campaigns/delivery/sms_events.record_inbound` finds the household by
    any case holding the number and takes the text as the household's answer to the last SMS sent to the household
    (the State's, to another number): `Evidence.SMS_REPLY`, so every partner's pending steps stop. A « STOP » from
    that mobile cancels every pending SMS of the household, whichever number they go to (`opted_out`).

    What changes: the State's letter and the landlord's SMS are cancelled (`responded`), or the landlord's SMS
    (`opted_out`), on a stranger's word, with no attributed reason and nothing in the audit log; the evaluation
    counts the State's SMS as answered. Safe: a reply from a number that only a partner without authority gave
    stops that partner's own steps at most, a STOP opts out that number only; the others' contacts go."""
    world = sms_world
    _state_and_landlord_sms(world)
    world.push(world.state, [landlord_row("E-1")])
    world.push(world.landlord, [landlord_row()])
    world.runtime.tick()
    _ticked_days(world, 1)  # the State's SMS goes to the tenant's number
    world.push(world.stranger, [stranger_row("B-1", KNOWN, telephone="06 99 88 77 66")])
    _text_from(world, STRANGERS_OWN_PHONE, body)
    _ticked_days(world, 5)
    after = _all_contacts(world)
    # Today: ("cancelled", "responded") for both (a reply), or the landlord's SMS ("cancelled", "opted_out") (STOP).
    assert _sent(after[(STATE_LETTERS, 1)]) and _sent(after[("Relances du bailleur", 0)]), after


def _own_letter_campaign(world: World, owner: str) -> None:
    world.campaign(name=f"Courriers de {owner}", owner=owner, stages=["impaye"], active=True,
                   steps=[{"channel": "courrier", "template": "etape_{stade}"}])


def test_two_strangers_rows_joined_through_the_landlords_co_tenant_tell_it_who_lives_together(world: World) -> None:
    """Severity: high. Rule 1 (no oracle: identity, i.e. co-tenants, and whether another partner knows them).

    Attack: the stranger suspects that Karim Benali (born 01/02/1980) lives with Aïcha Benali. It pushes two rows,
    one about each (names, birth dates, its own addresses for them), and runs its own letter campaign. Only the
    landlord's case names Karim as Aïcha's co-tenant: linkage joins the stranger's second row to the household
    through it. A twin bailleur pushing two people nobody knows, under the same pattern, gets two households.

    What leaks: the stranger's case view of B-1 lists two letters of its campaign (its own letter to Karim is « in
    the household »), so does B-2's, and its campaign's supervision counts 1 household (`menages`) where the twin
    reads one letter per case and 2 households: the landlord's co-tenant data is read back, and with it the fact
    that another partner knows the household. Safe: the same views and count for both (a case view lists the
    contacts written with the case, or the household's grouping through others' data never shows)."""
    twin = admin_partner(world.client, world.state, TWIN, "bailleur_social")
    _own_letter_campaign(world, STRANGER)
    _own_letter_campaign(world, TWIN)
    push_co_tenant_twins(world, twin)

    def seen(key: dict[str, str]) -> list[int]:
        [campaign] = world.client.get("/api/v1/campagnes", headers=key).json()["campagnes"]
        followed = world.client.get(f"/api/v1/campagnes/{campaign['id']}/supervision", headers=key)
        assert followed.status_code == 200, followed.text
        return [followed.json()["menages"], *(len(world.view(key, ref)["contacts"]) for ref in ("B-1", "B-2"))]

    assert seen(twin) == [2, 1, 1]
    # Today: [1, 2, 2].
    assert seen(world.stranger) == [2, 1, 1]


def _comparable_task(detail: dict[str, Any], who: dict[str, str]) -> dict[str, Any]:
    """A task's detail, but its id and the person's own name (what the partner pushed itself)."""
    text = json.dumps({k: v for k, v in detail.items() if k != "id"}, ensure_ascii=False, sort_keys=True)
    for value in (who["prenom"], who["nom"]):
        text = text.replace(value, "*")
    found: dict[str, Any] = json.loads(text)
    return found


@pytest.mark.parametrize("kind", ["caf", "association"])
def test_a_structures_search_task_on_its_own_word_shows_what_everyone_else_knows(world: World, kind: str) -> None:
    """Severity: critical. Rule 1 (no oracle), rule 5 (whose data a worker is shown).

    Attack: a structure with a valid key (the CAF, an association) knows only a tenant's name and birth date. It
    pushes a row about her marked `injoignable=oui` (no channel needed): the service opens a « recherche » task in
    its own queue, on its word alone (rule 1 lists these tasks). `GET /api/v1/taches/{id}` answers with
    `campaigns/queues/task_views.task_detail`, which restricts what a bailleur's queue reads (`landlord_queue`) but
    not a structure's: `contact_case` picks the household's best case, `_to_call` the curator of the trusted cases,
    and the task lists the household's landlord and every partner's letters.

    What leaks: the tenant's phone and address, the hearing date, the curatelle and its mandataire (name and
    phone), the debt, the landlord's name, and that the State wrote to her, all given by the State and the
    landlord, none by the attacker; a twin structure asking about a person nobody knows reads only what it pushed.
    The same sheet feeds the web task page and the visit round PDF (`round_stops`). Safe: a task opened on the
    partner's own word shows what it pushed and what the service did in its name (as for a bailleur's queue)."""
    world.campaign(name=STATE_LETTERS, owner=STATE, stages=["assignation"], active=True,
                   steps=[{"channel": "courrier", "template": "information_etat"}])
    world.push(world.state, [landlord_row("E-1", mesure_protection="curatelle", mandataire_nom="UDAF 44",
                                          mandataire_adresse="1 rue Arsène Leloup", mandataire_code_postal="44000",
                                          mandataire_commune="Nantes", mandataire_telephone="02 40 00 00 00")])
    world.push(world.landlord, [landlord_row()])
    world.runtime.tick()
    structure = admin_partner(world.client, world.state, f"{kind} de Nantes", kind)
    twin = admin_partner(world.client, world.state, f"{kind} de Rezé", kind)
    world.push(structure, [stranger_row("C-1", KNOWN, injoignable="oui")])
    world.push(twin, [stranger_row("C-1", UNKNOWN, injoignable="oui")])

    def sheet(key: dict[str, str], who: dict[str, str]) -> dict[str, Any]:
        [task] = _queue(world, key)
        detail = world.client.get(f"/api/v1/taches/{task['id']}", headers=key)
        assert detail.status_code == 200, detail.text
        return _comparable_task(detail.json(), who)

    alone = sheet(twin, UNKNOWN)
    assert (alone["bailleur"], alone["envois"], alone["menage"]["telephone"]) == (None, [], None), alone
    # Today: the household's phone, address, hearing, curator, debt, landlord and the State's letter.
    assert sheet(structure, KNOWN) == alone


def test_an_appointment_on_the_strangers_own_task_has_the_state_text_the_tenant(world: World) -> None:
    """Severity: high. Rule 2 (no action on others' behalf) and rule 5 (whose data a campaign writes with).

    Attack: the stranger knows the tenant's name and birth date, not her phone. It pushes a row marked
    `injoignable=oui` (a « recherche » task opens in its own queue), then closes the task « rendez_vous_fixe » with
    an appointment whose place is free text (`lieu`, 200 characters: « Appelez le 08 99 00 00 00 :
    https://paiement.example »). `campaigns/queues/appointments._plan_reminder` attaches the SMS reminder to the
    household's enrollment at its current stage, i.e. the State's campaign, which writes with the cases with
    authority: the reminder goes the day before, in the State's campaign, to the tenant's phone given by the State
    and the landlord, naming the stranger and carrying its text.

    What changes: the service texts someone else's tenant, from a pilot's campaign, with a partner's arbitrary
    text (a phishing lure); the number stays unknown to the attacker but the message is the State's. What leaks:
    `rendez_vous.rappel_sms` is planned where a twin on an empty base reads null (the household is enrolled by
    someone else's campaign). Safe: no reminder in another partner's campaign; none to a number the stranger never
    gave."""
    world.campaign(name=STATE_LETTERS, owner=STATE, stages=["assignation"], active=True,
                   steps=[{"channel": "courrier", "template": "information_etat"}])
    world.push(world.state, [landlord_row("E-1")])
    world.push(world.landlord, [landlord_row()])
    world.runtime.tick()
    world.push(world.stranger, [stranger_row("B-1", KNOWN, injoignable="oui")])
    [task] = _queue(world, world.stranger)
    agent = world.client.post("/api/v1/agents", headers=world.stranger, json={"nom": "Zoé B."})
    assert agent.status_code == 201, agent.text
    done = world.client.post(f"/api/v1/taches/{task['id']}/terminer", headers=world.stranger, json={
        "agent_id": agent.json()["id"], "resultat": "rendez_vous_fixe", "rendez_vous": {
            "date": "2026-12-01", "heure": "10:00", "lieu": "Appelez le 08 99 00 00 00 : https://paiement.example"}})
    assert done.status_code == 200, done.text
    for _ in range(6):
        world.clock.advance(days=1)
        world.runtime.tick()
    with world.runtime.session_factory() as session:
        reminders = session.execute(select(Campaign.name, Dispatch.status).join(
            Campaign, Campaign.id == Dispatch.campaign_id).where(Dispatch.template == "rappel_rendez_vous")).all()
    # Today: {"id": ..., "statut": "planned", ...} and [("Courriers de l'État", "delivered")] (to +33 6 12 34 56 78).
    assert (done.json()["rendez_vous"]["rappel_sms"], reminders) == (None, [])


def test_a_partners_own_campaign_supervision_lists_other_households_numbers(world: World) -> None:
    """Severity: low. Rule 1 (the household's internal number is the pilots': its order tells whether a household
    was known before a partner pushed it, docs/security.md and red team 3).

    Attack: the stranger reads the supervision of its own campaign (`GET /api/v1/campagnes/{id}/supervision`).
    Since the last review the failures (`echecs`) lose their household number for non-pilots
    (`api/routers/campagnes_suivi.get_supervision`), but `alertes` still comes from `campaigns/campaign/alerts.
    alerts`, which is service-wide: « 1 ménage écarté du traitement automatique (n° 1) : … première erreur … »
    names the internal number of a household the stranger has nothing to do with (here the landlord's tenant,
    whose case holds a hearing date stored before the bounds existed), and the error recorded on another
    partner's contact. When the set-aside household is the one its own row joined, the number is its own
    household's, which red team 3 showed to be an oracle. Safe: a non-pilot's supervision names no household
    number (the alerts about other partners' households are the pilots')."""
    _own_email_campaign(world, STRANGER)
    world.push(world.landlord, [landlord_row()])
    world.push(world.stranger, [stranger_row("B-1", UNKNOWN)])
    with world.runtime.session_factory.begin() as session:
        # A value stored before the date bounds existed (docs/security.md, bad values): the household is set aside.
        session.execute(update(Case).where(Case.reference == "A-1").values(date_audience=date(1, 1, 1)))
    world.runtime.tick()
    [campaign] = world.client.get("/api/v1/campagnes", headers=world.stranger).json()["campagnes"]
    followed = world.client.get(f"/api/v1/campagnes/{campaign['id']}/supervision", headers=world.stranger)
    assert followed.status_code == 200, followed.text
    messages = " ".join(alert["message"] for alert in followed.json()["alertes"])
    # Today: « 1 ménage écarté du traitement automatique (n° 1) : une valeur enregistrée ne peut pas être traitée … ».
    assert "n° " not in messages, messages


def test_a_stray_text_from_a_strangers_number_records_nothing_when_it_never_texted(sms_world: World) -> None:
    """Found by review after the fix above: a text from a number only the stranger gave was recorded as the
    stranger's response even though none of its campaigns had texted the household (a reply answers an SMS sent)."""
    world = sms_world
    _state_and_landlord_sms(world)
    world.push(world.state, [landlord_row("E-1")])
    world.push(world.landlord, [landlord_row()])
    world.runtime.tick()
    _ticked_days(world, 1)
    world.push(world.stranger, [stranger_row("B-1", KNOWN, telephone="06 99 88 77 66")])
    _text_from(world, STRANGERS_OWN_PHONE, "Bonjour")
    with world.runtime.session_factory() as session:
        stranger = session.scalars(select(Case).where(Case.reference == "B-1")).one()
        responses = session.scalars(select(Response).where(Response.partner_id == stranger.partner_id)).all()
    assert responses == []


def test_a_text_from_the_referents_number_is_the_households_reply(sms_world: World) -> None:
    """The household's referent is trusted with it (planning/standing.py): a reply from the number the referent
    gave is the household's own answer to the State's SMS and stops everyone's relances (not the regulatory letter),
    as one from the number the State gave would."""
    world = sms_world
    ccas = admin_partner(world.client, world.state, "CCAS de Nantes", "ccas")
    _state_and_landlord_sms(world)
    world.push(world.state, [landlord_row("E-1")])
    world.push(world.landlord, [landlord_row()])
    recorded = world.client.post("/api/v1/attributions/referents-connus", headers=world.state,
                                 json={"referents": [{"reference": "E-1", "structure": "CCAS de Nantes"}]})
    assert recorded.status_code == 200, recorded.text
    world.push(ccas, [stranger_row("C-1", KNOWN, telephone="06 99 88 77 66")])
    world.runtime.tick()
    _ticked_days(world, 1)  # the State's SMS goes to the tenant's number
    _text_from(world, STRANGERS_OWN_PHONE, "Bonjour, je rappelle demain")
    _ticked_days(world, 5)
    after = _all_contacts(world)
    assert after[(STATE_LETTERS, 1)] == ("cancelled", "responded"), after
    assert after[("Relances du bailleur", 0)] == ("cancelled", "responded_other_campaign"), after
    assert after[(STATE_LETTERS, 2)] == ("planned", None), after  # the regulatory letter is never stopped


def push_co_tenant_twins(world: World, twin: dict[str, str], **extra: str) -> None:
    """The landlord names Karim Benali as Aïcha's co-tenant; the stranger pushes a row about each (B-1, B-2), a
    twin bailleur the same pattern about two people nobody knows (Odile, Paul); a tick after each side."""
    world.push(world.landlord, [landlord_row(nom_cotitulaire="Benali", prenom_cotitulaire="Karim",
                                             date_naissance_cotitulaire="01/02/1980")])
    world.runtime.tick()
    karim = {"nom": "Benali", "prenom": "Karim", "date_naissance": "01/02/1980", "email": "k.benali@harmonie.example"}
    paul = {"nom": "Lefebvre", "prenom": "Paul", "date_naissance": "01/02/1980", "email": "p.lefebvre@petit.example"}
    world.push(world.stranger, [stranger_row("B-1", KNOWN, adresse="3 rue du Port", **extra),
                                stranger_row("B-2", karim, adresse="5 rue du Port", **extra)])
    world.push(twin, [stranger_row("B-1", UNKNOWN, adresse="3 rue du Port", **extra),
                      stranger_row("B-2", paul, adresse="5 rue du Port", **extra)])
    world.runtime.tick()
