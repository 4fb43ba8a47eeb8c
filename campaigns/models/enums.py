"""Enumerations stored as strings: partner kinds, channels, statuses and reasons."""

from __future__ import annotations

from enum import StrEnum


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
        """DDETS/DRIHL and the Département own the coordination (docs/domain.md §3)."""
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
    # Stopped because the household answered another partner's campaign (docs/domain.md §10.1 req. 17).
    RESPONDED_OTHER_CAMPAIGN = "responded_other_campaign"
    OPTED_OUT = "opted_out"
    NO_CHANNEL = "no_channel"
    CAP_REACHED = "cap_reached"
    STAGE_CHANGED = "stage_changed"
    CLOSED = "closed"
    QUIET_HOURS = "quiet_hours"
    PROVIDER_ERROR = "provider_error"
    MAX_ATTEMPTS = "max_attempts"
    CAMPAIGN_ENDED = "campaign_ended"
    # The campaign is paused: the row waits, planned, and goes when the campaign resumes.
    CAMPAIGN_PAUSED = "campaign_paused"
    # An edit of the campaign removed the step before it was sent.
    CAMPAIGN_EDITED = "campaign_edited"
    # A step the household's experiment arm does not have (campaigns.planning.experiments).
    EXPERIMENT_ARM = "experiment_arm"
    # The household is reachable, but a condition of the step is not met (« n'a pas de téléphone » and it has one).
    CONDITION_NOT_MET = "condition_not_met"


# The reasons a contact stops because the household answered: regulatory letters and DSF tasks stay.
RESPONSE_REASONS = frozenset({Reason.RESPONDED, Reason.RESPONDED_OTHER_CAMPAIGN})


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
