"""The evaluation's other sections, from the same fact sums: contact modes by park (ADIL 44), letters per
household by profile, NPAI returns, costs per response, the funnel per stage, closure reasons (Essonne), the
follow-up of each call and visit queue (Vendée "sans suite"), the charter indicators (002, annexe 6) and the
fallbacks of language or FALC per template."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.evaluation.fallbacks import FallbackRow, fallback_rows
from campaigns.messages.addressees import LANDLORD_TEMPLATES
from campaigns.models import Campaign
from campaigns.models.stages import Stage
from campaigns.platform.statistics import Rate, rate

if TYPE_CHECKING:
    from campaigns.evaluation.labels import Labels
    from campaigns.evaluation.sums import FactSums


@dataclass(frozen=True, slots=True)
class ModeTable:
    """Households of a park that responded, by the step their response is credited to (ADIL 44, §5.1)."""

    parc: str
    responders: int
    modes: list[tuple[str, int]]


@dataclass(frozen=True, slots=True)
class LettersProfile:
    parc: str
    bailleur: str
    stage: str
    households: int
    letters: int
    distribution: dict[int, int]


@dataclass(frozen=True, slots=True)
class CostRow:
    label: str
    contacts: int
    cost: float
    responses: int
    complete: bool  # False when some contacts have no unit cost

    @property
    def per_response(self) -> float | None:
        return self.cost / self.responses if self.responses else None


@dataclass(frozen=True, slots=True)
class FunnelRow:
    stage: str
    contacted: int
    with_letter: int
    responded: Rate


@dataclass(frozen=True, slots=True)
class Closures:
    motifs: list[tuple[str, int]]
    total: int
    responded: int
    returned_only: int
    neither: int


@dataclass(frozen=True, slots=True)
class QueueRow:
    label: str
    households: int
    followed_up: int

    @property
    def without_follow_up(self) -> Rate:
        return rate(self.households - self.followed_up, self.households)


@dataclass(frozen=True, slots=True)
class Indicator:
    label: str
    kind: str  # "count" (households or contacts) or "rate"
    values: tuple[int | Rate, int | Rate, int | Rate]  # parc privé, parc public (social), total


def _modes(sums: FactSums, labels: Labels) -> list[ModeTable]:
    responders: Counter[str | None] = Counter()
    credited: dict[str | None, Counter[str]] = defaultdict(Counter)
    for row in sums.reach:
        if row.dimension == "ensemble":
            responders[row.parc] += row.responded
        elif row.dimension == "etape":
            credited[row.parc][row.value] += row.responded
    tables = []
    for parc in sorted(responders, key=lambda p: (p is None, p or "")):
        steps = sorted(credited[parc], key=lambda v: (int(v.split(":")[0]), v))
        tables.append(ModeTable(labels.value("parc", parc), responders[parc],
                                [(labels.value("etape", v), credited[parc][v]) for v in steps]))
    return tables


def _letters(sums: FactSums, labels: Labels) -> list[LettersProfile]:
    profiles: dict[tuple[str | None, int | None, str | None], Counter[int]] = defaultdict(Counter)
    for row in sums.reach:
        if row.dimension == "courriers":
            profiles[(row.parc, row.bailleur_id, row.stage)][int(row.value)] += row.households
    result = []
    for (parc, bailleur, stage), distribution in profiles.items():
        result.append(LettersProfile(
            labels.value("parc", parc), labels.partner(bailleur), labels.value("stade", stage),
            sum(distribution.values()), sum(k * n for k, n in distribution.items()), dict(sorted(distribution.items())),
        ))
    return sorted(result, key=lambda p: (p.parc, p.bailleur, p.stage))


def _npai(sums: FactSums, labels: Labels) -> list[tuple[str, Rate]]:
    letters: Counter[str | None] = Counter()
    returned: Counter[str | None] = Counter()
    for row in sums.cube:
        # The households' letters: one to the landlord comes back from the landlord's address.
        if row.channel == "courrier" and row.template not in LANDLORD_TEMPLATES:
            letters[row.parc] += row.contacts
            returned[row.parc] += row.contacts if row.status == "returned" else 0
    rows = [(labels.value("parc", parc), rate(returned[parc], letters[parc]))
            for parc in sorted(letters, key=lambda p: (p is None, p or ""))]
    return [*rows, ("ensemble", rate(sum(returned.values()), sum(letters.values())))] if rows else []


def _costs(sums: FactSums, labels: Labels, session: Session) -> tuple[list[CostRow], list[CostRow]]:
    unit_costs = {cid: costs or {} for cid, costs in session.execute(select(Campaign.id, Campaign.unit_costs))}
    by_campaign: dict[int, list[float]] = defaultdict(lambda: [0, 0.0, 0, 1])
    by_channel: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0, 1])
    for row in sums.cube:
        costs = unit_costs.get(row.campaign_id, {})
        if not costs:
            continue
        unit = costs.get(row.channel)
        campaign = by_campaign[row.campaign_id]
        campaign[0] += row.contacts
        campaign[1] += row.contacts * (unit or 0.0)
        campaign[2] += row.responded
        if unit is None:
            campaign[3] = 0
            continue
        channel = by_channel[row.channel]
        channel[0] += row.contacts
        channel[1] += row.contacts * unit
        channel[2] += row.responded
    campaigns = [CostRow(labels.value("campagne", str(cid)), int(c), round(cost, 2), int(r), bool(ok))
                 for cid, (c, cost, r, ok) in by_campaign.items()]
    channels = [CostRow(labels.value("canal", ch), int(c), round(cost, 2), int(r), True)
                for ch, (c, cost, r, _ok) in by_channel.items()]
    return sorted(campaigns, key=lambda c: c.label), sorted(channels, key=lambda c: c.label)


def _funnel(sums: FactSums, labels: Labels) -> list[FunnelRow]:
    contacted: Counter[str | None] = Counter()
    responded: Counter[str | None] = Counter()
    lettered: Counter[str | None] = Counter()
    for row in sums.reach:
        if row.dimension == "ensemble":
            contacted[row.stage] += row.households
            responded[row.stage] += row.responded
        elif row.dimension == "canal" and row.value == "courrier":
            lettered[row.stage] += row.households
    order = {s.value: s.rank for s in Stage}
    return [FunnelRow(labels.value("stade", s), contacted[s], lettered[s], rate(responded[s], contacted[s]))
            for s in sorted(contacted, key=lambda s: order.get(s or "", 99))]


def _closures(sums: FactSums) -> Closures:
    motifs: Counter[str] = Counter()
    responded = returned_only = neither = 0
    for motif, has_responded, has_returned, _parc, n in sums.closures:
        motifs[motif] += n
        if has_responded:
            responded += n
        elif has_returned:
            returned_only += n
        else:
            neither += n
    ordered = sorted(motifs.items(), key=lambda item: (-item[1], item[0]))
    return Closures(ordered, sum(motifs.values()), responded, returned_only, neither)


def _queues(sums: FactSums, labels: Labels) -> list[QueueRow]:
    households: Counter[str] = Counter()
    followed: Counter[str] = Counter()
    for row in sums.reach:
        if row.dimension == "file":
            households[row.value] += row.households
            followed[row.value] += row.responded
    return sorted((QueueRow(labels.value("file", q), households[q], followed[q]) for q in households),
                  key=lambda q: q.label)


def _indicators(sums: FactSums) -> list[Indicator]:
    """002, annexe 6, for what the service knows, split parc privé / parc public / total."""

    def split(counter: Counter[str | None]) -> tuple[int, int, int]:
        return counter["prive"], counter["social"], sum(counter.values())

    def contacts(channel: str, status: str | None = None) -> tuple[int, int, int]:
        counter: Counter[str | None] = Counter()
        for row in sums.cube:
            if row.channel == channel and (status is None or row.status == status):
                counter[row.parc] += row.contacts
        return split(counter)

    def reach(dimension: str, value: str, measure: str) -> tuple[int, int, int]:
        counter: Counter[str | None] = Counter()
        for row in sums.reach:
            if row.dimension == dimension and row.value == value:
                counter[row.parc] += row.households if measure == "households" else row.responded
        return split(counter)

    closed: Counter[str | None] = Counter()
    for _motif, _responded, _returned, parc, n in sums.closures:
        closed[parc] += n
    letters, returned = contacts("courrier"), contacts("courrier", "returned")
    households, responded = reach("ensemble", "tous", "households"), reach("ensemble", "tous", "responded")
    diagnosed = reach("diagnostic", "realise", "households")
    return [
        Indicator("Nombre de courriers transmis", "count", letters),
        Indicator("Ménages destinataires d'au moins un courrier", "count", reach("canal", "courrier", "households")),
        Indicator("Courriers revenus « n'habite pas à l'adresse indiquée » (NPAI)", "count", returned),
        Indicator("Taux de retour des courriers", "rate",
                  (rate(returned[0], letters[0]), rate(returned[1], letters[1]), rate(returned[2], letters[2]))),
        Indicator("SMS envoyés", "count", contacts("sms")),
        Indicator("Appels programmés (tâches créées)", "count", contacts("appel")),
        Indicator("Visites à domicile programmées (tâches créées)", "count", contacts("visite")),
        Indicator("Ménages contactés, tous canaux", "count", households),
        Indicator("Ménages ayant répondu", "count", responded),
        Indicator("Taux de réponse des ménages", "rate",
                  (rate(responded[0], households[0]), rate(responded[1], households[1]),
                   rate(responded[2], households[2]))),
        # ADIL 44: 59 diagnostics for 109 situations, 22 in the private park and 37 in the social park (§11.5).
        Indicator("Diagnostics réalisés", "count", diagnosed),
        Indicator("Part des ménages contactés ayant eu un diagnostic", "rate",
                  (rate(diagnosed[0], households[0]), rate(diagnosed[1], households[1]),
                   rate(diagnosed[2], households[2]))),
        Indicator("Dossiers clôturés", "count", split(closed)),
    ]


@dataclass(frozen=True, slots=True)
class Sections:
    modes: list[ModeTable]
    letters: list[LettersProfile]
    npai: list[tuple[str, Rate]]
    costs_by_campaign: list[CostRow]
    costs_by_channel: list[CostRow]
    funnel: list[FunnelRow]
    closures: Closures
    queues: list[QueueRow]
    indicators: list[Indicator]
    fallbacks: list[FallbackRow]


def build_sections(sums: FactSums, labels: Labels, session: Session) -> Sections:
    cost_campaigns, cost_channels = _costs(sums, labels, session)
    return Sections(_modes(sums, labels), _letters(sums, labels), _npai(sums, labels), cost_campaigns,
                    cost_channels, _funnel(sums, labels), _closures(sums), _queues(sums, labels), _indicators(sums),
                    fallback_rows(sums.cube))
