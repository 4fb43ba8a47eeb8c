"""ORM tables, one module per area; import from here."""

from campaigns.models.enums import ChannelKind, DispatchStatus, ImportStatus, PartnerKind, Reason, TaskStatus
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

__all__ = [
    "ApiKey",
    "BlockKey",
    "Campaign",
    "CampaignStep",
    "Case",
    "CaseChange",
    "ChannelKind",
    "Dispatch",
    "DispatchStatus",
    "Enrollment",
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
    "TaskStatus",
    "TemplateVersion",
]
