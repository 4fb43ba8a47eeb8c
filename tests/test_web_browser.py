"""The web pages in headless Chromium (Debian's), driven by Playwright, as a person uses them with the keyboard."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Response, sync_playwright

from campaigns.runtime.root import Runtime
from tests.test_web_auth import PASSWORD, new_user

ROOT = Path(__file__).resolve().parent.parent
CHAINE = str(Path(sys.executable).parent / "chaine")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(pg_runtime: Runtime, tmp_path: Path) -> Iterator[str]:
    """`chaine run` (uvicorn) on a free local port, against this run's PostgreSQL test database."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAINE_")} | {
        "CHAINE_DATABASE_URL": pg_runtime.settings.resolved_database_url,
        "CHAINE_DATA_DIR": str(tmp_path / "serveur"),
    }
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen([CHAINE, "run", "--port", str(port)], cwd=ROOT, env=env)
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{base}/api/v1/sante", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("chaine run did not answer")
        yield base
    finally:
        process.terminate()
        process.wait(30)


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _focused(page: Page) -> str:
    return str(page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()"))


def _tab_to(page: Page, target: str, limit: int = 30) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if _focused(page) == target:
            return
    pytest.fail(f"« {target} » never got the focus")


def test_keyboard_login_shows_home_with_dsfr(server: str, browser: Browser, pg_runtime: Runtime,
                                            tmp_path: Path) -> None:
    new_user(pg_runtime, email="agent@ccas-nantes.fr", role="agent")
    page = browser.new_page(locale="fr-FR", viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if _is_problem(m) else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    statuses: dict[str, int] = {}
    page.on("response", lambda r: _record(statuses, r))

    page.goto(f"{server}/")
    assert page.url == f"{server}/connexion"
    assert page.title() == "Connexion – chaîne"
    # Keyboard only: the skip link first, then straight to the form.
    page.keyboard.press("Tab")
    assert _focused(page) == "Contenu"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert _focused(page) == "email"
    page.keyboard.type("agent@ccas-nantes.fr")
    page.keyboard.press("Tab")
    assert _focused(page) == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server}/")

    assert page.title() == "Accueil – chaîne"
    assert page.get_by_role("heading", level=1).inner_text() == "Accueil"
    assert "Mes tâches" in page.locator("main").inner_text()
    assert page.locator("header").get_by_text("République").is_visible()
    assert "Marianne" in page.evaluate("getComputedStyle(document.body).fontFamily")
    assert statuses.get("/dsfr/dsfr.min.css") == 200 and statuses.get("/dsfr/dsfr.module.min.js") == 200
    screenshot = tmp_path / "accueil.png"
    page.screenshot(path=str(screenshot), full_page=True)
    data = screenshot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000

    _tab_to(page, "Se déconnecter")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server}/connexion")
    assert "Votre session est fermée." in page.locator("main").inner_text()
    assert problems == []  # no CSP violation, no script error


def _is_problem(message: ConsoleMessage) -> bool:
    return message.type in ("error", "warning") or "Policy" in message.text


def _record(statuses: dict[str, int], response: Response) -> None:
    path = response.url.split("://", 1)[1].split("/", 1)[1]
    statuses["/" + path] = response.status
