"""Runtime settings (prefix CHAINE_); the defaults are the embedded mode: SQLite, no broker, outbox channels.

Secrets (keys, tokens, passwords, URLs that may hold one) are SecretStr: they print as '**********' in reprs and
logs, and are read with `.get_secret_value()` where they are used. A bad value stops the process with one French
sentence naming the variable (docs/installation.md lists them).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Self
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from campaigns.platform.errors import StartupError

ENV_PREFIX = "CHAINE_"


class Settings(BaseSettings):
    """Every knob that differs between embedded, test and production lives here."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    data_dir: Path = Path("var")
    database_url: SecretStr = SecretStr("")
    broker_url: SecretStr = SecretStr("")
    outbox_dir: Path | None = None
    timezone: str = "Europe/Paris"
    # A claimed row whose worker vanished is handed out again after this lease.
    claim_lease_seconds: int = Field(600, gt=0)
    # An import with no finished batch for this long is taken as dead and run again.
    import_lease_seconds: int = Field(900, gt=0)
    tick_batch_size: int = Field(500, gt=0)
    # Celery beat sends the tick this often (seconds).
    tick_seconds: float = Field(60.0, gt=0)
    max_attempts: int = Field(5, gt=0)
    # First wait after a temporary failure, doubled at each attempt (never shorter than a provider's Retry-After).
    retry_base_seconds: float = Field(300.0, gt=0)
    # One coordinated letter per household within this window, across every partner (docs/domain.md §7.2).
    coordination_window_days: int = 15
    cap_letters_30_days: int = 3
    cap_sms_24_hours: int = 1
    # "unitaire": each letter is produced when due; "lots": letters wait for the day's cut-off and are printed
    # as one PDF per sending partner, with a CSV manifest (cancellation possible until the cut-off).
    letters_mode: Literal["unitaire", "lots"] = "unitaire"
    print_cutoff: str = "16:00"
    json_push_max_rows: int = Field(10_000, gt=0)
    # Rows of a CSV import applied per transaction (its progress is committed with each): a batch's working set
    # (rows, records, SQL parameters) is what the import holds at once; 500 rather than 2,000 kept the RSS
    # ~20 MB lower at 130,000 rows at the same rows/s (docs/benchmarks.md, a million-row CSV).
    import_batch_size: int = Field(500, gt=0)
    max_upload_bytes: int = Field(200 * 1024 * 1024, gt=0)
    # Every other request body (JSON, forms, webhooks): larger ones answer 413 before being read.
    max_body_bytes: int = Field(1024 * 1024, gt=0)
    # Per API key: a token bucket refilled at this rate with bursts up to `rate_limit_burst` (0: no limit), in
    # Redis (`rate_limit_redis_url`, else the broker when it is Redis), else a fixed window in the API process.
    rate_limit_per_minute: int = Field(600, ge=0)
    rate_limit_burst: int = Field(120, ge=0)
    rate_limit_redis_url: SecretStr = SecretStr("")

    # Where providers reach the API (webhooks); Twilio signs the exact URL it called.
    public_base_url: str = "http://127.0.0.1:8000"
    # A household's answer link (/r/<token>, docs/web.md) holds at most this many days, and never beyond the end of
    # the stage it was sent in or the closure of its case.
    answer_link_days: int = Field(90, gt=0)
    # Signs the web pages' session cookie. Empty: one is generated once and kept in <data_dir>/secret_key (0600).
    secret_key: SecretStr = SecretStr("")
    sms_provider: Literal["outbox", "twilio"] = "outbox"
    twilio_account_sid: str = ""
    twilio_auth_token: SecretStr = SecretStr("")
    twilio_messaging_service_sid: str = ""
    twilio_from_number: str = ""
    twilio_api_base_url: str = ""  # empty: Twilio itself; tests point it at a local stand-in
    sms_max_segments: int = Field(3, gt=0)
    # Must stay well below claim_lease_seconds: a `sending` row is looked up at the provider after the lease.
    twilio_timeout_seconds: float = Field(10.0, gt=0)
    email_provider: Literal["outbox", "smtp"] = "outbox"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(587, gt=0, le=65535)
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_start_tls: bool = True
    smtp_from: str = "noreply@chaine.invalid"
    # Encryption at rest of phones, e-mails, addresses, birth dates and amounts (campaigns/crypto*.py): base64
    # 256-bit keys, newest first (it encrypts; every key decrypts, so an old one stays until `chaine cles rotation`
    # has run), and the key of the blind indexes used to look a phone up. Embedded mode generates both into
    # <data_dir>/data_keys when unset; production (a broker) refuses to start without them.
    data_keys: SecretStr = SecretStr("")
    blind_index_key: SecretStr = SecretStr("")
    # Personal data of a closed household are purged after this many days, unless its campaigns say otherwise.
    retention_days: int = Field(730, gt=0)
    # Logs: "text" (human, the default) or "json" (one object per line, identifiers only; campaigns/platform/logs.py).
    log_format: Literal["text", "json"] = "text"
    # Bearer token of GET /metrics (Prometheus). Empty: the route answers 404, as if it did not exist.
    metrics_token: SecretStr = SecretStr("")

    @field_validator("database_url", "broker_url", "rate_limit_redis_url")
    @classmethod
    def _url(cls, value: SecretStr) -> SecretStr:
        if value.get_secret_value():
            try:
                make_url(value.get_secret_value())
            except ArgumentError:
                raise ValueError("adresse illisible (par exemple postgresql+psycopg://…, redis://…)") from None
        return value

    @field_validator("public_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError("adresse http:// ou https:// attendue")
        return value

    @field_validator("print_cutoff")
    @classmethod
    def _hour(cls, value: str) -> str:
        try:
            time.fromisoformat(value)
        except ValueError:
            raise ValueError("heure HH:MM attendue") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("fuseau horaire inconnu (par exemple Europe/Paris)") from None
        return value

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy validates its changes too: a secret given as text stays a secret, a bad value is refused."""
        copied = super().model_copy(deep=deep)
        if not update:
            return copied
        return type(self).model_validate({**dict(copied), **update})

    @property
    def resolved_database_url(self) -> str:
        """The database URL, password included: for the engine only, never for a log."""
        if self.database_url.get_secret_value():
            return self.database_url.get_secret_value()
        return f"sqlite:///{(self.data_dir / 'chaine.db').resolve()}"

    @property
    def resolved_outbox_dir(self) -> Path:
        return self.outbox_dir if self.outbox_dir is not None else self.data_dir / "outbox"

    @property
    def limits_redis_url(self) -> str:
        """The Redis that API processes share their limits through (API calls, sign-in failures): the one given for
        rate limits, else the broker when it is Redis, else none (each process counts its own)."""
        broker = self.broker_url.get_secret_value()
        return self.rate_limit_redis_url.get_secret_value() or (broker if broker.startswith("redis") else "")

    @property
    def eager(self) -> bool:
        """No broker configured: jobs run in-process."""
        return not self.broker_url.get_secret_value()


class SettingsError(StartupError):
    """A CHAINE_* variable with a value the service cannot use."""


_EXPECTED = {
    "int_parsing": "nombre entier attendu", "int_from_float": "nombre entier attendu",
    "float_parsing": "nombre attendu", "bool_parsing": "true ou false attendu",
    "greater_than": "valeur supérieure à {gt} attendue", "greater_than_equal": "valeur d'au moins {ge} attendue",
    "less_than_equal": "valeur d'au plus {le} attendue", "path_type": "chemin attendu",
}


def describe(error: PydanticValidationError) -> str:
    """The first refused value as one French sentence naming its variable."""
    first = error.errors(include_url=False)[0]
    field = str(first["loc"][0]) if first["loc"] else ""
    variable = ENV_PREFIX + field.upper()
    context = first.get("ctx") or {}
    if first["type"] == "literal_error":
        expected = "valeurs possibles : " + context.get("expected", "").replace("'", "").replace(" or ", ", ")
    elif first["type"] == "value_error":
        expected = str(context.get("error", first["msg"]))
    else:
        expected = _EXPECTED.get(first["type"], "valeur refusée").format(**context)
    shown = "" if "secret" in str(type(first.get("input"))).lower() or _is_secret(field) else first.get("input")
    received = f", reçu « {shown} »" if isinstance(shown, str | int | float) and shown != "" else ""
    return f"La variable {variable} est invalide : {expected}{received}."


def _is_secret(field: str) -> bool:
    annotation = Settings.model_fields[field].annotation if field in Settings.model_fields else None
    return annotation is SecretStr


def load_settings() -> Settings:
    """Settings from the environment; a bad value raises SettingsError (one sentence, no traceback)."""
    try:
        return Settings()
    except PydanticValidationError as exc:
        raise SettingsError(describe(exc)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
