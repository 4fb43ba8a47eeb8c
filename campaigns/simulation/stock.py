"""Dry run of the configured campaigns on the current households: letters per household by profile, with and
without coordination (the Seine-Saint-Denis "du simple au quintuple" audit). Nothing is written or sent."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from campaigns.messages.addressees import is_landlord_letter
from campaigns.models import (
    STRUCTURE_NOTICES,
    Campaign,
    CampaignStatus,
    Case,
    ChannelKind,
    Household,
    Partner,
    PartnerKind,
)
from campaigns.models.stages import Stage
from campaigns.planning.coordination import CoordinationRules
from campaigns.planning.current_stays import coverage
from campaigns.planning.sequences import step_due_times


@dataclass(slots=True)
class VirtualLetter:
    campaign_id: int
    priority: int
    regulatory: bool
    coordination: str
    over_cap: str
    due: datetime
    # Set by coordinate_timeline: sent, merged, duplicate or cap_reached (the dry run of one campaign reads it).
    outcome: str = ""


def _rank(letter: VirtualLetter) -> tuple[int, int, datetime, int]:
    return (0 if letter.regulatory else 1, letter.priority, letter.due, letter.campaign_id)


def coordinate_timeline(
    letters: list[VirtualLetter], *, rules: CoordinationRules, end: datetime
) -> tuple[int, Counter[str]]:
    """The rules of `coordination.coordinate` replayed on one household's planned letters."""
    pending = sorted((letter for letter in letters if letter.due <= end), key=lambda x: x.due)
    sent: list[tuple[datetime, int]] = []
    avoided: Counter[str] = Counter()
    while pending:
        letter = pending.pop(0)
        now = letter.due
        if not letter.regulatory and any(t >= now - rules.window and c != letter.campaign_id for t, c in sent):
            avoided["duplicate"] += 1
            letter.outcome = "duplicate"
            continue
        rivals = [x for x in pending if x.campaign_id != letter.campaign_id and x.due <= now + rules.window]
        winner = min([letter, *rivals], key=_rank)
        if winner is not letter and not letter.regulatory:
            letter.outcome = "merged" if letter.coordination == "merge" else "duplicate"
            avoided[letter.outcome] += 1
            continue
        for rival in rivals:
            if not rival.regulatory:
                pending.remove(rival)
                rival.outcome = "merged" if rival.coordination == "merge" else "duplicate"
                avoided[rival.outcome] += 1
        recent = sorted(t for t, _c in sent if t > now - timedelta(days=30))
        if not letter.regulatory and len(recent) >= rules.letters_per_30_days:
            if letter.over_cap == "skip":
                avoided["cap_reached"] += 1
                letter.outcome = "cap_reached"
            else:
                letter.due = recent[len(recent) - rules.letters_per_30_days] + timedelta(days=30, minutes=1)
                if letter.due <= end:
                    pending.append(letter)
                    pending.sort(key=lambda x: x.due)
                else:
                    avoided["cap_reached"] += 1
                    letter.outcome = "cap_reached"
            continue
        sent.append((now, letter.campaign_id))
        letter.outcome = "sent"
    return len(sent), avoided


@dataclass(frozen=True, slots=True)
class Profile:
    parc: str
    allocataire: str
    bailleur: str
    stage: str


@dataclass(slots=True)
class ProfileRow:
    households: int = 0
    without: list[int] = field(default_factory=list)
    with_coordination: list[int] = field(default_factory=list)
    avoided: Counter[str] = field(default_factory=Counter)
    under_reached: int = 0
    # Households sent more letters than the cap in some rolling 30 days (regulatory letters pass the cap).
    above_cap_without: int = 0
    above_cap_with: int = 0


# The private park without a phone "passe sous les radars" (docs/domain.md §7.1): flagged, not hidden.
UNDER_REACHED = "sous-atteint : pas de téléphone, parc privé"


@dataclass(frozen=True, slots=True)
class HouseholdLetters:
    """One household of the dry run: its profile, its letters without and with coordination, those avoided by
    reason, and whether it is under-reached."""

    household_id: int
    profile: Profile
    without: int
    with_coordination: int
    avoided: dict[str, int]
    under_reached: bool

    def as_dict(self) -> dict[str, object]:
        return {"menage": self.household_id, "parc": self.profile.parc, "allocataire": self.profile.allocataire,
                "bailleur": self.profile.bailleur, "stade": self.profile.stage,
                "courriers_sans_coordination": self.without, "courriers_avec_coordination": self.with_coordination,
                "evites": dict(self.avoided), "sous_atteint": self.under_reached,
                "signalement": UNDER_REACHED if self.under_reached else None}


