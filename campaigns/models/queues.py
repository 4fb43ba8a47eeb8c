"""Social workers' queues: the workers of a structure, task kinds and outcomes, and escalation records."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from campaigns.crypto.columns import EncryptedText
from campaigns.platform.db import Base, UTCDateTime


class TaskKind(StrEnum):
    APPEL = "appel"
    VISITE = "visite"
    # Looking for a household whose address proved wrong (NPAI, or a visit found it gone).
    RECHERCHE = "recherche"
    # The DSF chain at the assignation stage (docs/domain.md §6).
    DSF_CONTACT = "dsf_contact"
    DSF_RELANCE = "dsf_relance"
    DSF_CCAPEX = "dsf_ccapex"
    DSF_TRANSMISSION = "dsf_transmission"


# A DSF is written even without the tenant (002 L1243): a response stops the offers, never these deadlines.
KEPT_ON_RESPONSE = frozenset({TaskKind.DSF_CCAPEX.value, TaskKind.DSF_TRANSMISSION.value})


class TaskOutcome(StrEnum):
    JOINT = "joint"
    MESSAGE_LAISSE = "message_laisse"
    PAS_DE_REPONSE = "pas_de_reponse"
    FAUX_NUMERO = "faux_numero"
    RENDEZ_VOUS_FIXE = "rendez_vous_fixe"
    VISITE_REALISEE = "visite_realisee"
    ABSENT = "absent"
    PARTI = "parti"
    REFUS = "refus"
    DEJA_ACCOMPAGNE = "deja_accompagne"
    # What the charters count (docs/domain.md §6.1, §6.2): a diagnosis made, a repayment plan signed, an FSL
    # application, a protocol (protocole de cohésion sociale), an orientation to another service; and a household
    # not living at the address given (NPAI), which invalidates the address like a letter returned.
    DIAGNOSTIC_REALISE = "diagnostic_realise"
    PLAN_APUREMENT_SIGNE = "plan_apurement_signe"
    FSL_DEMANDE = "fsl_demande"
    PROTOCOLE = "protocole"
    ORIENTATION = "orientation"
    NPAI = "npai"


class Worker(Base):
    """A social worker of a structure (CCAS, MDSF/EDS, CAF, ADIL, association): a display name, nothing more."""

    __tablename__ = "workers"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # Supervisors see and take the tasks escalated past their deadline.
    is_supervisor: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TaskEscalation(Base):
    """A task not done by its deadline, sent to supervisors: when, from which queue (and worker), to which queue."""

    __tablename__ = "task_escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id"), index=True)
    escalated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    from_partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    from_worker_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id"), nullable=True)
    to_partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    reason: Mapped[str] = mapped_column(String(40))


# The SMS template reminding a household of its appointment the day before (templates/sms/rappel_rendez_vous/).
# It is sent after the household answered (an appointment is an answer): a response never cancels it.
APPOINTMENT_REMINDER = "rappel_rendez_vous"


class Appointment(Base):
    """A rendez-vous a worker fixed with the household when closing a call or visit task ("rendez-vous fixé"):
    when and where, the worker's calendar entry, and the SMS reminder planned the day before (docs/domain.md §5)."""

    __tablename__ = "appointments"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id"), unique=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    # Often the household's address or a permanence: encrypted at rest like the notes.
    place: Mapped[str | None] = mapped_column(EncryptedText("place"), nullable=True)
    reminder_dispatch_id: Mapped[int | None] = mapped_column(ForeignKey("dispatches.id"), nullable=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
