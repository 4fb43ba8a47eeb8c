"""Scenario 1 of docs/domain.md §13: Habitat 44 pushes 300 impayé lines while the Département already writes to 40 of
its tenants, through the command line and the HTTP API only (tests/scenarios/bailleur_overlap.py holds the lines)."""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Clock
from tests.scenarios.bailleur_overlap import (
    DDETS,
    DEPARTEMENT,
    HABITAT,
    IMPAYE,
    KNOWN,
    BailleurFile,
    Person,
    bailleur_file,
    known_row,
)
from tests.scenarios.service import Service, service

PUSHED_ON = datetime(2026, 10, 7, 8, 0, tzinfo=UTC)  # Wednesday 7 October, 10:00 in Paris
DEPARTEMENT_CAMPAIGN = "Prévention des impayés du Département"
HABITAT_CAMPAIGN = "Habitat 44 — relance précontentieuse"
PASSWORD = "Recouvrement-Habitat-44!"


def _setup(s: Service) -> None:
    """The Département writes to the CAF's allocataires ten days after they enter the impayé stage; it knows 40
    households. Habitat 44 does not know who is an allocataire."""
    s.partner(DDETS, "etat")
    s.partner(DEPARTEMENT, "departement")
    s.partner(HABITAT, "bailleur_social", "--adresse", "Habitat 44|Service du recouvrement|"
              "3 boulevard Alexandre Millerand|44200 Nantes", "--telephone", "02 40 12 34 56")
    s.campaign(DDETS, {"name": DEPARTEMENT_CAMPAIGN, "owner": DEPARTEMENT, "stages": [IMPAYE],
                       "territory": {"postcodes": ["44"]}, "segment": {"allocataire": ["oui"]}, "priority": 50,
                       "steps": [{"channel": "courrier", "template": "etape_impaye", "delay_days": 10},
                                 {"channel": "appel", "delay_days": 7, "conditions": ["no_response"]}]})
    assert s.push(DEPARTEMENT, [known_row(Person(n)) for n in range(KNOWN)])["crees"] == KNOWN


def _bailleur_campaign(s: Service) -> int:
    """Habitat 44's campaign, a draft made by the DDETS from the bailleur preset."""
    presets = s.get(DDETS, "/api/v1/campagnes/modeles")["modeles"]
    preset = next(p for p in presets if p["proprietaire_habituel"] == "bailleur_social")
    draft = s.post(DDETS, f"/api/v1/campagnes/modeles/{preset['id']}", {"nom": HABITAT_CAMPAIGN,
                                                                           "proprietaire": HABITAT}, expected=201)
    assert draft["statut"] == "brouillon" and draft["stages"] == [IMPAYE]
    return int(draft["id"])


def _import(s: Service, partner: str, payload: bytes) -> dict[str, Any]:
    """A CSV file through the import API: 202 and the job, read again until it is done."""
    answer = s.client.post("/api/v1/signalements", content=payload,
                           headers={**s.keys[partner], "Content-Type": "text/csv"})
    assert answer.status_code == 202, answer.text
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        report: dict[str, Any] = s.get(partner, f"/api/v1/imports/{answer.json()['id']}")
        if report["statut"] in ("done", "failed"):
            return report
        time.sleep(0.1)
    raise AssertionError("the import did not finish in 5 minutes")


def _check_rejections(s: Service, lines: BailleurFile, report: dict[str, Any]) -> None:
    expected = {(lines.line(r), r, why.field, why.reason) for r, why in lines.rejected.items()}
    assert {(r["ligne"], r["reference"], r["champ"], r["motif"]) for r in report["rejets"]} == expected
    rejections = s.get(HABITAT, report["rejets_csv"].removeprefix("http://testserver")).text.lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(rejections), delimiter=";"))
    assert rows[0] == ["ligne", "reference", "champ", "motif"]
    assert {(int(line), ref, field, reason) for line, ref, field, reason in rows[1:]} == expected
    for reference in lines.rejected:  # a rejected line makes no case
        assert s.client.get(f"/api/v1/signalements/{reference}", headers=s.keys[HABITAT]).status_code == 404


