"""Templates written by the campaign owner (issue 19): draft, preview, checks, publish, history; the next send uses
the published version and pins it; users' templates run in Jinja2's sandbox. Through the API and the web page."""

from __future__ import annotations

import io
import re

import pypdf
from fastapi.testclient import TestClient
from sqlalchemy import select

from campaigns.messages.stored import Variant, file_sources
from campaigns.models import Dispatch, TemplateVersion
from campaigns.runtime.root import Runtime
from tests.conftest import new_partner
from tests.factories import campaign, signalement
from tests.test_web_auth import csrf_of, log_in, new_user

CDP = "/api/v1/modeles/courrier/etape_commandement_de_payer"
MENTION = "<p>Nouvelle mention de la DDETS.</p>"


def _complete_letter() -> dict[str, str]:
    files = file_sources(Variant("courrier", "etape_commandement_de_payer", "fr", False))
    return {"objet": files["subject"], "html": files["html_body"] + "\n" + MENTION}


def test_draft_preview_publish_and_the_next_send_pins_the_version(pg_runtime: Runtime) -> None:
    from api.app import create_app

    _, ddets = new_partner(pg_runtime, "DDETS 44", "etat")
    _, bailleur = new_partner(pg_runtime, "Habitat 44", "bailleur_social")
    campaign(pg_runtime, owner="DDETS 44", steps=[{"channel": "courrier", "template": "etape_commandement_de_payer"}])
    with TestClient(create_app(pg_runtime)) as client:
        listed = client.get("/api/v1/modeles", headers=ddets).json()["modeles"]
        assert {"canal": "courrier", "modele": "etape_commandement_de_payer", "modifie": False} in listed
        assert client.get("/api/v1/modeles", headers=bailleur).status_code == 403
        shown = client.get(CDP, headers=ddets).json()
        assert shown["brouillon"] is None and shown["versions"] == [] and "html" in shown["en_vigueur"]
        assert any("Fonds de solidarité" in block for block in shown["blocs_obligatoires"])

        # A draft missing the mandatory blocks: previewed with its findings, refused at publish in French.
        short = {"objet": "Votre dette", "html": "<p>Bonjour, votre référence : {{ reference }}.</p>"}
        assert client.post(f"{CDP}/brouillon", headers=ddets, json=short).status_code == 200
        review = client.post(f"{CDP}/apercu", headers=ddets, json=short).json()
        assert "EXEMPLE-0001" in review["html"] and review["blocs_manquants"]
        pdf = client.post(f"{CDP}/apercu", headers=ddets, json=short, params={"format": "pdf"})
        assert pdf.headers["content-type"] == "application/pdf"
        text = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
        assert "Votre dette" in text and "44000 NANTES" in text
        refused = client.post(f"{CDP}/publier", headers=ddets)
        assert refused.status_code == 422
        motif = refused.json()["detail"][0]["motif"]
        assert motif.startswith("Publication refusée : il manque les blocs obligatoires « ")
        assert "Fonds de solidarité pour le logement" in motif

        # The complete letter with one more paragraph: published as version 1.
        assert client.post(f"{CDP}/brouillon", headers=ddets, json=_complete_letter()).status_code == 200
        published = client.post(f"{CDP}/publier", headers=ddets)
        assert published.status_code == 200, published.text
        assert published.json()["version"] == 1 and published.json()["auteur"] == "clé d'API de DDETS 44"
        history = client.get(CDP, headers=ddets).json()
        assert history["brouillon"] is None and [v["version"] for v in history["versions"]] == [1]
        assert MENTION in history["en_vigueur"]["html"]

        # The next send uses it and records the exact text.
        assert client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1")]).status_code == 200
        pg_runtime.tick()
    with pg_runtime.session_factory() as session:
        letter = session.scalars(select(Dispatch).where(Dispatch.channel == "courrier")).one()
        assert letter.template_version_id is not None
        sources = session.get_one(TemplateVersion, letter.template_version_id).sources
        assert MENTION in sources["letters/etape_commandement_de_payer/fr.html.j2"]


