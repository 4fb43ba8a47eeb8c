"""One coordinated letter per household across partners: window, priority, regulatory letters, caps, NPAI."""

from __future__ import annotations

from pathlib import Path

import pypdf
from fastapi.testclient import TestClient
from sqlalchemy import select

from campaigns.models import Case, Dispatch, HumanTask
from campaigns.runtime.root import Runtime
from tests.conftest import Clock, new_partner
from tests.contact_handles import sender_handle
from tests.factories import campaign, signalement


def _rows(runtime: Runtime) -> list[tuple[int, int, str, str, str | None, int | None]]:
    with runtime.session_factory() as session:
        return [(d.id, d.campaign_id, d.channel, d.status, d.reason, d.merged_into_id)
                for d in session.scalars(select(Dispatch).order_by(Dispatch.id))]


def _letters(runtime: Runtime) -> list[Path]:
    return sorted((runtime.settings.resolved_outbox_dir / "courrier").rglob("*.pdf"))


def _text(pdf: Path) -> str:
    return " ".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)


def _setup(runtime: Runtime) -> dict[str, str]:
    new_partner(runtime, "DDETS 44", "etat")
    new_partner(runtime, "Département 44", "departement")
    new_partner(runtime, "ADIL 44", "adil")
    return new_partner(runtime, "Habitat 44", "bailleur_social")[1]


def _letter(template: str = "information_etat", **extra: object) -> list[dict[str, object]]:
    return [{"channel": "courrier", "template": template, **extra}]


def test_two_partners_letters_become_one_with_a_block_each(runtime: Runtime, client: TestClient) -> None:
    bailleur = _setup(runtime)
    dept = campaign(runtime, owner="Département 44", name="Département", priority=10, steps=_letter())
    adil = campaign(runtime, owner="ADIL 44", name="ADIL", priority=50, steps=_letter("mise_a_disposition"))
    client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1")])
    assert runtime.tick() == 2
    rows = _rows(runtime)
    assert [(c, s, r) for _i, c, _ch, s, r, _m in rows] == [(dept, "delivered", None), (adil, "cancelled", "duplicate")]
    assert rows[1][5] == rows[0][0]  # merged into the Département's letter
    letters = _letters(runtime)
    assert len(letters) == 1
    assert "Message de ADIL 44" in _text(letters[0])


def test_suppress_mode_and_regulatory_letters(runtime: Runtime, client: TestClient) -> None:
    bailleur = _setup(runtime)
    state = campaign(runtime, owner="DDETS 44", name="État", priority=90, steps=_letter(regulatory=True))
    dept = campaign(runtime, owner="Département 44", name="Département", priority=10, steps=_letter())
    adil = campaign(runtime, owner="ADIL 44", name="ADIL", priority=50, coordination="suppress",
                    steps=_letter("mise_a_disposition"))
    client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1")])
    runtime.tick()
    by_campaign = {c: (s, r, m) for _i, c, _ch, s, r, m in _rows(runtime)}
    state_id = next(i for i, c, *_ in _rows(runtime) if c == state)
    # The regulatory letter wins whatever the priorities; the others fold into it or are suppressed.
    assert by_campaign[state] == ("delivered", None, None)
    assert by_campaign[dept] == ("cancelled", "duplicate", state_id)
    assert by_campaign[adil] == ("cancelled", "duplicate", None)
    assert len(_letters(runtime)) == 1


