"""The ORM tables (one module per area; import them from here), the stored enumerations and the procedure stages.

May import: campaigns.crypto (encrypted column types), campaigns.platform, campaigns.locale (text folding).
"""

from campaigns.models.answers import AnswerLink, LinkAnswer
from campaigns.models.audit import AuditEvent
from campaigns.models.campaign_changes import CampaignChange, CampaignStatus
from campaigns.models.enums import ChannelKind, DispatchStatus, ImportStatus, PartnerKind, Reason, TaskStatus
from campaigns.models.experiments import Experiment, ExperimentAssignment
from campaigns.models.facts import (
    ClosureFact,
    DailyFact,
    DailyReach,
    FactsRefresh,
    FactStay,
    MonthlyFact,
    MonthlyReach,
)
from campaigns.models.jobs import IdempotencyRecord, ImportChunk, ImportJob, ImportRejection
from campaigns.models.linkage import BlockKey, HouseholdMerge, LinkageParameterSet, LinkReview
from campaigns.models.notices import STRUCTURE_NOTICES, NoticeKind, NoticeRecipient
from campaigns.models.parties import ApiKey, Case, CaseChange, Household, HouseholdKey, Partner, StageEntry
from campaigns.models.planning import (
    CLAIMABLE_DUE,
    CLAIMED_QUEUED,
    CLAIMED_SENDING,
    Campaign,
    CampaignStep,
    Dispatch,
    Enrollment,
    HumanTask,
    LandlordAnswer,
    Response,
    SmsOptOut,
    TemplateVersion,
    TwilioCallback,
)
from campaigns.models.queues import (
    APPOINTMENT_REMINDER,
    KEPT_ON_RESPONSE,
    Appointment,
    TaskEscalation,
    TaskKind,
    TaskOutcome,
    Worker,
)
from campaigns.models.templates import StoredTemplate
from campaigns.models.users import User, UserRole, WebSession

__all__ = [
    "APPOINTMENT_REMINDER",
    "CLAIMABLE_DUE",
    "CLAIMED_QUEUED",
    "CLAIMED_SENDING",
    "KEPT_ON_RESPONSE",
    "STRUCTURE_NOTICES",
    "AnswerLink",
    "ApiKey",
    "Appointment",
    "AuditEvent",
    "BlockKey",
    "Campaign",
    "CampaignChange",
    "CampaignStatus",
    "CampaignStep",
    "Case",
    "CaseChange",
    "ChannelKind",
    "ClosureFact",
    "DailyFact",
    "DailyReach",
    "Dispatch",
    "DispatchStatus",
    "Enrollment",
    "Experiment",
    "ExperimentAssignment",
    "FactStay",
    "FactsRefresh",
    "Household",
    "HouseholdKey",
    "HouseholdMerge",
    "HumanTask",
    "IdempotencyRecord",
    "ImportChunk",
    "ImportJob",
    "ImportRejection",
    "ImportStatus",
    "LandlordAnswer",
    "LinkAnswer",
    "LinkReview",
    "LinkageParameterSet",
    "MonthlyFact",
    "MonthlyReach",
    "NoticeKind",
    "NoticeRecipient",
    "Partner",
    "PartnerKind",
    "Reason",
    "Response",
    "SmsOptOut",
    "StageEntry",
    "StoredTemplate",
    "TaskEscalation",
    "TaskKind",
    "TaskOutcome",
    "TaskStatus",
    "TemplateVersion",
    "TwilioCallback",
    "User",
    "UserRole",
    "WebSession",
    "Worker",
]
