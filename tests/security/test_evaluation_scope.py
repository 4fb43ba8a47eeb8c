"""The evaluation's scope, attacked through the HTTP API and the pages with real keys and accounts (docs/security.md
E1 to E5): a bailleur reads its own households, reached by its own or the pilots' campaigns, never another
institution's contacts nor another bailleur's row; a CCAS's evaluator or administrator reads its institution's
contacts only; and an auditor that tries every difference of published figures recovers no hidden cell."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from campaigns.runtime.root import Runtime
from tests.conftest import Clock, new_partner
from tests.factories import campaign
from tests.security.authority_world import admin_partner
from tests.security.evaluation_auditor import recovered_cells
from tests.test_evaluation import person
from tests.test_web_auth import log_in, new_user

PERIOD = {"debut": "2026-11-01", "fin": "2026-12-31"}
STATE, CCAS = "DDETS 44", "CCAS de Nantes"
# Two bailleurs under 5 households on purpose (small cells), and the State's own private-park households.
BAILLEURS = {"Habitat 44": 8, "Atlantique Habitations": 6, "Harmonie Habitat": 3, "Petit Logis": 4}
PRIVATE = 3


@dataclass
class World:
    client: TestClient
    runtime: Runtime
    keys: dict[str, dict[str, str]]
    rows: list[dict[str, Any]]


@pytest.fixture
def world(pg_runtime: Runtime, clock: Clock) -> Iterator[World]:
    """The State writes to every household (a letter); the CCAS texts them all (its own campaign); household j of
    a partner answers the letter if j % 3 == 0 and the SMS if j % 3 == 1, recorded by its partner."""
    _, state = new_partner(pg_runtime, STATE, "etat")
    with TestClient(create_app(pg_runtime)) as client:
        keys = {STATE: state, CCAS: admin_partner(client, state, CCAS, "ccas")}
        keys |= {name: admin_partner(client, state, name, "bailleur_social") for name in BAILLEURS}
        campaign(pg_runtime, owner=STATE, name="Courriers de l'État",
                 steps=[{"channel": "courrier", "template": "information_etat"}])
        campaign(pg_runtime, owner=CCAS, name="SMS du CCAS", steps=[{"channel": "sms", "template": "relance"}])
        plan: list[tuple[str, str, int]] = []
        rows: list[dict[str, Any]] = []
        i = 0
        for name, size in [*BAILLEURS.items(), (STATE, PRIVATE)]:
            pushed = [person(i + j, parc="prive" if name == STATE else "social") for j in range(size)]
            plan.extend((f"R-{i + j}", name, j % 3) for j in range(size))
            answer = client.post("/api/v1/signalements", headers=keys[name], json=pushed)
            assert answer.status_code == 200 and answer.json()["crees"] == size, answer.text
            rows.extend(pushed)
            i += size
        pg_runtime.tick()
        clock.advance(days=2)
        for kind, canal, nature in ((0, "appel", "appel_entrant"), (1, "sms", "sms")):
            for reference, name, planned in plan:
                if planned == kind:
                    reply = client.post("/api/v1/reponses", headers=keys[name],
                                        json={"reference": reference, "canal": canal, "nature": nature})
                    assert reply.status_code == 201, reply.text
            clock.advance(days=1)
        pg_runtime.tick()
        yield World(client, pg_runtime, keys, rows)


def _report(world: World, who: str) -> dict[str, Any]:
    answer = world.client.get("/api/v1/evaluation", headers=world.keys[who], params=PERIOD)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _lines(report: dict[str, Any], key: str) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = report["sections"][key]["lignes"]
    return lines


def _xlsx_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".xml"))


def _page_table(html: str, caption: str) -> list[list[str]]:
    match = re.search(rf"<caption[^>]*>{re.escape(caption)}</caption>.*?<tbody>(.*?)</tbody>", html, re.S)
    assert match, f"no table « {caption} »"
    rows = re.findall(r"<tr>(.*?)</tr>", match.group(1), re.S)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)]
            for r in rows]


def test_a_bailleur_reads_its_own_households_and_never_another_institutions_contacts(world: World) -> None:
    pilot = _report(world, STATE)
    everyone = sum(BAILLEURS.values()) + PRIVATE
    assert _lines(pilot, "synthese")[0]["menages"] == everyone
    # The pilot sees both, and the answer link their messages carried (a channel of its own).
    assert {r["valeur"] for r in _lines(pilot, "taux_canal")} == {"courrier", "SMS", "lien de réponse"}
    own = _report(world, "Habitat 44")
    assert own["perimetre"] == "ménages signalés par Habitat 44"
    synthesis = _lines(own, "synthese")
    assert synthesis[0]["menages"] == BAILLEURS["Habitat 44"]
    # The only figure about others: every partner's households, the others' part being 15 (≥ 5).
    assert synthesis[1]["valeur"] == "ménages de tous les partenaires (pour comparaison)"
    assert synthesis[1]["menages"] == everyone
    # The CCAS's SMS to its tenants count nowhere: no SMS channel, no SMS sent, no step credited to an SMS.
    assert [r["valeur"] for r in _lines(own, "taux_canal")] == ["courrier", "lien de réponse"]
    # The links it counts are those of the State's letters: never the CCAS's SMS's.
    assert [r["valeur"] for r in _lines(own, "taux_lien_modele")] == ["courrier · information_etat"]
    assert all("SMS" not in r["valeur"] for r in _lines(own, "taux_etape"))
    charter = {r["indicateur"]: r for r in _lines(own, "indicateurs_charte")}
    assert charter["SMS envoyés"]["total"] == 0
    assert charter["Nombre de courriers transmis"]["total"] == BAILLEURS["Habitat 44"]
    assert [c["canal"] for c in own["courbes_de_reponse"]] == ["courrier"]
    # Its own row only in per-bailleur tables (docs/domain.md §10.2, scenario 10).
    assert [r["valeur"] for r in _lines(own, "taux_bailleur")] == ["Habitat 44"]
    assert {r["bailleur"] for r in _lines(own, "taux_canal_bailleur")} == {"Habitat 44"}
    assert {r["bailleur"] for r in _lines(own, "courriers_par_menage")} == {"Habitat 44"}
    assert not [c for c in _lines(own, "comparaisons") if c["famille"] == "bailleur contre bailleur"]
    for name in (*[b for b in BAILLEURS if b != "Habitat 44"], CCAS, STATE, "SMS du CCAS"):
        assert name not in str(own), name
    # The API's files are the pilots' only; the page's exports say what the page says.
    for path in ("/api/v1/evaluation/export.csv", "/api/v1/evaluation/export.xlsx"):
        assert world.client.get(path, headers=world.keys["Habitat 44"], params=PERIOD).status_code == 403
    new_user(world.runtime, email="evaluation@habitat44.fr", role="evaluateur", partner="Habitat 44")
    log_in(world.client, "evaluation@habitat44.fr")
    html = world.client.get("/evaluation", params=PERIOD).text
    assert _page_table(html, "Synthèse")[0][1] == str(BAILLEURS["Habitat 44"])
    assert [r[0] for r in _page_table(html, "Taux de réponse par canal")] == ["courrier", "lien de réponse"]
    csv_text = world.client.get("/evaluation/export.csv", params=PERIOD).text
    xlsx = _xlsx_text(world.client.get("/evaluation/export.xlsx", params=PERIOD).content)
    assert re.search(r">\s*SMS\b(?! envoyés)|· SMS", html) is None  # (the footer names SMS: not a figure)
    for output in (html, csv_text, xlsx):
        if output is not html:
            # Method notes name the channels in general ("courrier, SMS ou e-mail"): not a figure about SMS.
            assert "SMS" not in output.replace("SMS envoyés", "").replace("courrier, SMS ou e-mail", "")
        for name in (*[b for b in BAILLEURS if b != "Habitat 44"], CCAS, STATE):
            assert name not in output, name
        for row in world.rows:
            assert row["nom"] not in output
    assert "Taux de réponse par canal;courrier;ménages;8" in csv_text


@pytest.mark.parametrize("role", ["evaluateur", "admin"])
def test_an_institutions_evaluator_or_administrator_reads_its_institution_only(world: World, role: str) -> None:
    new_user(world.runtime, email=f"{role}@ccas-nantes.fr", role=role, partner=CCAS)
    log_in(world.client, f"{role}@ccas-nantes.fr")
    page = world.client.get("/evaluation", params=PERIOD)
    assert page.status_code == 200
    html = page.text
    assert "Périmètre : ménages contactés par les campagnes ou la file de CCAS de Nantes." in html
    everyone = sum(BAILLEURS.values()) + PRIVATE
    # Its SMS reached every household; the State's letters are not its contacts and count nowhere.
    assert _page_table(html, "Synthèse")[0][1] == str(everyone)
    assert [r[0] for r in _page_table(html, "Taux de réponse par canal")] == ["SMS", "lien de réponse"]
    assert [r[0] for r in _page_table(html, "Taux de réponse par message portant le lien de réponse")] == [
        "SMS · relance"]
    charter = {r[0]: r[1:] for r in _page_table(html, "Indicateurs de la charte (002, annexe 6)")}
    assert charter["Nombre de courriers transmis"][-1] == "0"
    assert 'id="bailleur"' not in html
    # Asking for a bailleur's rows changes nothing: the reader's scope is not a filter.
    other = world.client.get("/evaluation", params={**PERIOD, "bailleur": "1"}).text
    assert _page_table(other, "Synthèse")[0][1] == str(everyone)
    csv_text = world.client.get("/evaluation/export.csv", params=PERIOD).text
    assert "Taux de réponse par canal;courrier" not in csv_text and STATE not in csv_text
    # Its API key reads no evaluation (the pilots' and the bailleurs' only).
    assert world.client.get("/api/v1/evaluation", headers=world.keys[CCAS], params=PERIOD).status_code == 403


@pytest.mark.parametrize("reader", [STATE, "Habitat 44", "Harmonie Habitat"])
def test_no_difference_of_published_figures_recovers_a_hidden_cell(world: World, reader: str) -> None:
    report = _report(world, reader)
    hidden = [cell for section in report["sections"].values() for line in section["lignes"]
              for cell in line.values() if cell in ("< 5", "secret")]
    if reader != "Habitat 44":
        assert hidden, "the seed must give small cells to this reader"
    found = recovered_cells(report)
    assert not found, found


def test_the_auditor_recovers_what_a_single_hidden_cell_and_its_total_give_back() -> None:
    """The auditor itself, on the lines the report published before this rule: one park hidden next to the whole,
    and a park × step grid whose column total (taux_etape) gave the private park's "secret" back."""
    rate = {"taux": None, "ic_bas": None, "ic_haut": None}
    report = {"sections": {
        "synthese": {"lignes": [{"valeur": "ensemble", "menages": 49, "repondants": 30, **rate}]},
        "taux_parc": {"lignes": [{"valeur": "parc privé", "menages": 46, "repondants": 28, **rate},
                                 {"valeur": "non renseigné", "menages": "< 5", "repondants": 2, **rate}]},
        "taux_etape": {"lignes": [{"valeur": "étape 1 · courrier", "menages": 49, "repondants": 22, **rate}]},
        "modes_de_contact": {"lignes": [
            {"parc": "parc privé", "mode": "étape 1 · courrier", "menages": "secret", "total": 28},
            {"parc": "parc privé", "mode": "étape 2 · appel", "menages": 23, "total": 28},
            {"parc": "parc social", "mode": "étape 1 · courrier", "menages": 17, "total": 39}]},
    }}
    found = dict(recovered_cells(report))
    assert found[("taux_parc", 1, "menages")] == 3
    assert found[("modes_de_contact", 0, "menages")] == 5
