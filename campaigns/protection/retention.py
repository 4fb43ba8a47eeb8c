"""Retention (docs/domain.md §10.4): the personal data of a household closed for longer than its campaigns'
retention period are erased. Ids, stages, dates, contacts and responses stay, and so do the daily facts
(campaigns/facts/daily.py) the evaluation reads: the figures do not change. Idempotent; run by the scheduled job."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from campaigns.accounts import audit
from campaigns.accounts.audit import Actor, AuditAction
from campaigns.models import (
    BlockKey,
    Campaign,
    Case,
    Dispatch,
    Enrollment,
    Household,
    HouseholdKey,
    HumanTask,
    StageEntry,
)
from campaigns.models.stages import Stage
from campaigns.platform.dialect import any_of

PURPOSE = "conservation : purge des dossiers clos"
BATCH = 1_000
# What a purged case keeps: its ids, partner reference, stage and dates, commune and postcode, park, allocataire
# flag, language and closure reason (the evaluation's dimensions). Everything else about the persons goes.
PURGED_VALUES: dict[str, object] = {
    "nom": None, "prenom": None, "date_naissance": None, "nom_cotitulaire": None, "prenom_cotitulaire": None,
    "date_naissance_cotitulaire": None, "adresse": None, "complement_adresse": None, "telephone": None,
    "telephone_index": None, "email": None, "montant_dette": None, "loyer_mensuel": None,
    "date_premier_impaye": None, "numero_allocataire": None,
    "ages_enfants": None, "mesure_protection": None, "mandataire_nom": None, "mandataire_adresse": None,
    "mandataire_code_postal": None, "mandataire_commune": None, "mandataire_telephone": None, "referent_connu": None,
    "bailleur": None,
    # The hash of the erased row would outlive it; a partner pushing the case again rewrites it.
    "content_hash": "",
}


# What a sent message keeps of the case it was written with.
SENT_PURGED = {"sent_adresse": None, "sent_code_postal": None, "sent_commune": None}


@dataclass(slots=True)
class PurgeResult:
    households: list[int] = field(default_factory=list)
    cases: int = 0
    files: int = 0  # outbox artefacts and print runs erased (Runtime.purge_expired)
    # (case, household) of the cases purged in households still open.
    purged_cases: list[tuple[int, int]] = field(default_factory=list)


def expired_households(session: Session, *, now: datetime, default_days: int) -> list[int]:
    """Closed households with personal data left, closed for longer than the longest retention period of the
    campaigns they were enrolled in (`default_days` for a campaign without one, or no campaign at all)."""
    periods = [days for days in session.scalars(select(Campaign.retention_days).distinct()) if days is not None]
    shortest = min([default_days, *periods])
    closed = session.execute(
        select(Household.id, StageEntry.entered_at)
        .join(StageEntry, StageEntry.id == Household.current_entry_id)
        .where(Household.stage == Stage.CLOTURE.value, Household.merged_into_id.is_(None),
               StageEntry.entered_at <= now - timedelta(days=shortest),
               select(Case.id).where(Case.household_id == Household.id, Case.purged_at.is_(None)).exists())
        .order_by(Household.id)
    ).all()
    if not closed:
        return []
    longest: dict[int, int] = {household: days for household, days in session.execute(
        select(Enrollment.household_id, func.max(func.coalesce(Campaign.retention_days, default_days)))
        .join(Campaign, Campaign.id == Enrollment.campaign_id)
        .where(any_of(session, Enrollment.household_id, [h for h, _ in closed]))
        .group_by(Enrollment.household_id)
    )}
    return [household for household, closed_at in closed
            if closed_at <= now - timedelta(days=longest.get(household, default_days))]


def purge_households(session: Session, household_ids: Sequence[int], *, now: datetime, actor: Actor) -> int:
    """Erases the personal data of these households' cases (and their workers' notes); returns the cases purged."""
    if not household_ids:
        return 0
    ids = list(household_ids)
    case_ids = list(session.scalars(select(Case.id).where(any_of(session, Case.household_id, ids),
                                                          Case.purged_at.is_(None))))
    if not case_ids:
        return 0
    session.execute(update(Case).where(any_of(session, Case.id, case_ids)).values(**PURGED_VALUES, purged_at=now),
                    execution_options={"synchronize_session": False})
    session.execute(update(HumanTask).where(any_of(session, HumanTask.household_id, ids), HumanTask.note.is_not(None))
                    .values(note=None), execution_options={"synchronize_session": False})
    session.execute(update(Dispatch).where(any_of(session, Dispatch.household_id, ids),
                                           Dispatch.sent_case_id.is_not(None)).values(**SENT_PURGED),
                    execution_options={"synchronize_session": False})
    # Hashes of names, birth dates and addresses: derived personal data, and a purged case matches nobody.
    session.execute(delete(HouseholdKey).where(any_of(session, HouseholdKey.household_id, ids)))
    session.execute(delete(BlockKey).where(any_of(session, BlockKey.case_id, case_ids)))
    audit.record(session, actor=actor, action=AuditAction.PURGE, purpose=PURPOSE, household_ids=ids, now=now)
    return len(case_ids)


def expired_cases(session: Session, *, now: datetime, default_days: int) -> list[tuple[int, int]]:
    """(case, household) of cases closed by their partner longer than their retention period ago, in households
    still open because of other partners' cases (docs/security.md, rule 3): a partner's closure is its own, and so
    is its purge. The period is the longest of its own partner's campaigns (`default_days` for a campaign without one,
    or a partner without campaigns), counted from the case's last update: never another partner's (rule 1: its purge
    date would tell that someone else wrote to the household)."""
    periods = [days for days in session.scalars(select(Campaign.retention_days).distinct()) if days is not None]
    shortest = min([default_days, *periods])
    closed = session.execute(
        select(Case.id, Case.household_id, Case.partner_id, Case.updated_at)
        .join(Household, Household.id == Case.household_id)
        .where(Case.stage == Stage.CLOTURE.value, Case.purged_at.is_(None),
               Case.updated_at <= now - timedelta(days=shortest), Household.stage != Stage.CLOTURE.value)
        .order_by(Case.id)
    ).all()
    if not closed:
        return []
    longest: dict[int, int] = {partner: days for partner, days in session.execute(
        select(Campaign.owner_partner_id, func.max(func.coalesce(Campaign.retention_days, default_days)))
        .where(any_of(session, Campaign.owner_partner_id, sorted({p for _, _, p, _ in closed})))
        .group_by(Campaign.owner_partner_id)
    )}
    return [(case, household) for case, household, partner, closed_at in closed
            if closed_at <= now - timedelta(days=longest.get(partner, default_days))]


def purge_cases(session: Session, cases: Sequence[tuple[int, int]], *, now: datetime, actor: Actor) -> int:
    """Erases the personal data of these closed cases only; their households and other cases stay."""
    if not cases:
        return 0
    case_ids = [case for case, _ in cases]
    session.execute(update(Case).where(any_of(session, Case.id, case_ids)).values(**PURGED_VALUES, purged_at=now),
                    execution_options={"synchronize_session": False})
    session.execute(delete(BlockKey).where(any_of(session, BlockKey.case_id, case_ids)))
    # Where the messages written with these cases went (the other partners' cases keep their own).
    session.execute(update(Dispatch).where(any_of(session, Dispatch.household_id, sorted({h for _, h in cases})),
                                           any_of(session, Dispatch.sent_case_id, case_ids)).values(**SENT_PURGED),
                    execution_options={"synchronize_session": False})
    audit.record(session, actor=actor, action=AuditAction.PURGE, purpose=PURPOSE,
                 household_ids=[household for _, household in cases], now=now)
    return len(case_ids)


def purge_expired(session: Session, *, now: datetime, default_days: int, batch: int = BATCH,
                  progress: Callable[[int], None] | None = None) -> PurgeResult:
    """Every expired household, then every expired closed case of a household still open, in batches of `batch`
    (one audit row each). Running it again purges nothing. `progress` gets the households and cases handled so far
    after each batch (the command line draws it, docs/operations.md)."""
    result = PurgeResult()
    expired = expired_households(session, now=now, default_days=default_days)
    done = 0
    for start in range(0, len(expired), batch):
        chunk = expired[start:start + batch]
        result.cases += purge_households(session, chunk, now=now, actor=Actor.system())
        result.households.extend(chunk)
        done += len(chunk)
        if progress is not None:
            progress(done)
    cases = expired_cases(session, now=now, default_days=default_days)
    for start in range(0, len(cases), batch):
        chunk_cases = cases[start:start + batch]
        result.cases += purge_cases(session, chunk_cases, now=now, actor=Actor.system())
        result.purged_cases.extend(chunk_cases)
        done += len(chunk_cases)
        if progress is not None:
            progress(done)
    return result


def outbox_references(session: Session, household_ids: Sequence[int], channels: Sequence[str]) -> list[str]:
    """Provider references of these households' contacts on these channels (outbox paths for the outbox ones)."""
    if not household_ids or not channels:
        return []
    return list(session.scalars(select(Dispatch.provider_ref).where(
        any_of(session, Dispatch.household_id, list(household_ids)), Dispatch.channel.in_(list(channels)),
        Dispatch.provider_ref.is_not(None))))


def case_outbox_references(session: Session, cases: Sequence[tuple[int, int]], channels: Sequence[str]) -> list[str]:
    """Provider references of the messages written with these cases ((case, household)) on these channels: a case
    purged while its household stays open takes its messages' outbox files with it."""
    if not cases or not channels:
        return []
    return list(session.scalars(select(Dispatch.provider_ref).where(
        any_of(session, Dispatch.household_id, sorted({household for _, household in cases})),
        any_of(session, Dispatch.sent_case_id, [case for case, _ in cases]), Dispatch.channel.in_(list(channels)),
        Dispatch.provider_ref.is_not(None))))
