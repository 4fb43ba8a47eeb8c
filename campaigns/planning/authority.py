"""Authority over a shared household (docs/security.md, "Règles d'autorité"): what a partner may see of a household
others know too, and which planned contacts its acts may stop. The household is the service's, not a partner's:

1. No oracle: a partner reads what it pushed and what the service did in its name (its campaigns' contacts).
2. No action on others' behalf: a partner's response stops its own campaigns' contacts; a household-wide stop needs
   evidence (`Evidence`), and a regulatory letter of the State is never stopped by a response.
3. Closure per case: a partner's closure stops its own campaigns' contacts; the household closes with its last case.
4. Addresses per source: an NPAI invalidates one address (as normalised, campaigns.delivery.returns), and a
   campaign writes with its own cases' data unless the household is attributed to it (campaigns.messages.sources).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from campaigns.links.tokens import revoke_case_links
from campaigns.models import (
    APPOINTMENT_REMINDER,
    KEPT_ON_RESPONSE,
    STRUCTURE_NOTICES,
    Campaign,
    Case,
    CaseChange,
    Dispatch,
    DispatchStatus,
    HumanTask,
    Reason,
    Response,
    TaskStatus,
)
from campaigns.models.enums import RESPONSE_REASONS
from campaigns.platform.dialect import any_of

PENDING_DISPATCH = (DispatchStatus.PLANNED, DispatchStatus.QUEUED)
PENDING_TASK = (TaskStatus.PENDING, TaskStatus.RESERVED, TaskStatus.IN_PROGRESS)


class Evidence(StrEnum):
    """Why a response stops every partner's pending steps of the stage (never a regulatory letter).

    The first three come from channels the service operates; the others are a partner's word, accepted only with
    one of these reasons, recorded under its name in the audit log (campaigns.accounts.audit).
    """

    SMS_REPLY = "reponse_sms"  # the household answered an SMS of the service
    WORKER_OUTCOME = "resultat_agent"  # a worker recorded a call or visit that reached the household
    HOUSEHOLD_ACTION = "action_menage"  # the household's own action on a service channel
    RENDEZ_VOUS_HONORE = "rendez_vous_honore"  # the household came to an appointment with the partner
    ACCOMPAGNEMENT_ENGAGE = "accompagnement_engage"  # the partner's social worker now follows the household
    PLAN_APUREMENT_SIGNE = "plan_apurement_signe"  # the household signed a repayment plan with the partner
    APPEL_DU_MENAGE = "appel_du_menage"  # the household called the partner (its named contact, its reception)


# The reasons a partner may give through POST /api/v1/reponses (`motif_menage`).
PARTNER_EVIDENCE = (Evidence.RENDEZ_VOUS_HONORE, Evidence.ACCOMPAGNEMENT_ENGAGE, Evidence.PLAN_APUREMENT_SIGNE,
                    Evidence.APPEL_DU_MENAGE)

EVIDENCE_LABELS: dict[Evidence, str] = {
    Evidence.SMS_REPLY: "réponse du ménage par SMS",
    Evidence.WORKER_OUTCOME: "appel ou visite ayant joint le ménage",
    Evidence.HOUSEHOLD_ACTION: "démarche du ménage",
    Evidence.RENDEZ_VOUS_HONORE: "rendez-vous honoré par le ménage",
    Evidence.ACCOMPAGNEMENT_ENGAGE: "accompagnement social engagé",
    Evidence.PLAN_APUREMENT_SIGNE: "plan d'apurement signé",
    Evidence.APPEL_DU_MENAGE: "appel du ménage au partenaire",
}


def own_campaigns(session: Session, partner_id: int) -> list[int]:
    """The campaigns a partner owns or runs by delegation: the only contacts its own acts may stop."""
    return list(session.scalars(select(Campaign.id).where(
        or_(Campaign.owner_partner_id == partner_id, Campaign.delegate_partner_id == partner_id))))


def campaign_partners(campaign: Campaign) -> list[int]:
    """The partners whose word is the campaign's own: its owner and the operator it is delegated to."""
    return [p for p in (campaign.owner_partner_id, campaign.delegate_partner_id) if p is not None]