def test_a_letter_within_the_window_of_another_partners_letter_is_not_sent(
    runtime: Runtime, client: TestClient, clock: Clock
) -> None:
    bailleur = _setup(runtime)
    campaign(runtime, owner="Département 44", name="Département", steps=_letter())
    campaign(runtime, owner="ADIL 44", name="ADIL", steps=[
        {"channel": "courrier", "template": "mise_a_disposition", "delay_days": 20}])
    client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1")])
    runtime.tick()
    clock.advance(days=21)
    runtime.tick()
    assert [s for *_x, s, _r, _m in _rows(runtime)] == ["delivered", "delivered"]  # 20 days apart: both go
    campaign(runtime, owner="DDETS 44", name="État", steps=[
        {"channel": "courrier", "template": "information_etat"}], stages=["assignation"])
    campaign(runtime, owner="Département 44", name="Département assignation", stages=["assignation"], steps=[
        {"channel": "courrier", "template": "information_etat", "delay_days": 5}])
    client.post("/api/v1/signalements", headers=bailleur,
                json=[signalement("R-1", stade="assignation", date_stade="01/12/2026")])
    runtime.tick()
    clock.advance(days=5)
    runtime.tick()
    assert [(s, r) for *_x, s, r, _m in _rows(runtime)][2:] == [("delivered", None), ("cancelled", "duplicate")]


def test_caps_defer_or_skip_letters_and_sms(runtime: Runtime, client: TestClient, clock: Clock) -> None:
    bailleur = _setup(runtime)
    steps = [{"channel": "courrier", "template": "information_etat", "delay_days": 0 if i == 0 else 2}
             for i in range(4)]
    steps += [{"channel": "sms", "template": "relance"}, {"channel": "sms", "template": "relance"}]
    campaign(runtime, owner="Département 44", name="Relances", steps=steps)
    client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1")])
    for _ in range(10):
        runtime.tick()
        clock.advance(days=1)
    rows = _rows(runtime)
    letters = [(s, r) for _i, _c, ch, s, r, _m in rows if ch == "courrier"]
    assert letters == [("delivered", None)] * 3 + [("planned", "cap_reached")]
    sms = [(s, r) for _i, _c, ch, s, r, _m in rows if ch == "sms"]
    assert sms == [("delivered", None), ("delivered", None)]  # the second one waited a day
    with runtime.session_factory() as session:
        deferred = session.scalars(select(Dispatch).where(Dispatch.reason == "cap_reached")).one()
        first = session.scalars(select(Dispatch).order_by(Dispatch.id)).first()
        assert first is not None and first.sent_at is not None
        assert (deferred.due_at - first.sent_at).days >= 30
        sms_times = sorted(d.sent_at for d in session.scalars(select(Dispatch).where(Dispatch.channel == "sms")))
        assert sms_times[1] is not None and sms_times[0] is not None
        assert (sms_times[1] - sms_times[0]).total_seconds() >= 24 * 3600


def test_over_cap_skip_setting(runtime: Runtime, client: TestClient, clock: Clock) -> None:
    bailleur = _setup(runtime)
    steps = [{"channel": "courrier", "template": "information_etat", "delay_days": i and 1} for i in range(4)]
    campaign(runtime, owner="Département 44", name="Relances", over_cap="skip", steps=steps)
    client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1")])
    for _ in range(6):
        runtime.tick()
        clock.advance(days=1)
    assert [(s, r) for *_x, s, r, _m in _rows(runtime)] == [("delivered", None)] * 3 + [("skipped", "cap_reached")]


