"""Scenario 10 of docs/domain.md §13: the evaluator compares response rates by channel and by bailleur over the
12 Loire-Atlantique bailleurs of the ADIL 44 list, two of them with fewer than 5 households (their cells show
« < 5 »); the exports carry no name, address, phone or allocataire number; a bailleur reads its own row only.
Through the command line, the HTTP API, Twilio's signed webhook and the evaluator's web pages."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Clock
from tests.scenarios.service import Service, service

BAILLEURS = ["NMH", "LNH", "HABITAT 44", "Harmonie Habitat", "CDC Habitat Social", "LOGI OUEST",
             "Atlantique Habitations", "VILOGIA", "Aiguillon Construction", "CIF Coopérative", "ICF Habitat", "SILENE"]
SIZES = [6, 6, 6, 6, 6, 5, 5, 5, 5, 5, 3, 4]  # 62 social-park households (docs/domain.md §11.5)
PERIOD = {"debut": "2026-11-01", "fin": "2026-12-31"}
CDP = "commandement_de_payer"
SURNAMES = ["Abgrall", "Baudry", "Cadiou", "Drouet", "Esnault", "Fourage", "Gicquel", "Hamon", "Izard", "Jaouen",
            "Kerboul", "Lemoine", "Morvan", "Nicolleau", "Ollivier", "Pichon", "Quillivic", "Riou", "Salaün",
            "Tessier", "Urvoy", "Vallée", "Le Bihan", "Yhuel", "Zerrouki", "Ahmadi", "Bellec", "Coulibaly",
            "Delaunay", "Evenou", "Ferré", "Guillou"]
FIRST_NAMES = ["Gwenaëlle", "Yannick", "Fatoumata", "Bruno", "Solène", "Mehdi", "Armelle", "Didier", "Khadija",
               "Erwan", "Sylvie", "Rachid"]
PASSWORD = "Évaluation-Loire-2026!"


def _household(n: int, reference: str) -> dict[str, Any]:
    """The n-th household of the territory: name, birth date, address, phone and allocataire number all differ."""
    return {"reference": reference, "stade": CDP, "date_stade": "24/11/2026", "parc": "social",
            "nom": f"{SURNAMES[n % 32]}-{SURNAMES[(n * 7 + 3) % 32]}", "prenom": FIRST_NAMES[n % 12],
            "date_naissance": f"{1 + n % 28:02d}/{1 + n % 12:02d}/{1950 + n % 45}",
            "adresse": f"{n + 2} rue Félibien n°{100 + n}", "code_postal": "44000", "commune": "Nantes",
            "telephone": f"06 71 {n // 100:02d} {n % 100:02d} 42", "allocataire": "oui",
            "numero_allocataire": f"{7_300_000 + n * 131}", "montant_dette": "1 275,00"}


def _international(phone: str) -> str:
    return "+33" + phone.replace(" ", "")[1:]


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def _build(s: Service) -> list[tuple[str, dict[str, Any], int]]:
    """Each bailleur pushes its tenants; the DDETS writes to them, then texts those who have not answered.
    The j-th tenant of each bailleur: j % 3 = 0 phones the bailleur after the letter, 1 answers the SMS, 2 is
    silent. Returns (bailleur, row, j) for every household."""
    s.partner("DDETS de Loire-Atlantique", "etat")
    for name in BAILLEURS:
        s.partner(name, "bailleur_social")
    s.cli("comptes", "ajouter", "evaluation@ddets44.fr", "--partner", "DDETS de Loire-Atlantique",
          "--role", "evaluateur", "--nom", "Claire Évaluatrice", "--password-stdin", stdin=PASSWORD + "\n")
    s.campaign("DDETS de Loire-Atlantique", {
        "name": "Prévention au commandement de payer", "owner": "DDETS de Loire-Atlantique", "stages": [CDP],
        "steps": [{"channel": "courrier", "template": "information_etat"},
                  {"channel": "sms", "template": "relance", "delay_days": 7, "conditions": ["no_response"]}]})
    households: list[tuple[str, dict[str, Any], int]] = []
    n = 0
    for name, size in zip(BAILLEURS, SIZES, strict=True):
        rows = []
        for j in range(size):
            rows.append(_household(n, f"{name[:3].upper()}-{j}"))
            households.append((name, rows[-1], j))
            n += 1
        assert s.push(name, rows)["crees"] == size
    return households


def test_scenario_10_bailleurs_small_cells_exports_and_own_row(tmp_path: Path, clock: Clock) -> None:
    clock.now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    with service(tmp_path, clock) as s:
        households = _build(s)
        s.send(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))  # the letters
        clock.now = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
        for bailleur, row, j in households:
            if j % 3 == 0:  # came to the bailleur's appointment after the letter: evidence for every campaign
                s.post(bailleur, "/api/v1/reponses", {"reference": row["reference"], "canal": "appel",
                                                      "nature": "appel_entrant", "motif_menage": "rendez_vous_honore"},
                       expected=201)
        s.send(datetime(2026, 12, 1, 9, 30, tzinfo=UTC))  # the SMS, to those who have not answered
        clock.now = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
        for _bailleur, row, j in households:
            if j % 3 == 1:
                s.sms_reply(_international(row["telephone"]), "Bonjour, rappelez-moi svp", f"SM-{row['reference']}")
        s.send(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))

        pilot = "DDETS de Loire-Atlantique"
        sections = s.get(pilot, "/api/v1/evaluation", **PERIOD)["sections"]
        by_channel = {r["valeur"]: (r["menages"], r["repondants"]) for r in sections["taux_canal"]["lignes"]}
        # 62 letters, 23 answers credited to them; 39 SMS to the others, 22 answers; each letter carried the
        # answer link (its own channel, issue 21), which nobody used here.
        assert by_channel == {"courrier": (62, 23), "SMS": (39, 22), "lien de réponse": (62, 0)}, by_channel
        by_bailleur = {r["valeur"]: (r["menages"], r["repondants"], r["taux"])
                       for r in sections["taux_bailleur"]["lignes"]}
        assert sorted(by_bailleur) == sorted(BAILLEURS)
        assert by_bailleur["ICF Habitat"] == ("< 5", "< 5", "< 5")
        assert by_bailleur["SILENE"] == ("< 5", "< 5", "< 5")
        assert by_bailleur["NMH"][0] == 6 and by_bailleur["VILOGIA"][0] == 5
        crossed = {(r["canal"], r["bailleur"]): r for r in sections["taux_canal_bailleur"]["lignes"]}
        for small in ("ICF Habitat", "SILENE"):
            for channel in ("courrier", "SMS"):
                if (channel, small) in crossed:
                    assert {crossed[(channel, small)][k] for k in ("menages", "repondants", "taux")} == {"< 5"}
        assert crossed[("courrier", "NMH")]["menages"] == 6

        # The evaluator's page and exports: aggregates only, the small cells hidden there too.
        # The session cookie is Secure when the public address is https (as Twilio's callbacks need it here).
        web = TestClient(s.client.app, base_url="https://testserver")
        token = _csrf(web.get("/connexion").text)
        signed_in = web.post("/connexion", data={"email": "evaluation@ddets44.fr", "password": PASSWORD,
                                                      "csrf_token": token}, follow_redirects=False)
        assert signed_in.status_code == 303, signed_in.text
        page = web.get("/evaluation", params=PERIOD)
        assert page.status_code == 200 and "ICF Habitat" in page.text and "&lt; 5" in page.text
        web_csv = web.get("/evaluation/export.csv", params=PERIOD)
        assert web_csv.status_code == 200
        assert "Taux de réponse par bailleur;SILENE;taux de réponse;< 5" in web_csv.text.splitlines()
        api_csv = s.get(pilot, "/api/v1/evaluation/export.csv", **PERIOD).text
        xlsx = s.get(pilot, "/api/v1/evaluation/export.xlsx", **PERIOD).content
        with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
            xml = "".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".xml"))
        for output in (page.text, web_csv.text, api_csv, xml):
            for _bailleur, row, _j in households:
                for personal in ("nom", "prenom", "adresse", "telephone", "numero_allocataire"):
                    value = row[personal] if personal != "prenom" else f"{row['prenom']} {row['nom']}"
                    assert value not in output, (personal, value)

        # A bailleur sees its own row only, and cannot export the territory's figures.
        own = s.get("NMH", "/api/v1/evaluation", **PERIOD)
        assert [r["valeur"] for r in own["sections"]["taux_bailleur"]["lignes"]] == ["NMH"]
        assert own["sections"]["synthese"]["lignes"][0]["menages"] == 6
        assert {r["bailleur"] for r in own["sections"]["taux_canal_bailleur"]["lignes"]} == {"NMH"}
        assert s.client.get("/api/v1/evaluation/export.csv", headers=s.keys["NMH"],
                            params=PERIOD).status_code == 403