def test_users_templates_run_in_the_sandbox_and_sms_show_their_segments(pg_runtime: Runtime) -> None:
    from api.app import create_app

    _, ddets = new_partner(pg_runtime, "DDETS 44", "etat")
    with TestClient(create_app(pg_runtime)) as client:
        escape = {"objet": "x", "html": "<p>{{ ''.__class__.__mro__[1].__subclasses__() }}</p>"}
        answer = client.post(f"{CDP}/apercu", headers=ddets, json=escape)
        assert answer.status_code == 422 and "interdite" in answer.json()["detail"][0]["motif"]
        broken = client.post(f"{CDP}/brouillon", headers=ddets, json={"objet": "x", "html": "<p>{% if %}</p>"})
        assert broken.status_code == 422 and "erreur de syntaxe" in broken.json()["detail"][0]["motif"]
        sms = client.post("/api/v1/modeles/sms/relance/apercu", headers=ddets,
                          json={"texte": "Bonjour, {{ expediteur }} peut vous aider. Réf. {{ reference }} : ça"})
        body = sms.json()
        assert body["encodage"] == "UCS-2" and body["hors_gsm"] == ["ç"] and body["segments"] == 1
        assert "DDETS 44" in body["texte"]
        assert client.get("/api/v1/modeles/courrier/inexistant", headers=ddets).status_code == 404


def test_the_editor_page(pg_runtime: Runtime) -> None:
    from api.app import create_app

    new_partner(pg_runtime, "DDETS 44", "etat")
    new_user(pg_runtime, email="admin@ddets44.fr", role="admin", partner="DDETS 44")
    page = "/modeles/courrier/etape_commandement_de_payer"
    with TestClient(create_app(pg_runtime)) as client:
        assert log_in(client, email="admin@ddets44.fr").status_code == 303  # type: ignore[attr-defined]
        listing = client.get("/modeles")
        assert listing.status_code == 200 and "Étape « commandement de payer »" in listing.text
        editor = client.get(page)
        assert editor.status_code == 200 and "Publier une nouvelle version" in editor.text
        assert "Contenus obligatoires" in editor.text and "Aucune : vos envois utilisent le texte d" in editor.text
        # The live preview is a script of this site; without it, the button previews the same way.
        assert '<script defer src="/modeles/apercu-direct.js"></script>' in editor.text
        script = client.get("/modeles/apercu-direct.js")
        assert script.headers["content-type"].startswith("text/javascript") and "/apercu" in script.text
        token = csrf_of(editor.text)
        short = {"csrf_token": token, "langue": "fr", "falc": "non", "stade": "commandement_de_payer",
                 "objet": "Votre dette", "html": "<p>Bonjour.</p>"}
        shown = client.post(f"{page}/apercu", data=short)
        assert shown.status_code == 200 and "Manquant" in shown.text
        refused = client.post(page, data={**short, "action": "publier"}, follow_redirects=False)
        assert refused.status_code == 422 and "Publication refusée : il manque les blocs obligatoires" in refused.text
        pdf = client.post(f"{page}/apercu.pdf", data=short)
        assert pdf.headers["content-type"] == "application/pdf"
        complete = {**short, **_complete_letter(), "action": "publier"}
        done = client.post(page, data=complete, follow_redirects=False)
        assert done.status_code == 303, done.text
        after = client.get(done.headers["location"])
        assert "Version 1 publiée" in after.text
        assert re.search(r"Version 1, publiée le \d+ \w+ \d{4} à \d+ h \d{2} par Camille Martin \(DDETS 44\)",
                         after.text)
        falc = client.post("/modeles/courrier/etape_commandement_de_payer/apercu", data={
            **short, "falc": "oui",
            "html": "<p>Vous devez payer 50 % de la dette avant la fin du mois prochain sinon votre propriétaire "
                    "pourra saisir le juge du tribunal judiciaire de Nantes.</p>"})
        assert falc.status_code == 200 and 'id="constats-falc"' in falc.text
        assert "Phrase de 25 mots : 15 mots au maximum" in falc.text and "Pas de pourcentage" in falc.text
        sms = client.post("/modeles/sms/relance/apercu", data={
            "csrf_token": token, "langue": "fr", "falc": "non", "stade": "impaye",
            "texte": "Réf. {{ reference }} : ça"})
        assert "1 segment" in sms.text and "<code>ç</code>" in sms.text
        assert client.get("/modeles/courrier/inexistant").status_code == 404
