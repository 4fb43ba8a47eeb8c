"""The `chaine` command line, run as a user runs it (a subprocess honouring CHAINE_DATABASE_URL)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import drop_pg_database, pg_url, recreate_pg_database, run_database

ROOT = Path(__file__).resolve().parent.parent
CHAINE = str(Path(sys.executable).parent / "chaine")


def _run(args: list[str], env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([CHAINE, *args], check=False, cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture
def pg_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    name = run_database("cli")
    recreate_pg_database(name)
    yield os.environ | {"CHAINE_DATABASE_URL": pg_url(name), "CHAINE_DATA_DIR": str(tmp_path)}
    drop_pg_database(name)


def test_cli_on_postgres_partners_campaigns_import_tick_export(pg_env: dict[str, str], tmp_path: Path) -> None:
    assert "Schéma à jour" in _run(["migrate"], pg_env).stdout
    added = _run(["partners", "add", "DDETS 44", "--kind", "etat", "--telephone", "02 61 91 00 01"], pg_env)
    key = added.stdout.strip().splitlines()[-1]
    assert key.startswith("chn_") and " " not in key
    _run(["partners", "add", "Habitat 44", "--kind", "bailleur_social"], pg_env)
    duplicate = _run(["partners", "add", "Habitat 44", "--kind", "bailleur_social"], pg_env, check=False)
    assert duplicate.returncode == 1 and "existe déjà" in duplicate.stderr
    wrong_kind = _run(["partners", "add", "X", "--kind", "banque"], pg_env, check=False)
    assert wrong_kind.returncode == 1 and "type de partenaire inconnu" in wrong_kind.stderr
    campaigns = tmp_path / "campagnes.yaml"
    campaigns.write_text(
        "campaigns:\n  - name: Courriers\n    owner: DDETS 44\n    stages: [commandement_de_payer]\n"
        "    steps:\n      - {channel: courrier, template: information_etat}\n", encoding="utf-8")
    assert "Campagne chargée : Courriers" in _run(["campaigns", "load", str(campaigns)], pg_env).stdout
    broken = tmp_path / "faux.yaml"
    broken.write_text("campaigns:\n  - name: X\n    owner: DDETS 44\n    stages: [demain]\n    steps: []\n")
    refused = _run(["campaigns", "load", str(broken)], pg_env, check=False)
    assert refused.returncode == 1 and "campagne n°1" in refused.stderr
    data = tmp_path / "impayes.csv"
    data.write_bytes(
        "reference;stade;nom;prenom;adresse;code_postal;commune;montant_dette\n"
        "R-1;commandement_de_payer;Benali;Aïcha;12 rue des Lilas;44000;Nantes;1 234,56\n"
        "R-2;commandement_de_payer;Martin;Paul;3 bd Victor Hugo;44000;Nantes;abc\n".encode("cp1252"))
    imported = _run(["import", str(data), "--partner", "Habitat 44"], pg_env).stdout
    assert "1 créée," in imported and "1 rejetée." in imported and "ligne 3, champ « montant_dette »" in imported
    # The import planned the letter at the real clock; a week later it is due whatever the hour now.
    week_later = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    assert "1 contact traité" in _run(["tick", "--now", week_later], pg_env).stdout
    assert len(list((tmp_path / "outbox" / "courrier").rglob("*.pdf"))) == 1
    naive = _run(["tick", "--now", "2026-11-25T10:00:00"], pg_env, check=False)
    assert naive.returncode == 1 and "fuseau" in naive.stderr
    export = _run(["households", "export"], pg_env).stdout.lstrip("\ufeff").splitlines()
    assert export == ["partenaire;reference;menage", "Habitat 44;R-1;1"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_embedded_demo_then_api_with_openapi_docs(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAINE_")} | {"CHAINE_DATA_DIR": str(tmp_path)}
    demo = _run(["demo", "--households", "30", "--days", "20"], env).stdout
    assert "Démonstration chaîne" in demo and "Courriers envoyés" in demo and "Parc privé" in demo
    assert any((tmp_path / "demo" / "outbox" / "courrier").rglob("*.pdf"))
    key = demo.strip().splitlines()[-1]
    port = _free_port()
    server = subprocess.Popen([CHAINE, "run", "--port", str(port)], cwd=ROOT,
                              env=env | {"CHAINE_DATA_DIR": str(tmp_path / "demo")})
    try:
        for _ in range(100):
            try:
                docs = httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        assert "/api/v1/signalements" in docs.json()["paths"]
        assert httpx.get(f"http://127.0.0.1:{port}/docs").status_code == 200
        tasks = httpx.get(f"http://127.0.0.1:{port}/api/v1/campagnes", headers={"Authorization": f"Bearer {key}"})
        assert tasks.status_code == 200 and len(tasks.json()["campagnes"]) == 2
    finally:
        server.terminate()
        server.wait(30)


def test_templates_check_reports_falc_readability_and_required_content() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAINE_")}
    out = _run(["templates", "check"], env).stdout
    assert "Kandel–Moles" in out and "Contrôle FALC : aucun problème." in out
    assert "Contenu obligatoire : complet dans chaque variante." in out
