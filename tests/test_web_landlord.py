"""A bailleur's pages (issue 19): push a CSV from the browser, read the report and the rejected rows on screen and
as CSV; another bailleur's import answers 404, other roles are refused."""

from __future__ import annotations

import re
import time

from fastapi.testclient import TestClient

from campaigns.runtime.root import Runtime
from tests.factories import signalement
from tests.test_imports import _csv
from tests.test_web_auth import csrf_of, log_in, new_user

BAILLEUR = "gestion@habitat44.fr"


def landlord(runtime: Runtime, client: TestClient, email: str = BAILLEUR, partner: str = "Habitat 44") -> None:
    from tests.conftest import new_partner

    new_partner(runtime, partner, "bailleur_social")
    new_user(runtime, email=email, role="bailleur", partner=partner)
    assert log_in(client, email=email).status_code == 303  # type: ignore[attr-defined]


def push(client: TestClient, data: bytes) -> str:
    token = csrf_of(client.get("/mes-imports").text)
    answer = client.post("/mes-imports", data={"csrf_token": token}, files={"fichier": ("impayes.csv", data,
                                                                                       "text/csv")},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text
    location: str = answer.headers["location"]
    for _ in range(200):
        page = client.get(location).text
        if "La lecture est en cours" not in page:
            return location
        time.sleep(0.05)
    raise AssertionError("import still running")


def test_a_bailleur_pushes_a_csv_and_reads_its_rejected_rows(runtime: Runtime, client: TestClient) -> None:
    landlord(runtime, client)
    home = client.get("/").text
    assert '<a class="fr-link" href="/mes-imports">Mes imports</a>' in home
    rows = [signalement(f"R-{i}", nom=f"Nom{i}") for i in range(1, 4)]
    rows[1]["date_stade"] = "31/02/2026"
    location = push(client, _csv(rows))
    report = client.get(location).text
    assert re.search(r"3 lignes lues : 2 dossiers créés, 0 mis à jour, 0 inchangé, 1 ligne rejetée\.", report), report
    assert "<td>R-2</td>" in report and "date_stade" in report and "1 motif de rejet" in report
    download = re.search(r'href="(/mes-imports/\d+/rejets\.csv)"', report)
    assert download is not None
    csv_file = client.get(download[1])
    assert csv_file.status_code == 200 and csv_file.headers["content-type"].startswith("text/csv")
    assert csv_file.text.startswith("\ufeffligne;reference;champ;motif") and "R-2" in csv_file.text
    listing = client.get("/mes-imports").text
    assert f'href="{location}"' in listing and "Envois, du plus récent au plus ancien (1)" in listing

    refused = client.post("/mes-imports", data={"csrf_token": csrf_of(listing)},
                          files={"fichier": ("vide.csv", b"", "text/csv")})
    assert refused.status_code == 400 and "Choisissez un fichier CSV non vide" in refused.text


def test_another_partners_import_is_not_found_and_other_roles_are_refused(runtime: Runtime,
                                                                          client: TestClient) -> None:
    landlord(runtime, client)
    location = push(client, _csv([signalement("R-1")]))
    client.post("/deconnexion", data={"csrf_token": csrf_of(client.get("/").text)})
    landlord(runtime, client, email="gestion@nantes-habitat.fr", partner="Nantes Habitat")
    for path in (location, f"{location}/rejets.csv"):
        answer = client.get(path)
        assert answer.status_code == 404 and "Import introuvable" in answer.text and "R-1" not in answer.text
    client.post("/deconnexion", data={"csrf_token": csrf_of(client.get("/").text)})
    new_user(runtime, email="agent@ccas-nantes.fr")
    log_in(client)
    assert client.get("/mes-imports").status_code == 403
