"""Campaigns and what they plan: every contact is a row (Dispatch, HumanTask) before any Celery task exists."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.crypto.columns import EncryptedText
from campaigns.models.enums import DispatchStatus, TaskStatus
from campaigns.platform.db import Base, UTCDateTime


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    owner_partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    stages: Mapped[list[str]] = mapped_column(JSON)
    communes: Mapped[list[str]] = mapped_column(JSON, default=list)
    postcodes: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Lower number wins when two campaigns write to the same household within the coordination window.
    priority: Mapped[int] = mapped_column(Integer, default=100)
    # merge: a lower-priority letter becomes a block of the winner's letter; suppress: it is not sent.
    coordination: Mapped[str] = mapped_column(String(20), default="merge")
    # defer: a step over a household cap waits for the next allowed time; skip: it is skipped (cap_reached).
    over_cap: Mapped[str] = mapped_column(String(20), default="defer")
    # When SMS and e-mails may go: {"days": [0..6, Monday = 0], "start": "09:00", "end": "19:00"}.
    sending_hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Which households within the territory: {"parc": ["social"], "allocataire": ["oui"]}; empty = all.
    segment: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    # Languages the campaign writes in (empty: every language it has templates for) and its FALC policy:
    # "menage" follows each household's wish, "toujours"/"jamais" impose one register.
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    falc: Mapped[str] = mapped_column(String(20), default="menage")
    # The configured fallback order when a language/register has no template (rendering.FALLBACK_STEPS); empty:
    # every language the campaign writes in must exist in the register it asks.
    fallback_order: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Unit cost of one contact per channel, in euros ({"courrier": 1.2, "sms": 0.08}), for cost per response.
    unit_costs: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    # Lifecycle (campaigns/campaign/lifecycle.py): brouillon, active, en_pause, terminee. `active` stays the
    # flag the planning and sending code reads: true exactly while the status is `active`.
    status: Mapped[str] = mapped_column(String(20), default="active")
    # The operator the owner delegates this campaign to (ADIL, association): its calls and visits go to that
    # queue, and its users see this campaign's households only (docs/domain.md §9.4).
    delegate_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), nullable=True, index=True)
    # Days the personal data of a closed household stay (docs/domain.md §10.4); None: CHAINE_RETENTION_DAYS.
    # A household enrolled in several campaigns keeps them for the longest period (campaigns/protection/retention.py).
    retention_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    steps: Mapped[list[CampaignStep]] = relationship(
        order_by="CampaignStep.position", cascade="all, delete-orphan"
    )


class CampaignStep(Base):
    __tablename__ = "campaign_steps"
    __table_args__ = (UniqueConstraint("campaign_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    position: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(20))
    delay_days: Mapped[int] = mapped_column(Integer, default=0)
    delay_from: Mapped[str] = mapped_column(String(20), default="previous")
    conditions: Mapped[list[str]] = mapped_column(JSON, default=list)
    template: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # A regulatory letter (the State's letter at a stage) is never suppressed by coordination or caps.
    regulatory: Mapped[bool] = mapped_column(Boolean, default=False)
    # At the assignation stage, this step opens the DSF task chain (docs/domain.md §6) instead of a single task.
    dsf: Mapped[bool] = mapped_column(Boolean, default=False)
    # Visits only: announced beforehand, or unannounced (visite inopinée).
    announced: Mapped[bool] = mapped_column(Boolean, default=True)


class Enrollment(Base):
    __tablename__ = "enrollments"
    __table_args__ = (UniqueConstraint("campaign_id", "stage_entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    stage_entry_id: Mapped[int] = mapped_column(ForeignKey("stage_entries.id"))
    stage: Mapped[str] = mapped_column(String(40))
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime())


# What the tick claims (campaigns/delivery/dispatch.py: claim_due), one partial index each, written as literals so
# that PostgreSQL matches the claim's queries to them in a prepared statement's generic plan too: rows due (a few
# among the millions planned for later), and rows whose worker vanished, `queued` or `sending` with no answer.
CLAIMABLE_DUE = "status IN ('planned', 'temporary_failure')"
CLAIMED_QUEUED = "status = 'queued'"
CLAIMED_SENDING = "status = 'sending' AND provider_ref IS NULL"


def _partial(name: str, predicate: str, *columns: str) -> Index:
    return Index(name, *columns, postgresql_where=text(predicate), sqlite_where=text(predicate))


class Dispatch(Base):
    """A planned contact. `dedup_key` makes planning the same step twice impossible."""

    __tablename__ = "dispatches"
    __table_args__ = (
        Index("ix_dispatches_status_due_at", "status", "due_at"),
        _partial("ix_dispatches_claimable_due", CLAIMABLE_DUE, "due_at", "id"),
        _partial("ix_dispatches_claimed_queued", CLAIMED_QUEUED, "claimed_at"),
        _partial("ix_dispatches_claimed_sending", CLAIMED_SENDING, "claimed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(100), unique=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id"), index=True)
    # Copies of the enrollment's, for queries; no foreign key of their own: the enrollment's keys already hold
    # them, and each key costs a trigger per row on the hottest insert of intake (two dispatches a household).
    campaign_id: Mapped[int] = mapped_column(Integer)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    stage_entry_id: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(40))
    step_position: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(20))
    template: Mapped[str | None] = mapped_column(String(100), nullable=True)
    conditions: Mapped[list[str]] = mapped_column(JSON, default=list)
    regulatory: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when coordination folded this letter into another household letter (reason `duplicate`).
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("dispatches.id"), nullable=True)
    # What was really sent: the template version, and the language/register used (fallback recorded).
    template_version_id: Mapped[int | None] = mapped_column(ForeignKey("template_versions.id"), nullable=True)
    rendered_locale: Mapped[str | None] = mapped_column(String(8), nullable=True)
    rendered_falc: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    template_fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the message was asked in (the household's language, the register the campaign's FALC policy gives it),
    # recorded when it is sent: the evaluation counts the fallbacks per template and per language asked.
    requested_locale: Mapped[str | None] = mapped_column(String(8), nullable=True)
    requested_falc: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # Recorded when a message to the household is sent: the case it was written with (whose purge erases the
    # address below and the message's outbox file), and where a letter or a visit went (docs/security.md, rule 4):
    # a returned letter (NPAI) invalidates exactly this address, as normalised.
    sent_case_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sent_adresse: Mapped[str | None] = mapped_column(EncryptedText("sent_adresse"), nullable=True)
    sent_code_postal: Mapped[str | None] = mapped_column(String(5), nullable=True)
    sent_commune: Mapped[str | None] = mapped_column(String(100), nullable=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default=DispatchStatus.PLANNED)
    reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    provider_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class HumanTask(Base):
    """A call, visit or DSF step for a social worker, in one structure's queue (model: Twilio TaskRouter).

    Created when its Dispatch is delivered (one task per dispatch), or for the DSF chain and locate tasks
    (`dedup_key`). Every change of hands is `UPDATE ... WHERE id = ? AND version = ?`: two workers never hold it.
    """

    __tablename__ = "human_tasks"
    __table_args__ = (Index("ix_human_tasks_queue_status_priority", "queue_partner_id", "status", "priority"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dispatch_id: Mapped[int | None] = mapped_column(ForeignKey("dispatches.id"), unique=True, nullable=True)
    dedup_key: Mapped[str | None] = mapped_column(String(100), unique=True, nullable=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    queue_partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default=TaskStatus.PENDING)
    reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # The worker's free text about the household: encrypted at rest (campaigns/crypto/columns.py).
    note: Mapped[str | None] = mapped_column(EncryptedText("note"), nullable=True)
    # Lower first: the nearest hearing date, then the most advanced stage (queue_routing.task_priority).
    priority: Mapped[int] = mapped_column(Integer, default=0)
    # Visits: announced (a letter or call said when) or not (visite inopinée); None for other kinds.
    announced: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    reserved_by_worker_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id"), nullable=True, index=True)
    reserved_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The day a reserved visit is planned for (the worker's round).
    scheduled_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # From when the task is shown (a DSF second offer waits for its day), and the deadline before escalation.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sla_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # A call the household asked for through its answer link: the slot it chose (from, until).
    callback_from: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    callback_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    escalated_to_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # A joint visit (docs/domain.md §5.1): the second structure that came, or the landlord, on the visit outcome.
    joint_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), nullable=True)
    joint_landlord: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Response(Base):
    """The household answered, whatever the channel; it stops the stage's pending steps everywhere."""

    __tablename__ = "responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    stage: Mapped[str | None] = mapped_column(String(40), nullable=True)
    stage_entry_id: Mapped[int | None] = mapped_column(ForeignKey("stage_entries.id"), nullable=True, index=True)
    channel: Mapped[str] = mapped_column(String(20))
    nature: Mapped[str] = mapped_column(String(40))
    responded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Why it stops every partner's steps (campaigns.planning.authority.Evidence); None: the partner's own word,
    # which stops its own campaigns' steps only, also when they fall due later (docs/security.md, rule 2).
    evidence: Mapped[str | None] = mapped_column(String(40), nullable=True)


