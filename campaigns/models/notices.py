"""Notices to the social services about a household (docs/domain.md §4, M24): which templates are written to the
competent structures rather than to the household, at which stages, and to whom each notice went."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from campaigns.models.stages import Stage
from campaigns.platform.db import Base


@dataclass(frozen=True, slots=True)
class NoticeKind:
    """A message of the catalogue written to the structures that follow a household, at the stages it is about."""

    code: str  # the catalogue's number (docs/domain.md §4)
    title: str  # what the structures read it as, in French
    stages: frozenset[Stage]


# Keyed by template slug (templates/letters/<slug>/). M24: when the préfet grants the concours de la force publique,
# the State informs the competent EDS (the Département's social services) and the CCAS of the commune [002 L840].
STRUCTURE_NOTICES: dict[str, NoticeKind] = {
    "information_services_sociaux": NoticeKind(
        "M24", "Information des services sociaux : octroi du concours de la force publique",
        frozenset({Stage.OCTROI_FORCE_PUBLIQUE})),
}


class NoticeRecipient(Base):
    """A structure a notice was addressed to (the first addressee, then each copy), recorded when it is sent: the
    structures read their notices back through the API (`GET /api/v1/notifications`)."""

    __tablename__ = "notice_recipients"
    __table_args__ = (UniqueConstraint("dispatch_id", "partner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dispatch_id: Mapped[int] = mapped_column(ForeignKey("dispatches.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
