"""Web sessions stored server-side (table web_sessions): the cookie holds a random token, the table its hash.

A session ends at logout, when the account's password changes or the account is disabled, and after
`IDLE_TIMEOUT` without a request; a cookie replayed after any of these is refused (docs/security.md, accounts).
The service takes a database session and never commits; the time is passed in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.orm import Session

from campaigns.models import WebSession

IDLE_TIMEOUT = timedelta(minutes=30)
# last_seen_at is written at most this often: most requests only read their session.
TOUCH_EVERY = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_web_session(session: Session, *, user_id: int, now: datetime) -> str:
    """A new session for the account; returns the token for the cookie. The account's ended sessions are purged."""
    session.execute(delete(WebSession).where(
        WebSession.user_id == user_id,
        or_(WebSession.revoked_at.is_not(None), WebSession.last_seen_at < now - IDLE_TIMEOUT)))
    token = secrets.token_urlsafe(32)
    session.add(WebSession(id=_digest(token), user_id=user_id, created_at=now, last_seen_at=now))
    session.flush()
    return token


def web_session_valid(session: Session, *, token: str, user_id: int, now: datetime) -> bool:
    """True when the token is an open, not idle session of this account (and marks it as seen)."""
    row = session.get(WebSession, _digest(token))
    if row is None or row.user_id != user_id or row.revoked_at is not None:
        return False
    if now - row.last_seen_at > IDLE_TIMEOUT:
        row.revoked_at = now
        session.flush()
        return False
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        session.flush()
    return True


def revoke_web_session(session: Session, *, token: str, now: datetime) -> None:
    session.execute(update(WebSession).where(WebSession.id == _digest(token), WebSession.revoked_at.is_(None))
                    .values(revoked_at=now))


def revoke_user_sessions(session: Session, *, user_id: int, now: datetime) -> int:
    """Ends every open session of the account (password change, deactivation)."""
    result = session.execute(update(WebSession).where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
                             .values(revoked_at=now), execution_options={"synchronize_session": False})
    return int(result.rowcount)  # type: ignore[attr-defined]
