"""ORM tables, one module per area; import from here."""

from campaigns.models.enums import ChannelKind, DispatchStatus, ImportStatus, PartnerKind, Reason, TaskStatus
from campaigns.models.facts import ClosureFact, DailyFact, DailyReach, FactsRefresh
from campaigns.models.jobs import IdempotencyRecord, ImportJob, ImportRejection
from campaigns.models.linkage import BlockKey, HouseholdMerge, LinkReview
from campaigns.models.parties import ApiKey, Case, CaseChange, Household, HouseholdKey, Partner, StageEntry
from campaigns.models.planning import (
    Campaign,
    CampaignStep,
    Dispatch,
    Enrollment,
    HumanTask,
    Response,
    SmsOptOut,
    TemplateVersion,
)
from campaigns.models.queues import KEPT_ON_RESPONSE, TaskEscalation, TaskKind, TaskOutcome, Worker
from campaigns.models.users import User, UserRole

__all__ = [
    "KEPT_ON_RESPONSE",
    "ApiKey",
    "BlockKey",
    "Campaign",
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
    "FactsRefresh",
    "Household",
    "HouseholdKey",
    "HouseholdMerge",
    "HumanTask",
    "IdempotencyRecord",
    "ImportJob",
    "ImportRejection",
    "ImportStatus",
    "LinkReview",
    "Partner",
    "PartnerKind",
    "Reason",
    "Response",
    "SmsOptOut",
    "StageEntry",
    "TaskEscalation",
    "TaskKind",
    "TaskOutcome",
    "TaskStatus",
    "TemplateVersion",
    "User",
    "UserRole",
    "Worker",
]
