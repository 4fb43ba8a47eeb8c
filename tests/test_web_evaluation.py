"""The evaluation page (/evaluation): roles, small cells "< 5" in the page and its charts, a bailleur's own rows,
the filters (période, stade, bailleur, parc) and the exports, on households pushed and answered through the API."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from api.app import create_app
from campaigns.models import Partner
from campaigns.runtime.root import Runtime
from tests.conftest import Clock
from tests.test_evaluation import build_adil44, build_scenario_10
from tests.test_web_auth import log_in, new_user

PERIOD = {"debut": "2026-11-01", "fin": "2026-12-31"}


@pytest.fixture
def pg_client(pg_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(pg_runtime)) as test_client:
        yield test_client


def _table(html: str, caption: str) -> list[list[str]]:
    """The body rows of the DSFR table with this caption, as cell texts."""
    match = re.search(rf"<caption[^>]*>{re.escape(caption)}</caption>.*?<tbody>(.*?)</tbody>", html, re.S)
    assert match, f"no table « {caption} »"
    rows = re.findall(r"<tr>(.*?)</tr>", match.group(1), re.S)
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S) for row in rows]
    return [[unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in row] for row in cells]


def _svg(html: str, key: str) -> str:
    match = re.search(rf'<svg[^>]*aria-labelledby="{key}-titre {key}-desc".*?</svg>', html, re.S)
    assert match, f"no chart {key}"
    return match.group(0)


def test_only_evaluators_and_admins_open_the_page(client: TestClient, runtime: Runtime) -> None:
    assert client.get("/evaluation", follow_redirects=False).headers["location"] == "/connexion"
    new_user(runtime, email="agent@ccas-nantes.fr", role="agent")
    new_user(runtime, email="eval@ccas-nantes.fr", role="evaluateur")
    new_user(runtime, email="admin@ccas-nantes.fr", role="admin")
    log_in(client, "agent@ccas-nantes.fr")
    refused = client.get("/evaluation")
    assert refused.status_code == 403 and "Accès refusé" in refused.text
    assert client.get("/evaluation/export.csv", params=PERIOD).status_code == 403
    for email in ("eval@ccas-nantes.fr", "admin@ccas-nantes.fr"):
        client.post("/deconnexion", data={"csrf_token": re.findall(r'name="csrf_token" value="([^"]+)"',
                                                                    client.get("/connexion").text)[0]})
        log_in(client, email)
        assert '<a class="fr-link" href="/evaluation">Évaluation</a>' in client.get("/").text
        page = client.get("/evaluation", params=PERIOD)
        assert page.status_code == 200 and "<h1>Évaluation des contacts</h1>" in page.text
        assert 'href="/dsfr/dsfr.min.css"' in page.text and 'href="/evaluation/graphiques.css"' in page.text
        # Nothing contacted yet: no household, and no rate to show.
        assert _table(page.text, "Synthèse")[0][1:4] == ["0", "0", "< 5"]
    css = client.get("/evaluation/graphiques.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "svg.graphique" in css.text


def test_small_cells_hidden_in_tables_charts_and_exports(pg_runtime: Runtime, pg_client: TestClient,
                                                          clock: Clock) -> None:
    built = build_scenario_10(pg_runtime, pg_client, clock)
    new_user(pg_runtime, email="eval@ddets44.fr", role="evaluateur", partner="DDETS 44")
    log_in(pg_client, "eval@ddets44.fr")
    page = pg_client.get("/evaluation", params=PERIOD)
    assert page.status_code == 200
    html = page.text
    assert _table(html, "Synthèse")[0][1:4] == ["67", "45", "67,2\u202f%"]
    bailleurs = {row[0]: row[1:4] for row in _table(html, "Taux de réponse par bailleur")}
    assert bailleurs["ICF Habitat"] == ["< 5", "< 5", "< 5"] and bailleurs["SILENE"] == ["< 5", "< 5", "< 5"]
    assert bailleurs["NMH"] == ["6", "< 5", "< 5"]
    # The chart says "< 5" where the table does, in its labels, its tooltips and its text alternative.
    chart = _svg(html, "graphique-bailleur")
    assert "SILENE : &lt; 5 ménages, taux masqué" in chart
    assert chart.count("&lt; 5 ménages : taux masqué") >= 2
    assert "NMH : 6 ménages, moins de 5 réponses (&lt; 5), taux masqué" in chart
    assert 'role="img"' in chart and "<desc id=\"graphique-bailleur-desc\">" in chart
    channels = _svg(html, "graphique-canal")
    assert "<title>courrier : 34,3\u202f%, IC 95 % 24,1\u202f% – 46,3\u202f%, 67 ménages</title>" in channels
    # Channels, bailleurs, delays, letters per household, funnel, files received and tenants contacted by bailleur.
    assert html.count("<svg") == 6
    landlords = _svg(html, "graphique-dossiers-bailleur")
    assert "SILENE : &lt; 5 dossiers reçus, &lt; 5 locataires contactés" in landlords
    assert "NMH : 6 dossiers reçus, &lt; 5 locataires contactés" in landlords
    curves = {row[0]: row[1:3] for row in _table(html, "Part des ménages ayant répondu selon le délai depuis le "
                                                       "premier contact")}
    # Letters: 23 answered 2 days after, 22 more after the SMS (7 days and 2 hours: 8 whole days), so half had
    # answered by day 8; SMS: sent to all 67 (the bailleurs' plain answers stop none of the State's SMS, rule 2 of
    # docs/security.md), 22 answered within the day, fewer than half, so no median (S(t) never falls below 0.5).
    assert curves == {"courrier": ["67", "8"], "SMS": ["67", ""]}
    csv_text = pg_client.get("/evaluation/export.csv", params=PERIOD)
    assert csv_text.headers["content-disposition"] == 'attachment; filename="evaluation_2026-11-01_2026-12-31.csv"'
    assert "Taux de réponse par bailleur;SILENE;taux de réponse;< 5" in csv_text.text
    xlsx = pg_client.get("/evaluation/export.xlsx", params=PERIOD).content
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        xml = "".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".xml"))
    for output in (html, csv_text.text, xml):
        for row in built["rows"]:
            for field in ("nom", "adresse", "numero_allocataire", "telephone"):
                assert row[field] not in output, field
    assert 'href="/evaluation/export.csv?debut=2026-11-01&amp;fin=2026-12-31"' in html


def test_a_bailleur_account_reads_its_own_households_only(pg_runtime: Runtime, pg_client: TestClient,
                                                          clock: Clock) -> None:
    build_scenario_10(pg_runtime, pg_client, clock)
    new_user(pg_runtime, email="evaluation@nmh.fr", role="evaluateur", partner="NMH")
    log_in(pg_client, "evaluation@nmh.fr")
    html = pg_client.get("/evaluation", params=PERIOD).text
    assert "Périmètre : ménages signalés par NMH." in html
    assert _table(html, "Synthèse")[0][1] == "6"
    assert [row[0] for row in _table(html, "Taux de réponse par bailleur")] == ["NMH"]
    assert 'id="bailleur"' not in html  # no choice of bailleur
    # Who else writes to its tenants stays out of its view (docs/domain.md §10.2).
    assert "Taux de réponse par pilote de la campagne" not in html and "DDETS 44" not in html
    # Asking for another bailleur's rows changes nothing.
    other = pg_client.get("/evaluation", params={**PERIOD, "bailleur": "1"}).text
    assert _table(other, "Synthèse")[0][1] == "6"
    exported = pg_client.get("/evaluation/export.csv", params=PERIOD).text
    assert "Synthèse;ensemble des ménages contactés;ménages;6" in exported and "SILENE" not in exported
    assert "Période et filtres de l'export;;périmètre;ménages signalés par NMH" in exported
    assert ";;bailleur;" not in exported  # no choice of bailleur on its page, none in its file


def _synthese(client: TestClient, **params: Any) -> list[str]:
    page = client.get("/evaluation", params={**PERIOD, **params})
    assert page.status_code == 200, page.text
    return _table(page.text, "Synthèse")[0][1:3]


def test_filters_period_stage_bailleur_and_parc(pg_runtime: Runtime, pg_client: TestClient, clock: Clock) -> None:
    build_adil44(pg_runtime, pg_client, clock)
    new_user(pg_runtime, email="eval@ddets44.fr", role="evaluateur", partner="DDETS 44")
    log_in(pg_client, "eval@ddets44.fr")
    assert _synthese(pg_client) == ["108", "67"]
    assert _synthese(pg_client, parc="prive") == ["46", "28"]
    assert _synthese(pg_client, parc="social") == ["62", "39"]
    assert _synthese(pg_client, stade="commandement_de_payer") == ["108", "67"]
    assert _synthese(pg_client, stade="assignation") == ["0", "0"]
    assert _synthese(pg_client, debut="2027-01-01", fin="2027-01-31") == ["0", "0"]
    page = pg_client.get("/evaluation", params=PERIOD).text
    nmh = re.search(r'<option value="(\d+)"[^>]*>NMH</option>', page)
    assert nmh is not None
    # NMH's households: 6 (round-robin over the bailleurs of the social park, §5.1 plan).
    assert _synthese(pg_client, bailleur=nmh.group(1))[0] == "6"
    filtered = pg_client.get("/evaluation", params={**PERIOD, "parc": "prive"}).text
    assert "Périmètre : parc privé." in filtered
    assert '<option value="prive" selected>' in filtered
    assert [r[0] for r in _table(filtered, "Taux de réponse par parc")] == ["parc privé"]
    curves = {row[0]: row[1] for row in _table(filtered, "Part des ménages ayant répondu selon le délai depuis le "
                                                        "premier contact")}
    assert curves["courrier"] == "46"
    # The exports follow the filters.
    link = re.search(r'href="(/evaluation/export\.csv\?[^"]+)"', filtered)
    assert link is not None and "parc=prive" in link.group(1)
    exported = pg_client.get(link.group(1).replace("&amp;", "&")).text
    assert "Synthèse;ensemble des ménages contactés;ménages;46" in exported
    # The file names the period and every filter as the page shows them, before any figure.
    lines = exported.lstrip("\ufeff").splitlines()
    assert lines[1:9] == [
        "Période et filtres de l'export;;période;du 1er novembre 2026 au 31 décembre 2026",
        "Période et filtres de l'export;;début;2026-11-01",
        "Période et filtres de l'export;;fin (incluse);2026-12-31",
        "Période et filtres de l'export;;périmètre;tous les ménages",
        "Période et filtres de l'export;;bailleur;tous les bailleurs",
        "Période et filtres de l'export;;stade;tous les stades",
        "Période et filtres de l'export;;parc;parc privé",
        f"Période et filtres de l'export;;produit le;{lines[8].rsplit(';', 1)[1]}",
    ]
    assert lines[8].rsplit(";", 1)[1].startswith("1")  # a date in words ("1er décembre 2026 à ...")
    # Changing what is on screen changes the file: another stage, bailleur and period.
    other = pg_client.get("/evaluation/export.csv", params={"debut": "2026-12-01", "fin": "2026-12-31",
                                                            "stade": "assignation", "bailleur": nmh.group(1)}).text
    assert "Période et filtres de l'export;;période;du 1er décembre 2026 au 31 décembre 2026" in other
    assert "Période et filtres de l'export;;stade;assignation" in other
    assert "Période et filtres de l'export;;bailleur;NMH" in other
    assert "Période et filtres de l'export;;parc;parcs social et privé" in other
    assert "Synthèse;ensemble des ménages contactés;ménages;0" in other
    workbook = load_workbook(io.BytesIO(pg_client.get(link.group(1).replace("&amp;", "&").replace(
        "export.csv", "export.xlsx")).content))
    about = [[c for c in row if c is not None] for row in workbook["Lisez-moi"].iter_rows(values_only=True)]
    assert ["Période et filtres de l'export"] in about
    assert ["période", "du 1er novembre 2026 au 31 décembre 2026"] in about and ["parc", "parc privé"] in about
    assert ["stade", "tous les stades"] in about and ["bailleur", "tous les bailleurs"] in about


def test_bad_filters_are_named_in_french(client: TestClient, runtime: Runtime) -> None:
    new_user(runtime, email="eval@ccas-nantes.fr", role="evaluateur")
    log_in(client, "eval@ccas-nantes.fr")
    page = client.get("/evaluation", params={"debut": "2026-13-01", "fin": "2026-12-31", "stade": "expulsion",
                                             "parc": "hlm"})
    assert page.status_code == 400
    assert "Date de début invalide : utilisez le format AAAA-MM-JJ" in page.text
    assert "Stade inconnu : choisissez un stade de la liste." in page.text
    assert "Parc inconnu" in page.text and 'aria-invalid="true"' in page.text and 'href="#debut"' in page.text
    reversed_period = client.get("/evaluation", params={"debut": "2026-12-31", "fin": "2026-11-01"})
    assert reversed_period.status_code == 400 and "La date de fin doit suivre la date de début." in reversed_period.text
    assert client.get("/evaluation/export.xlsx", params={"debut": "hier"}).status_code == 400


def test_a_bailleur_role_account_reads_its_own_evaluation_and_nothing_of_the_others(
        pg_runtime: Runtime, pg_client: TestClient, clock: Clock) -> None:
    """Attack (docs/security.md E2): the bailleur's own account (role « bailleur », issue 19) opens the page from
    its home page, scoped to its own households; naming another bailleur, stage or park in the query never brings
    another partner's household or figures; the files stay the evaluators'."""
    build_scenario_10(pg_runtime, pg_client, clock)
    new_user(pg_runtime, email="gestion@nmh.fr", role="bailleur", partner="NMH")
    with pg_runtime.session_factory() as session:
        others = {name: partner_id for name, partner_id in session.execute(
            select(Partner.name, Partner.id).where(Partner.name != "NMH"))}
    log_in(pg_client, "gestion@nmh.fr")
    assert '<a class="fr-link" href="/evaluation">Mon évaluation</a>' in pg_client.get("/").text
    html = pg_client.get("/evaluation", params=PERIOD).text
    assert "Périmètre : ménages signalés par NMH." in html
    assert _table(html, "Synthèse")[0][1] == "6"
    assert [row[0] for row in _table(html, "Taux de réponse par bailleur")] == ["NMH"]
    assert 'id="bailleur"' not in html and 'id="exports"' not in html
    for name in others:  # no other partner's name: neither the other bailleurs nor the pilots
        assert f">{name}<" not in html, name
    for other_id in others.values():
        forced = pg_client.get("/evaluation", params={**PERIOD, "bailleur": str(other_id)}).text
        assert _table(forced, "Synthèse")[0] == _table(html, "Synthèse")[0]
        assert [row[0] for row in _table(forced, "Taux de réponse par bailleur")] == ["NMH"]
    for path in ("/evaluation/export.csv", "/evaluation/export.xlsx"):
        assert pg_client.get(path, params=PERIOD).status_code == 403, path
