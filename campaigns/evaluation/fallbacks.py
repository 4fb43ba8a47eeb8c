"""Fallbacks of language or register (LANG_FALLBACK, docs/campaigns.md « Templates and channels »): per template and
per language asked, the messages sent and those sent in another language or register than the one asked (French
FALC to a household that asked for Arabic, French standard where FALC was asked). Read from the contact facts
(`daily_facts`, `monthly_facts`), where each message keeps its template, the variant asked and the fallback flag
recorded when it was sent."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from campaigns.evaluation.sums import CubeSum
from campaigns.facts.attribution import NOT_RECORDED
from campaigns.locale.labels import language_name
from campaigns.platform.statistics import Rate, rate


@dataclass(frozen=True, slots=True)
class FallbackRow:
    """One template and one variant asked: the messages sent, and how many of them in another variant."""

    template: str
    locale: str | None  # the language asked; None when it was not recorded (messages sent before it was)
    falc: bool | None  # FALC asked
    sent: int
    fallbacks: int

    @property
    def asked(self) -> str:
        """« arabe (ar), FALC », « français (fr) »; « non renseigné » when the language asked is not known."""
        if self.locale is None:
            return NOT_RECORDED
        return language_name(self.locale) + (", FALC" if self.falc else "")

    @property
    def share(self) -> Rate:
        return rate(self.fallbacks, self.sent)


def fallback_rows(cube: Iterable[CubeSum]) -> list[FallbackRow]:
    """Every template sent in the period, per language and register asked, French first, fallbacks counted."""
    sums: dict[tuple[str, str | None, bool | None], list[int]] = defaultdict(lambda: [0, 0])
    for row in cube:
        if row.template is None:
            continue  # a call, a visit: nothing rendered from a template
        cell = sums[(row.template, row.requested_locale, row.requested_falc)]
        cell[0] += row.contacts
        cell[1] += row.contacts if row.fallback else 0
    rows = [FallbackRow(template, locale, falc, sent, fallbacks)
            for (template, locale, falc), (sent, fallbacks) in sums.items() if sent > 0]
    return sorted(rows, key=lambda r: (r.template, r.locale is None, r.locale != "fr", r.asked))
