"""The household's answer link through the TestClient (docs/web.md, « Le lien de réponse »): wrong and expired
links look alike, nothing personal before the check, each answer and its effect on planned contacts and tasks,
limits, revocation at closure."""

from __future__ import annotations

import html
import os
import re
import time
import uuid
from dataclasses import replace
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from campaigns.answers.slots import callback_slots
from campaigns.links.tokens import LinkTarget, issue_link, token_hash, well_formed
from campaigns.models import (
    AnswerLink,
    AuditEvent,
    Dispatch,
    HumanTask,
    LinkAnswer,
    Partner,
    Response,
    SmsOptOut,
)
from campaigns.runtime.root import Runtime
from tests.answer_world import checked, csrf, letter_world, token_of_letter
from tests.conftest import REDIS_URL
from tests.factories import signalement

UNKNOWN = "AAAAAAAAAAAAAAAAAAAAAA"


def pending(runtime: Runtime) -> list[tuple[str, str, str | None]]:
    with runtime.session_factory() as session:
        return [(d.channel, d.status, d.reason) for d in session.scalars(select(Dispatch).order_by(Dispatch.id))]


def test_wrong_expired_and_malformed_links_get_the_same_page(runtime: Runtime, client: TestClient) -> None:
    letter_world(runtime, client)
    token = token_of_letter(runtime)
    with runtime.session_factory() as session:
        link = session.scalars(select(AnswerLink)).one()
        # Only the hash is stored: the token itself is nowhere in the table.
        assert link.token_hash != token and len(link.token_hash) == 64
    first = client.get(f"/r/{token}")
    assert first.status_code == 200
    # Nothing personal before the check: neither the tenant, the debt nor the reference.
    page = html.unescape(first.text)
    for secret in ("Benali", "Aïcha", "1 234,56", "R-1", "12 rue des Lilas"):
        assert secret not in page
    assert first.headers["X-Robots-Tag"].startswith("noindex") and '<meta name="robots" content="noindex' in page
    assert first.headers["Cache-Control"] == "no-store" and first.headers["Referrer-Policy"] == "no-referrer"
    wrong = client.get(f"/r/{UNKNOWN}")
    malformed = client.get("/r/abc")
    runtime.clock.advance(days=91)  # type: ignore[attr-defined]
    expired = client.get(f"/r/{token}")
    assert wrong.status_code == malformed.status_code == expired.status_code == 404
    assert wrong.text == malformed.text == expired.text
    assert "Ce lien ne fonctionne pas" in html.unescape(wrong.text)


def test_the_check_then_an_acknowledgement_stops_the_stage_pending_steps(runtime: Runtime, client: TestClient) -> None:
    letter_world(runtime, client)
    token = token_of_letter(runtime)
    assert [s for c, s, _ in pending(runtime)] == ["delivered", "planned", "planned"]
    page = client.get(f"/r/{token}")
    wrong = client.post(f"/r/{token}", data={"csrf_token": csrf(page.text), "reponse": "R-2"})
    assert wrong.status_code == 400 and "Ce n'est pas la bonne réponse" in html.unescape(wrong.text)
    # The birth year of the tenant passes too, as does the reference typed loosely.
    by_year = client.post(f"/r/{token}", data={"csrf_token": csrf(page.text), "reponse": " 1985 "},
                          follow_redirects=False)
    assert by_year.status_code == 303
    home = html.unescape(client.get(f"/r/{token}").text)
    assert "Répondre à DDETS 44" in home and "ADIL 44" in home and "02 40 89 30 15" in home
    assert "Et maintenant ?" in home and "deux mois" in home
    done = client.post(f"/r/{token}/recu", data={"csrf_token": csrf(home)})
    assert done.status_code == 200 and "bien reçu ce courrier" in html.unescape(done.text)
    with runtime.session_factory() as session:
        response = session.scalars(select(Response)).one()
        assert (response.channel, response.nature, response.stage) == ("lien", "recu", "commandement_de_payer")
        # The DDETS owns no case: the response is not put on the bailleur's case (rule 1).
        assert response.case_id is None
        event = session.scalars(select(AuditEvent).where(AuditEvent.actor == "menage")).one()
        assert event.household_ids == [response.household_id] and "recu" in event.purpose
    assert pending(runtime) == [("courrier", "delivered", None), ("sms", "cancelled", "responded"),
                                ("appel", "cancelled", "responded")]