def _grouping(s: Service) -> dict[tuple[str, str], str]:
    """The pilots' household export: (partner, reference) -> household."""
    text = s.get(DDETS, "/api/v1/admin/menages.csv").text.lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    return {(row["partenaire"], row["reference"]): row["menage"] for row in rows}


def _sign_in(s: Service, email: str) -> TestClient:
    """A Habitat 44 person on the pages (the session cookie is Secure: the public address is https)."""
    s.cli("comptes", "ajouter", email, "--partner", HABITAT, "--role", "bailleur", "--nom", "Claire Gestionnaire",
          "--password-stdin", stdin=PASSWORD + "\n")
    web = TestClient(s.client.app, base_url="https://testserver")
    token = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/connexion").text)
    assert token is not None
    signed_in = web.post("/connexion", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)},
                         follow_redirects=False)
    assert signed_in.status_code == 303, signed_in.text
    return web


def _letters(s: Service, partner: str, reference: str) -> list[str]:
    """The statuses (and reasons) of the letters a partner's own campaigns planned for one of its cases."""
    return [f"{c['statut']}:{c['motif']}" for c in s.contacts(partner, reference) if c["canal"] == "courrier"]


def test_scenario_1_bailleur_push_overlapping_the_departement(tmp_path: Path, clock: Clock) -> None:
    clock.now = datetime(2026, 10, 5, 8, 0, tzinfo=UTC)  # Monday: the Département's households are pushed
    with service(tmp_path, clock) as s:
        _setup(s)
        campaign_id = _bailleur_campaign(s)
        # Activated before Habitat 44's first list: nobody to enroll yet.
        assert s.cli("campagnes", "activer", HABITAT_CAMPAIGN).strip() == (
            f"Campagne activée : {HABITAT_CAMPAIGN} (0 ménage inscrit).")
        clock.now = PUSHED_ON
        lines = bailleur_file()
        report = _import(s, HABITAT, lines.csv())
        assert (report["statut"], report["lignes_traitees"], report["colonnes_inconnues"]) == ("done", 300, [])
        assert (report["crees"], report["rejetes"]) == (288, 12), report["rejets"]
        _check_rejections(s, lines, report)
        # The same file again through the command line: nothing changes, the same 12 lines are refused.
        path = tmp_path / "habitat44-impayes.csv"
        path.write_bytes(lines.csv())
        printed = s.cli("importer", str(path), "--partner", HABITAT)
        assert "300 lignes, 0 créée, 0 mise à jour, 288 inchangées, 12 rejetées." in printed
        for reference, why in lines.rejected.items():
            assert f"ligne {lines.line(reference)}, champ « {why.field} » : {why.reason}" in printed

        # 40 lines joined the Département's households, 248 made new ones; no pair is left to a person to decide.
        households = _grouping(s)
        assert {ref for ref, theirs in lines.known.items()
                if households[(HABITAT, ref)] != households[(DEPARTEMENT, theirs)]} == set()
        assert len({households[(HABITAT, ref)] for ref in lines.new}) == 248
        assert len(set(households.values())) == KNOWN + 248
        assert s.get(DDETS, "/api/v1/rapprochements")["rapprochements"] == []

        # Habitat 44's letters go on the day; the Département's on the 15th; the calls open on Monday 19th.
        s.send(datetime(2026, 10, 7, 8, 5, tzinfo=UTC))
        s.send(datetime(2026, 10, 15, 8, 5, tzinfo=UTC))
        s.send(datetime(2026, 10, 19, 7, 5, tzinfo=UTC))
        for ref, theirs in lines.known.items():  # one letter at the stage: the Département's, the bailleur's folded
            assert _letters(s, HABITAT, ref) == ["cancelled:duplicate"], ref
            assert _letters(s, DEPARTEMENT, theirs) == ["delivered:None"], theirs
        for ref in lines.new:  # the bailleur playbook: letter, SMS, call, e-mail, visit
            contacts = s.contacts(HABITAT, ref)
            assert [c["canal"] for c in contacts] == ["courrier", "sms", "appel", "email", "visite"], ref
            assert contacts[0]["statut"] == "delivered" and contacts[0]["campagne"] == HABITAT_CAMPAIGN
        assert len(list((tmp_path / "outbox").rglob("*.pdf"))) == 288

        # The reports: Habitat 44's campaign (its own key) and the pilots' letter audit.
        supervision = s.get(HABITAT, f"/api/v1/campagnes/{campaign_id}/supervision", jour="2026-10-07")
        assert supervision["menages"] == 288
        assert supervision["contacts_par_motif"][0] == {"statut": "cancelled", "motif": "duplicate", "nombre": 40,
                                                        "libelle": "regroupé ou supprimé par la coordination"}
        audit = s.get(DDETS, "/api/v1/simulation", debut="2026-10-07", jours=30)
        assert sum(p["evites"].get("duplicate", 0) for p in audit["profils"]) == 40
        assert sum(p["menages"] for p in audit["profils"] if p["bailleur"] == HABITAT) == 288
        assert all(p["au_dessus_du_plafond"] == {"sans_coordination": 0, "avec_coordination": 0}
                   for p in audit["profils"])
        printed = s.cli("simuler", "--debut", "2026-10-07", "--jours", "30")
        assert "Courriers évités : 40 supprimés (doublon)" in printed
        assert ("Ménages au-dessus du plafond (3 courriers sur 30 jours glissants) : 0 sans coordination, "
                "0 avec coordination") in printed

        _check_bailleur_sees_its_own(s, lines, campaign_id)


