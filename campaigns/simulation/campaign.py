"""Dry run of one campaign (a draft before activation, or a running one) on the current households: letters, SMS,
e-mails, calls and visits per week and per structure, and what coordination, caps, missing contact details and
hearing dates would take away. Replays the other active campaigns alongside; nothing is written or sent."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaigns.locale.clock import local_date
from campaigns.messages.composing import ConditionNotMetError, NoChannelError, check_reachable, is_mobile
from campaigns.models import Campaign, CampaignStep, Case, ChannelKind, Household, Partner
from campaigns.models.stages import Stage
from campaigns.planning.coordination import CoordinationRules
from campaigns.planning.current_stays import coverage, current_stays
from campaigns.planning.sequences import step_due_times
from campaigns.planning.stage_authority import hearing_dates
from campaigns.planning.standing import household_views
from campaigns.platform.dialect import any_of
from campaigns.queues.routing import campaign_queue
from campaigns.simulation.stock import VirtualLetter, coordinate_timeline

CHANNELS = ("courrier", "sms", "email", "appel", "visite")
REASON_LABELS = {
    "merged": "regroupés dans le courrier d'une autre campagne",
    "duplicate": "supprimés (un autre partenaire écrit au ménage dans la fenêtre de coordination)",
    "cap_reached": "plafond atteint",
    "no_channel": "coordonnées manquantes (pas d'adresse, de mobile, de téléphone ou d'e-mail)",
    "condition_not_met": "condition de l'étape non remplie",
}


@dataclass(slots=True)
class DryRun:
    start: datetime
    end: datetime
    households: int = 0
    # Monday of the week -> channel -> contacts that would go.
    by_week: dict[date, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    # Sending partner (letters, SMS, e-mails) or queue (calls, visits) -> channel -> contacts.
    by_structure: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    planned: Counter[str] = field(default_factory=Counter)
    suppressed: Counter[tuple[str, str]] = field(default_factory=Counter)
    after_hearing: Counter[str] = field(default_factory=Counter)

    @property
    def weeks(self) -> list[date]:
        first = local_date(self.start) - timedelta(days=local_date(self.start).weekday())
        count = (local_date(self.end) - first).days // 7 + 1
        return [first + timedelta(weeks=i) for i in range(count)]

    def total(self, channel: str) -> int:
        return sum(counts[channel] for counts in self.by_week.values())

    def as_dict(self) -> dict[str, object]:
        return {
            "debut": self.start.isoformat(), "fin": self.end.isoformat(), "menages": self.households,
            "prevus": {c: self.planned[c] for c in CHANNELS},
            "envoyes": {c: self.total(c) for c in CHANNELS},
            "par_semaine": [{"semaine": w.isoformat(), **{c: self.by_week[w][c] for c in CHANNELS}}
                            for w in self.weeks],
            "par_structure": [{"structure": s, **{c: counts[c] for c in CHANNELS}}
                              for s, counts in sorted(self.by_structure.items())],
            "supprimes": [{"canal": c, "motif": r, "libelle": REASON_LABELS.get(r, r), "nombre": n}
                          for (c, r), n in sorted(self.suppressed.items())],
            "apres_audience": {c: self.after_hearing[c] for c in CHANNELS if self.after_hearing[c]},
        }


def _week(at: datetime) -> date:
    day = local_date(at)
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True, slots=True)
class _Household:
    id: int
    stage: str
    referent: int | None
    case: Case
    hearing: date | None
    has_mobile: bool


def _households(session: Session, campaign: Campaign) -> list[_Household]:
    """The households activation enrolls (`current_stays`: at a covered stage, in the territory, segment and own
    stock, not answered at their stage), and those a running campaign already has for their current stay. The
    hearing date and the referent are those the owner may read (`standing.household_views`), as the tick routes
    and ranks its tasks: a partner whose cases there have no authority sees its own cases' hearing and no
    referent, as on an empty base (docs/security.md, rule 1)."""
    stays = current_stays(session, campaign, enrolled=True)
    ids = [stay.household_id for stay in stays]
    viewed = household_views(session, ids, campaign.owner_partner_id)
    referents = dict(session.execute(select(Household.id, Household.referent_partner_id)
                                     .where(any_of(session, Household.id, list(viewed)))).all()) if viewed else {}
    hearings: dict[int, date] = hearing_dates(session, viewed)
    own = [h for h in ids if h not in viewed]
    if own:
        rows = session.execute(
            select(Case.household_id, func.min(Case.date_audience))
            .where(any_of(session, Case.household_id, own), Case.partner_id == campaign.owner_partner_id,
                   Case.date_audience.is_not(None), Case.stage != Stage.CLOTURE.value)
            .group_by(Case.household_id))
        hearings |= {household_id: day for household_id, day in rows if day is not None}
    out = []
    for stay in stays:
        phone = None if stay.case.telephone_invalide else stay.case.telephone
        out.append(_Household(stay.household_id, stay.stage.value, referents.get(stay.household_id), stay.case,
                              hearings.get(stay.household_id), is_mobile(phone)))
    return out


def _unreachable(step: CampaignStep, case: Case) -> str | None:
    """Why the step would not go (`no_channel`, `condition_not_met`), None when it would."""
    # A response cannot be foreseen: the dry run counts the worst case, nobody answers.
    try:
        check_reachable(step.channel, case, [c for c in step.conditions if c != "no_response"])
    except ConditionNotMetError:
        return "condition_not_met"
    except NoChannelError:
        return "no_channel"
    return None


def dry_run(session: Session, campaign: Campaign, *, start: datetime, weeks: int,
            rules: CoordinationRules) -> DryRun:
    end = start + timedelta(weeks=weeks)
    report = DryRun(start, end)
    others = [c for c in session.scalars(select(Campaign).where(Campaign.active.is_(True))).all()
              if c.id != campaign.id]
    dues = {c.id: step_due_times(c, entered_at=start) for c in [campaign, *others]}
    names = dict(session.execute(select(Partner.id, Partner.name)).all())
    households = _households(session, campaign)
    cover = coverage(session, [campaign, *others], [h.id for h in households])
    for household in households:
        report.households += 1
        rivals = [c for c in others if cover.covers(c, household.id, household.stage, household.case)]
        outcomes = _letters(campaign, rivals, household, dues, rules=rules, end=end)
        sms_dues = _sms(campaign, rivals, household, dues, rules=rules, end=end)
        for step, due in zip(campaign.steps, dues[campaign.id], strict=True):
            if due > end:
                continue
            report.planned[step.channel] += 1
            if (unreachable := _unreachable(step, household.case)) is not None:
                report.suppressed[(step.channel, unreachable)] += 1
                continue
            when: datetime | None = due
            if step.channel == ChannelKind.COURRIER:
                outcome, when = outcomes[step.position]
                if outcome != "sent":
                    report.suppressed[(step.channel, outcome)] += 1
                    continue
            elif step.channel == ChannelKind.SMS:
                when = sms_dues.get(step.position)
                if when is None:
                    report.suppressed[(step.channel, "cap_reached")] += 1
                    continue
            assert when is not None
            report.by_week[_week(when)][step.channel] += 1
            structure = (household.referent or campaign_queue(campaign)) if step.channel in ("appel", "visite") \
                else campaign.owner_partner_id
            report.by_structure[names[structure]][step.channel] += 1
            if household.hearing is not None and local_date(when) > household.hearing:
                report.after_hearing[step.channel] += 1
    return report


def _letters(campaign: Campaign, rivals: list[Campaign], household: _Household, dues: dict[int, list[datetime]],
             *, rules: CoordinationRules, end: datetime) -> dict[int, tuple[str, datetime]]:
    """Replays coordination on the household's letters of every campaign; the outcome of this campaign's letters
    by step position, with the time they would go (a cap may defer them)."""
    mine: dict[int, VirtualLetter] = {}
    letters: list[VirtualLetter] = []
    for other in [campaign, *rivals]:
        for step, due in zip(other.steps, dues[other.id], strict=True):
            if step.channel != ChannelKind.COURRIER or due > end or _unreachable(step, household.case) is not None:
                continue
            letter = VirtualLetter(other.id, other.priority, step.regulatory, other.coordination, other.over_cap, due)
            letters.append(letter)
            if other is campaign:
                mine[step.position] = letter
    coordinate_timeline(letters, rules=rules, end=end)
    return {position: (letter.outcome or "cap_reached", letter.due) for position, letter in mine.items()}


def _sms(campaign: Campaign, rivals: list[Campaign], household: _Household, dues: dict[int, list[datetime]],
         *, rules: CoordinationRules, end: datetime) -> dict[int, datetime]:
    """The SMS cap across partners (rules.sms_per_24_hours): when each of this campaign's SMS would go, by step
    position; a step missing from the answer is skipped by its campaign's `over_cap: skip`, or pushed past the end."""
    if not household.has_mobile:
        return {}
    pending = sorted(
        ((due, other, step) for other in [campaign, *rivals]
         for step, due in zip(other.steps, dues[other.id], strict=True)
         if step.channel == ChannelKind.SMS and due <= end),
        key=lambda item: (item[0], item[1].id, item[2].position),
    )
    sent: list[datetime] = []
    out: dict[int, datetime] = {}
    while pending:
        due, other, step = pending.pop(0)
        recent = [t for t in sent if t > due - timedelta(hours=24)]
        if len(recent) >= rules.sms_per_24_hours:
            if other.over_cap == "defer":
                later = min(recent) + timedelta(hours=24, minutes=1)
                if later <= end:
                    pending.append((later, other, step))
                    pending.sort(key=lambda item: (item[0], item[1].id, item[2].position))
            continue
        sent.append(due)
        if other is campaign:
            out[step.position] = due
    return out
