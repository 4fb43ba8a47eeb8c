"""A household's response, recorded at the stay it answers, and what it stops (docs/security.md, rules 2 and 7)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from campaigns.models import Case, Household, Partner, Reason, Response
from campaigns.planning.authority import Evidence, own_campaigns, stop_pending
from campaigns.planning.stage_authority import OWN_STAY_KINDS
from campaigns.platform.errors import NotFoundError


def record_response(
    session: Session,
    *,
    household_id: int,
    partner: Partner,
    channel: str,
    nature: str,
    responded_at: datetime,
    now: datetime,
    case_id: int | None = None,
    evidence: Evidence | None,
    stay: tuple[str, int] | None = None,
) -> tuple[Response, int]:
    """Records a response and stops what it may (docs/security.md, rule 2): the pending steps of the recording
    partner's own campaigns at the response's stage; with `evidence` that the household answered, every partner's
    pending steps (of every current stay). Regulatory letters and DSF tasks always stay. Returns the
    response and how many of the partner's own contacts stopped (the only count it may be told).

    The response is at `stay` ((stage, stage entry): the stay of the SMS answered) if given, else at the stay of the
    partner's own case (rule 7: every partner but the pilots), else at the household's current stay."""
    household = session.get(Household, household_id)
    if household is None:
        raise NotFoundError("ménage inconnu")
    stage, entry = household.stage, household.current_entry_id
    if stay is not None:
        stage, entry = stay
    elif case_id is not None and partner.kind in OWN_STAY_KINDS:
        case = session.get(Case, case_id)
        if case is not None and case.stay_entry_id is not None:
            stage, entry = case.stage, case.stay_entry_id
    response = Response(
        household_id=household_id,
        case_id=case_id,
        partner_id=partner.id,
        stage=stage,
        stage_entry_id=entry,
        channel=channel,
        nature=nature,
        responded_at=responded_at,
        created_at=now,
        evidence=None if evidence is None else evidence.value,
    )
    session.add(response)
    cancelled = 0
    if stage is not None:
        cancelled = stop_pending(session, household_id=household_id, reason=Reason.RESPONDED, now=now,
                                 stage=stage, campaign_ids=own_campaigns(session, partner.id))
        if evidence is not None:
            # The household answered: every partner's relances stop, at whatever stay they are planned (the
            # household's, a bailleur's own case's: docs/security.md, rule 7); the answered partner's own first
            # (`responded`), then the other campaigns' (`responded_other_campaign`, docs/domain.md §10.1 req. 17).
            cancelled += stop_pending(session, household_id=household_id, reason=Reason.RESPONDED, now=now,
                                      campaign_ids=own_campaigns(session, partner.id))
            stop_pending(session, household_id=household_id, reason=Reason.RESPONDED_OTHER_CAMPAIGN, now=now)
    session.flush()
    return response, cancelled
