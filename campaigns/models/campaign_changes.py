"""Campaign lifecycle statuses and the log of who changed what in a campaign, and when."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from campaigns.platform.db import Base, UTCDateTime


class CampaignStatus(StrEnum):
    """brouillon → active ⇄ en_pause → terminee (a draft can also be ended without ever running)."""

    BROUILLON = "brouillon"
    ACTIVE = "active"
    EN_PAUSE = "en_pause"
    TERMINEE = "terminee"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    CampaignStatus.BROUILLON: "brouillon",
    CampaignStatus.ACTIVE: "active",
    CampaignStatus.EN_PAUSE: "en pause",
    CampaignStatus.TERMINEE: "terminée",
}


class CampaignChange(Base):
    """One action on a campaign: creation, edit (the fields changed, before and after), activation, pause..."""

    __tablename__ = "campaign_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Who: a signed-in person (web) or a partner's API key (API, command line: partner only or none).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), nullable=True)
    actor: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(30))
    # [{"champ": "etapes[2].delay_days", "avant": 7, "apres": 10}, ...]
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Planned contacts the change touched: {"modifies": n, "ajoutes": n, "annules": n, "inscrits": n}.
    replanned: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
