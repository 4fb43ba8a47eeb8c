"""The audit log of personal data: who read, changed, exported or purged which households, when and why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from campaigns.platform.db import Base, UTCDateTime


class AuditEvent(Base):
    """One access to households' personal data. Holds ids and the purpose only, never the data themselves."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # cle_api, utilisateur, systeme (scheduled jobs, command line), fournisseur (an SMS provider's callback).
    actor: Mapped[str] = mapped_column(String(20))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), nullable=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"), nullable=True)
    # lecture, modification, export, purge.
    action: Mapped[str] = mapped_column(String(20))
    # Why: the route template ("GET /api/v1/taches/{task_id}"), page, job or command.
    purpose: Mapped[str] = mapped_column(String(200))
    household_ids: Mapped[list[int]] = mapped_column(JSON)
    # How many households: bulk exports record a count and no id list.
    household_count: Mapped[int] = mapped_column(Integer)
