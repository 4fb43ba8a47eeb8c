"""The campaign owner's main job in headless Chromium (Debian's), driven by Playwright, as a new user of the DDETS:
from the ADIL 44 preset (configure, simulate, activate) to the supervision of the contacts sent, the history written
for people, and a message template edited and published in the browser; axe-core reports no violation of any level
on each page (at 1280 px, and at 360 px for the campaign and the editor), screenshots kept as artefacts. Then the
campaign form with the keyboard only.

The server runs in this process (uvicorn in a thread) on the test's PostgreSQL runtime, so that the test's clock
is the server's: the test moves time on and runs the tick, as `chaine beat` would."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from api.app import create_app
from campaigns.runtime.root import Runtime
from tests.conftest import Clock, new_partner
from tests.factories import signalement
from tests.test_web_auth import PASSWORD, new_user
from tests.test_web_landlord_browser import AXE, axe_violations, keep_screenshot, nothing_cut

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ADMIN = "pilote@ddets44.gouv.fr"

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_server(pg_runtime: Runtime) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(pg_runtime), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    try:
        for _ in range(150):
            if server.started:
                break
            time.sleep(0.05)
        else:
            pytest.fail("uvicorn did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _page(browser: Browser, problems: list[str]) -> Page:
    page = browser.new_page(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page.on("console", lambda m: problems.append(m.text) if _is_problem(m) else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return page


def _is_problem(message: ConsoleMessage) -> bool:
    return message.type in ("error", "warning") or "Policy" in message.text


def _log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/")
    page.get_by_label("Adresse électronique").fill(ADMIN)
    page.locator("#password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")


def _focused(page: Page) -> str:
    return str(page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()"))


def _checked(page: Page, name: str) -> None:
    """axe-core finds nothing on the page as shown (the page keeps its security policy), and a screenshot is kept."""
    assert axe_violations(page) == [], name
    keep_screenshot(page, f"pilote-{name}")


@pytest.mark.skipif(not AXE.is_file(), reason="axe-core absent: npm install in web/")
def test_from_the_adil_preset_to_the_supervision(live_server: str, browser: Browser, pg_runtime: Runtime,
                                                 clock: Clock) -> None:
    new_partner(pg_runtime, "DDETS 44", "etat")
    _, bailleur = new_partner(pg_runtime, "Habitat 44", "bailleur_social")
    new_user(pg_runtime, email=ADMIN, role="admin", partner="DDETS 44")
    problems: list[str] = []
    page = _page(browser, problems)
    _log_in(page, live_server)

    page.get_by_role("link", name="Campagnes").first.click()
    page.wait_for_url(f"{live_server}/campagnes")
    page.get_by_role("link", name="Créer une campagne").click()
    page.get_by_text("ADIL 44 — aller-vers (force publique)").click()  # as a person clicks the label
    page.get_by_label("Nom de la campagne").fill("ADIL 44 — aller-vers 2027")
    page.get_by_role("button", name="Créer le brouillon").click()
    page.wait_for_url(re.compile(r".*/campagnes/\d+/modifier$"))
    campaign_url = page.url.removesuffix("/modifier")
    assert "Brouillon créé à partir du modèle" in page.locator("#avis").inner_text()
    _checked(page, "formulaire")

    # The call comes ten days after the letter instead of seven.
    page.locator("#etape-2-delay_days").fill("10")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(campaign_url)
    assert "Campagne enregistrée : 1 champ modifié." in page.locator("#avis").inner_text()
    assert "10 jours après l'étape précédente" in page.locator("#table-etapes").inner_text()
    history = page.locator("#historique + ol").inner_text()
    assert "a modifié l'étape 2 le 25 novembre 2026 à 10 h 30." in history
    assert "Étape 2, délai : 7 jours → 10 jours." in history and "delay_days" not in history
    _checked(page, "campagne")

    page.get_by_role("link", name="Aperçu des messages", exact=True).click()
    letter = page.get_by_role("link", name="Voir le courrier en PDF").first
    pdf = page.request.get(live_server + str(letter.get_attribute("href")))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF") and pdf.headers["content-type"] == "application/pdf"
    assert "Tâche « visite inopinée »" in page.locator("main").inner_text()

    page.get_by_role("link", name="Simulation", exact=True).click()
    assert "0 ménage concerné" in page.locator("#resume-simulation").inner_text()
    _checked(page, "simulation")

    page.get_by_role("link", name="La campagne", exact=True).click()
    page.get_by_role("button", name="Activer la campagne").click()
    page.wait_for_url(campaign_url)
    assert "Campagne activée" in page.locator("#avis").inner_text()

    # A bailleur pushes its list through the API: one household whose concours de la force publique was granted.
    pushed = httpx.post(f"{live_server}/api/v1/signalements", headers=bailleur, timeout=30,
                        json=[signalement("R-1", stade="octroi_force_publique")])
    assert pushed.status_code == 200, pushed.text
    clock.advance(hours=1)
    assert pg_runtime.tick() == 1  # the letter
    clock.advance(days=12)
    # Ten days after the letter is a Saturday: the call is due on Monday, a task in the DDETS's queue.
    assert pg_runtime.tick() == 1

    page.get_by_role("link", name="Supervision", exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Supervision du 07/12/2026"
    assert "1 ménage inscrit" in page.locator("main").inner_text()
    calls = page.locator("#table-statuts tbody tr", has_text="appel").inner_text()
    assert calls.split("\t")[:5] == ["appel", "0", "0", "0", "1"]
    assert page.locator("#table-files tbody tr").inner_text().split("\t") == ["DDETS 44", "1", "0", "0"]
    page.get_by_label("Jour", exact=True).fill("2026-11-25")
    page.get_by_role("button", name="Afficher").click()
    letters = page.locator("#table-statuts tbody tr", has_text="courrier").inner_text()
    assert letters.split("\t")[:5] == ["courrier", "0", "0", "0", "1"]
    assert re.search(r"Import n° \d+ de Habitat 44", page.locator("main").inner_text())
    _checked(page, "supervision")
    page.get_by_role("link", name="Contacts", exact=True).click()
    assert "Aïcha BENALI" in page.locator("main").inner_text()
    _checked(page, "contacts")
    # The household, found by a search of its commune as the bailleur wrote it, and its page with every case.
    page.get_by_role("link", name="Ménages", exact=True).first.click()
    page.get_by_label("Nom, référence ou commune").fill("nantes")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_load_state()
    assert "1 ménage pour « nantes »." in page.locator("main").inner_text()
    _checked(page, "menages-recherche")
    page.get_by_role("link", name=re.compile(r"^Ménage n° \d+$")).click()
    page.wait_for_url(f"{live_server}/menages/*")
    assert "R-1" in page.locator("main").inner_text()
    _checked(page, "menage")

    # The owner corrects its reminder SMS in the browser: the preview counts the segments and names the characters
    # outside GSM-7, then the text is published as a new version.
    page.get_by_role("link", name="Modèles de messages").first.click()
    page.wait_for_url(f"{live_server}/modeles")
    _checked(page, "modeles")
    page.get_by_role("link", name="Modifier : SMS, Relance").click()
    page.wait_for_url(f"{live_server}/modeles/sms/relance")
    page.get_by_label("Texte", exact=False).fill(
        "{{ expediteur }} : votre dossier {{ reference }} n'est pas réglé. Nous pouvons être à vos côtés, appelez-nous "
        "au {{ telephone_contact }}. Répondez STOP pour ne plus recevoir de SMS.")
    # The preview follows the typing (no click): the segments and the characters outside GSM-7 beside the text.
    expect(page.locator("#hors-gsm")).to_contain_text("ê, ô")
    expect(page.locator("#apercu-direct")).to_have_text("Aperçu mis à jour.")
    assert page.url == f"{live_server}/modeles/sms/relance"  # nothing was sent as a page
    assert re.fullmatch(r"\d+ caractères, encodage UCS-2, \d segments?\.", page.locator("#segments-sms").inner_text())
    assert "ê, ô" in page.locator("#hors-gsm").inner_text()
    _checked(page, "modele-apercu")
    page.set_viewport_size({"width": 360, "height": 780})
    nothing_cut(page)
    _checked(page, "modele-apercu-360")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Publier une nouvelle version").click()
    page.wait_for_url(re.compile(r".*/modeles/sms/relance\?.*"))
    assert "Version 1 publiée" in page.locator("main").inner_text()
    assert re.search(r"Version 1, publiée le \d+ \w+ \d{4} à \d+ h \d{2} par ", page.locator("#versions").inner_text())
    page.goto(campaign_url)
    page.set_viewport_size({"width": 360, "height": 780})
    nothing_cut(page)
    _checked(page, "campagne-360")
    assert problems == []


def test_campaign_form_with_the_keyboard_only(live_server: str, browser: Browser, pg_runtime: Runtime) -> None:
    _, key = new_partner(pg_runtime, "DDETS 44", "etat")
    new_user(pg_runtime, email=ADMIN, role="admin", partner="DDETS 44")
    created = httpx.post(f"{live_server}/api/v1/campagnes/modeles/vendee_cdp", headers=key, timeout=30,
                         json={"nom": "Vendée — CDP"})
    campaign_id = created.json()["id"]
    problems: list[str] = []
    page = _page(browser, problems)
    _log_in(page, live_server)
    page.goto(f"{live_server}/campagnes/{campaign_id}/modifier")
    # Every field of the form in document order; a radio group is one stop (its checked radio).
    expected = page.evaluate("""() => {
        const seen = new Set();
        const fields = '#formulaire input:not([type=hidden]), #formulaire select, #formulaire button';
        return [...document.querySelectorAll(fields)]
            .filter(el => {
                if (el.type !== 'radio') return true;
                if (seen.has(el.name)) return false;
                const group = [...document.querySelectorAll(`#formulaire input[name="${el.name}"]`)];
                const stop = group.find(r => r.checked) || group[0];
                if (stop === el) { seen.add(el.name); return true; }
                return false;
            })
            .map(el => el.id);
    }""")
    assert expected[0] == "name" and expected[-1] == "enregistrer" and len(expected) > 100
    for _ in range(60):
        page.keyboard.press("Tab")
        if _focused(page) == "name":
            break
    else:
        pytest.fail("the name field never got the focus")
    reached = ["name"]
    for _ in range(2 * len(expected)):
        page.keyboard.press("Tab")
        focused = _focused(page)
        # A time field takes one Tab per part (hours, then minutes): the same field twice in a row.
        if focused != reached[-1]:
            reached.append(focused)
        if focused == "enregistrer":
            break
    assert reached == expected

    # Back to the delay of step 3, typed with the keyboard; Enter sends the form.
    page.focus("#etape-3-delay_days")
    page.keyboard.press("Control+A")
    page.keyboard.type("21")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/campagnes/{campaign_id}")
    assert "Campagne enregistrée : 1 champ modifié." in page.locator("#avis").inner_text()
    assert "21 jours après l'étape précédente" in page.locator("#table-etapes").inner_text()
    assert problems == []
