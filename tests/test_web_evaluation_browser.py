"""The evaluator's main job in headless Chromium (issue 19): sign in, open the evaluation from the home page, see the
charts (images with a name and a description, no script error, no blocked style), read a chart's table, compare by
park with the filters and download the CSV and XLSX of exactly what is on screen (its period and filters written
in the file); at 1280 and 360 px, axe-core reporting no violation of any level, screenshots kept as artefacts."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from playwright.sync_api import Browser, expect

from api.app import create_app
from campaigns.runtime.root import Runtime
from tests.conftest import Clock
from tests.test_evaluation import build_scenario_10
from tests.test_web_auth import PASSWORD, new_user
from tests.test_web_browser import _is_problem, browser, server  # noqa: F401 - fixtures
from tests.test_web_landlord_browser import AXE, axe_violations, keep_screenshot, nothing_cut

pytestmark = pytest.mark.slow


@pytest.mark.skipif(not AXE.is_file(), reason="axe-core absent: npm install in web/")
def test_an_evaluator_signs_in_and_reads_the_charts(server: str, browser: Browser,  # noqa: F811
                                                     pg_runtime: Runtime, clock: Clock, tmp_path: Path) -> None:
    with TestClient(create_app(pg_runtime)) as client:
        build_scenario_10(pg_runtime, client, clock)
    new_user(pg_runtime, email="evaluation@ddets44.fr", role="evaluateur", partner="DDETS 44")
    page = browser.new_page(locale="fr-FR", viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if _is_problem(m) else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(f"{server}/connexion")
    page.get_by_label("Adresse électronique").fill("evaluation@ddets44.fr")
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{server}/")
    page.get_by_role("link", name="Évaluation").click()
    page.wait_for_url(f"{server}/evaluation")
    # The period of the scenario (the server's default is the last 365 days).
    page.locator("#debut").fill("2026-11-01")
    page.locator("#fin").fill("2026-12-31")
    page.get_by_role("button", name="Appliquer les filtres").click()
    page.wait_for_url("**/evaluation?debut=2026-11-01&fin=2026-12-31**")

    assert page.title() == "Évaluation – chaîne"
    channels = page.get_by_role("img", name="Taux de réponse par canal")
    expect(channels).to_be_visible()
    assert "courrier : 34,3\u202f%" in (page.locator("#graphique-canal-desc").text_content() or "")
    expect(page.get_by_role("img", name="Taux de réponse par bailleur")).to_be_visible()
    expect(page.get_by_role("img", name="Courriers par ménage")).to_be_visible()
    expect(page.get_by_role("img", name="Entonnoir par stade")).to_be_visible()
    box = channels.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 50  # drawn, and not squashed
    # The small bailleurs are "< 5" in the chart itself.
    assert "SILENE : < 5 ménages, taux masqué" in (page.locator("#graphique-bailleur-desc").text_content() or "")
    # The figures behind a chart, in a DSFR table, one click away.
    page.get_by_role("button", name="Données du graphique (tableau)").first.click()
    table = page.locator("#graphique-canal-taux_canal table")
    expect(table).to_be_visible()
    expect(table.locator("caption")).to_have_text("Taux de réponse par canal")
    # Filtering by park keeps the charts (these households are all in the social park).
    page.get_by_label("Parc", exact=True).select_option("prive")
    page.get_by_role("button", name="Appliquer les filtres").click()
    page.wait_for_url("**parc=prive**")
    expect(page.get_by_text("Périmètre : parc privé.")).to_be_visible()
    # The exports are what the page shows: its period and its park, written in the files before the figures.
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le tableur CSV").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig")), delimiter=";"))
    settings = {r[2]: r[3] for r in rows if r[0] == "Période et filtres de l'export"}
    assert settings["période"] == "du 1er novembre 2026 au 31 décembre 2026" and settings["parc"] == "parc privé"
    assert settings["stade"] == "tous les stades" and settings["bailleur"] == "tous les bailleurs"
    assert download.value.suggested_filename == "evaluation_2026-11-01_2026-12-31.csv"
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le classeur XLSX").click()
    about = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))["Lisez-moi"]
    assert ("parc", "parc privé") in {tuple(row[:2]) for row in about.iter_rows(values_only=True)}
    assert problems == []  # no CSP violation, no script error
    # axe-core, injected by the test: its own script breaks no rule of the page, which keeps its strict policy.
    assert axe_violations(page) == []
    keep_screenshot(page, "evaluation")
    # A phone: nothing cut sideways, the charts and tables scroll inside their own focusable regions.
    page.set_viewport_size({"width": 360, "height": 780})
    page.reload()
    nothing_cut(page)
    assert axe_violations(page) == []
    keep_screenshot(page, "evaluation-360")
