"""The bailleur's main job in headless Chromium (issue 19): sign in, push a CSV, read its rejected rows; find a
household by name and read its timeline; at 1280 px and at 360 px (nothing cut, tables scroll in their focusable
region), axe-core (from npm) reporting no violation. Screenshots are kept as artefacts (`keep_screenshot`)."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page

from campaigns.runtime.root import Runtime
from tests.conftest import new_partner
from tests.factories import signalement
from tests.household_world import tenant
from tests.test_imports import _csv
from tests.test_web_auth import PASSWORD, new_user
from tests.test_web_browser import browser, server  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow

AXE = Path(__file__).resolve().parent.parent / "web" / "node_modules" / "axe-core" / "axe.min.js"
# The browser walks' screenshots, kept after the run (var/ is ignored by git): CI leaves them in its clone.
SCREENSHOTS = Path(os.environ.get("CHAINE_TEST_ARTEFACTS") or Path(__file__).resolve().parent.parent / "var"
                   / "test-artefacts") / "captures"
EMAIL = "gestion@habitat44.fr"


def signed_in_page(chromium: Browser, base_url: str, email: str) -> Page:
    """A desktop-sized page of a new context, signed in as `email` (tests.test_web_auth.PASSWORD), on the home page.
    bypass_csp: axe-core is injected by the test; the pages themselves keep their strict policy."""
    page = chromium.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}, bypass_csp=True).new_page()
    page.goto(f"{base_url}/connexion")
    page.get_by_label("Adresse électronique").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base_url}/")
    return page


def axe_violations(page: Page) -> list[str]:
    """Every axe-core violation of any level (WCAG A/AA, best practices) on the page as it is shown."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in results["violations"]]


def keep_screenshot(page: Page, name: str) -> Path:
    """The whole page as shown, kept in `SCREENSHOTS` as NAME.png (a walk's pages are named after it)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000, name  # a page was drawn
    return path


def nothing_cut(page: Page) -> None:
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"


@pytest.mark.skipif(not AXE.is_file(), reason="axe-core absent: npm install in web/")
def test_bailleur_pushes_a_csv_and_reads_its_rejected_rows(server: str, browser: Browser,  # noqa: F811
                                                           pg_runtime: Runtime, tmp_path: Path) -> None:
    new_partner(pg_runtime, "Habitat 44", "bailleur_social")
    new_user(pg_runtime, email=EMAIL, role="bailleur", partner="Habitat 44")
    rows = [signalement(f"R-{i}", nom=f"Nom{i}") for i in range(1, 4)]
    rows[1]["date_stade"] = "31/02/2026"
    rows[2]["montant_dette"] = "douze euros"
    upload = tmp_path / "impayes.csv"
    upload.write_bytes(_csv(rows))

    page = signed_in_page(browser, server, EMAIL)
    page.get_by_role("link", name="Mes imports").first.click()
    page.wait_for_url(f"{server}/mes-imports")
    assert axe_violations(page) == []
    keep_screenshot(page, "bailleur-imports")

    page.get_by_label("Fichier CSV des impayés").set_input_files(str(upload))
    page.get_by_role("button", name="Envoyer le fichier").click()
    page.wait_for_url(f"{server}/mes-imports/*")
    for _ in range(100):
        if "La lecture est en cours" not in page.locator("main").inner_text():
            break
        page.wait_for_timeout(100)
        page.reload()
    main = page.locator("main").inner_text()
    assert "3 lignes lues : 1 dossier créé" in main and "2 lignes rejetées" in main, main
    table = page.get_by_role("region", name="2 motifs de rejet")
    assert table.is_visible() and "R-2" in table.inner_text() and "R-3" in table.inner_text()
    download_link = page.get_by_role("link", name="Télécharger les lignes rejetées (CSV)")
    assert download_link.is_visible()
    # Its text is shown beside the icon, not clipped into an icon-only button.
    assert download_link.evaluate("e => e.scrollWidth <= e.clientWidth && e.clientWidth > 200"), "icon only"
    assert axe_violations(page) == []
    keep_screenshot(page, "bailleur-rejets")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger les lignes rejetées (CSV)").click()
    assert "R-2" in Path(download.value.path()).read_text(encoding="utf-8-sig")

    # A phone: nothing cut, the table scrolls inside its region, which the keyboard reaches.
    page.set_viewport_size({"width": 360, "height": 780})
    page.reload()
    nothing_cut(page)
    assert table.evaluate("e => e.tabIndex") == 0
    assert axe_violations(page) == []
    keep_screenshot(page, "bailleur-rejets-360")
    page.context.close()


@pytest.mark.skipif(not AXE.is_file(), reason="axe-core absent: npm install in web/")
def test_bailleur_searches_its_households_and_reads_one(server: str, browser: Browser,  # noqa: F811
                                                        pg_runtime: Runtime, tmp_path: Path) -> None:
    _, key = new_partner(pg_runtime, "Habitat 44", "bailleur_social")
    new_user(pg_runtime, email=EMAIL, role="bailleur", partner="Habitat 44")
    pushed = httpx.post(f"{server}/api/v1/signalements", headers=key, json=[tenant(i) for i in range(1, 28)],
                        timeout=60)
    assert pushed.status_code == 200 and pushed.json()["rejetes"] == 0, pushed.text

    page = signed_in_page(browser, server, EMAIL)
    page.get_by_role("link", name="Mes ménages").first.click()
    page.wait_for_url(f"{server}/mes-menages")
    assert "Ménages 1 à 25 sur 27." in page.locator("main").inner_text()
    assert axe_violations(page) == []
    keep_screenshot(page, "bailleur-menages")

    # The search is posted: the address stays /mes-menages, the name never goes into it.
    page.get_by_label("Nom, référence ou commune").fill("benali")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_load_state()
    assert page.url == f"{server}/mes-menages" and "1 ménage pour « benali »." in page.locator("main").inner_text()
    page.get_by_role("link", name="Prénom01 BENALI").click()
    page.wait_for_url(f"{server}/mes-menages/*")
    assert page.get_by_role("heading", level=1).inner_text() == "Prénom01 BENALI"
    assert page.get_by_role("region", name="Votre dossier, vos contacts et vos réponses (1 événement, du plus "
                                             "récent au plus ancien)").is_visible()
    assert axe_violations(page) == []

    # A phone: the list and its pages fit, its table scrolls in its focusable region, the page links keep a text.
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"{server}/mes-menages")
    nothing_cut(page)
    assert page.get_by_role("region", name="Vos ménages, du dernier stade déclaré au plus ancien").evaluate(
        "e => e.tabIndex") == 0
    assert page.get_by_role("link", name="Page suivante").is_visible()
    assert axe_violations(page) == []
    keep_screenshot(page, "bailleur-menages-360")
    page.context.close()
