"""What the answer link asks of a structure (docs/web.md, « Le lien de réponse »): call-back slots from its opening
hours, the chosen slot on the call task, and the addresses households propose, accepted or refused before a letter
uses them. SQLite; the second partner's attacks are in tests/security/test_answer_proposals.py."""

from __future__ import annotations

import html
from datetime import date, datetime, time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from campaigns.answers.slots import DEFAULT_HOURS, callback_slots, read_hours, stored_hours
from campaigns.locale.clock import PARIS
from campaigns.messages.addressees import accepted_move
from campaigns.messages.composing import compose
from campaigns.messages.versions import record_composed
from campaigns.models import Case, Dispatch, HumanTask, LinkAnswer, Partner
from campaigns.platform.errors import ValidationError
from campaigns.runtime.root import Runtime
from tests.answer_world import checked, letter_world_keys, token_of_letter
from tests.factories import signalement
from tests.test_web_tasks import account, post, signed_in


def test_slots_follow_the_opening_hours_and_skip_closed_days_and_holidays() -> None:
    # Friday 13 November 2026, 10:00: Wednesday 11 was a holiday, Monday 16 to Wednesday 18 are open days.
    now = datetime(2026, 11, 13, 10, 0, tzinfo=PARIS)
    usual = callback_slots(now, "44")
    assert [s.start.date() for s in usual[::2]] == [date(2026, 11, 16), date(2026, 11, 17), date(2026, 11, 18)]
    assert usual[0].label == "lundi 16 novembre, de 9 h à 12 h"
    # Open on Wednesday afternoons and Saturday mornings only; 11 November (Armistice) is never offered.
    hours = read_hours({"mercredi": [["13:30", "16:00"]], "samedi": [["09:00", "11:00"]]})
    before = datetime(2026, 11, 9, 18, 0, tzinfo=PARIS)
    offered = callback_slots(before, "44", hours)
    assert [s.label for s in offered] == ["samedi 14 novembre, de 9 h à 11 h",
                                          "mercredi 18 novembre, de 13 h 30 à 16 h",
                                          "samedi 21 novembre, de 9 h à 11 h"]
    assert stored_hours(hours) == {"mercredi": [["13:30", "16:00"]], "samedi": [["09:00", "11:00"]]}
    assert set(DEFAULT_HOURS) == {0, 1, 2, 3, 4} and DEFAULT_HOURS[0][0] == (time(9), time(12))


@pytest.mark.parametrize(("typed", "error"), [
    ({"lundy": [["09:00", "12:00"]]}, "Jour inconnu : « lundy »"),
    ({"lundi": [["9h", "12:00"]]}, "lundi, plage 1 : « 9h » n'est pas une heure HH:MM."),
    ({"mardi": [["12:00", "09:00"]]}, "mardi, plage 1 : la fin doit suivre le début."),
    ({"jeudi": [["09:00", "12:00"], ["11:00", "14:00"]]}, "jeudi : deux plages se chevauchent."),
    ({"vendredi": [["09:00"]]}, "vendredi, plage 1 : écrivez le début et la fin"),
    ({}, "au moins une plage"),
])
def test_opening_hours_typed_wrong_are_refused_in_french(typed: dict[str, list[list[str]]], error: str) -> None:
    with pytest.raises(ValidationError, match=error):
        read_hours(typed)


def test_the_structure_hours_give_the_slots_and_the_task_keeps_the_chosen_one(sqlite_runtime: Runtime) -> None:
    from api.app import create_app

    runtime = sqlite_runtime
    with TestClient(create_app(runtime)) as client:
        keys = letter_world_keys(runtime, client)
        state = keys["DDETS 44"]  # no referent: the sender's queue calls back
        assert client.get("/api/v1/horaires", headers=state).json()["par_defaut"] is True
        bad = client.put("/api/v1/horaires", headers=state, json={"horaires": {"mercredi": [["25:00", "26:00"]]}})
        assert bad.status_code in (400, 422) and "mercredi, plage 1 : « 25:00 »" in bad.text
        hours = {"mercredi": [["13:30", "16:00"]], "samedi": [["09:00", "11:00"]]}
        saved = client.put("/api/v1/horaires", headers=state, json={"horaires": hours})
        assert saved.status_code == 200 and saved.json() == {"horaires": hours, "par_defaut": False}
        # Each partner sets its own: the CCAS's hours are still the usual ones.
        assert client.get("/api/v1/horaires", headers=keys["CCAS Nantes"]).json()["par_defaut"] is True

        token = token_of_letter(runtime)
        token_csrf = checked(client, token)
        page = html.unescape(client.get(f"/r/{token}").text)
        assert "de 13 h 30 à 16 h" in page and "de 9 h à 11 h" in page and "de 14 h à 17 h" not in page
        expected = callback_slots(runtime.clock(), "44", read_hours(hours))
        # A slot of the usual hours, not offered by this structure, is refused.
        usual = callback_slots(runtime.clock(), "44")[0]
        refused = client.post(f"/r/{token}/rappel", data={"csrf_token": token_csrf, "creneau": usual.key})
        assert refused.status_code == 400
        chosen = expected[1]
        done = client.post(f"/r/{token}/rappel", data={"csrf_token": token_csrf, "creneau": chosen.key})
        assert done.status_code == 200
        with runtime.session_factory() as session:
            task = session.scalars(select(HumanTask)).one()
            assert (task.callback_from, task.callback_until) == (chosen.start, chosen.end)
        detail = client.get(f"/api/v1/taches/{task.id}", headers=state)
        assert detail.status_code == 200, detail.text
        slot = detail.json()["creneau_rappel"]
        local = chosen.start.astimezone(PARIS)
        assert datetime.fromisoformat(slot["debut"]) == chosen.start
        assert datetime.fromisoformat(slot["fin"]) == chosen.end
        assert slot["libelle"] == f"le {local:%d/%m/%Y} entre {local:%H:%M} et {chosen.end.astimezone(PARIS):%H:%M}"


