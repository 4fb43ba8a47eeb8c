"""A partner's own evaluation (docs/security.md, rules E1 to E3): the household stays kept in `fact_stays` (ids,
codes and dates, kept after the purge like the other facts), each cut down to the contacts the reader may count
(its own campaigns', the pilots' for a bailleur, its queue's calls and visits), then summed by the same code that
builds the all-partner facts (`campaigns.facts.build.accumulate`).

So a bailleur's figures never count a CAF's SMS or a CCAS's visit to its tenants, and a response is credited to
the last contact the reader may count in the 14 days before it. A stay none of whose contacts count is left out.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from campaigns.evaluation.sums import CubeSum, FactSums, Period, ReachSum, Scope, load_closures, load_fact_sums
from campaigns.facts.build import accumulate
from campaigns.facts.stays import Stay, own_case_profiles
from campaigns.facts.store import ASKED_KEY, CUBE_KEY, REACH_KEY, stay_of
from campaigns.models import Campaign, Case, Experiment, FactStay
from campaigns.platform.dialect import any_of
from campaigns.platform.statistics import Rate, rate

DelayRow = tuple[date, date, str, int]  # first day, last day, channel|delay, stays (as time_to_response reads them)

_REACH = {name: REACH_KEY.index(name) for name in REACH_KEY}
_CUBE = {name: CUBE_KEY.index(name) for name in CUBE_KEY}


def reader_stays(session: Session, scope: Scope) -> list[Stay]:
    """The stays of the scope, with only the contacts (and experiment draws) the reader may count. A bailleur reading
    its own view also counts, with its own profile, the stays of households where it has a case and another is the
    landlord (rule 6) that its own campaigns reached, on their own contacts only: the household it wrote to counts
    the same whether or not it is shared (docs/security.md, rule 1 and E2)."""
    query = select(FactStay.stay_id, FactStay.household_id, FactStay.payload)
    own_households: set[int] = set()
    if scope.bailleur_id is not None:
        landlord = FactStay.payload["bailleur"].as_integer() == scope.bailleur_id
        if scope.bailleur_reader:
            own_households = set(session.scalars(
                select(Case.household_id).where(Case.partner_id == scope.bailleur_id).distinct()))
            query = query.where(or_(landlord, any_of(session, FactStay.household_id, sorted(own_households))))
        else:
            query = query.where(landlord)
    owned = set(session.scalars(select(Experiment.id).join(Campaign, Campaign.id == Experiment.campaign_id)
                                .where(Campaign.owner_partner_id.in_(sorted(scope.contacts_of)))))
    rows = session.execute(query).all()
    profiles = own_case_profiles(session, scope.bailleur_id, own_households) if scope.bailleur_id is not None else {}
    # Another institution (E3) reads the households its contacts reached with its own profile of them: no landlord,
    # the park and territory its own case says (the household's territory where it has no case, a structure's
    # campaign or queue reaching it in its territory), never what a bailleur reported.
    institution = scope.reader_id is not None and scope.bailleur_id is None and not scope.bailleur_reader
    own_profiles = own_case_profiles(session, scope.reader_id, set(session.scalars(
        select(Case.household_id).where(Case.partner_id == scope.reader_id).distinct()))) \
        if institution and scope.reader_id is not None else {}
    stays = []
    for stay_id, household_id, data in rows:
        stay = stay_of(stay_id, household_id, data)
        if institution:
            own = own_profiles.get(household_id)
            stay = replace(stay, bailleur_id=None, parc=own.parc if own else None,
                           territory=own.territory if own else stay.territory, landlord_letter=None,
                           landlord_answers=())
        own_contacts_only = scope.bailleur_id is not None and stay.bailleur_id != scope.bailleur_id
        if own_contacts_only:
            if household_id not in profiles:
                continue
            profile = profiles[household_id]
            stay = replace(stay, bailleur_id=scope.bailleur_id, parc=profile.parc, territory=profile.territory,
                           contacts=tuple(c for c in stay.contacts if c.owner_id == scope.bailleur_id),
                           experiments=(), landlord_letter=None, landlord_answers=())
        if (scope.parc is not None and stay.parc != scope.parc) or (scope.stage is not None
                                                                    and stay.stage != scope.stage):
            continue
        contacts = tuple(c for c in stay.contacts if c.owner_id in scope.contacts_of
                         or (scope.queue_of is not None and c.queue_partner_id == scope.queue_of))
        experiments = tuple(e for e in stay.experiments if e[0] in owned)
        if contacts or experiments:
            # A bailleur never learns that a social service diagnosed its tenants (docs/domain.md §10.2).
            stays.append(replace(stay, contacts=contacts, experiments=experiments,
                                 diagnosed=stay.diagnosed and not scope.bailleur_reader))
    return stays


def _days(period: Period) -> list[date]:
    return [period.start + timedelta(days=n) for n in range((period.end - period.start).days + 1)]


def restricted_sums(session: Session, period: Period, scope: Scope) -> FactSums:
    """The reader's sums of the period, shaped like `load_fact_sums` (without the delays: see `restricted_delays`)."""
    cube_sums, reach_sums = accumulate(reader_stays(session, scope), _days(period))
    reach: dict[tuple[str, str, int | None, str | None, str | None], list[int]] = {}
    for key, (households, responded) in reach_sums.items():
        if key[_REACH["dimension"]] == "delai":
            continue
        cell = reach.setdefault((key[1], key[2], key[3], key[4], key[5]), [0, 0])
        cell[0] += households
        cell[1] += responded
    cube: dict[tuple[object, ...], list[int]] = {}
    for key, (contacts, responded) in cube_sums.items():
        short = tuple(key[_CUBE[name]] for name in ("owner_partner_id", "bailleur_partner_id", "campaign_id", "stage",
                                                   "step", "channel", "parc", "status", *ASKED_KEY))
        cell = cube.setdefault(short, [0, 0])
        cell[0] += contacts
        cell[1] += responded
    return FactSums(
        [ReachSum(d, v, b, p, s, h, r) for (d, v, b, p, s), (h, r) in reach.items()],
        [CubeSum(o, b, c, s, st, ch, p, status, n, r, *asked)  # type: ignore[arg-type]
         for (o, b, c, s, st, ch, p, status, *asked), (n, r) in cube.items()],
        load_closures(session, period, scope),
    )


def restricted_delays(session: Session, period: Period, scope: Scope) -> list[DelayRow]:
    """The reader's delays to the first response, per channel and day of first contact (dimension `delai`)."""
    _cube, reach = accumulate(reader_stays(session, scope), _days(period))
    return [(key[0], key[0], key[_REACH["value"]], households) for key, (households, _r) in sorted(
        reach.items(), key=lambda item: repr(item[0])) if key[_REACH["dimension"]] == "delai"]


def all_partners(session: Session, period: Period, scope: Scope) -> Rate:
    """The response rate of every partner's households (the only figure about others a partner's own view shows,
    docs/security.md E4), over the same stage and park."""
    households = responded = 0
    for row in load_fact_sums(session, period, Scope(stage=scope.stage, parc=scope.parc)).reach:
        if row.dimension == "ensemble":
            households += row.households
            responded += row.responded
    return rate(responded, households)
