"""Response attribution: the last contact before a response within a window, and every contact in the window."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType

from campaigns.platform.statistics import Rate, rate, time_to_response

DEFAULT_WINDOW = timedelta(days=14)
# Core fields that can be used as a dimension, next to the free-form `dims` (bailleur, stage, parc, locale, falc…).
CORE_DIMENSIONS = frozenset({"channel", "step", "campaign_id", "template_version_id"})
# A contact without a value still counts, under this label, so that denominators stay complete.
NOT_RECORDED = "non renseigné"


@dataclass(frozen=True)
class Contact:
    """One message or visit that reached (or tried to reach) a household; `at` must be timezone-aware."""

    household_id: int
    at: datetime
    channel: str
    step: int | None = None
    campaign_id: int | None = None
    template_version_id: int | None = None
    dims: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("date de contact sans fuseau horaire")
        clash = CORE_DIMENSIONS & self.dims.keys()
        if clash:
            raise ValueError("dimensions réservées dans dims : " + ", ".join(sorted(clash)))
        # A private copy: the caller's dict can change later without altering an already recorded contact.
        object.__setattr__(self, "dims", MappingProxyType(dict(self.dims)))

    def dimension(self, name: str) -> str:
        """The value of a core field or of `dims[name]`, as text; `NOT_RECORDED` when absent."""
        if name in CORE_DIMENSIONS:
            value = getattr(self, name)
            return NOT_RECORDED if value is None else str(value)
        return self.dims.get(name, NOT_RECORDED)


@dataclass(frozen=True)
class ResponseEvent:
    """The household answered (call, visit attended, reply…), whatever the channel."""

    household_id: int
    at: datetime

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("date de réponse sans fuseau horaire")


@dataclass(frozen=True)
class Attribution:
    """`last_touch`: the credited contact (None if no contact in the window); `touches`: all of them, oldest first."""

    response: ResponseEvent
    last_touch: Contact | None
    touches: tuple[Contact, ...]


def _by_household(contacts: Iterable[Contact]) -> dict[int, list[Contact]]:
    grouped: dict[int, list[Contact]] = defaultdict(list)
    for contact in contacts:
        grouped[contact.household_id].append(contact)
    for own in grouped.values():
        own.sort(key=lambda c: c.at)  # stable: of two contacts at the same instant, the later one given wins
    return grouped


def attribute(
    contacts: Iterable[Contact], responses: Iterable[ResponseEvent], *, window: timedelta = DEFAULT_WINDOW
) -> list[Attribution]:
    """Attribute each response (in the order given) to the household's contacts in [response − window, response].

    Both bounds are inclusive: a response at the very instant of a contact (an answered outgoing call, a visit
    that found the tenant) belongs to that contact, and so does one exactly `window` later. A contact after the
    response never gets credit. Every response is returned, unattributed ones too, so that spontaneous answers
    stay visible instead of silently disappearing.
    """
    if window < timedelta(0):
        raise ValueError("fenêtre d'attribution négative")
    grouped = _by_household(contacts)
    times = {household: [c.at for c in own] for household, own in grouped.items()}
    result = []
    for response in responses:
        own = grouped.get(response.household_id, [])
        at = times.get(response.household_id, [])
        touches = tuple(own[bisect_left(at, response.at - window) : bisect_right(at, response.at)])
        result.append(Attribution(response, touches[-1] if touches else None, touches))
    return result


def _exposed(contacts: Iterable[Contact], dimension: str) -> dict[str, set[int]]:
    exposed: dict[str, set[int]] = defaultdict(set)
    for contact in contacts:
        exposed[contact.dimension(dimension)].add(contact.household_id)
    return exposed


def _responded(attributions: Iterable[Attribution], dimension: str) -> dict[str, set[int]]:
    responded: dict[str, set[int]] = defaultdict(set)
    for attribution in attributions:
        if attribution.last_touch is not None:
            responded[attribution.last_touch.dimension(dimension)].add(attribution.response.household_id)
    return responded


def _rates(exposed: Mapping[str, set[int]], responded: Mapping[str, set[int]]) -> dict[str, Rate]:
    stray = {value for value, households in responded.items() if not households <= exposed.get(value, set())}
    if stray:
        # Attributions computed from another contact list would inflate numerators without touching denominators.
        raise ValueError("réponses attribuées à des contacts absents de la liste : " + ", ".join(sorted(stray)))
    return {value: rate(len(responded.get(value, ())), len(exposed[value])) for value in sorted(exposed)}


def rates_by(contacts: Sequence[Contact], attributions: Iterable[Attribution], dimension: str) -> dict[str, Rate]:
    """Response rate per value of `dimension` (channel, step, bailleur, parc, stage, locale, falc…); unit: household.

    Rule: a household counts once in the denominator of a value if it received at least one contact with that
    value, however many; it counts once in the numerator if at least one of its responses is attributed (last
    touch) to a contact with that value. So a household that got a letter and then an SMS, and answered after the
    SMS, is in both denominators but only in the SMS numerator: rates of different values are not shares of one
    population and do not add up. Contacts lacking the dimension are grouped under "non renseigné".
    """
    return _rates(_exposed(contacts, dimension), _responded(attributions, dimension))


def breakdown_by(
    contacts: Sequence[Contact], attributions: Sequence[Attribution], dimension: str, by: str
) -> dict[str, dict[str, Rate]]:
    """Within each value of `dimension`, the share of its households whose response is credited to each value of
    `by`: e.g. the ADIL 44 table of contact modes by parc (§5.1) is `breakdown_by(…, "parc", "step")`.

    Same household rule as `rates_by`, restricted to the responses whose last touch has that `by` value; every
    `by` value seen among the dimension's contacts is listed, zero included. A household that responded twice
    through different modes counts under both, so shares may add up to more than 100%.
    """
    exposed = _exposed(contacts, dimension)
    modes: dict[str, set[str]] = defaultdict(set)
    for contact in contacts:
        modes[contact.dimension(dimension)].add(contact.dimension(by))
    credited: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for attribution in attributions:
        if attribution.last_touch is not None:
            touch = attribution.last_touch
            credited[touch.dimension(dimension)][touch.dimension(by)].add(attribution.response.household_id)
    stray = sorted(credited.keys() - exposed.keys())
    if stray:
        raise ValueError("réponses attribuées à des contacts absents de la liste : " + ", ".join(stray))
    return {
        value: _rates(dict.fromkeys(modes[value], exposed[value]), credited.get(value, {})) for value in sorted(exposed)
    }


def response_times(
    contacts: Iterable[Contact], responses: Iterable[ResponseEvent], period_end: datetime
) -> tuple[list[float], list[bool]]:
    """Per household first contacted by `period_end`: days from its first contact to its first response at or after
    that contact, censored at `period_end` when there is none yet; ready for `statistics.kaplan_meier`."""
    first_contact: dict[int, datetime] = {}
    for contact in contacts:
        if contact.at <= period_end and (
            contact.household_id not in first_contact or contact.at < first_contact[contact.household_id]
        ):
            first_contact[contact.household_id] = contact.at
    first_response: dict[int, datetime] = {}
    for response in responses:
        start = first_contact.get(response.household_id)
        # An answer before any contact is not a response to the campaign.
        if start is not None and response.at >= start:
            known = first_response.get(response.household_id)
            first_response[response.household_id] = response.at if known is None else min(known, response.at)
    durations, observed = [], []
    for household, start in sorted(first_contact.items()):
        days, seen = time_to_response(start, first_response.get(household), period_end)
        durations.append(days)
        observed.append(seen)
    return durations, observed