def stops_campaign(campaign: Campaign) -> ColumnElement[bool]:
    """A condition on `Response`: the response stops this campaign's steps of its stay, when it is recorded and when
    they fall due (docs/security.md, rule 2): evidence that the household answered, or the word of the partner that
    owns or runs the campaign. Another partner's plain response stops nothing of it."""
    own = campaign_partners(campaign)
    return or_(Response.evidence.is_not(None), Response.partner_id.in_(own))


def response_reason(campaign: Campaign, responses: Iterable[tuple[str | None, int]]) -> Reason | None:
    """Why the responses of a stay (evidence, partner) stop this campaign's step when it falls due: `responded` when
    the partner owning or running it recorded one, `responded_other_campaign` when the household answered another
    partner (evidence), None when none stops it (`stops_campaign`, docs/security.md rule 2)."""
    own = set(campaign_partners(campaign))
    found = list(responses)
    if any(partner_id in own for _evidence, partner_id in found):
        return Reason.RESPONDED
    if any(evidence is not None for evidence, _partner_id in found):
        return Reason.RESPONDED_OTHER_CAMPAIGN
    return None


def stop_pending(
    session: Session, *, household_id: int, reason: Reason, now: datetime, stage: str | None = None,
    campaign_ids: Sequence[int] | None = None,
) -> int:
    """Cancels a household's pending contacts (of one stage; of these campaigns only, unless None = all).

    After a response, regulatory letters and the DSF tasks stay (docs/security.md, rule 2). Returns the letters,
    SMS and e-mails cancelled."""
    dispatches: list[ColumnElement[bool]] = [Dispatch.household_id == household_id,
                                             Dispatch.status.in_(PENDING_DISPATCH)]
    tasks: list[ColumnElement[bool]] = [HumanTask.household_id == household_id, HumanTask.status.in_(PENDING_TASK)]
    if stage is not None:
        dispatches.append(Dispatch.stage == stage)
        tasks.append(HumanTask.stage == stage)
    if reason in RESPONSE_REASONS:
        # Regulatory letters stay, and so do the reminder of an appointment the household agreed to and the notices
        # to the social services (M24: they are told of the stage whether or not the household answered).
        dispatches.extend((Dispatch.regulatory.is_(False), or_(
            Dispatch.template.is_(None), Dispatch.template.not_in([APPOINTMENT_REMINDER, *sorted(STRUCTURE_NOTICES)]))))
        tasks.append(HumanTask.kind.not_in(KEPT_ON_RESPONSE))
    if campaign_ids is not None:
        if not campaign_ids:
            return 0
        dispatches.append(any_of(session, Dispatch.campaign_id, list(campaign_ids)))
        tasks.append(HumanTask.dispatch_id.in_(select(Dispatch.id).where(
            Dispatch.household_id == household_id, any_of(session, Dispatch.campaign_id, list(campaign_ids)))))
    result = session.execute(
        update(Dispatch).where(*dispatches)
        .values(status=DispatchStatus.CANCELLED.value, reason=reason.value, finished_at=now),
        execution_options={"synchronize_session": False})
    session.execute(
        update(HumanTask).where(*tasks)
        .values(status=TaskStatus.CANCELLED.value, reason=reason.value, updated_at=now),
        execution_options={"synchronize_session": False})
    return int(result.rowcount)  # type: ignore[attr-defined]


def close_own_contacts(session: Session, case: Case, *, now: datetime) -> int:
    """A partner closed its case: its own campaigns stop writing to the household; the others go on (rule 3).
    The answer links of the case stop working at once (docs/web.md)."""
    revoke_case_links(session, case_id=case.id, now=now)
    return stop_pending(session, household_id=case.household_id, reason=Reason.CLOSED, now=now,
                        campaign_ids=own_campaigns(session, case.partner_id))


def case_stage_since(session: Session, case: Case) -> datetime:
    """When the case reached its current stage, by its own history: what "at the current stage" means to its
    partner (never the household's stage, which others' reports may set)."""
    moved = session.scalar(select(CaseChange.changed_at).where(
        CaseChange.case_id == case.id, CaseChange.new_stage == case.stage).order_by(CaseChange.changed_at.desc())
        .limit(1))
    return moved or case.created_at
