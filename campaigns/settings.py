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
    # One coordinated letter per household within this window, across every partner (domain.md §3.4).
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
    email_provider: str = "outbox"  # outbox | smtp
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_start_tls: bool = True
    smtp_from: str = "noreply@chaine.invalid"

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
