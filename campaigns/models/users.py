"""People who sign in to the web pages: one account per person, attached to a partner, with one role."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.models.parties import Partner
from campaigns.platform.db import Base, UTCDateTime


class UserRole(StrEnum):
    """What a person may see (docs/domain.md §10.2); pages check it, the home page lists what it opens."""

    ADMIN = "admin"
    # Campaign operators: DDETS/DRIHL, Département, or a delegated mobile team (ADIL, association).
    OPERATEUR = "operateur"
    BAILLEUR = "bailleur"
    # Social workers (referents) and the person who distributes their tasks.
    AGENT = "agent"
    SUPERVISEUR = "superviseur"
    # Aggregated or pseudonymised rates only.
    EVALUATEUR = "evaluateur"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased and stripped: the login compares it as typed, normalised the same way.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    # Argon2id (PHC string); never the password itself.
    password_hash: Mapped[str] = mapped_column(String(255))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Agents and supervisors act on the queues as this worker of their structure (one account per worker).
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id"), unique=True, nullable=True)

    partner: Mapped[Partner] = relationship()


class WebSession(Base):
    """A signed-in browser: the cookie carries `id` only; logout, a password change or idleness ends it here."""

    __tablename__ = "web_sessions"

    # SHA-256 of the random token held in the signed cookie: a copy of this table opens no session.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
