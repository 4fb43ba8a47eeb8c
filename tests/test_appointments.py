"""Appointments as data (issue 18): "rendez-vous fixé" through the API and the page stores day, time and place;
they appear on the round sheet, in the worker's calendar (ICS read back with icalendar) and in an SMS reminder to
the household the day before, which respects opt-outs and the campaign's sending hours."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from typing import Any

from fastapi.testclient import TestClient
from icalendar import Calendar
from pypdf import PdfReader
from sqlalchemy import select

from campaigns.delivery.sms_events import phone_hash
from campaigns.locale.clock import PARIS
from campaigns.models import Appointment, Case, Dispatch, HumanTask, SmsOptOut
from campaigns.runtime.root import Runtime
from tests.conftest import Clock, new_partner
from tests.queue_factories import add_worker, reserve, structure_with_call, tasks
from tests.test_web_tasks import account, body, post, signed_in

PLACE = "Permanence du CCAS, 2 rue de la Mairie"


def _fix(client: TestClient, ccas: dict[str, str], agent: int, when: dict[str, Any], **extra: Any) -> Any:
    task_id = tasks(client, ccas)[0]["id"]
    assert reserve(client, ccas, task_id, agent).status_code == 200
    return client.post(f"/api/v1/taches/{task_id}/terminer", headers=ccas, json={
        "agent_id": agent, "resultat": "rendez_vous_fixe", "rendez_vous": when, **extra})


def _reminder(runtime: Runtime) -> Dispatch | None:
    with runtime.session_factory() as session:
        row = session.scalars(select(Dispatch).where(Dispatch.template == "rappel_rendez_vous")).one_or_none()
        if row is not None:
            session.expunge(row)
        return row


def test_an_appointment_is_stored_and_reminded_by_sms_the_day_before(
    runtime: Runtime, client: TestClient, clock: Clock
) -> None:
    ccas, _ = structure_with_call(runtime, client)
    agent = add_worker(client, ccas)
    done = _fix(client, ccas, agent, {"date": "2026-11-27", "heure": "14:30", "lieu": PLACE})
    assert done.status_code == 200, done.text
    shown = done.json()["rendez_vous"]
    assert (shown["date"], shown["heure"], shown["lieu"]) == ("2026-11-27", "14:30", PLACE)
    # The day before at 10:00 in Paris; the household's relance SMS stopped (it answered), not the reminder.
    assert datetime.fromisoformat(shown["rappel_sms"]["prevu_le"]) == datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)
    detail = client.get(f"/api/v1/taches/{done.json()['id']}", headers=ccas).json()
    assert detail["rendez_vous"]["heure"] == "14:30"
    clock.now = datetime(2026, 11, 26, 10, 5, tzinfo=PARIS)
    runtime.tick()
    reminder = _reminder(runtime)
    assert reminder is not None and reminder.status in ("sending", "delivered"), reminder
    outbox = runtime.settings.outbox_dir
    assert outbox is not None
    text = "\n".join(p.read_text(errors="ignore") for p in outbox.rglob("*.txt"))
    assert "27 novembre 2026" in text and "14 h 30" in text and PLACE in text and "CCAS Nantes" in text


def test_no_reminder_to_a_number_that_answered_stop(runtime: Runtime, client: TestClient, clock: Clock) -> None:
    ccas, _ = structure_with_call(runtime, client)
    agent = add_worker(client, ccas)
    assert _fix(client, ccas, agent, {"date": "2026-11-27", "heure": "09:00"}).status_code == 200
    with runtime.session_factory.begin() as session:
        phone = session.scalars(select(Case.telephone)).one()
        assert phone is not None
        session.add(SmsOptOut(phone_hash=phone_hash(session, phone), created_at=clock.now))
    clock.now = datetime(2026, 11, 26, 11, 0, tzinfo=PARIS)
    runtime.tick()
    reminder = _reminder(runtime)
    assert reminder is not None and (reminder.status, reminder.reason) == ("skipped", "opted_out")


def test_the_reminder_keeps_to_sending_hours(runtime: Runtime, client: TestClient) -> None:
    """Monday's appointment: Sunday is outside the default sending days, and a reminder on Monday morning would
    say "tomorrow" on the day itself: none is planned. Tuesday's is reminded on Monday at 10:00."""
    ccas, _ = structure_with_call(runtime, client)
    agent = add_worker(client, ccas)
    monday = _fix(client, ccas, agent, {"date": "2026-11-30", "heure": "10:00"})
    assert monday.status_code == 200, monday.text
    assert monday.json()["rendez_vous"]["rappel_sms"] is None


