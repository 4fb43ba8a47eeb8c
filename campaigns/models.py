"""ORM tables. Every planned contact is a row (Dispatch, HumanTask) before any Celery task exists."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.db import Base, UTCDateTime


class PartnerKind(StrEnum):
    BAILLEUR_SOCIAL = "bailleur_social"
    BAILLEUR_PRIVE = "bailleur_prive"
    ETAT = "etat"
    DEPARTEMENT = "departement"
    CAF = "caf"
    CCAS = "ccas"
    ADIL = "adil"
    ASSOCIATION = "association"

    @property
    def is_owner(self) -> bool:
        """DDETS/DRIHL and the Département own the coordination (domain.md §2.1)."""
        return self in (PartnerKind.ETAT, PartnerKind.DEPARTEMENT)


class ChannelKind(StrEnum):
    COURRIER = "courrier"
    SMS = "sms"
    EMAIL = "email"
    APPEL = "appel"
    VISITE = "visite"


class DispatchStatus(StrEnum):
    PLANNED = "planned"
    QUEUED = "queued"
    SENDING = "sending"
    DELIVERED = "delivered"
    TEMPORARY_FAILURE = "temporary_failure"
    PERMANENT_FAILURE = "permanent_failure"
    RETURNED = "returned"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


class Reason(StrEnum):
    """Why a row ended where it did; one vocabulary for every channel (architecture.md)."""

    DUPLICATE = "duplicate"
    RESPONDED = "responded"
    OPTED_OUT = "opted_out"
    NO_CHANNEL = "no_channel"
    CAP_REACHED = "cap_reached"
    STAGE_CHANGED = "stage_changed"
    CLOSED = "closed"
    QUIET_HOURS = "quiet_hours"
    PROVIDER_ERROR = "provider_error"
    MAX_ATTEMPTS = "max_attempts"
    CAMPAIGN_ENDED = "campaign_ended"


class TaskStatus(StrEnum):
    PENDING = "pending"
    RESERVED = "reserved"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class ImportStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Partner(Base):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    # Printed on letters as the sender block, so households know whom to call.
    contact_phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    contact_address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    # Only a SHA-256 of the key is kept; the key is shown once at creation.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    partner: Mapped[Partner] = relationship()


class Household(Base):
    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    stage: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    current_entry_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HouseholdKey(Base):
    """Hashed exact-match keys (allocataire number, name+birth date, name+address) pointing to a household."""

    __tablename__ = "household_keys"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)


class Case(Base):
    """One partner's signalement for a household, as last pushed (the partner's `reference` is its key)."""

    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("partner_id", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    reference: Mapped[str] = mapped_column(String(100))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    stage: Mapped[str] = mapped_column(String(40))
    date_stade: Mapped[date] = mapped_column(Date)
    parc: Mapped[str | None] = mapped_column(String(10), nullable=True)
    nom: Mapped[str | None] = mapped_column(String(100), nullable=True)
    prenom: Mapped[str] = mapped_column(String(100))
    date_naissance: Mapped[date | None] = mapped_column(Date, nullable=True)
    nom_cotitulaire: Mapped[str | None] = mapped_column(String(100), nullable=True)
    prenom_cotitulaire: Mapped[str | None] = mapped_column(String(100), nullable=True)
    date_naissance_cotitulaire: Mapped[date | None] = mapped_column(Date, nullable=True)
    adresse: Mapped[str | None] = mapped_column(String(200), nullable=True)
    complement_adresse: Mapped[str | None] = mapped_column(String(200), nullable=True)
    code_postal: Mapped[str | None] = mapped_column(String(5), nullable=True)
    commune: Mapped[str] = mapped_column(String(100))
    telephone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    email: Mapped[str | None] = mapped_column(String(200), nullable=True)
    montant_dette: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), nullable=True)
    loyer_mensuel: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), nullable=True)
    date_premier_impaye: Mapped[date | None] = mapped_column(Date, nullable=True)
    allocataire: Mapped[str | None] = mapped_column(String(10), nullable=True)
    numero_allocataire: Mapped[str | None] = mapped_column(String(20), nullable=True)
    date_audience: Mapped[date | None] = mapped_column(Date, nullable=True)
    langue: Mapped[str] = mapped_column(String(8), default="fr")
    falc: Mapped[bool] = mapped_column(Boolean, default=False)
    motif_cloture: Mapped[str | None] = mapped_column(String(200), nullable=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CaseChange(Base):
    """What a re-pushed row changed: field names only (values are personal data), plus the stage move."""

    __tablename__ = "case_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"), nullable=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fields: Mapped[list[str]] = mapped_column(JSON)
    old_stage: Mapped[str | None] = mapped_column(String(40), nullable=True)
    new_stage: Mapped[str | None] = mapped_column(String(40), nullable=True)


class StageEntry(Base):
    """A household's stay in one stage; sequences are planned per entry."""

    __tablename__ = "stage_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    stage: Mapped[str] = mapped_column(String(40))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    left_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    owner_partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    stages: Mapped[list[str]] = mapped_column(JSON)
    communes: Mapped[list[str]] = mapped_column(JSON, default=list)
    postcodes: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
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


class Enrollment(Base):
    __tablename__ = "enrollments"
    __table_args__ = (UniqueConstraint("campaign_id", "stage_entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    stage_entry_id: Mapped[int] = mapped_column(ForeignKey("stage_entries.id"))
    stage: Mapped[str] = mapped_column(String(40))
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Dispatch(Base):
    """A planned contact. `dedup_key` makes planning the same step twice impossible."""

    __tablename__ = "dispatches"
    __table_args__ = (Index("ix_dispatches_status_due_at", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(100), unique=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    stage_entry_id: Mapped[int] = mapped_column(ForeignKey("stage_entries.id"))
    stage: Mapped[str] = mapped_column(String(40))
    step_position: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(20))
    template: Mapped[str | None] = mapped_column(String(100), nullable=True)
    conditions: Mapped[list[str]] = mapped_column(JSON, default=list)
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
    """A call or visit for a social worker, created when its Dispatch is delivered to a queue."""

    __tablename__ = "human_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispatch_id: Mapped[int] = mapped_column(ForeignKey("dispatches.id"), unique=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    queue_partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default=TaskStatus.PENDING)
    reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(40), nullable=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
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


class ImportJob(Base):
    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    source: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default=ImportStatus.PENDING)
    total_rows: Mapped[int | None] = mapped_column(Integer, nullable=True)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    unchanged_count: Mapped[int] = mapped_column(Integer, default=0)
    rejected_count: Mapped[int] = mapped_column(Integer, default=0)
    unknown_columns: Mapped[list[str]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The uploaded file, kept only until the job has run (minimum retention of personal data).
    payload: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Last finished batch: a running job silent for longer than the lease is taken as dead.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ImportRejection(Base):
    __tablename__ = "import_rejections"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str | None] = mapped_column(String(100), nullable=True)
    field: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(Text)


class IdempotencyRecord(Base):
    """First answer to a request carrying an Idempotency-Key, replayed for the same key."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("partner_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
