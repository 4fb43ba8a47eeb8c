"""An outsider's harness: only the HTTP API, the `chaine` command line and the outbox files.

Written from domain.md §10.2 and the repository's documentation (README.md, docs/api.md, docs/cli.md,
docs/campaigns.md, docs/evaluation.md) and the served OpenAPI description, never from the code.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class World:
    client: TestClient
    clock: Any
    db_url: str
    data_dir: Path
    keys: dict[str, dict[str, str]] = field(default_factory=dict)

    # --- command line -------------------------------------------------------------------------------------
    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """`chaine ARGS` in its own process (the entry point of pyproject.toml), on the test's database."""
        env = {"CHAINE_DATABASE_URL": self.db_url, "CHAINE_DATA_DIR": str(self.data_dir)}
        command = [sys.executable, "-c", "from campaigns.cli.main import app; app()", *args]
        done = subprocess.run(command, check=False, capture_output=True, text=True, cwd=self.data_dir,
                              env=dict(os.environ, PYTHONPATH=str(ROOT), **env), timeout=600)
        if check and done.returncode != 0:
            raise AssertionError(f"chaine {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done

    def partner(self, name: str, kind: str, *extra: str) -> dict[str, str]:
        """The first partner (a pilot) through `chaine partenaires ajouter`, the others through the admin API."""
        if not self.keys:
            out = self.cli("partenaires", "ajouter", name, "--kind", kind, *extra)
            key = out.stdout.strip().splitlines()[-1].strip()
        else:
            body: dict[str, Any] = {"nom": name, "type": kind}
            if extra[:1] == ("--adresse",):
                body["adresse"] = extra[1]  # "l1|l2|CP Commune", as the CLI's --adresse
            pilot = next(iter(self.keys.values()))
            answer = self.client.post("/api/v1/admin/partenaires", headers=pilot, json=body)
            assert answer.status_code in (200, 201), answer.text
            created = answer.json()
            key = created.get("cle") or created.get("key") or created["cle_api"]
        self.keys[name] = {"Authorization": f"Bearer {key}"}
        return self.keys[name]

    def load_campaigns(self, yaml_text: str) -> None:
        path = self.data_dir / f"campagnes_{len(list(self.data_dir.glob('campagnes_*')))}.yaml"
        path.write_text(yaml_text, encoding="utf-8")
        self.cli("campagnes", "charger", str(path))

    def send(self, at: datetime | None = None) -> str:
        when = at or self.clock.now
        return self.cli("envoyer", "--now", when.isoformat()).stdout

    def run_days(self, days: int, *, per_day: int = 2) -> None:
        """Advance the clock day by day and send what is due (ticks at 9:30 and 14:30 UTC, working hours)."""
        for _ in range(days):
            self.clock.advance(days=1)
            self.send()
            if per_day > 1:
                self.send(self.clock.now + timedelta(hours=5))

    # --- HTTP API -----------------------------------------------------------------------------------------
    def push(self, partner: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
        answer = self.client.post("/api/v1/signalements", json=rows, headers=self.keys[partner])
        assert answer.status_code in (200, 201), answer.text
        return answer.json()  # type: ignore[no-any-return]

    def case(self, partner: str, reference: str) -> Any:
        return self.client.get(f"/api/v1/signalements/{reference}", headers=self.keys[partner])

    def tasks(self, partner: str, **params: Any) -> list[dict[str, Any]]:
        answer = self.client.get("/api/v1/taches", headers=self.keys[partner], params=params)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        return body if isinstance(body, list) else body.get("taches", body)  # type: ignore[no-any-return,unused-ignore]

    # --- outbox -------------------------------------------------------------------------------------------
    def outbox(self) -> Path:
        return self.data_dir / "outbox"

    def letters(self) -> list[Path]:
        return sorted((self.outbox()).rglob("*.pdf"))

    def sms(self) -> list[Path]:
        return sorted((self.outbox()).rglob("*.txt"))

    def emails(self) -> list[Path]:
        return sorted((self.outbox()).rglob("*.eml"))


def pdf_text(path: Path) -> str:
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return done.stdout


def letters_naming(world: World, surname: str) -> list[tuple[Path, str]]:
    found = []
    for path in world.letters():
        text = pdf_text(path)
        if surname.upper() in text.upper():
            found.append((path, text))
    return found
