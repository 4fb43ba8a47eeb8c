"""Scenario 11 of docs/domain.md §13 (domain brief §10.2): a protected adult and the winter truce, through the command
line and the HTTP API. Madame Le Goff is under curatelle (her curator, the UDAF, pushed with the case by the
State); the préfet grants the concours de la force publique on Saturday 20 March 2021, during the truce extended to
31 May that year. Her bailleur pushed the same household without the measure. The State informs the Département's
social services (EDS) and the CCAS of Nantes (M24, `GET /api/v1/notifications`)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pypdf
from fastapi.testclient import TestClient

from tests.conftest import Clock
from tests.scenarios.service import PUBLIC_URL, Service, service
from tests.test_web_auth import PASSWORD, log_in

OCTROI = "octroi_force_publique"
STATE = "DDETS de Loire-Atlantique"
DEPARTEMENT = "Département de Loire-Atlantique"
BAILLEUR = "Atlantique Habitations"
CCAS = "CCAS de Nantes"
CURATOR = "UDAF de Loire-Atlantique"
CURATOR_PHONE = "+33251724400"
SENSITIVE = ("curatelle", "UDAF", "mandataire", "bons soins", "a/s de", "mesure de protection", "02 51 72 44 00",
             CURATOR_PHONE)


def _tenant(reference: str, **extra: str) -> dict[str, Any]:
    return {"reference": reference, "stade": OCTROI, "date_stade": "20/03/2021", "parc": "social",
            "nom": "Le Goff", "prenom": "Maryvonne", "date_naissance": "02/09/1951",
            "adresse": "14 rue des Perrières", "code_postal": "44300", "commune": "Nantes",
            "telephone": "06 48 20 17 35", "montant_dette": "6 912,40", "allocataire": "oui", **extra}


def _protected() -> dict[str, Any]:
    return _tenant("CFP-44-2021-0117", mesure_protection="curatelle renforcée", mandataire_nom=CURATOR,
                   mandataire_adresse="3 rue Rosière d'Artois", mandataire_code_postal="44100",
                   mandataire_commune="Nantes", mandataire_telephone="02 51 72 44 00")


def _setup(s: Service, *, notice: bool = False) -> None:
    """`notice`: the State's campaign also informs the social services (M24), which have a postal address."""
    s.partner(STATE, "etat")
    if notice:
        s.partner(DEPARTEMENT, "departement", "--adresse", "Direction de l'action sociale|3 quai Ceineray|44000 Nantes")
        s.partner(CCAS, "ccas", "--adresse", "1 bis place Saint-Similien|44000 Nantes")
    else:
        s.partner(DEPARTEMENT, "departement")
    s.partner(BAILLEUR, "bailleur_social")
    notices = [{"channel": "courrier", "template": "information_services_sociaux"}] if notice else []
    s.campaign(STATE, {"name": "Information à l'octroi du concours de la force publique", "owner": STATE,
                       "stages": [OCTROI], "priority": 1,
                       "steps": [{"channel": "courrier", "template": "etape_octroi_force_publique",
                                  "regulatory": True}, *notices]})
    s.campaign(STATE, {"name": "Appel du service social avant l'expulsion", "owner": DEPARTEMENT,
                       "stages": [OCTROI], "steps": [{"channel": "appel"}]})


def _letters(outbox: Path) -> list[str]:
    return ["\n".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
            for pdf in sorted((outbox / "courrier").rglob("*.pdf"))]


def test_scenario_11_protected_adult_and_winter_truce(tmp_path: Path, clock: Clock) -> None:
    clock.now = datetime(2021, 3, 20, 8, 0, tzinfo=UTC)
    with service(tmp_path, clock) as s:
        _setup(s)
        assert s.push(STATE, [_protected()])["crees"] == 1
        pushed = s.push(BAILLEUR, [_tenant("AH-778201")])
        assert pushed["crees"] == 1
        # Letters are planned for the next working day, Monday 22 March.
        s.send(datetime(2021, 3, 22, 9, 0, tzinfo=UTC))
        s.send(datetime(2021, 3, 22, 9, 5, tzinfo=UTC))  # a second run sends nothing twice

        # The CFP letter goes to the tenant and, in its own envelope, to her curator "aux bons soins de".
        letters = _letters(tmp_path / "outbox")
        assert len(letters) == 2, letters
        tenant = [text for text in letters if "14 rue des Perrières".upper() in text.upper()]
        # "Aux bons soins de UDAF de Loire-Atlantique" is over 38 characters: La Poste's "a/s de".
        curator = [text for text in letters if "a/s de UDAF de Loire-Atlantique\n" in text]
        assert len(tenant) == 1 and len(curator) == 1
        assert "Maryvonne LE GOFF" in curator[0] and "3 rue Rosière d'Artois" in curator[0]
        assert "44100 NANTES" in curator[0] and "Perrières" not in curator[0]
        for text in letters:
            assert "concours de la force publique" in text
            # The truce of 2021 was extended: the letter sent on 22 March says it ends on 31 May.
            assert "31 mai 2021" in " ".join(text.split())

        # The social service's call task: the curator is the first number to call, then the tenant.
        task = s.tasks(DEPARTEMENT, a_venir=True)[0]
        assert [(n["qui"], n["telephone"]) for n in task["a_appeler"]] == [
            ("mandataire", CURATOR_PHONE), ("menage", "+33648201735")]
        detail = s.get(DEPARTEMENT, f"/api/v1/taches/{task['id']}")
        assert detail["mandataire"]["mesure"] == "curatelle_renforcee"
        assert detail["a_appeler"][0]["nom"] == CURATOR

        # The bailleur never learns of the measure: not in its case view, its tasks, its exports nor its pages.
        seen = [s.client.get("/api/v1/signalements/AH-778201", headers=s.keys[BAILLEUR]).text,
                s.client.get("/api/v1/taches", headers=s.keys[BAILLEUR],
                             params={"statut": "toutes", "a_venir": True}).text,
                s.client.get("/api/v1/evaluation/export.csv", headers=s.keys[BAILLEUR]).text]
        s.cli("comptes", "ajouter", "gestion@atlantique-habitations.fr", "--partner", BAILLEUR, "--role",
              "bailleur", "--password-stdin", stdin=f"{PASSWORD}\n")
        web = TestClient(s.client.app, base_url=PUBLIC_URL)  # the session cookie is Secure: HTTPS
        assert log_in(web, "gestion@atlantique-habitations.fr").status_code == 303  # type: ignore[attr-defined]
        imported = f"/mes-imports/{pushed['id']}"
        for page in ("/", "/mes-imports", imported, f"{imported}/rejets.csv"):
            answer = web.get(page)
            assert answer.status_code == 200, (page, answer.status_code)
            seen.append(answer.text)
        assert '"reference":"AH-778201"' in seen[0] and '"stade":"octroi_force_publique"' in seen[0]  # its own case
        for text in seen:
            for word in SENSITIVE:
                assert word.lower() not in text.lower(), word


