"""Forged Twilio callbacks (403), expired or revoked API keys (401), oversized bodies (413), out-of-range numbers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from api.app import create_app
from campaigns.accounts.partners import issue_key, revoke_key
from campaigns.models import ApiKey, Partner
from campaigns.runtime.root import Runtime
from tests.conftest import Clock, new_partner

TOKEN = "twilio-token"
BASE = "https://chaine.example.fr"
UNAUTHORIZED = "Clé d'API absente, invalide, expirée ou révoquée : envoyez « Authorization: Bearer <clé> »."


@pytest.fixture
def guarded(runtime: Runtime) -> Iterator[tuple[Runtime, TestClient]]:
    settings = runtime.settings.model_copy(update={
        "twilio_auth_token": TOKEN, "public_base_url": BASE, "max_body_bytes": 4096, "max_upload_bytes": 20_000})
    guarded_runtime = Runtime(settings, clock=runtime.clock)
    with TestClient(create_app(guarded_runtime)) as client:
        yield guarded_runtime, client


def _signature(path: str, form: dict[str, str], token: str = TOKEN, base: str = BASE) -> dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(base + path, form)}


@pytest.mark.parametrize("path", ["/api/v1/twilio/statut", "/api/v1/twilio/entrant"])
def test_forged_twilio_callbacks_are_refused(guarded: tuple[Runtime, TestClient], path: str) -> None:
    _, client = guarded
    form = {"MessageSid": "SM" + "0" * 32, "MessageStatus": "delivered", "From": "+33612345678", "Body": "STOP"}
    other = "/api/v1/twilio/entrant" if path.endswith("statut") else "/api/v1/twilio/statut"
    forged = [
        {},  # unsigned
        _signature(path, form, token="guessed-token"),  # signed with another token
        _signature(other, form),  # a genuine signature, replayed on another URL
        _signature(path, form, base="https://attaquant.example"),  # signed for another host
        _signature(path, {**form, "Body": "Bonjour"}),  # signature of another message body
    ]
    for headers in forged:
        answer = client.post(path, data=form, headers=headers)
        assert answer.status_code == 403
        assert answer.json()["detail"] == "signature Twilio absente ou invalide"
    assert client.post(path, data=form, headers=_signature(path, form)).status_code in (200, 204)


def test_twilio_callbacks_are_refused_when_no_token_is_configured(runtime: Runtime) -> None:
    form = {"MessageSid": "SM1", "MessageStatus": "delivered"}
    with TestClient(create_app(runtime)) as client:  # CHAINE_TWILIO_AUTH_TOKEN unset
        signed = _signature("/api/v1/twilio/statut", form, token="")
        assert client.post("/api/v1/twilio/statut", data=form, headers=signed).status_code == 403


def test_revoked_and_expired_keys_are_401(guarded: tuple[Runtime, TestClient], clock: Clock) -> None:
    runtime, client = guarded
    partner_id, headers = new_partner(runtime, "Habitat 44", "bailleur_social")
    assert client.get("/api/v1/taches", headers=headers).status_code == 200
    with runtime.session_factory.begin() as session:
        partner = session.get_one(Partner, partner_id)
        short = issue_key(session, partner=partner, now=clock(), expires_at=clock() + timedelta(hours=1))
        key_id = session.scalars(select(ApiKey.id).where(ApiKey.partner_id == partner_id)).first()
        assert key_id is not None
        revoke_key(session, key_id=key_id, partner_id=partner_id, now=clock())
    refused = client.get("/api/v1/taches", headers=headers)  # revoked
    assert refused.status_code == 401
    assert refused.json()["detail"] == UNAUTHORIZED and refused.headers["WWW-Authenticate"] == "Bearer"
    assert client.get("/api/v1/taches", headers={"Authorization": f"Bearer {short}"}).status_code == 200
    clock.advance(hours=1)
    assert client.get("/api/v1/taches", headers={"Authorization": f"Bearer {short}"}).status_code == 401  # expired
    for header in ({}, {"Authorization": short}, {"Authorization": f"Basic {short}"},
                   {"Authorization": "Bearer chn_inventee"}, {"Authorization": "Bearer "}):
        assert client.get("/api/v1/taches", headers=header).status_code == 401


def test_oversized_bodies_are_413(guarded: tuple[Runtime, TestClient]) -> None:
    runtime, client = guarded
    _, headers = new_partner(runtime, "Habitat 44", "bailleur_social")
    big_json = b'{"reference": "' + b"x" * 5000 + b'", "canal": "sms", "nature": "sms"}'
    answer = client.post("/api/v1/reponses", content=big_json, headers=headers | {"Content-Type": "application/json"})
    assert answer.status_code == 413
    assert answer.json()["detail"] == "corps de requête trop volumineux : au plus 4 ko"

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is enforced while reading
        yield from (big_json[i:i + 1000] for i in range(0, len(big_json), 1000))

    streamed = client.post("/api/v1/reponses", content=chunks(),
                           headers=headers | {"Content-Type": "application/json"})
    assert streamed.status_code == 413
    csv = b"reference;stade;prenom;commune\n" + b"R-1;impaye;Jean;Nantes\n" * 1000
    answer = client.post("/api/v1/signalements", content=csv, headers=headers | {"Content-Type": "text/csv"})
    assert answer.status_code == 413 and "trop volumineux" in answer.json()["detail"]
    form = {"MessageSid": "SM1", "MessageStatus": "delivered", "Body": "x" * 5000}
    assert client.post("/api/v1/twilio/statut", data=form).status_code == 413  # before any signature check
    small = b"reference;stade;prenom;commune\nR-1;impaye;Jean;Nantes\n"
    assert client.post("/api/v1/signalements", content=small,
                       headers=headers | {"Content-Type": "text/csv"}).status_code == 202


def test_numbers_beyond_the_database_are_422_not_500(guarded: tuple[Runtime, TestClient]) -> None:
    runtime, client = guarded
    _, owner = new_partner(runtime, "DDETS 44", "etat")
    for path in ("/api/v1/taches/4902955883", "/api/v1/imports/99999999999999999999999",
                 "/api/v1/campagnes/-3000000000"):
        answer = client.get(path, headers=owner)
        assert answer.status_code == 422, path
        [error] = answer.json()["detail"]
        assert error["motif"] == "nombre hors limites : au plus 2147483647" and error["champ"].endswith("_id")
    answer = client.get("/api/v1/taches?agent=4902955883", headers=owner)
    assert answer.status_code == 422 and answer.json()["detail"][0]["champ"] == "agent"
    for tache_id in (2**40, 2**70):  # in a JSON body: refused by the database, answered 422
        answer = client.post("/api/v1/reponses", headers=owner,
                             json={"tache_id": tache_id, "canal": "appel", "nature": "appel_entrant"})
        assert answer.status_code in (404, 422), answer.text
        if answer.status_code == 422:
            assert "dépasse ce que le service accepte" in answer.json()["detail"]
