"""Settings: secrets never show in a repr or a log; a bad CHAINE_* value stops the process with one French sentence."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from campaigns.platform.settings import Settings, SettingsError, load_settings

CHAINE = str(Path(sys.executable).parent / "chaine")
SECRETS = {
    "database_url": "postgresql+psycopg://chaine:mot-de-passe-base@db.example/chaine",
    "broker_url": "redis://:mot-de-passe-redis@redis.example:6379/0",
    "rate_limit_redis_url": "redis://:mot-de-passe-limite@redis.example:6379/1",
    "secret_key": "cle-de-session-tres-secrete-0123456789abcdef",
    "twilio_auth_token": "jeton-twilio-secret",
    "smtp_password": "mot-de-passe-smtp",
    "data_keys": "cle-de-donnees-secrete",
    "blind_index_key": "cle-d-index-secrete",
}


def _secrets_in(text: str) -> list[str]:
    words = ("mot-de-passe", "secrete", "secret-", "jeton-twilio")
    return [word for word in words if word in text]


def test_secrets_never_print(caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(**SECRETS)  # type: ignore[arg-type]
    logging.getLogger("chaine.test").warning("réglages : %s %r", settings, settings)
    for shown in (repr(settings), str(settings), settings.model_dump_json(), caplog.text):
        assert _secrets_in(shown) == []
        assert "**********" in shown
    assert settings.twilio_auth_token.get_secret_value() == SECRETS["twilio_auth_token"]
    assert settings.resolved_database_url == SECRETS["database_url"]


def test_a_copy_keeps_secrets_secret_and_checks_its_changes() -> None:
    settings = Settings().model_copy(update={"smtp_password": "mot-de-passe-copie", "letters_mode": "lots"})
    assert isinstance(settings.smtp_password, SecretStr)
    assert _secrets_in(repr(settings)) == []
    assert settings.letters_mode == "lots"
    with pytest.raises(ValueError, match="sms_provider"):
        Settings().model_copy(update={"sms_provider": "pigeon"})


@pytest.mark.parametrize(("variable", "value", "sentence"), [
    ("CHAINE_SMS_PROVIDER", "pigeon",
     "La variable CHAINE_SMS_PROVIDER est invalide : valeurs possibles : outbox, twilio, reçu « pigeon »."),
    ("CHAINE_SMTP_PORT", "vingt-cinq",
     "La variable CHAINE_SMTP_PORT est invalide : nombre entier attendu, reçu « vingt-cinq »."),
    ("CHAINE_MAX_ATTEMPTS", "0",
     "La variable CHAINE_MAX_ATTEMPTS est invalide : valeur supérieure à 0 attendue, reçu « 0 »."),
    ("CHAINE_PRINT_CUTOFF", "seize heures",
     "La variable CHAINE_PRINT_CUTOFF est invalide : heure HH:MM attendue, reçu « seize heures »."),
    ("CHAINE_PUBLIC_BASE_URL", "chaine.example.fr",
     "La variable CHAINE_PUBLIC_BASE_URL est invalide : adresse http:// ou https:// attendue, "
     "reçu « chaine.example.fr »."),
    ("CHAINE_TIMEZONE", "Europe/Nantes",
     "La variable CHAINE_TIMEZONE est invalide : fuseau horaire inconnu (par exemple Europe/Paris), "
     "reçu « Europe/Nantes »."),
])
def test_a_bad_value_is_one_sentence_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, sentence: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert str(refused.value) == sentence


def test_a_bad_secret_is_named_but_never_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAINE_DATABASE_URL", "mot-de-passe-base sans schéma")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert str(refused.value).startswith("La variable CHAINE_DATABASE_URL est invalide : adresse illisible")
    assert "mot-de-passe" not in str(refused.value)


@pytest.mark.parametrize("args", [["tick"], ["migrate"], ["demo"], ["templates", "check"]])
def test_the_command_line_refuses_a_bad_setting(tmp_path: Path, args: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAINE_")}
    env |= {"CHAINE_DATA_DIR": str(tmp_path), "CHAINE_EMAIL_PROVIDER": "pigeon-voyageur"}
    result = subprocess.run([CHAINE, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == ("La variable CHAINE_EMAIL_PROVIDER est invalide : valeurs possibles : "
                                     "outbox, smtp, reçu « pigeon-voyageur ».")
    assert result.stdout == ""
    assert not (tmp_path / "chaine.db").exists()
