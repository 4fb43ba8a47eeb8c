"""Procedure stages (French legal names), their order, and the household stage rule."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from campaigns.locale.labels import STAGES


class Stage(StrEnum):
    """Stages a partner can report, in procedure order (docs/domain.md §2.1); `cloture` ends a procedure."""

    IMPAYE = "impaye"
    COMMANDEMENT_DE_PAYER = "commandement_de_payer"
    ASSIGNATION = "assignation"
    JUGEMENT = "jugement"
    COMMANDEMENT_DE_QUITTER_LES_LIEUX = "commandement_de_quitter_les_lieux"
    REQUISITION_FORCE_PUBLIQUE = "requisition_force_publique"
    OCTROI_FORCE_PUBLIQUE = "octroi_force_publique"
    CLOTURE = "cloture"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    @property
    def label(self) -> str:
        return LABELS[self]


_RANKS = {stage: rank for rank, stage in enumerate(Stage)}

LABELS: dict[Stage, str] = {stage: STAGES[stage.value] for stage in Stage}

# Stages a campaign may cover: everything but the closing marker.
OPEN_STAGES = frozenset(s for s in Stage if s is not Stage.CLOTURE)


@dataclass(frozen=True, slots=True)
class ReportedStage:
    """One partner's latest word on a household: the stage, the date it says it was reached, and whether that
    partner's word moves the household (campaigns.planning.stage_authority)."""

    stage: Stage
    date_stade: date
    authoritative: bool = True


def household_stage(reports: Iterable[ReportedStage]) -> Stage | None:
    """The stage of a household from all its partners' cases (each case's latest word).

    A procedure only moves forward (docs/domain.md §2.1), so the most advanced open case wins, among the cases whose
    word moves the household when there are any (docs/security.md, rule 6). A closure closes its own case only
    (rule 3): the household is closed when every one of its cases is, whatever date a closure claims; a case
    opened again reopens it.
    """
    reports = list(reports)
    open_reports = [r for r in reports if r.stage is not Stage.CLOTURE]
    ruling = [r for r in open_reports if r.authoritative] or open_reports
    if ruling:
        return max(ruling, key=lambda r: r.stage.rank).stage
    return Stage.CLOTURE if reports else None
