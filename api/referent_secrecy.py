"""What a bailleur following its own campaign is not told: which social services hold the calls and visits of its
tenants who have a referent (docs/domain.md §10.2: whether a tenant is followed by a social service is not the
bailleur's to know)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from campaigns.campaign.supervision import Supervision
from campaigns.models import Partner
from campaigns.planning.own_stock import BAILLEUR_KINDS
from campaigns.simulation.campaign import DryRun


def hide_other_structures(session: Session, report: Supervision | DryRun | None, *, viewer_partner_id: int) -> None:
    """For a bailleur reading its campaign's supervision or dry run: its own queue and sending only. The reports
    of other readers are left whole."""
    viewer = session.get_one(Partner, viewer_partner_id)
    if report is None or viewer.kind not in BAILLEUR_KINDS:
        return
    if isinstance(report, Supervision):
        report.queues = [row for row in report.queues if row.structure == viewer.name]
    else:
        report.by_structure = {name: counts for name, counts in report.by_structure.items() if name == viewer.name}