def test_a_callback_request_puts_a_call_task_with_the_slot_in_the_structure_queue(
        runtime: Runtime, client: TestClient) -> None:
    letter_world(runtime, client)
    token = token_of_letter(runtime)
    token_csrf = checked(client, token)
    slot = callback_slots(runtime.clock())[1]
    forged = client.post(f"/r/{token}/rappel", data={"csrf_token": token_csrf, "creneau": "2030-01-01T09:00"})
    assert forged.status_code == 400 and "Choisissez un créneau" in html.unescape(forged.text)
    done = client.post(f"/r/{token}/rappel", data={"csrf_token": token_csrf, "creneau": slot.key})
    assert done.status_code == 200 and "on vous appellera" in html.unescape(done.text)
    with runtime.session_factory() as session:
        task = session.scalars(select(HumanTask)).one()
        owner = session.scalars(select(Partner).where(Partner.name == "DDETS 44")).one()
        assert (task.kind, task.status, task.queue_partner_id) == ("appel", "pending", owner.id)
        assert task.due_at == slot.start and task.sla_due_at == slot.end
        assert task.note is not None and slot.label in task.note
        answer = session.scalars(select(LinkAnswer)).one()
        assert (answer.kind, answer.task_id) == ("rappel", task.id)
    # The planned call of the campaign gives way to the one the household asked for.
    assert ("appel", "cancelled", "responded") in pending(runtime)


def test_a_new_phone_counts_once_the_sms_code_comes_back(runtime: Runtime, client: TestClient) -> None:
    letter_world(runtime, client)
    token = token_of_letter(runtime)
    token_csrf = checked(client, token)
    bad = client.post(f"/r/{token}/telephone", data={"csrf_token": token_csrf, "telephone": "12"})
    assert bad.status_code == 400 and "pas valide" in html.unescape(bad.text)
    sent = client.post(f"/r/{token}/telephone", data={"csrf_token": token_csrf, "telephone": "06 98 76 54 32"})
    assert sent.status_code == 200 and "Code reçu par SMS" in html.unescape(sent.text)
    [sms] = sorted(runtime.settings.resolved_outbox_dir.rglob("*.txt"))
    code = re.search(r"\b(\d{6})\b", sms.read_text("utf-8"))
    assert code is not None
    wrong = client.post(f"/r/{token}/code", data={"csrf_token": token_csrf, "code": "000000" if code[1] != "000000"
                                                  else "111111"})
    assert wrong.status_code == 400 and "pas le bon" in html.unescape(wrong.text)
    right = client.post(f"/r/{token}/code", data={"csrf_token": token_csrf, "code": code[1]})
    assert right.status_code == 200 and "numéro est confirmé" in html.unescape(right.text)
    with runtime.session_factory() as session:
        confirmed = session.scalars(select(LinkAnswer).where(LinkAnswer.status == "confirme")).one()
        assert confirmed.detail == "+33698765432"
        assert session.scalars(select(Response.nature)).all() == ["telephone"]


def test_address_structure_and_sms_opt_out(sqlite_runtime: Runtime) -> None:
    from api.app import create_app

    runtime = sqlite_runtime
    with TestClient(create_app(runtime)) as client:
        letter_world(runtime, client)
        token = token_of_letter(runtime)
        token_csrf = checked(client, token)
        address = client.post(f"/r/{token}/adresse", data={"csrf_token": token_csrf,
                                                           "adresse": "3 allée des Tilleuls\n44300 Nantes"})
        assert address.status_code == 200 and "sera vérifiée" in html.unescape(address.text)
        with runtime.session_factory() as session:
            ccas = session.scalars(select(Partner).where(Partner.name == "CCAS Nantes")).one()
            bailleur = session.scalars(select(Partner).where(Partner.name == "Habitat 44")).one()
        not_a_structure = client.post(f"/r/{token}/accompagnement",
                                      data={"csrf_token": token_csrf, "structure": str(bailleur.id)})
        assert not_a_structure.status_code == 400
        followed = client.post(f"/r/{token}/accompagnement", data={"csrf_token": token_csrf, "structure": str(ccas.id)})
        assert followed.status_code == 200
        stop = client.post(f"/r/{token}/sms", data={"csrf_token": token_csrf})
        assert stop.status_code == 200 and "plus de SMS" in html.unescape(stop.text)
        with runtime.session_factory() as session:
            rows = {a.kind: a for a in session.scalars(select(LinkAnswer))}
            assert rows["adresse"].status == "a_verifier"
            assert rows["adresse"].detail == "3 allée des Tilleuls\n44300 Nantes"
            assert rows["accompagne"].partner_id == ccas.id
            assert session.scalars(select(SmsOptOut)).one() is not None
            # The proposal never changed the bailleur's case: its address is the pushed one.
            assert sorted(session.scalars(select(Response.nature))) == ["accompagne", "adresse", "sans_sms"]
        # Without the session's CSRF token, nothing is accepted.
        assert client.post(f"/r/{token}/recu", data={}).status_code == 403