class LandlordAnswer(Base):
    """The landlord answered (its observations to the State's request, a letter to the landlord): kept apart from
    the household's responses, it never stops the household's sequence (docs/domain.md §4, M17 and M20)."""

    __tablename__ = "landlord_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True)
    # Who recorded it: the State (its request's sender), the structure writing the DSF, or the landlord itself.
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    stage: Mapped[str | None] = mapped_column(String(40), nullable=True)
    channel: Mapped[str] = mapped_column(String(20))
    nature: Mapped[str] = mapped_column(String(40))
    responded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SmsOptOut(Base):
    """A number that answered STOP: no campaign sends it SMS again. Only an HMAC of the number is kept (its key is
    the blind index key, so the list cannot be enumerated back to numbers)."""

    __tablename__ = "sms_opt_outs"

    phone_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TwilioCallback(Base):
    """A signed Twilio request already handled, by its SID: a request Twilio delivers again is not applied twice.

    `key` is "entrant:<MessageSid>" for an inbound SMS, "statut:<MessageSid>:<status>" for a delivery receipt.
    """

    __tablename__ = "twilio_callbacks"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TemplateVersion(Base):
    """A template variant as it was when used: editing a file makes a new version at its next use."""

    __tablename__ = "template_versions"
    __table_args__ = (UniqueConstraint("channel", "slug", "locale", "falc", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    slug: Mapped[str] = mapped_column(String(100))
    locale: Mapped[str] = mapped_column(String(8))
    falc: Mapped[bool] = mapped_column(Boolean)
    content_hash: Mapped[str] = mapped_column(String(64))
    sources: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
