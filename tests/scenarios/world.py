"""The public interfaces an acceptance scenario drives (docs/domain.md §13): the `chaine` command line as a
subprocess, and the HTTP API of an application on the same database. Households are written by each scenario."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.app import create_app
from campaigns.platform.settings import Settings
from campaigns.runtime.root import Runtime
from tests.conftest import Clock

ROOT = Path(__file__).resolve().parents[2]
CHAINE = str(Path(sys.executable).parent / "chaine")


@dataclass
class World:
    """One territory on a SQLite file: partners created with the CLI, everything else through the API."""

    directory: Path
    clock: Clock
    client: TestClient
    keys: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        return os.environ | {"CHAINE_DATABASE_URL": f"sqlite:///{self.directory / 'chaine.db'}",
                             "CHAINE_DATA_DIR": str(self.directory)}

    def cli(self, *args: str) -> str:
        result = subprocess.run([CHAINE, *args], check=False, cwd=ROOT, env=self.env, capture_output=True,
                                text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def partner(self, name: str, kind: str) -> dict[str, str]:
        key = self.cli("partenaires", "ajouter", name, "--kind", kind).strip().splitlines()[-1]
        self.keys[name] = {"Authorization": f"Bearer {key}"}
        return self.keys[name]

    def send(self, now: datetime) -> str:
        """What is due at `now` is sent (`chaine envoyer`), as the scheduler does."""
        self.clock.now = now
        return self.cli("envoyer", "--now", now.isoformat())

    def push(self, partner: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
        answer = self.client.post("/api/v1/signalements", headers=self.keys[partner], json=rows)
        assert answer.status_code == 200, answer.text
        report: dict[str, Any] = answer.json()
        return report

    def get(self, partner: str, path: str, **params: Any) -> Any:
        answer = self.client.get(path, headers=self.keys[partner], params=params)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def post(self, partner: str, path: str, payload: Any) -> Any:
        answer = self.client.post(path, headers=self.keys[partner], json=payload)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def campaign(self, partner: str, spec: dict[str, Any]) -> None:
        answer = self.client.put("/api/v1/campagnes", headers=self.keys[partner], json=spec)
        assert answer.status_code == 200, answer.text


@contextmanager
def world(directory: Path, clock: Clock) -> Iterator[World]:
    url = f"sqlite:///{directory / 'chaine.db'}"
    bootstrap = World(directory, clock, client=None)  # type: ignore[arg-type]
    bootstrap.cli("migrer")
    runtime = Runtime(Settings(database_url=url, data_dir=directory), clock=clock)
    try:
        with TestClient(create_app(runtime)) as client:
            yield World(directory, clock, client)
    finally:
        runtime.join_background(30)
        runtime.engine.dispose()