def test_the_appointment_is_refused_in_french_when_it_cannot_be(runtime: Runtime, client: TestClient) -> None:
    ccas, _ = structure_with_call(runtime, client)
    agent = add_worker(client, ccas)
    task_id = tasks(client, ccas)[0]["id"]
    reserve(client, ccas, task_id, agent)
    wrong_outcome = client.post(f"/api/v1/taches/{task_id}/terminer", headers=ccas, json={
        "agent_id": agent, "resultat": "joint", "rendez_vous": {"date": "2026-11-27", "heure": "10:00"}})
    assert wrong_outcome.status_code == 422
    assert "Rendez-vous fixé" in wrong_outcome.text
    past = client.post(f"/api/v1/taches/{task_id}/terminer", headers=ccas, json={
        "agent_id": agent, "resultat": "rendez_vous_fixe", "rendez_vous": {"date": "2026-11-20", "heure": "10:00"}})
    assert past.status_code == 422
    assert "passées" in past.text


def test_the_calendar_and_the_round_sheet_show_the_appointment(runtime: Runtime, client: TestClient) -> None:
    ccas, _ = structure_with_call(runtime, client)
    agent = add_worker(client, ccas)
    assert _fix(client, ccas, agent, {"date": "2026-11-27", "heure": "14:30", "lieu": PLACE}).status_code == 200
    answer = client.get(f"/api/v1/agents/{agent}/agenda.ics", headers=ccas)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/calendar")
    events = list(Calendar.from_ical(answer.content).walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    assert event.decoded("dtstart") == datetime(2026, 11, 27, 14, 30, tzinfo=PARIS)
    assert event.decoded("dtend") == datetime(2026, 11, 27, 15, 30, tzinfo=PARIS)
    assert str(event["location"]) == PLACE
    # A calendar leaves the structure (phone, cloud): the commune and the task, never the household's name.
    assert "Nantes" in str(event["summary"]) and "Benali" not in answer.text
    # Another structure's key: this worker does not exist for it.
    _, other = new_partner(runtime, "CCAS Rezé", "ccas")
    assert client.get(f"/api/v1/agents/{agent}/agenda.ics", headers=other).status_code == 404
    sheet = client.get("/api/v1/taches/tournee", headers=ccas, params={"date": "2026-11-27", "agent": agent})
    assert sheet.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(sheet.content)).pages)
    assert "14 h 30" in text and "rendez-vous fixé" in text and "Permanence du CCAS" in text


def test_the_page_records_the_appointment_and_links_my_calendar(runtime: Runtime, client: TestClient) -> None:
    structure_with_call(runtime, client)
    account(runtime, "alice@ccas.fr")
    account(runtime, "bob@ccas.fr", name="Bob Durand")
    signed_in(client, "alice@ccas.fr")
    assert client.get("/mes-taches").status_code == 200
    with runtime.session_factory() as session:
        task_id = session.scalars(select(HumanTask.id)).one()
    task_page = f"/mes-taches/{task_id}"
    assert post(client, f"{task_page}/prendre", task_page).status_code == 303
    done = post(client, f"{task_page}/terminer", task_page, resultat="rendez_vous_fixe", date_rdv="2026-11-27",
                heure_rdv="09:15", lieu_rdv=PLACE)
    assert done.status_code == 303, body(done)
    with runtime.session_factory() as session:
        stored = session.scalars(select(Appointment)).one()
        assert (stored.starts_at, stored.place) == (datetime(2026, 11, 27, 9, 15, tzinfo=PARIS), PLACE)
    assert "Mon agenda (.ics)" in body(client.get("/mes-taches/tournee?jour=2026-11-27"))
    mine = client.get("/mes-taches/agenda.ics")
    assert mine.status_code == 200
    assert len(list(Calendar.from_ical(mine.content).walk("VEVENT"))) == 1
    # Bob, of the same structure, gets his own calendar: empty.
    signed_in(client, "bob@ccas.fr")
    assert list(Calendar.from_ical(client.get("/mes-taches/agenda.ics").content).walk("VEVENT")) == []