def _check_bailleur_sees_its_own(s: Service, lines: BailleurFile, campaign_id: int) -> None:
    """Habitat 44 reads its 288 households and nothing of the Département's cases of the 40 it shares."""
    mine = [*lines.known, *lines.new]
    others = ["CD44-IMP-", DEPARTEMENT, DEPARTEMENT_CAMPAIGN,
              *(known_row(Person(n))["numero_allocataire"] for n in range(KNOWN))]
    assert [c["name"] for c in s.get(HABITAT, "/api/v1/campagnes")["campagnes"]] == [HABITAT_CAMPAIGN]
    theirs = next(c["id"] for c in s.get(DDETS, "/api/v1/campagnes")["campagnes"]
                  if c["name"] == DEPARTEMENT_CAMPAIGN)
    for path in (f"/api/v1/campagnes/{theirs}", f"/api/v1/campagnes/{theirs}/supervision",
                 f"/api/v1/campagnes/{theirs}/simulation", "/api/v1/signalements/CD44-IMP-000"):
        assert s.client.get(path, headers=s.keys[HABITAT]).status_code == 404, path
    for ref in lines.known:
        view = s.client.get(f"/api/v1/signalements/{ref}", headers=s.keys[HABITAT]).text
        assert not [word for word in others if word in view], ref
    tasks = s.tasks(HABITAT, limite=500)  # its calls, with its own copy of each tenant (its own phone number)
    phones = {row["reference"]: "+33" + row["telephone"].replace(" ", "")[1:] for row in lines.rows}
    assert sorted(t["menage"]["telephone"] for t in tasks) == sorted(phones[ref] for ref in mine)
    assert not [word for word in others if word in str(tasks)]
    own = s.get(HABITAT, "/api/v1/evaluation", debut="2026-10-01", fin="2026-10-31")
    assert own["sections"]["synthese"]["lignes"][0]["menages"] == 288
    web = _sign_in(s, "recouvrement@habitat44.fr")
    home = web.get("/").text
    assert "Mes imports" in home and "Mon évaluation" in home and "Campagnes" not in home
    imports = web.get("/mes-imports").text
    assert len(_import_ids(imports)) == 2 and not [word for word in others if word in imports]  # its own two
    rejected = web.get(f"/mes-imports/{min(_import_ids(imports))}/rejets.csv")
    assert rejected.status_code == 200 and len(rejected.text.strip().splitlines()) == 1 + 12
    page = web.get("/evaluation", params={"debut": "2026-10-01", "fin": "2026-10-31"})
    assert page.status_code == 200
    assert _table(page.text, "Synthèse")[0][:2] == ["ensemble des ménages contactés", "288"]
    assert not [word for word in others if word in page.text]
    assert web.get(f"/campagnes/{campaign_id}/supervision").status_code == 403


