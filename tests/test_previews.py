"""Previews before sending: letter PDF, SMS with its encoding and segments, e-mail; bad input answered clearly."""

from __future__ import annotations

import io

import pypdf
from fastapi.testclient import TestClient

from campaigns.runtime.root import Runtime
from tests.conftest import new_partner


def test_previews_of_each_channel(pg_runtime: Runtime) -> None:
    from api.app import create_app

    _, headers = new_partner(pg_runtime, "DDETS 44", "etat")
    with TestClient(create_app(pg_runtime)) as client:
        letter = client.get("/api/v1/apercus/courrier", headers=headers,
                            params={"modele": "information_etat", "stade": "assignation", "falc": "true"})
        assert letter.status_code == 200 and letter.headers["content-type"] == "application/pdf"
        text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(letter.content)).pages)
        assert "44000 NANTES" in text and "DDETS 44" in text
        sms = client.get("/api/v1/apercus/sms", headers=headers, params={"modele": "relance"}).json()
        assert sms["encodage"] == "GSM-7" and 1 <= sms["segments"] <= 2 and sms["hors_gsm"] == []
        assert sms["repli"] is False and "DDETS 44" in sms["texte"]
        english = client.get("/api/v1/apercus/sms", headers=headers, params={"modele": "relance", "langue": "de"})
        assert english.json()["repli"] is True and english.json()["langue_utilisee"] == "fr"
        email = client.get("/api/v1/apercus/email", headers=headers, params={"modele": "relance"}).json()
        assert email["objet"] and "<p>" in email["html"] and email["texte"]
        missing = client.get("/api/v1/apercus/courrier", headers=headers, params={"modele": "inexistant"})
        assert missing.status_code == 404 and "aucun modèle" in missing.json()["detail"]
        bad = client.get("/api/v1/apercus/sms", headers=headers, params={"modele": "../etc", "stade": "demain"})
        assert bad.status_code == 422
        assert {e["champ"] for e in bad.json()["detail"]} == {"modele", "stade"}
        assert client.get("/api/v1/apercus/sms", params={"modele": "relance"}).status_code == 401
