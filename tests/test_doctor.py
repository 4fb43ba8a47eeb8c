"""`chaine verifier` through the real command line: one French line per check, exit code 1 with what to fix."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import REDIS_URL, drop_pg_database, pg_url, recreate_pg_database, run_database

ROOT = Path(__file__).resolve().parent.parent
CHAINE = str(Path(sys.executable).parent / "chaine")
CLOSED_PORT = 9
TWILIO = {"CHAINE_SMS_PROVIDER": "twilio", "CHAINE_TWILIO_ACCOUNT_SID": "AC" + "0123456789abcdef" * 2,
          "CHAINE_TWILIO_AUTH_TOKEN": "f" * 32, "CHAINE_TWILIO_FROM_NUMBER": "+33612345678"}


def _verifier(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CHAINE, "verifier"], check=False, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


class _Greeter:
    """Accepts connections; a message reaching it would be a bug of the doctor."""

    received: list[Any]

    def __init__(self) -> None:
        self.received = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook
        self.received.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, _Greeter]]:
    handler = _Greeter()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, handler
    controller.stop()


@pytest.fixture
def database() -> Iterator[str]:
    name = run_database("doctor")
    recreate_pg_database(name)
    yield pg_url(name)
    drop_pg_database(name)


def test_a_ready_installation_passes_once_migrated(database: str, tmp_path: Path,
                                                   smtp_server: tuple[int, _Greeter]) -> None:
    port, greeter = smtp_server
    env = os.environ | TWILIO | {
        "CHAINE_DATABASE_URL": database, "CHAINE_BROKER_URL": REDIS_URL, "CHAINE_DATA_DIR": str(tmp_path),
        "CHAINE_EMAIL_PROVIDER": "smtp", "CHAINE_SMTP_HOST": "127.0.0.1", "CHAINE_SMTP_PORT": str(port),
        "CHAINE_SMTP_START_TLS": "false", "CHAINE_SMTP_FROM": "prevention@ddets-44.example.fr"}
    before = _verifier(env)
    assert before.returncode == 1, before.stdout + before.stderr
    assert "✗ Schéma : La base de données n'est pas à jour : lancez `chaine migrer`." in before.stdout
    assert before.stdout.rstrip().endswith("1 point à corriger.")

    migrated = subprocess.run([CHAINE, "migrer"], check=False, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=300)
    assert migrated.returncode == 0, migrated.stderr
    after = _verifier(env)
    assert after.returncode == 0, after.stdout + after.stderr
    lines = after.stdout.splitlines()
    assert [line.split(" : ")[0] for line in lines[:-1]] == [
        "✓ Base de données", "✓ Schéma", "✓ Courtier", "✓ Clés", "✓ Modèles", "✓ Polices et DSFR", "✓ Twilio",
        "✓ SMTP"]
    assert lines[-1] == "Tout est prêt."
    assert f"127.0.0.1:{port} répond" in after.stdout
    assert greeter.received == []  # greeted, nothing sent
    assert "postgres:postgres" not in after.stdout


def test_a_broken_installation_says_what_to_fix(tmp_path: Path) -> None:
    env = os.environ | TWILIO | {
        "CHAINE_DATABASE_URL": f"postgresql+psycopg://postgres:postgres@127.0.0.1:{CLOSED_PORT}/chaine",
        "CHAINE_BROKER_URL": f"redis://127.0.0.1:{CLOSED_PORT}/0", "CHAINE_DATA_DIR": str(tmp_path),
        "CHAINE_DATA_KEYS": "pas-une-cle", "CHAINE_TWILIO_ACCOUNT_SID": "AC123",
        "CHAINE_EMAIL_PROVIDER": "smtp", "CHAINE_SMTP_HOST": "127.0.0.1", "CHAINE_SMTP_PORT": str(CLOSED_PORT),
        "CHAINE_SMTP_FROM": "prevention@ddets-44.example.fr"}
    result = _verifier(env)
    assert result.returncode == 1
    out = result.stdout
    failed = {line.split(" : ")[0].removeprefix("✗ ") for line in out.splitlines() if line.startswith("✗")}
    assert failed == {"Base de données", "Schéma", "Courtier", "Clés", "Twilio", "SMTP"}
    assert "vérifiez CHAINE_DATABASE_URL" in out and "vérifiez CHAINE_BROKER_URL" in out
    assert "CHAINE_DATA_KEYS" in out
    assert "CHAINE_TWILIO_ACCOUNT_SID doit commencer par AC" in out
    assert f"127.0.0.1:{CLOSED_PORT} injoignable" in out
    assert "✓ Modèles" in out and "✓ Polices et DSFR" in out
    assert out.rstrip().endswith("6 points à corriger.")
    assert "postgres:postgres" not in out and "pas-une-cle" not in out
