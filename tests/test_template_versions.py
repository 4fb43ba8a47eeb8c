"""Every sent message records the template version, language and register it used; fallbacks are visible."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from campaigns.messages.rendering import templates_dir
from campaigns.models import Dispatch, TemplateVersion
from campaigns.runtime.root import Runtime
from tests.conftest import Clock, new_partner
from tests.factories import campaign, signalement


def test_language_fallback_and_versions_are_recorded(
    runtime: Runtime, client: TestClient, clock: Clock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "templates"
    shutil.copytree(templates_dir(), copy)
    monkeypatch.setenv("CHAINE_TEMPLATES_DIR", str(copy))
    new_partner(runtime, "DDETS 44", "etat")
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    campaign(runtime, owner="DDETS 44", steps=[{"channel": "courrier", "template": "information_etat"}])
    client.post("/api/v1/signalements", headers=bailleur, json=[
        signalement("R-1"),
        signalement("R-2", nom="Schmidt", prenom="Anna", numero_allocataire="2", adresse="1 rue Basse",
                    langue="de", falc="oui")])
    runtime.tick()
    # A template is edited between two sends: the second letter points to a new version.
    letter = copy / "letters" / "information_etat" / "fr.html.j2"
    letter.write_text(letter.read_text("utf-8") + "\n<p>Nouvelle mention.</p>", encoding="utf-8")
    client.post("/api/v1/signalements", headers=bailleur, json=[
        signalement("R-3", nom="Durand", prenom="Léa", numero_allocataire="3", adresse="9 rue Haute")])
    runtime.tick()
    with runtime.session_factory() as session:
        rows = {d.household_id: d for d in session.scalars(select(Dispatch))}
        assert (rows[1].rendered_locale, rows[1].rendered_falc, rows[1].template_fallback) == ("fr", False, False)
        # German was asked for, FALC exists in French only: French FALC, and the fallback is on the row.
        assert (rows[2].rendered_locale, rows[2].rendered_falc, rows[2].template_fallback) == ("fr", True, True)
        assert rows[1].template_version_id != rows[3].template_version_id
        versions = {v.id: v for v in session.scalars(select(TemplateVersion))}
        assert "Nouvelle mention" in versions[rows[3].template_version_id].sources[
            "letters/information_etat/fr.html.j2"]
        assert "Nouvelle mention" not in versions[rows[1].template_version_id].sources[
            "letters/information_etat/fr.html.j2"]


def test_scenario_7_falc_required_and_translation_fallback(
    runtime: Runtime, client: TestClient, clock: Clock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "templates"
    shutil.copytree(templates_dir(), copy)
    monkeypatch.setenv("CHAINE_TEMPLATES_DIR", str(copy))
    new_partner(runtime, "DDETS 44", "etat")
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    campaign(runtime, owner="DDETS 44", stages=["assignation"], languages=["fr", "ar"], falc="toujours",
             steps=[{"channel": "courrier", "template": "etape_assignation", "regulatory": True}])
    client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1", stade="assignation", langue="ar")])
    runtime.tick()
    # Publishing an Arabic FALC letter: new sends use it, the letter already sent keeps its version.
    folder = copy / "letters" / "etape_assignation"
    (folder / "ar.falc.html.j2").write_text("<p>مرحبا.</p>\n<p>{{ expediteur }}</p>", encoding="utf-8")
    (folder / "ar.falc.subject.txt.j2").write_text("جلسة المحكمة", encoding="utf-8")
    client.post("/api/v1/signalements", headers=bailleur, json=[signalement(
        "R-2", stade="assignation", langue="ar", nom="Haddad", prenom="Samir", numero_allocataire="9",
        adresse="5 rue Basse", date_naissance="03/04/1979", telephone="0611111111")])
    runtime.tick()
    with runtime.session_factory() as session:
        first, second = session.scalars(select(Dispatch).order_by(Dispatch.id)).all()
        assert (first.rendered_locale, first.rendered_falc, first.template_fallback) == ("fr", True, True)
        assert (second.rendered_locale, second.rendered_falc, second.template_fallback) == ("ar", True, False)
        assert first.template_version_id != second.template_version_id
        assert session.get_one(TemplateVersion, first.template_version_id).locale == "fr"