def _letter_lines(runtime: Runtime) -> tuple[str, ...]:
    """The address block the campaign's letter would carry if composed now."""
    with runtime.session_factory.begin() as session:
        letter = session.scalars(select(Dispatch).where(Dispatch.channel == "courrier")).one()
        return compose(session, letter, now=runtime.clock()).message.recipient.address_lines


def test_a_proposed_address_is_used_once_the_structure_accepts_it(sqlite_runtime: Runtime) -> None:
    from api.app import create_app

    runtime = sqlite_runtime
    with TestClient(create_app(runtime)) as client:
        keys = letter_world_keys(runtime, client)
        state = keys["DDETS 44"]
        token = token_of_letter(runtime)
        token_csrf = checked(client, token)
        before = _letter_lines(runtime)
        assert before[-1] == "44000 NANTES"
        no_postcode = client.post(f"/r/{token}/adresse",
                                  data={"csrf_token": token_csrf, "adresse": "3 allée des Tilleuls"})
        assert no_postcode.status_code == 400 and "code postal et la commune" in html.unescape(no_postcode.text)
        for address in ("3 allée des Tilleuls\n44300 Nantes", "8 rue Inconnue\n44100 Nantes"):
            sent = client.post(f"/r/{token}/adresse", data={"csrf_token": token_csrf, "adresse": address})
            assert sent.status_code == 200
        listed = client.get("/api/v1/adresses-proposees", headers=state).json()["adresses"]
        assert [p["adresse_proposee"] for p in listed] == [["3 allée des Tilleuls", "44300 Nantes"],
                                                          ["8 rue Inconnue", "44100 Nantes"]]
        assert listed[0]["nom"] == "Aïcha BENALI" and listed[0]["adresse_actuelle"][-1] == "44000 Nantes"
        # Nothing changes before the structure's check.
        assert _letter_lines(runtime) == before

        # The second is refused through the API; the first accepted by a worker of the DDETS on its page.
        refused = client.post(f"/api/v1/adresses-proposees/{listed[1]['id']}/refuser", headers=state)
        assert refused.status_code == 200 and refused.json()["statut"] == "refusee"
        account(runtime, "agent@ddets44.fr", partner="DDETS 44")
        signed_in(client, "agent@ddets44.fr")
        page = client.get("/adresses-proposees")
        assert page.status_code == 200 and "3 allée des Tilleuls, 44300 Nantes" in html.unescape(page.text)
        assert "8 rue Inconnue" not in html.unescape(page.text)
        accepted = post(client, f"/adresses-proposees/{listed[0]['id']}/accepter", "/adresses-proposees")
        assert accepted.status_code == 303
        after = html.unescape(client.get("/adresses-proposees").text)
        assert "Adresse acceptée : les prochains courriers l'utiliseront." in after
        again = post(client, f"/adresses-proposees/{listed[0]['id']}/refuser", "/adresses-proposees")
        assert again.status_code == 303
        assert "Cette adresse a déjà été acceptée." in html.unescape(client.get("/adresses-proposees").text)

        lines = _letter_lines(runtime)
        assert lines[-2:] == ("3 allée des Tilleuls", "44300 NANTES")
        # Sent there, the letter records the accepted address: a return invalidates it, not the case's own.
        with runtime.session_factory() as session:  # closed without commit: nothing is sent
            letter = session.scalars(select(Dispatch).where(Dispatch.channel == "courrier")).one()
            record_composed(session, letter, compose(session, letter, now=runtime.clock()), now=runtime.clock())
            assert (letter.sent_adresse, letter.sent_code_postal) == ("3 allée des Tilleuls", "44300")
        with runtime.session_factory() as session:
            case = session.scalars(select(Case)).one()
            # The bailleur's case is untouched, and its own campaigns keep its address (docs/security.md, rule 4).
            assert case.adresse == "12 rue des Lilas"
            bailleur = session.scalars(select(Partner).where(Partner.name == "Habitat 44")).one()
            assert accepted_move(session, case, bailleur.id) is None
            statuses = sorted(a.status for a in session.scalars(select(LinkAnswer)))
            assert statuses == ["acceptee", "refusee"]
        # A new push of the case by its bailleur is fresher than the accepted address.
        runtime.clock.advance(days=1)  # type: ignore[attr-defined]
        pushed = client.post("/api/v1/signalements", headers=keys["Habitat 44"],
                             json=[signalement("R-1", adresse="5 place Royale")])
        assert pushed.status_code == 200, pushed.text
        assert _letter_lines(runtime)[-2:] == ("5 place Royale", "44000 NANTES")
