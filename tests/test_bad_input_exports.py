"""Every CSV/XLSX export route neutralises formula injection (campaigns/platform/cells.py): a cell a spreadsheet would
run (=, +, -, @, tab, CR first) is prefixed with a quote. A new export route fails here until it is covered."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.app import create_app
from campaigns.runtime.root import Runtime
from tests.conftest import new_partner
from tests.factories import campaign, signalement

OWNER = '=HYPERLINK("http://exemple.invalid")'
BAILLEUR = "@Bailleur"
FORMULAS = ["=cmd|' /C calc'!A0", "+33 6", "-2+3", "@SUM(A1)", "=2+2"]  # values are stripped: no tab or CR first
DANGEROUS = ("=", "+", "@", "\t", "\r")


def _dangerous(cell: str) -> bool:
    # "-" starts negative numbers too ("-0,5"): dangerous only before something else than a number.
    if cell.startswith("-"):
        return not cell[1:].replace(",", "").replace(".", "").replace(" ", "").isdigit()
    return cell.startswith(DANGEROUS)


@pytest.fixture
def seeded(pg_runtime: Runtime) -> Iterator[tuple[TestClient, dict[str, dict[str, str]], int]]:
    _, owner = new_partner(pg_runtime, OWNER, "etat")
    _, bailleur = new_partner(pg_runtime, BAILLEUR, "bailleur_social")
    campaign(pg_runtime, owner=OWNER, name="+campagne", steps=[{"channel": "courrier", "template": "information_etat"}],
             unit_costs={"courrier": 1.5})
    with TestClient(create_app(pg_runtime)) as client:
        rows = [signalement(f, nom=f"Nom{i}", numero_allocataire=str(7_000 + i), adresse=f"{i} rue Neuve")
                for i, f in enumerate(FORMULAS)]
        rows.append(signalement("=1+1", stade="=cmd|' /C calc'!A0"))  # rejected: its reference is in rejets.csv
        pushed = client.post("/api/v1/signalements", json=rows, headers=bailleur).json()
        assert (pushed["crees"], pushed["rejetes"]) == (len(FORMULAS), 1)
        pg_runtime.tick()
        yield client, {"owner": owner, "bailleur": bailleur}, pushed["id"]


def _csv_cells(text: str) -> list[str]:
    return [cell for line in csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";") for cell in line]


def test_every_export_route_neutralises_formulas(seeded: tuple[TestClient, dict[str, dict[str, str]], int]) -> None:
    client, keys, import_id = seeded
    period = "?debut=2026-11-01&fin=2026-12-31"
    exports = {
        "/api/v1/admin/menages.csv": ("owner", "/api/v1/admin/menages.csv", [BAILLEUR, *FORMULAS]),
        "/api/v1/imports/{import_id}/rejets.csv": ("bailleur", f"/api/v1/imports/{import_id}/rejets.csv", ["=1+1"]),
        "/api/v1/evaluation/export.csv": ("owner", f"/api/v1/evaluation/export.csv{period}", [OWNER, "+campagne"]),
        "/api/v1/evaluation/export.xlsx": ("owner", f"/api/v1/evaluation/export.xlsx{period}", [OWNER, "+campagne"]),
    }
    routes = {path for path in client.app.openapi()["paths"] if path.endswith((".csv", ".xlsx"))}  # type: ignore[attr-defined]
    assert routes == set(exports), "an export route is not covered by this test: add it to `exports`"
    for route, (who, url, injected) in exports.items():
        answer = client.get(url, headers=keys[who])
        assert answer.status_code == 200, (route, answer.text[:300])
        if route.endswith(".xlsx"):
            book = load_workbook(io.BytesIO(answer.content))
            cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
            assert not any(c.data_type == "f" for c in cells), route
            values = [str(c.value) for c in cells if isinstance(c.value, str)]
        else:
            values = _csv_cells(answer.text)
        assert not [v for v in values if _dangerous(v)], route
        for text in injected:  # the injected text is there, shown as text
            assert "'" + text in values, (route, text)