def test_npai_invalidates_the_address_for_every_campaign(runtime: Runtime, client: TestClient,
                                                          clock: Clock) -> None:
    bailleur = _setup(runtime)
    _, dept = new_partner(runtime, "Département 2", "departement")
    campaign(runtime, owner="Département 2", name="Département", steps=[
        {"channel": "courrier", "template": "information_etat"},
        {"channel": "visite", "delay_days": 1},
        {"channel": "courrier", "template": "information_etat", "delay_days": 30}])
    client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1")])
    client.post("/api/v1/signalements", headers=dept, json=[signalement("D-1")])
    runtime.tick()
    letter_id = sender_handle(runtime, _rows(runtime)[0][0])
    other = client.post("/api/v1/npai", headers=bailleur, json={"courrier_id": letter_id})
    assert other.status_code == 404  # only the sender receives the envelope back
    returned = client.post("/api/v1/npai", headers=dept, json={"courrier_id": letter_id})
    assert returned.status_code == 201, returned.text
    # One address (both partners reported it): counted once, never as the other partner's cases.
    assert returned.json()["adresses_invalidees"] == 1 and returned.json()["tache_recherche"] is not None
    assert returned.json()["adresse_invalidee"] == "12 rue des Lilas, 44000 Nantes"
    assert returned.json()["prochaine_adresse"] is None
    clock.advance(days=40)
    runtime.tick()
    rows = [(ch, s, r) for _i, _c, ch, s, r, _m in _rows(runtime)]
    assert rows == [("courrier", "returned", None), ("visite", "skipped", "no_channel"),
                    ("courrier", "skipped", "no_channel")]
    with runtime.session_factory() as session:
        assert [t.kind for t in session.scalars(select(HumanTask))] == ["recherche"]
    # The bailleur pushes a new address: letters can go there again.
    client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1", adresse="4 rue Neuve")])
    view = client.get("/api/v1/signalements/D-1", headers=dept).json()
    assert [c["statut"] for c in view["contacts"]] == ["returned", "skipped", "skipped"]



def test_a_bailleurs_own_stay_coordinates_with_the_others_at_its_stage_only(runtime: Runtime,
                                                                            client: TestClient) -> None:
    """A second bailleur's campaign runs on its own case's stay (docs/security.md, rule 7): its letter folds into
    the State's when both are at the same stage, though their stays differ; at another stage both go."""
    _, state = new_partner(runtime, "DDETS 44", "etat")
    _, landlord = new_partner(runtime, "Habitat 44", "bailleur_social")
    _, harmonie = new_partner(runtime, "Harmonie Habitat", "bailleur_social")
    state_id = campaign(runtime, owner="DDETS 44", name="État", priority=10, stages=["jugement"], steps=_letter())
    harmonie_id = campaign(runtime, owner="Harmonie Habitat", name="Harmonie", priority=50,
                           stages=["commandement_de_payer", "jugement"], steps=_letter("mise_a_disposition"))
    other = {"nom": "Durand", "prenom": "Odile", "date_naissance": "07/07/1977", "adresse": "3 rue des Ormes",
             "telephone": "06 98 76 54 32", "numero_allocataire": None}
    # Her landlord has the first tenant at the assignation stage; Harmonie says jugement (its own stay), then the
    # State moves her household to jugement: two stays at one stage.
    client.post("/api/v1/signalements", headers=landlord, json=[signalement("R-1", stade="assignation")])
    client.post("/api/v1/signalements", headers=harmonie, json=[signalement("H-1", stade="jugement")])
    client.post("/api/v1/signalements", headers=state, json=[signalement("E-1", stade="jugement")])
    # The second tenant: the State at jugement, Harmonie at the commandement de payer.
    client.post("/api/v1/signalements", headers=state, json=[signalement("E-2", stade="jugement", **other)])
    client.post("/api/v1/signalements", headers=harmonie, json=[signalement("H-2", **other)])
    with runtime.session_factory() as session:
        households = {c.reference: c.household_id for c in session.scalars(select(Case))}
        stays = {(d.household_id, d.campaign_id): (d.stage, d.stage_entry_id)
                 for d in session.scalars(select(Dispatch))}
    first, second = households["R-1"], households["E-2"]
    assert households["H-1"] == households["E-1"] == first and households["H-2"] == second
    assert stays[(first, state_id)][0] == stays[(first, harmonie_id)][0] == "jugement"
    assert stays[(first, state_id)][1] != stays[(first, harmonie_id)][1]
    assert stays[(second, harmonie_id)][0] == "commandement_de_payer"
    assert runtime.tick() == 4
    with runtime.session_factory() as session:
        result = {(d.household_id, d.campaign_id): (d.status, d.reason) for d in session.scalars(select(Dispatch))}
    assert result == {(first, state_id): ("delivered", None), (first, harmonie_id): ("cancelled", "duplicate"),
                      (second, state_id): ("delivered", None), (second, harmonie_id): ("delivered", None)}
