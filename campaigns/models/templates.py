"""Templates written by a campaign owner in the browser or through the API: one draft per variant, then numbered
published versions that override the files of the code for that owner's letters (docs/campaigns.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from campaigns.platform.db import Base, UTCDateTime


class StoredTemplate(Base):
    """A variant (channel, slug, locale, FALC) of a partner's template: `version` None is its draft, 1, 2... its
    published versions (the highest one is used). `files` holds the source of each part, keyed like `Rendered`'s
    fields (html_body, subject, body)."""

    __tablename__ = "stored_templates"
    __table_args__ = (
        Index("ix_stored_templates_variant", "owner_partner_id", "channel", "slug", "locale", "falc"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    channel: Mapped[str] = mapped_column(String(20))
    slug: Mapped[str] = mapped_column(String(100))
    locale: Mapped[str] = mapped_column(String(8))
    falc: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    files: Mapped[dict[str, str]] = mapped_column(JSON)
    # Who wrote it, as people read it: "Camille Martin (DDETS 44)" or "clé API ab12cd (DDETS 44)".
    author: Mapped[str] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
