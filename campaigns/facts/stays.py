"""What the evaluation reads from the live tables: household stays with their contacts and responses.

A *stay* is a household's time at one stage of the procedure (`StageEntry`). It is the evaluation's unit: a
response stops the steps of its stage, and is credited only to contacts of the same stay. Contacts are the
dispatches that reached (or tried to reach) the household: `delivered` and `returned` (NPAI). A stay also keeps
its first letter written to the landlord (a contact like the others) and the landlord's answers recorded at its
stage, for the landlord response rate.
Only ids, codes and dates are read here; names, addresses and allocataire numbers never leave the tables.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from campaigns.facts.landlord_answers import counted_landlord_answers
from campaigns.locale.clock import PARIS, departement_of
from campaigns.messages.addressees import LANDLORD_TEMPLATES
from campaigns.models import (
    STRUCTURE_NOTICES,
    AnswerLink,
    Campaign,
    Case,
    Dispatch,
    DispatchStatus,
    ExperimentAssignment,
    HumanTask,
    LinkAnswer,
    Partner,
    PartnerKind,
    Response,
    StageEntry,
)
from campaigns.models.authority import CaseSource, ruling_cases
from campaigns.models.stages import Stage
from campaigns.platform.dialect import any_of

CONTACT_STATUSES = (DispatchStatus.DELIVERED.value, DispatchStatus.RETURNED.value)
# A notice to the social services about a household (M24) is no contact with the household: never counted.
NOT_TO_STRUCTURES = or_(Dispatch.template.is_(None), Dispatch.template.not_in(sorted(STRUCTURE_NOTICES)))
BAILLEUR_KINDS = (PartnerKind.BAILLEUR_SOCIAL.value, PartnerKind.BAILLEUR_PRIVE.value)
# The nature of a response (or a task outcome) saying a diagnostic of the household's situation was made.
DIAGNOSTIC = "diagnostic_realise"


def day_of(at: datetime) -> date:
    """The French calendar day of an instant: facts and periods are counted in Europe/Paris days."""
    return at.astimezone(PARIS).date()


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=PARIS)


def day_runs(days: Collection[date]) -> list[tuple[datetime, datetime]]:
    """Consecutive days merged into [start, end) instants, so that a query needs one range per run."""
    runs: list[tuple[datetime, datetime]] = []
    first: date | None = None
    previous: date | None = None
    for day in sorted(days):
        if previous is not None and day == previous + timedelta(days=1):
            previous = day
            continue
        if first is not None and previous is not None:
            runs.append((day_start(first), day_start(previous + timedelta(days=1))))
        first = previous = day
    if first is not None and previous is not None:
        runs.append((day_start(first), day_start(previous + timedelta(days=1))))
    return runs


def in_days(column: Any, days: Collection[date]) -> ColumnElement[bool]:
    """`column` (an instant) falls on one of these Paris days; one range per run of consecutive days."""
    return or_(*(and_(column >= start, column < end) for start, end in day_runs(days)))


def departement(code_postal: str | None) -> str | None:
    """The département of a postal code: 44000 → 44, 97400 → 974, Corsica 20000 → 2A and 20200 → 2B."""
    return departement_of(code_postal)


@dataclass(frozen=True, slots=True)
class StayContact:
    dispatch_id: int
    at: datetime
    day: date
    channel: str
    step: int
    campaign_id: int
    owner_id: int
    template_version_id: int | None
    locale: str | None
    falc: bool | None
    status: str
    queue_partner_id: int | None
    # The template, the language and register asked for, and whether another variant was sent (LANG_FALLBACK);
    # None for calls and visits and for contacts recorded before they were kept.
    template: str | None = None
    requested_locale: str | None = None
    requested_falc: bool | None = None
    fallback: bool | None = None
    # The message carried an answer link (campaigns/links): the household could answer through it.
    link: bool = False


@dataclass(frozen=True, slots=True)
class Stay:
    stay_id: int
    household_id: int
    stage: str
    bailleur_id: int | None
    parc: str | None
    territory: str | None
    contacts: tuple[StayContact, ...]  # oldest first
    responses: tuple[datetime, ...]  # oldest first
    open: bool = False  # the household is still at this stage (not left, not closed)
    # The experiments whose arm the household was drawn into at this stay: (experiment id, arm, instant).
    experiments: tuple[tuple[int, str, datetime], ...] = ()
    # The first letter written to the household's landlord at this stay (a dispatch id among `contacts`), and the
    # instants of the landlord's answers recorded at this stage (campaigns/planning/landlord_answers.py).
    landlord_letter: int | None = None
    landlord_answers: tuple[datetime, ...] = ()
    # A diagnostic of the household's situation was recorded at this stay (a response `diagnostic_realise`).
    diagnosed: bool = False
    # The answers through an answer link (responses on the channel "lien"): when, and the message that carried it.
    link_answers: tuple[tuple[datetime, int | None], ...] = ()


@dataclass(frozen=True, slots=True)
class Profile:
    """What the facts keep of a household: its bailleur (partner id), its park and its département."""

    bailleur_id: int | None
    parc: str | None
    territory: str | None


def household_profiles(session: Session, household_ids: Collection[int]) -> dict[int, Profile]:
    """From the household's cases with authority over it (campaigns.models.authority; all its cases when none
    has): the freshest gives the park and the place, the freshest bailleur case the bailleur. A partner that pushed
    a name and a birth date neither moves the household into its own evaluation nor out of its landlord's
    (docs/security.md, rule 1)."""
    freshest: dict[int, tuple[tuple[date, datetime], str | None, str | None]] = {}
    bailleur: dict[int, tuple[tuple[date, datetime], int]] = {}
    if not household_ids:
        return {}
    rows = session.execute(
        select(Case.household_id, Case.partner_id, Partner.kind, Case.date_stade, Case.updated_at, Case.parc,
               Case.code_postal, Case.id, Case.stage)
        .join(Partner, Partner.id == Case.partner_id)
        .where(any_of(session, Case.household_id, list(household_ids)))
    ).all()
    ruling = ruling_cases(session, [CaseSource(r[7], r[0], r[2], r[8]) for r in rows])
    ruled = {r[0] for r in rows if r[7] in ruling}
    for household_id, partner_id, kind, date_stade, updated_at, parc, code_postal, case_id, _stage in rows:
        if household_id in ruled and case_id not in ruling:
            continue
        rank = (date_stade, updated_at)
        if household_id not in freshest or rank >= freshest[household_id][0]:
            freshest[household_id] = (rank, parc, departement(code_postal))
        if kind in BAILLEUR_KINDS and (household_id not in bailleur or rank >= bailleur[household_id][0]):
            bailleur[household_id] = (rank, partner_id)
    return {
        household_id: Profile(bailleur[household_id][1] if household_id in bailleur else None, parc, territory)
        for household_id, (_rank, parc, territory) in freshest.items()
    }


def own_case_profiles(session: Session, partner_id: int, household_ids: Collection[int]) -> dict[int, Profile]:
    """A partner's own profile of these households: from its freshest case in each (it is the bailleur when it is
    one), as the household's profile reads on a base where nobody else knows it (docs/security.md, rule 1)."""
    profiles: dict[int, tuple[tuple[date, datetime, int], Profile]] = {}
    if not household_ids:
        return {}
    rows = session.execute(
        select(Case.household_id, Partner.kind, Case.date_stade, Case.updated_at, Case.id, Case.parc, Case.code_postal)
        .join(Partner, Partner.id == Case.partner_id)
        .where(Case.partner_id == partner_id, any_of(session, Case.household_id, sorted(household_ids))))
    for household_id, kind, date_stade, updated_at, case_id, parc, code_postal in rows:
        rank = (date_stade, updated_at, case_id)
        if household_id not in profiles or rank > profiles[household_id][0]:
            bailleur = partner_id if kind in BAILLEUR_KINDS else None
            profiles[household_id] = (rank, Profile(bailleur, parc, departement(code_postal)))
    return {household_id: profile for household_id, (_rank, profile) in profiles.items()}