@dataclass(frozen=True, slots=True)
class SimulationReport:
    start: datetime
    end: datetime
    rows: dict[Profile, ProfileRow]
    rules: CoordinationRules = field(default_factory=CoordinationRules)
    households: list[HouseholdLetters] = field(default_factory=list)

    def as_dict(self, *, per_household: bool = False) -> dict[str, object]:
        """`per_household`: the list of every household too (a long list on a whole territory)."""
        report: dict[str, object] = {
            "debut": self.start.isoformat(),
            "fin": self.end.isoformat(),
            "regles": {"fenetre_coordination_jours": self.rules.window.days,
                       "courriers_par_30_jours": self.rules.letters_per_30_days,
                       "sms_par_24_heures": self.rules.sms_per_24_hours},
            "plafond_courriers_30_jours": self.rules.letters_per_30_days,
            "profils": [
                {"parc": p.parc, "allocataire": p.allocataire, "bailleur": p.bailleur, "stade": p.stage,
                 "menages": r.households,
                 "courriers_sans_coordination": {"moyenne": _mean(r.without), "max": max(r.without, default=0)},
                 "courriers_avec_coordination": {"moyenne": _mean(r.with_coordination),
                                                 "max": max(r.with_coordination, default=0)},
                 "evites": dict(r.avoided), "sous_atteints": r.under_reached,
                 "au_dessus_du_plafond": {"sans_coordination": r.above_cap_without,
                                          "avec_coordination": r.above_cap_with}}
                for p, r in sorted(self.rows.items(), key=lambda item: tuple(vars_of(item[0])))
            ],
        }
        if per_household:
            report["menages"] = [h.as_dict() for h in self.households]
        return report


def over_cap(sent: list[datetime], *, cap: int, period: timedelta = timedelta(days=30)) -> bool:
    """More than `cap` letters in some rolling `period` (as coordination counts them before sending one more)."""
    times = sorted(sent)
    return any(times[i + cap] - times[i] < period for i in range(len(times) - cap))


def vars_of(profile: Profile) -> tuple[str, str, str, str]:
    return (profile.parc, profile.allocataire, profile.bailleur, profile.stage)


def _mean(values: list[int]) -> float:
    return round(sum(values) / len(values), 1) if values else 0.0


def simulate(session: Session, *, start: datetime, days: int, rules: CoordinationRules,
             include_drafts: bool = False) -> SimulationReport:
    """The active campaigns (and the drafts, when `include_drafts`: as if they were activated at `start`)
    replayed on the households at a stage now; letters to a landlord are not the household's."""
    end = start + timedelta(days=days)
    running: ColumnElement[bool] = Campaign.active.is_(True)
    if include_drafts:
        running = or_(running, Campaign.status == CampaignStatus.BROUILLON.value)
    campaigns = session.scalars(select(Campaign).where(running).order_by(Campaign.id)).all()
    dues = {c.id: step_due_times(c, entered_at=start) for c in campaigns}
    households: dict[int, str] = dict(session.execute(  # type: ignore[arg-type]
        select(Household.id, Household.stage).where(
            Household.stage.is_not(None), Household.stage != Stage.CLOTURE, Household.merged_into_id.is_(None))
    ).all())
    bailleurs = dict(session.execute(select(Partner.id, Partner.name).where(
        Partner.kind.in_([PartnerKind.BAILLEUR_SOCIAL.value, PartnerKind.BAILLEUR_PRIVE.value]))).all())
    cases: dict[int, list[Case]] = defaultdict(list)
    for case in session.scalars(select(Case).where(Case.household_id.in_(list(households)))):
        cases[case.household_id].append(case)
    rows: dict[Profile, ProfileRow] = defaultdict(ProfileRow)
    listed: list[HouseholdLetters] = []
    cover = coverage(session, campaigns, list(households))
    for household_id, stage in sorted(households.items()):
        own = cases[household_id]
        latest = max(own, key=lambda c: (c.date_stade, c.updated_at, c.id))
        bailleur = next((bailleurs[c.partner_id] for c in own if c.partner_id in bailleurs), "—")
        letters = [
            VirtualLetter(c.id, c.priority, step.regulatory, c.coordination, c.over_cap, due)
            for c in campaigns
            if cover.covers(c, household_id, stage, latest)
            for step, due in zip(c.steps, dues[c.id], strict=True)
            # Neither a notice to the social services (M24) nor a letter to the landlord is the household's.
            if step.channel == ChannelKind.COURRIER and due <= end and step.template not in STRUCTURE_NOTICES
            and not is_landlord_letter(step.template)
        ]
        planned = [letter.due for letter in letters]
        sent, avoided = coordinate_timeline(letters, rules=rules, end=end)
        profile = Profile(latest.parc or "inconnu", latest.allocataire or "inconnu", bailleur, stage)
        row = rows[profile]
        row.households += 1
        row.without.append(len(letters))
        row.with_coordination.append(sent)
        row.avoided.update(avoided)
        cap = rules.letters_per_30_days
        row.above_cap_without += over_cap(planned, cap=cap)
        row.above_cap_with += over_cap([x.due for x in letters if x.outcome == "sent"], cap=cap)
        # The private park without a phone "passe sous les radars" (docs/domain.md §7.1): flagged, not hidden.
        under_reached = latest.parc == "prive" and not any(c.telephone for c in own)
        row.under_reached += under_reached
        listed.append(HouseholdLetters(household_id, profile, len(letters), sent, dict(avoided), under_reached))
    return SimulationReport(start, end, dict(rows), rules, listed)
