"""Scenario 7 of docs/domain.md §13: FALC and translation fallback, through the command line, the HTTP API and the
template editor API (/api/v1/modeles). The DDETS writes in French and Arabic, FALC always, with the fallback order
langue_falc → langue → fr_falc → fr (docs/campaigns.md); its « mise à disposition » letter exists in French standard
and French FALC only. A household asks for Arabic: it gets French FALC, flagged as a fallback. Once the DDETS
publishes an Arabic FALC version, the next letters use it; the letters already sent keep their version."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.conftest import Clock
from tests.scenarios.service import Service, service

ASSIGNATION = "assignation"
PERIOD = {"debut": "2026-11-01", "fin": "2026-12-31"}
ORDER = ["langue_falc", "langue", "fr_falc", "fr"]
EDITOR = "/api/v1/modeles/courrier/mise_a_disposition"
ARABIC_LEAD = "<p>مرحبا. هذه رسالة سهلة القراءة.</p>"


def _tenant(reference: str, nom: str, prenom: str, born: str, street: str, langue: str) -> dict[str, Any]:
    return {"reference": reference, "stade": ASSIGNATION, "date_stade": "24/11/2026", "parc": "social", "nom": nom,
            "prenom": prenom, "date_naissance": born, "adresse": street, "code_postal": "44200", "commune": "Nantes",
            "montant_dette": "2 150,00", "langue": langue}


def _setup(s: Service) -> None:
    s.partner("DDETS de Loire-Atlantique", "etat")
    s.partner("Nantes Métropole Habitat", "bailleur_social")
    s.campaign("DDETS de Loire-Atlantique", {
        "name": "Mise à disposition à l'assignation", "owner": "DDETS de Loire-Atlantique",
        "stages": [ASSIGNATION], "languages": ["fr", "ar"], "falc": "toujours", "fallback_order": ORDER,
        "steps": [{"channel": "courrier", "template": "mise_a_disposition"}]})


def _letter(s: Service, reference: str) -> dict[str, Any]:
    [letter] = [c for c in s.contacts("DDETS de Loire-Atlantique", reference) if c["canal"] == "courrier"]
    return letter


def _run(s: Service, clock: Clock) -> dict[str, Any]:
    """Before the Arabic FALC version: a letter in French FALC flagged as a fallback; the DDETS publishes one."""
    _setup(s)
    ddets = "DDETS de Loire-Atlantique"
    s.push(ddets, [_tenant("ASS-44-01", "Haddad", "Nour", "12/04/1981", "9 rue de la Ripossière", "ar")])
    s.send(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    before = _letter(s, "ASS-44-01")
    assert before["statut"] == "delivered"
    assert (before["modele"], before["langue"], before["falc"], before["repli_langue"]) == (
        "mise_a_disposition", "fr", True, True)
    assert before["version_modele"]

    # The DDETS writes the Arabic FALC variant in the editor from its French FALC text, and publishes it.
    clock.now = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    current = s.get(ddets, EDITOR, langue="fr", falc="true")["en_vigueur"]
    draft = {"objet": current["objet"], "html": ARABIC_LEAD + "\n" + current["html"]}
    s.post(ddets, f"{EDITOR}/brouillon", draft, langue="ar", falc="true")
    published = s.post(ddets, f"{EDITOR}/publier", None, langue="ar", falc="true")
    assert published["version"] == 1
    return before


def test_scenario_7_fallback_then_the_published_arabic_falc(tmp_path: Path, clock: Clock) -> None:
    clock.now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    with service(tmp_path, clock) as s:
        before = _run(s, clock)
        ddets = "DDETS de Loire-Atlantique"
        s.push(ddets, [_tenant("ASS-44-02", "Mansouri", "Yacine", "03/09/1975", "31 boulevard des Poilus", "ar"),
                       _tenant("ASS-44-03", "Perrin", "Odette", "21/02/1952", "6 rue Gaston-Turpin", "fr")])
        s.send(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
        after = _letter(s, "ASS-44-02")
        assert (after["langue"], after["falc"], after["repli_langue"]) == ("ar", True, False)
        assert after["version_modele"] != before["version_modele"]
        # A French household gets the French FALC letter as before: not a fallback, the same version.
        french = _letter(s, "ASS-44-03")
        assert (french["langue"], french["falc"], french["repli_langue"]) == ("fr", True, False)
        assert french["version_modele"] == before["version_modele"]
        # The letter already sent keeps its version.
        assert _letter(s, "ASS-44-01") == before


def test_scenario_7_the_evaluator_sees_the_fallback_count_per_template(tmp_path: Path, clock: Clock) -> None:
    clock.now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    with service(tmp_path, clock) as s:
        _run(s, clock)
        ddets = "DDETS de Loire-Atlantique"
        s.push(ddets, [_tenant("ASS-44-03", "Perrin", "Odette", "21/02/1952", "6 rue Gaston-Turpin", "fr")])
        s.send(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
        assert _letter(s, "ASS-44-01")["langue_demandee"] == "ar"
        # Per template and per language asked: the Arabic FALC asked for and sent in French FALC is a fallback;
        # the French household's letter is not. One household each: hidden as "< 5", except the zero.
        sections = s.get(ddets, "/api/v1/evaluation", **PERIOD)["sections"]
        fallbacks = {(r["valeur"], r["langue"]): r for r in sections["replis_langue"]["lignes"]}
        assert set(fallbacks) == {("mise_a_disposition", "arabe (ar), FALC"),
                                  ("mise_a_disposition", "français (fr), FALC")}
        arabic = fallbacks["mise_a_disposition", "arabe (ar), FALC"]
        assert (arabic["envois"], arabic["envois_en_repli"], arabic["part_en_repli"]) == ("< 5", "< 5", "< 5")
        french = fallbacks["mise_a_disposition", "français (fr), FALC"]
        assert (french["envois"], french["envois_en_repli"]) == ("< 5", 0)
        # The same table in the evaluator's HTML report (chaine rapport).
        report = tmp_path / "rapport.html"
        s.cli("rapport", "--debut", PERIOD["debut"], "--fin", PERIOD["fin"], "-o", str(report))
        html = report.read_text("utf-8")
        assert "Messages envoyés en repli de langue ou de FALC, par modèle et par langue demandée" in html
        assert "arabe (ar), FALC" in html and "mise_a_disposition" in html