def test_wrong_answers_lock_the_link_and_requests_are_limited(sqlite_runtime: Runtime) -> None:
    from api.app import create_app

    runtime = sqlite_runtime
    with TestClient(create_app(runtime)) as client:
        letter_world(runtime, client)
        token = token_of_letter(runtime)
        token_csrf = csrf(client.get(f"/r/{token}").text)
        for _ in range(5):
            assert client.post(f"/r/{token}", data={"csrf_token": token_csrf, "reponse": "1900"}).status_code == 400
        # Locked: even the right answer is refused, and the household is told to call.
        locked = client.post(f"/r/{token}", data={"csrf_token": token_csrf, "reponse": "R-1"})
        assert locked.status_code == 403 and "Trop d'erreurs" in html.unescape(locked.text)
        # One address trying links in a loop: past 60 requests in ten minutes (the 7 above included), 429.
        statuses = [client.get(f"/r/{n:022d}").status_code for n in range(60)]
        assert statuses.index(429) == 60 - 7 and set(statuses[53:]) == {429}
        limited = client.get(f"/r/{UNKNOWN}")
        assert limited.status_code == 429 and "Trop de tentatives" in html.unescape(limited.text)
        assert int(limited.headers["Retry-After"]) > 0


def test_one_link_is_limited_whatever_the_address(sqlite_runtime: Runtime) -> None:
    from api.app import create_app

    with TestClient(create_app(sqlite_runtime)) as client:
        # Below the per-address limit (60): the link's own limit (30) answers first.
        statuses = [client.get(f"/r/{UNKNOWN}").status_code for _ in range(31)]
        assert set(statuses[:30]) == {404} and statuses[30] == 429


def test_two_api_processes_sharing_a_redis_share_the_limits(sqlite_runtime: Runtime) -> None:
    """Behind a load balancer, a link gets its 30 requests once for the whole service, not once per process."""
    from api.app import create_app

    settings = sqlite_runtime.settings.model_copy(update={"rate_limit_redis_url": REDIS_URL})
    shared = Runtime(settings, clock=sqlite_runtime.clock)
    unknown = f"{uuid.uuid4().int % 10**22:022d}"  # a link and an address of this run's own in the shared Redis
    address = (f"10.{os.getpid() % 250}.{time.time_ns() % 250}.9", 443)
    try:
        with TestClient(create_app(shared), client=address) as first, \
                TestClient(create_app(shared), client=address) as second:
            statuses = [(first if n % 2 else second).get(f"/r/{unknown}").status_code for n in range(31)]
            assert set(statuses[:30]) == {404} and statuses[30] == 429
    finally:
        shared.engine.dispose()


def test_a_closed_case_revokes_its_links(runtime: Runtime, client: TestClient) -> None:
    bailleur = letter_world(runtime, client)
    token = token_of_letter(runtime)
    assert client.get(f"/r/{token}").status_code == 200
    runtime.clock.advance(days=1)  # type: ignore[attr-defined]
    closed = client.post("/api/v1/signalements", headers=bailleur,
                         json=[signalement("R-1", stade="cloture", date_stade="26/11/2026",
                                                    motif_cloture="dette soldée")])
    assert closed.status_code == 200, closed.text
    with runtime.session_factory() as session:
        assert session.scalars(select(AnswerLink.revoked_at)).one() is not None
    assert client.get(f"/r/{token}").status_code == 404


def test_a_contact_sent_again_carries_the_same_link(runtime: Runtime, client: TestClient) -> None:
    """A retry after an uncertain send must have the same body (the provider's idempotency): its link is derived from
    the contact row with the blind index key, and written once."""
    letter_world(runtime, client)
    with runtime.session_factory.begin() as session:
        [first] = session.scalars(select(AnswerLink)).all()
        target = LinkTarget(household_id=first.household_id, case_id=first.case_id, partner_id=first.partner_id,
                            campaign_id=first.campaign_id, stage=first.stage, stage_entry_id=first.stage_entry_id,
                            channel=first.channel, dispatch_id=first.dispatch_id)
        again = issue_link(session, target, now=runtime.clock(), lifetime=timedelta(days=90))
        other = issue_link(session, replace(target, dispatch_id=(first.dispatch_id or 0) + 10_000),
                           now=runtime.clock(), lifetime=timedelta(days=90))
        assert again == token_of_letter(runtime)
        assert token_hash(again) == first.token_hash and other != again
        assert well_formed(again) and well_formed(other)
        assert len(session.scalars(select(AnswerLink)).all()) == 2
