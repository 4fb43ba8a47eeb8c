"""Cases found by what a person types (a name, a reference, a commune), and the name a page shows for a case or a
household. Names are encrypted at rest (docs/security.md, C7): the cases of the caller's scope are read, decrypted
and compared in memory (`campaigns.platform.paging.matches`); purged cases match nobody."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from campaigns.models import Case
from campaigns.platform.communes import commune_label
from campaigns.platform.dialect import any_of
from campaigns.platform.paging import matches

# case id, household, partner, reference, first and last names, the co-holder's, commune, postcode
_LabelColumns = Select[int, int, int, str, str | None, str | None, str | None, str | None, str, str | None]


def display_name(first_name: str | None, last_name: str | None) -> str:
    """« Aïcha BENALI »: the family name in capitals, as letters and forms write it."""
    return " ".join(part for part in (first_name, (last_name or "").upper()) if part) or "Nom inconnu"


@dataclass(frozen=True, slots=True)
class CaseLabel:
    """What a list shows of a case and what a search compares: reference, names (holder and co-holder), commune
    (named as the code officiel géographique does, campaigns.platform.communes)."""

    case_id: int
    household_id: int
    partner_id: int
    reference: str
    name: str
    co_name: str
    commune: str
    postcode: str

    def matches(self, terms: Sequence[str]) -> bool:
        return matches(terms, (self.reference, self.name, self.co_name, self.commune, self.postcode))


def _labels(session: Session, query: _LabelColumns) -> list[CaseLabel]:
    return [CaseLabel(case_id, household_id, partner_id, reference, display_name(first, last),
                      display_name(co_first, co_last) if co_first or co_last else "",
                      commune_label(commune, postcode), postcode or "")
            for case_id, household_id, partner_id, reference, first, last, co_first, co_last, commune, postcode
            in session.execute(query)]


def _columns() -> _LabelColumns:
    return select(Case.id, Case.household_id, Case.partner_id, Case.reference, Case.prenom, Case.nom,
                  Case.prenom_cotitulaire, Case.nom_cotitulaire, Case.commune, Case.code_postal
                  ).where(Case.purged_at.is_(None))


def partner_case_labels(session: Session, *, partner_id: int, stage: str | None = None) -> list[CaseLabel]:
    """One partner's cases (its own only), the latest stage first: what a bailleur searches in."""
    query = _columns().where(Case.partner_id == partner_id)
    if stage is not None:
        query = query.where(Case.stage == stage)
    return _labels(session, query.order_by(Case.date_stade.desc(), Case.id.desc()))


def household_case_labels(session: Session, household_ids: Sequence[int]) -> dict[int, list[CaseLabel]]:
    """Every case of these households, oldest first (the pilots' lists: they coordinate every partner's case)."""
    found: dict[int, list[CaseLabel]] = {h: [] for h in household_ids}
    if household_ids:
        query = _columns().where(any_of(session, Case.household_id, list(household_ids))).order_by(Case.id)
        for label in _labels(session, query):
            found[label.household_id].append(label)
    return found


def matching_households(session: Session, terms: Sequence[str]) -> set[int]:
    """Households with a case that matches every term: the pilots' search over every partner's cases."""
    return {label.household_id for label in _labels(session, _columns()) if label.matches(terms)}
