"""The service as a partner meets it, for the acceptance scenarios (docs/domain.md §13): the first pilot
created with the `chaine` command line and the other partners by it through the admin API, sends run by
`chaine envoyer` (a subprocess on the same database), every other step through the HTTP API of an application on
that database. Each scenario writes its own households."""

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
from twilio.request_validator import RequestValidator

from api.app import create_app
from campaigns.platform.settings import Settings
from campaigns.runtime.root import Runtime
from tests.conftest import Clock

ROOT = Path(__file__).resolve().parents[2]
CHAINE = str(Path(sys.executable).parent / "chaine")
TWILIO_TOKEN = "jeton-twilio-des-scenarios"
PUBLIC_URL = "https://chaine.exemple.fr"


@dataclass
class Service:
    """One territory on a SQLite file; `keys` holds each partner's Authorization header."""

    directory: Path
    clock: Clock
    client: TestClient
    keys: dict[str, dict[str, str]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        return os.environ | {"CHAINE_DATABASE_URL": f"sqlite:///{self.directory / 'chaine.db'}",
                             "CHAINE_DATA_DIR": str(self.directory)}

    def cli(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run([CHAINE, *args], check=False, cwd=ROOT, env=self.env, capture_output=True,
                              text=True, timeout=600, input=stdin)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def partner(self, name: str, kind: str, *options: str) -> dict[str, str]:
        """The first pilot (State or Département) is created by `chaine partenaires ajouter`, as at installation;
        every other partner by that pilot through POST /api/v1/admin/partenaires (one process start saved each)."""
        pilot = next((self.keys[n] for n, k in self.kinds.items() if k in ("etat", "departement")), None)
        if pilot is None:
            key = self.cli("partenaires", "ajouter", name, "--kind", kind, *options).strip().splitlines()[-1]
        else:
            flags = dict(zip(options[::2], options[1::2], strict=True))
            body = {"nom": name, "type": kind, "telephone": flags.pop("--telephone", None),
                    "adresse": flags.pop("--adresse", "").replace("|", "\n") or None}
            assert not flags, f"options sans équivalent dans l'API : {flags}"
            answer = self.client.post("/api/v1/admin/partenaires", headers=pilot, json=body)
            assert answer.status_code == 201, answer.text
            key = answer.json()["cle"]
        self.keys[name] = {"Authorization": f"Bearer {key}"}
        self.kinds[name] = kind
        return self.keys[name]

    def send(self, now: datetime) -> str:
        """What is due at `now` goes out (`chaine envoyer`), as the scheduler would do it."""
        self.clock.now = now
        return self.cli("envoyer", "--now", now.isoformat())

    def call(self, method: str, partner: str, path: str, expected: int = 200, **kwargs: Any) -> Any:
        answer = self.client.request(method, path, headers=self.keys[partner], **kwargs)
        assert answer.status_code == expected, f"{method} {path}: {answer.status_code} {answer.text}"
        return answer.json() if answer.headers.get("content-type", "").startswith("application/json") else answer

    def get(self, partner: str, path: str, **params: Any) -> Any:
        return self.call("GET", partner, path, params=params)

    def post(self, partner: str, path: str, payload: Any, expected: int = 200, **params: Any) -> Any:
        return self.call("POST", partner, path, expected, json=payload, params=params)

    def push(self, partner: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
        report: dict[str, Any] = self.post(partner, "/api/v1/signalements", rows)
        return report

    def campaign(self, pilot: str, spec: dict[str, Any]) -> None:
        self.call("PUT", pilot, "/api/v1/campagnes", json=spec)

    def contacts(self, partner: str, reference: str) -> list[dict[str, Any]]:
        return list(self.get(partner, f"/api/v1/signalements/{reference}")["contacts"])

    def tasks(self, partner: str, **params: Any) -> list[dict[str, Any]]:
        return list(self.get(partner, "/api/v1/taches", **params)["taches"])

    def sms_reply(self, sender: str, body: str, sid: str) -> str:
        """An SMS from the household, as Twilio posts it: signed with the account's token."""
        path = "/api/v1/twilio/entrant"
        form = {"From": sender, "Body": body, "MessageSid": sid}
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(PUBLIC_URL + path, form)
        answer = self.client.post(path, data=form, headers={"X-Twilio-Signature": signature})
        assert answer.status_code == 200, answer.text
        return answer.text


@contextmanager
def service(directory: Path, clock: Clock) -> Iterator[Service]:
    url = f"sqlite:///{directory / 'chaine.db'}"
    Service(directory, clock, client=None).cli("migrer")  # type: ignore[arg-type]
    settings = Settings(database_url=url, data_dir=directory, public_base_url=PUBLIC_URL,
                        twilio_auth_token=TWILIO_TOKEN)  # type: ignore[arg-type]
    runtime = Runtime(settings, clock=clock)
    try:
        with TestClient(create_app(runtime)) as client:
            yield Service(directory, clock, client)
    finally:
        runtime.join_background(30)
        runtime.engine.dispose()
