"""Runtime settings (prefix CHAINE_); the defaults are the embedded mode: SQLite, no broker, outbox channels."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob that differs between embedded, test and production lives here."""

    model_config = SettingsConfigDict(env_prefix="CHAINE_", extra="ignore")

    data_dir: Path = Path("var")
    database_url: str = ""
    broker_url: str = ""
    outbox_dir: Path | None = None
    timezone: str = "Europe/Paris"
    # A claimed row whose worker vanished is handed out again after this lease.
    claim_lease_seconds: int = 600
    # An import with no finished batch for this long is taken as dead and run again.
    import_lease_seconds: int = 900
    tick_batch_size: int = 500
    max_attempts: int = 5
    # First wait after a temporary failure, doubled at each attempt (never shorter than a provider's Retry-After).
    retry_base_seconds: float = 300.0
    # One coordinated letter per household within this window, across every partner (docs/domain.md §7.2).
    coordination_window_days: int = 15
    cap_letters_30_days: int = 3
    cap_sms_24_hours: int = 1
    # "unitaire": each letter is produced when due; "lots": letters wait for the day's cut-off and are printed
    # as one PDF per sending partner, with a CSV manifest (cancellation possible until the cut-off).
    letters_mode: str = "unitaire"
    print_cutoff: str = "16:00"
    json_push_max_rows: int = 10_000
    import_batch_size: int = 2_000
    max_upload_bytes: int = 200 * 1024 * 1024
    # Every other request body (JSON, forms, webhooks): larger ones answer 413 before being read.
    max_body_bytes: int = 1024 * 1024
    # Per API key: a token bucket refilled at this rate with bursts up to `rate_limit_burst` (0: no limit), in
    # Redis (`rate_limit_redis_url`, else the broker when it is Redis), else a fixed window in the API process.
    rate_limit_per_minute: int = 600
    rate_limit_burst: int = 120
    rate_limit_redis_url: str = ""

    # Where providers reach the API (webhooks); Twilio signs the exact URL it called.
    public_base_url: str = "http://127.0.0.1:8000"
    # Signs the web pages' session cookie. Empty: one is generated once and kept in <data_dir>/secret_key (0600).
    secret_key: str = ""
    sms_provider: str = "outbox"  # outbox | twilio
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_messaging_service_sid: str = ""
    twilio_from_number: str = ""
    twilio_api_base_url: str = ""  # empty: Twilio itself; tests point it at a local stand-in
    sms_max_segments: int = 3
    # Must stay well below claim_lease_seconds: a `sending` row is looked up at the provider after the lease.
    twilio_timeout_seconds: float = 10.0
    email_provider: str = "outbox"  # outbox | smtp
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_start_tls: bool = True
    smtp_from: str = "noreply@chaine.invalid"
    # Encryption at rest of phones, e-mails, addresses, birth dates and amounts (campaigns/crypto*.py): base64
    # 256-bit keys, newest first (it encrypts; every key decrypts, so an old one stays until `chaine cles rotation`
    # has run), and the key of the blind indexes used to look a phone up. Embedded mode generates both into
    # <data_dir>/data_keys when unset; production (a broker) refuses to start without them.
    data_keys: str = ""
    blind_index_key: str = ""
    # Personal data of a closed household are purged after this many days, unless its campaigns say otherwise.
    retention_days: int = 730

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'chaine.db').resolve()}"

    @property
    def resolved_outbox_dir(self) -> Path:
        return self.outbox_dir if self.outbox_dir is not None else self.data_dir / "outbox"

    @property
    def eager(self) -> bool:
        """No broker configured: jobs run in-process."""
        return not self.broker_url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
