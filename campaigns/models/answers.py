"""The household's way back (docs/web.md, « Le lien de réponse »): a link token per message and what the household
answered through it. Only a SHA-256 of the token is kept; what the household typed is encrypted at rest."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from campaigns.crypto.columns import EncryptedText
from campaigns.platform.db import Base, UTCDateTime


class AnswerLink(Base):
    """One message's link: one household, the case whose reference the message printed, the partner whose
    campaign sent it, and the stage stay it was sent in. Valid until `expires_at`, the end of that stay, the
    case's closure or `revoked_at`, whichever comes first (campaigns/links/tokens.py)."""

    __tablename__ = "answer_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    campaign_id: Mapped[int] = mapped_column(Integer)
    dispatch_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    channel: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(40))
    stage_entry_id: Mapped[int] = mapped_column(ForeignKey("stage_entries.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Wrong answers to the light check (reference or birth year): the link locks itself at the limit.
    failed_checks: Mapped[int] = mapped_column(Integer, default=0)


class LinkAnswer(Base):
    """What the household said through a link (kind: recu, rappel, telephone, adresse, accompagne, sans_sms).

    `status`: "enregistre", or for a new phone "code_envoye" then "confirme", for a new address "a_verifier"
    then "acceptee" or "refusee" (`reviewer_partner_id` checks it before a letter uses it:
    campaigns/answers/proposals.py)."""

    __tablename__ = "link_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("answer_links.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    # A new phone or address, as typed: personal data, encrypted like the cases' own.
    detail: Mapped[str | None] = mapped_column(EncryptedText("detail"), nullable=True)
    # « Je suis déjà accompagné(e) par … »: a structure of the partners' directory.
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), nullable=True)
    slot_start: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id"), nullable=True)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id"), nullable=True)
    # A new phone: the SHA-256 of the code sent to it by SMS, until when it holds, and the wrong tries.
    code_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    code_attempts: Mapped[int] = mapped_column(Integer, default=0)
    # A new address: the structure that checks it (the household's referent, else the link's partner), fixed
    # when the household sends it, and when it was accepted or refused.
    reviewer_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), nullable=True, index=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