def _import_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/mes-imports/(\d+)"', page)]


def test_activation_after_the_push_plans_what_its_dry_run_predicted(tmp_path: Path, clock: Clock) -> None:
    """Habitat 44's campaign is still a draft when its list comes: activating it enrolls its households already in
    the impayé stage, exactly those its dry run counted, with as many contacts per channel."""
    clock.now = datetime(2026, 10, 5, 8, 0, tzinfo=UTC)
    with service(tmp_path, clock) as s:
        _setup(s)
        campaign_id = _bailleur_campaign(s)
        clock.now = PUSHED_ON
        lines = bailleur_file()
        assert _import(s, HABITAT, lines.csv())["crees"] == 288
        mine = [*lines.known, *lines.new]
        assert all(s.contacts(HABITAT, ref) == [] for ref in mine[::12])  # a draft enrolls nobody
        # The next day one of the 40 comes to the Département's appointment (every campaign stops at the stage),
        # and Habitat 44 closes one of its new cases (the debt is paid).
        clock.now = datetime(2026, 10, 8, 8, 0, tzinfo=UTC)
        answered, paid = next(iter(lines.known.items())), lines.new[0]
        s.post(DEPARTEMENT, "/api/v1/reponses", {"reference": answered[1], "canal": "appel", "nature": "appel_entrant",
                                                 "motif_menage": "rendez_vous_honore"}, expected=201)
        closing = next(row for row in lines.rows if row["reference"] == paid)
        assert s.push(HABITAT, [{**closing, "stade": "cloture", "date_stade": "08/10/2026",
                                 "motif_cloture": "dette soldée"}])["mis_a_jour"] == 1

        path = f"/api/v1/campagnes/{campaign_id}/simulation"
        predicted = s.get(DDETS, path)
        assert s.get(HABITAT, path)["prevus"] == predicted["prevus"]  # the bailleur reads its own campaign's
        activated = s.post(DDETS, f"/api/v1/campagnes/{campaign_id}/activer", {"inscrire_menages_actuels": True})
        assert activated["statut"] == "active"
        assert activated["menages_inscrits"] == predicted["menages"] == 286

        planned: dict[str, int] = {}
        enrolled = []
        for ref in mine:
            contacts = s.contacts(HABITAT, ref)
            enrolled += [ref] if contacts else []
            for contact in contacts:
                assert (contact["statut"], contact["campagne"]) == ("planned", HABITAT_CAMPAIGN)
                planned[contact["canal"]] = planned.get(contact["canal"], 0) + 1
        assert sorted(enrolled) == sorted(set(mine) - {answered[0], paid})
        assert planned == {channel: n for channel, n in predicted["prevus"].items() if n}
        # Running, its dry run still counts the same households.
        assert s.get(DDETS, path)["menages"] == 286


def _table(html: str, caption: str) -> list[list[str]]:
    """The body rows of the page's table with this caption, as cell texts."""
    match = re.search(rf"<caption[^>]*>{re.escape(caption)}</caption>.*?<tbody>(.*?)</tbody>", html, re.S)
    assert match, f"no table « {caption} »"
    rows = re.findall(r"<tr>(.*?)</tr>", match.group(1), re.S)
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S) for row in rows]
    return [[unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in row] for row in cells]
