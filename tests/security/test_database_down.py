"""While the database is unreachable the API answers 503 with Retry-After, and pages say so in French (issue 16).
The application is built on a database URL pointing at a closed port: the shared server is never stopped."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from campaigns.platform.settings import Settings
from campaigns.runtime.root import Runtime
from tests.conftest import Clock

CLOSED = "postgresql+psycopg://postgres:postgres@127.0.0.1:9/chaine"  # port 9 (discard): nothing listens


def test_an_unreachable_database_is_a_503_with_retry_after(tmp_path: Path) -> None:
    runtime = Runtime(Settings(database_url=CLOSED, data_dir=tmp_path, outbox_dir=tmp_path / "outbox"),
                      clock=Clock())
    client = TestClient(create_app(runtime), raise_server_exceptions=False)
    api = client.get("/api/v1/taches", headers={"Authorization": "Bearer chn_quelconque"})
    assert api.status_code == 503, api.text
    assert api.headers["Retry-After"].isdigit()
    assert "base de données" in api.json()["detail"]
    form = client.get("/connexion")
    assert form.status_code == 200  # a page that needs no database still works
    hidden = re.search(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.text)
    assert hidden is not None
    page = client.post("/connexion", data={hidden[1]: hidden[2], "email": "agent@example.fr",
                                           "password": "mot de passe"})
    assert page.status_code == 503, page.text
    assert page.headers["Retry-After"].isdigit()
    assert "text/html" in page.headers["content-type"]
    assert "Service momentanément indisponible" in page.text and "fr-" in page.text  # a DSFR page, in French