def stays_contacted_on(session: Session, days: Collection[date]) -> set[int]:
    """Stays with at least one contact, or drawn into an experiment arm, on one of these days."""
    if not days:
        return set()
    contacted = set(
        session.scalars(
            select(Dispatch.stage_entry_id)
            .where(in_days(Dispatch.sent_at, days), Dispatch.status.in_(CONTACT_STATUSES))
            .distinct()
        )
    )
    return contacted | set(session.scalars(select(ExperimentAssignment.stage_entry_id).where(
        in_days(ExperimentAssignment.assigned_at, days))))


def load_stays(session: Session, stay_ids: Collection[int]) -> list[Stay]:
    """These stays with all their contacts and responses (dispatches are fetched by household: it is indexed)."""
    if not stay_ids:
        return []
    wanted = set(stay_ids)
    entries = {
        stay_id: (household_id, stage)
        for stay_id, household_id, stage in session.execute(
            select(StageEntry.id, StageEntry.household_id, StageEntry.stage).where(
                any_of(session, StageEntry.id, sorted(wanted))
            )
        )
    }
    still_open = set(session.scalars(select(StageEntry.id).where(
        any_of(session, StageEntry.id, sorted(wanted)), StageEntry.left_at.is_(None),
        StageEntry.stage != Stage.CLOTURE.value)))
    drawn: dict[int, list[tuple[int, str, datetime]]] = {stay_id: [] for stay_id in entries}
    for stay_id, experiment_id, arm, assigned_at in session.execute(
        select(ExperimentAssignment.stage_entry_id, ExperimentAssignment.experiment_id, ExperimentAssignment.arm,
               ExperimentAssignment.assigned_at).where(any_of(session, ExperimentAssignment.stage_entry_id,
                                                              sorted(wanted)))
    ):
        if stay_id in drawn:
            drawn[stay_id].append((experiment_id, arm, assigned_at))
    households = sorted({household_id for household_id, _ in entries.values()})
    linked = set(session.scalars(select(AnswerLink.dispatch_id).where(
        any_of(session, AnswerLink.household_id, households), AnswerLink.dispatch_id.is_not(None))))
    contacts: dict[int, list[StayContact]] = {stay_id: [] for stay_id in entries}
    to_landlord: set[int] = set()
    rows = session.execute(
        select(Dispatch.id, Dispatch.stage_entry_id, Dispatch.sent_at, Dispatch.channel, Dispatch.step_position,
               Dispatch.campaign_id, Campaign.owner_partner_id, Dispatch.template_version_id,
               Dispatch.rendered_locale, Dispatch.rendered_falc, Dispatch.status, HumanTask.queue_partner_id,
               Dispatch.template, Dispatch.requested_locale, Dispatch.requested_falc, Dispatch.template_fallback)
        .join(Campaign, Campaign.id == Dispatch.campaign_id)
        .outerjoin(HumanTask, HumanTask.dispatch_id == Dispatch.id)
        .where(any_of(session, Dispatch.household_id, households), Dispatch.status.in_(CONTACT_STATUSES),
               Dispatch.sent_at.is_not(None), NOT_TO_STRUCTURES)
    )
    for (dispatch_id, stay_id, sent_at, channel, step, campaign_id, owner_id, version, locale, falc, status,
         queue, template, asked_locale, asked_falc, fallback) in rows:
        if stay_id in contacts and sent_at is not None:
            rendered = version is not None  # a message rendered from a template (not a call, not a visit)
            contacts[stay_id].append(StayContact(
                dispatch_id, sent_at, day_of(sent_at), channel, step, campaign_id, owner_id, version, locale, falc,
                status, queue, template if rendered else None, asked_locale if rendered else None,
                asked_falc if rendered else None, bool(fallback) if rendered else None, dispatch_id in linked))
            if template in LANDLORD_TEMPLATES:
                to_landlord.add(dispatch_id)
    landlord_answers = counted_landlord_answers(session, households)
    responses: dict[int, list[datetime]] = {stay_id: [] for stay_id in entries}
    diagnosed: set[int] = set()
    for response_stay, responded_at, nature in session.execute(
        select(Response.stage_entry_id, Response.responded_at, Response.nature).where(
            any_of(session, Response.stage_entry_id, sorted(wanted))
        )
    ):
        if response_stay is not None:
            responses[response_stay].append(responded_at)
            if nature == DIAGNOSTIC:
                diagnosed.add(response_stay)
    through_links: dict[int, list[tuple[datetime, int | None]]] = {}
    for response_stay, responded_at, carried_by in session.execute(
        select(Response.stage_entry_id, Response.responded_at, AnswerLink.dispatch_id)
        .join(LinkAnswer, LinkAnswer.response_id == Response.id).join(AnswerLink, AnswerLink.id == LinkAnswer.link_id)
        .where(any_of(session, Response.stage_entry_id, sorted(wanted)))
    ):
        if response_stay is not None:
            through_links.setdefault(response_stay, []).append((responded_at, carried_by))
    profiles = household_profiles(session, households)
    stays = []
    for stay_id, (household_id, stage) in sorted(entries.items()):
        profile = profiles.get(household_id, Profile(None, None, None))
        ordered = tuple(sorted(contacts[stay_id], key=lambda c: (c.at, c.dispatch_id)))
        letter = next((c.dispatch_id for c in ordered if c.dispatch_id in to_landlord), None)
        stays.append(Stay(
            stay_id, household_id, stage, profile.bailleur_id, profile.parc, profile.territory,
            ordered, tuple(sorted(responses[stay_id])), stay_id in still_open, tuple(sorted(drawn[stay_id])),
            letter, tuple(sorted(landlord_answers.get((household_id, stage), []))) if letter is not None else (),
            stay_id in diagnosed, tuple(sorted(through_links.get(stay_id, []), key=lambda a: (a[0], a[1] or 0))),
        ))
    return stays


def bailleur_households(session: Session, bailleur_id: int) -> Iterable[int]:
    """The households a bailleur pushed (scope of a bailleur's evaluation)."""
    return session.scalars(select(Case.household_id).where(Case.partner_id == bailleur_id).distinct())
