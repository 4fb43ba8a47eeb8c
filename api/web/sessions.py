"""The signed session cookie: its secret, its flags and its lifetime."""

from __future__ import annotations

import contextlib
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

from campaigns.platform.settings import Settings

SESSION_COOKIE = "chaine_session"
# Idle lifetime: the cookie is re-signed while the person keeps using the pages (see auth.current_user).
SESSION_MAX_AGE = 4 * 60 * 60
# Re-sign the cookie at most this often, so that most requests do not send a new Set-Cookie.
SESSION_REFRESH = 5 * 60
MIN_SECRET_LENGTH = 32


def session_clock() -> datetime:
    """Sessions measure a person's real idleness: the wall clock, not the service's business clock."""
    return datetime.now(UTC)


SECRET_FILE = "secret_key"  # noqa: S105 - a file name


def secure_cookies(settings: Settings) -> bool:
    """The cookie carries the Secure flag whenever the service is reached over HTTPS."""
    return settings.public_base_url.lower().startswith("https://")


def load_secret_key(settings: Settings) -> str:
    """CHAINE_SECRET_KEY, else a key generated once and kept in <data_dir>/secret_key (readable by the owner only)."""
    configured = settings.secret_key.get_secret_value()
    if configured:
        if len(configured) < MIN_SECRET_LENGTH:
            raise RuntimeError(
                f"CHAINE_SECRET_KEY est trop courte : {MIN_SECRET_LENGTH} caractères au moins "
                "(par exemple : python -c 'import secrets; print(secrets.token_urlsafe(48))')."
            )
        return configured
    path = settings.data_dir / SECRET_FILE
    if not path.exists():
        _create_secret_file(path)
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    key = path.read_text(encoding="utf-8").strip()
    if len(key) < MIN_SECRET_LENGTH:
        raise RuntimeError(f"{path} : clé trop courte ({MIN_SECRET_LENGTH} caractères au moins) ; supprimez ce fichier "
                           "pour qu'une nouvelle clé soit générée (les sessions ouvertes seront fermées).")
    return key


def _create_secret_file(path: Path) -> None:
    """Writes the key in a private temporary file, then links it into place: concurrent processes agree on one key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
        with contextlib.suppress(FileExistsError):  # another process was first: keep its key
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
