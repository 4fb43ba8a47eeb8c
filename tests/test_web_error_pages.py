"""Errors in the browser are French pages in the DSFR layout; the JSON API keeps French JSON errors (issue 19)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.access import declare
from api.access_rules import public
from api.app import create_app
from campaigns.platform.settings import Settings
from campaigns.runtime.root import Runtime
from tests.conftest import Clock
from tests.test_web_auth import log_in, new_user

HTML = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
ENGLISH = ("Not Found", "Method Not Allowed", "Internal Server Error", "Forbidden", "detail")


def french_page(response: object, status: int, title: str) -> str:
    text: str = response.text  # type: ignore[attr-defined]
    assert response.status_code == status, text  # type: ignore[attr-defined]
    assert "text/html" in response.headers["content-type"]  # type: ignore[attr-defined]
    assert '<html lang="fr"' in text and "fr-header" in text and "/dsfr/dsfr.min.css" in text  # the site's layout
    assert f"<h1>{title}</h1>" in text and f"Erreur {status}" in text and "Revenir à l'accueil" in text
    assert not any(word in text for word in ENGLISH), text
    return text


def test_unknown_page_wrong_method_and_bad_parameter_are_french_pages(sqlite_runtime: Runtime) -> None:
    client = TestClient(create_app(sqlite_runtime))
    french_page(client.get("/nulle-part", headers=HTML), 404, "Page introuvable")
    french_page(client.get("/pas/de/page"), 404, "Page introuvable")  # no Accept header: still a page
    french_page(client.put("/connexion", headers=HTML), 405, "Action impossible")
    new_user(sqlite_runtime)
    log_in(client)
    french_page(client.get("/mes-taches/pas-un-nombre", headers=HTML), 404, "Page introuvable")
    french_page(client.get("/administration", headers=HTML), 403, "Accès refusé")


def test_the_json_api_keeps_json_errors(sqlite_runtime: Runtime) -> None:
    client = TestClient(create_app(sqlite_runtime))
    missing = client.get("/api/v1/nulle-part", headers=HTML)
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/json"
    refused = client.get("/api/v1/taches", headers=HTML)
    assert refused.status_code == 401 and "application/json" in refused.headers["content-type"]
    # Outside /api/, a client that asks for JSON only gets JSON.
    asked = client.get("/nulle-part", headers={"accept": "application/json"})
    assert asked.status_code == 404 and asked.headers["content-type"] == "application/json"


def _failing_app(runtime: Runtime) -> FastAPI:
    app = create_app(runtime)

    def broken() -> None:
        raise RuntimeError("boom")

    for path in ("/panne", "/api/v1/panne"):
        app.add_api_route(path, broken, methods=["GET"])
        declare(app, "GET", path, public("une page de test qui échoue ; aucune donnée personnelle"))
    return app


def test_an_unexpected_error_is_a_french_500_page_or_french_json(sqlite_runtime: Runtime) -> None:
    client = TestClient(_failing_app(sqlite_runtime), raise_server_exceptions=False)
    text = french_page(client.get("/panne", headers=HTML), 500, "Erreur inattendue")
    assert "boom" not in text and "Traceback" not in text
    api = client.get("/api/v1/panne")
    assert api.status_code == 500 and "erreur interne" in api.json()["detail"]


def test_an_unreachable_database_is_a_503_page_in_the_layout(tmp_path: Path) -> None:
    closed = "postgresql+psycopg://postgres:postgres@127.0.0.1:9/chaine"
    runtime = Runtime(Settings(database_url=closed, data_dir=tmp_path, outbox_dir=tmp_path / "outbox"), clock=Clock())
    client = TestClient(create_app(runtime), raise_server_exceptions=False)
    client.cookies.set("chaine_session", "x")
    page = client.get("/mes-taches", headers=HTML, follow_redirects=False)
    # Without a session the page asks to sign in; signing in needs the database.
    assert page.status_code == 303
    token = client.get("/connexion").text.split('name="csrf_token" value="')[1].split('"')[0]
    answer = client.post("/connexion", data={"csrf_token": token, "email": "a@b.fr", "password": "x"}, headers=HTML)
    french_page(answer, 503, "Service momentanément indisponible")
    assert answer.headers["Retry-After"].isdigit()