def test_scenario_11_partner_notice_m24(tmp_path: Path, clock: Clock) -> None:
    clock.now = datetime(2021, 3, 20, 8, 0, tzinfo=UTC)
    with service(tmp_path, clock) as s:
        _setup(s, notice=True)
        s.push(STATE, [_protected()])
        s.push(BAILLEUR, [_tenant("AH-778201")])
        s.send(datetime(2021, 3, 22, 9, 0, tzinfo=UTC))
        s.send(datetime(2021, 3, 22, 9, 5, tzinfo=UTC))  # a second run sends nothing twice

        # The Département's social services and the CCAS of Nantes each read the State's notice: the household,
        # how to reach it, the curator to involve, and nothing else (no debt, no birth date, no kind of measure).
        for structure in (DEPARTEMENT, CCAS):
            [notice] = s.get(structure, "/api/v1/notifications")["notifications"]
            assert (notice["message"], notice["modele"], notice["statut"]) == (
                "M24", "information_services_sociaux", "delivered")
            assert notice["expediteur"] == STATE and notice["destinataires"] == [DEPARTEMENT, CCAS]
            assert (notice["reference"], notice["stade"], notice["date_stade"]) == (
                "CFP-44-2021-0117", OCTROI, "2021-03-20")
            assert notice["menage"] == {"nom": "Le Goff", "prenom": "Maryvonne", "adresse": "14 rue des Perrières",
                                        "complement_adresse": None, "code_postal": "44300", "commune": "Nantes",
                                        "telephone": "06 48 20 17 35"}
            assert notice["mandataire"] == {"nom": CURATOR, "telephone": "02 51 72 44 00"}
            assert "6912" not in str(notice) and "1951" not in str(notice) and "curatelle" not in str(notice)
        [sent] = s.get(STATE, "/api/v1/notifications")["notifications"]
        # The same letter, named by each reader's own handle (campaigns/crypto/handles.py).
        assert sent["reference"] == notice["reference"] and sent["id"] != notice["id"]
        # Back from a structure's address, it says nothing of the household's: refused as an NPAI return.
        returned = s.client.post("/api/v1/npai", headers=s.keys[STATE], json={"courrier_id": sent["id"]})
        assert returned.status_code == 422 and "services sociaux" in returned.text, returned.text

        # One letter to the Département and its copy to the CCAS, in their own envelopes, besides the tenant's
        # letter and the curator's.
        letters = _letters(tmp_path / "outbox")
        notices = [" ".join(text.split()) for text in letters if "Ménage concerné" in text]
        assert len(letters) == 4 and len(notices) == 2, letters
        assert sum("Direction de l'action sociale" in text for text in notices) == 1
        assert sum("1 bis place Saint-Similien" in text for text in notices) == 1
        for text in notices:
            assert "le 20 mars 2021, le concours de la force publique" in text
            assert "Maryvonne LE GOFF, 14 rue des Perrières, 44300 NANTES" in text
            assert "06 48 20 17 35" in text and "UDAF de Loire-Atlantique, tél. 02 51 72 44 00" in text
            assert "CFP-44-2021-0117" in text and "31 mai 2021" in text
            assert "curatelle" not in text and "6 912" not in text and "1951" not in text

        # The bailleur never reads them: refused on the route, absent from its case view and its own evaluation.
        refused = s.client.get("/api/v1/notifications", headers=s.keys[BAILLEUR])
        assert refused.status_code == 403
        seen = [s.client.get("/api/v1/signalements/AH-778201", headers=s.keys[BAILLEUR]).text,
                s.client.get("/api/v1/evaluation", headers=s.keys[BAILLEUR],
                             params={"debut": "2021-03-01", "fin": "2021-03-31"}).text]
        for text in seen:
            assert "information_services_sociaux" not in text and CCAS not in text
            for word in SENSITIVE:
                assert word.lower() not in text.lower(), word
