"""The answer page in headless Chromium on a phone (360 px): the check, then « Je veux être rappelé(e) » with a
slot, no JavaScript needed, nothing cut sideways, axe-core reporting no violation, in French and (right to left) in
Arabic. Screenshots kept as artefacts."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser
from sqlalchemy import select

from api.app import create_app
from campaigns.models import Case, HumanTask
from campaigns.runtime.root import Runtime
from tests.answer_world import letter_world, token_of_letter
from tests.conftest import DATA_KEY_ENV
from tests.test_web_browser import CHAINE, ROOT, _free_port, browser  # noqa: F401 - fixture
from tests.test_web_landlord_browser import AXE, axe_violations, keep_screenshot, nothing_cut

pytestmark = pytest.mark.slow


@pytest.fixture
def shared_server(pg_runtime: Runtime) -> Iterator[str]:
    """`chaine run` on the test database with the run's data keys: it reads what the test process encrypted."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAINE_")} | {
        "CHAINE_DATABASE_URL": pg_runtime.settings.resolved_database_url,
        "CHAINE_DATA_DIR": str(pg_runtime.settings.data_dir / "serveur"),
    } | DATA_KEY_ENV
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


@pytest.mark.skipif(not AXE.is_file(), reason="axe-core absent: npm install in web/")
def test_a_household_asks_for_a_call_back_on_its_phone(shared_server: str, browser: Browser,  # noqa: F811
                                                      pg_runtime: Runtime, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    with TestClient(create_app(pg_runtime)) as client:
        letter_world(pg_runtime, client)
    token = token_of_letter(pg_runtime)
    context = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 780}, bypass_csp=True,
                                  java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{shared_server}/r/{token}")
    assert page.locator('meta[name="robots"]').get_attribute("content") == "noindex, nofollow, noarchive"
    keep_screenshot(page, "reponse-verification-360")
    page.get_by_label("Référence écrite sur votre courrier").fill("R-1")
    page.get_by_role("button", name="Continuer").click()
    page.get_by_role("button", name="J'ai bien reçu ce courrier").wait_for()
    page.locator("label[for=creneau-1]").click()  # a tap on the slot's text, as on a phone
    page.get_by_role("button", name="Être rappelé(e) à ce moment").click()
    page.get_by_text("on vous appellera sur le créneau choisi").wait_for()
    keep_screenshot(page, "reponse-rappel-360")
    with pg_runtime.session_factory() as session:
        assert session.scalars(select(HumanTask.kind)).all() == ["appel"]
    context.close()
    # axe-core needs scripts: the same page, checked again with JavaScript on (the page itself has none).
    scripted = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 780}, bypass_csp=True)
    page = scripted.new_page()
    page.goto(f"{shared_server}/r/{token}")
    nothing_cut(page)
    assert axe_violations(page) == []
    page.get_by_label("Référence écrite sur votre courrier").fill("R-1")
    page.get_by_role("button", name="Continuer").click()
    page.get_by_role("button", name="J'ai bien reçu ce courrier").wait_for()
    nothing_cut(page)
    assert axe_violations(page) == []
    keep_screenshot(page, "reponse-actions-360")
    # The same household writing in Arabic: its page reads right to left, inside the French frame.
    with pg_runtime.session_factory.begin() as session:
        session.scalars(select(Case)).one().langue = "ar"
    page.goto(f"{shared_server}/r/{token}")
    page.locator('[lang="ar"][dir="rtl"] h1').wait_for()
    nothing_cut(page)
    assert axe_violations(page) == []
    keep_screenshot(page, "reponse-actions-ar-360")
    scripted.close()
