"""Joint visits (docs/domain.md §5.1, Essonne: ADIL with Tout Azimut): the visit outcome names the second structure
that came, or says the landlord took part."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from campaigns.models import HumanTask, Partner, PartnerKind
from campaigns.platform.errors import ValidationError

VISIT_KINDS = frozenset({"visite", "recherche"})
LANDLORD_KINDS = frozenset({PartnerKind.BAILLEUR_SOCIAL.value, PartnerKind.BAILLEUR_PRIVE.value})


@dataclass(frozen=True, slots=True)
class JointVisit:
    """Who came with the worker: another structure (a partner's id), the landlord, or both."""

    partner_id: int | None = None
    landlord: bool = False


# One answer for a number that names no partner and for a bailleur's: which numbers are bailleurs never shows.
_NOT_A_STRUCTURE = "visite conjointe : structure inconnue (pour le bailleur, indiquez « bailleur »)"


def check_joint(session: Session, task: HumanTask, joint: JointVisit | None) -> dict[str, object]:
    """The task's columns for a joint visit; French errors for a call, one's own structure, and one identical error
    for a number that is no partner's or a bailleur's (no oracle on the partners' numbers: docs/security.md)."""
    if joint is None or (joint.partner_id is None and not joint.landlord):
        return {}
    if task.kind not in VISIT_KINDS:
        raise ValidationError("visite conjointe : seulement pour une visite")
    if joint.partner_id is not None:
        if joint.partner_id == task.queue_partner_id:
            raise ValidationError("visite conjointe : indiquez l'autre structure, pas la vôtre")
        partner = session.get(Partner, joint.partner_id)
        if partner is None or partner.kind in LANDLORD_KINDS:
            raise ValidationError(_NOT_A_STRUCTURE)
    return {"joint_partner_id": joint.partner_id, "joint_landlord": joint.landlord}


def joint_view(session: Session, task: HumanTask) -> dict[str, object] | None:
    """The joint visit as the API shows it, or None."""
    if task.joint_partner_id is None and not task.joint_landlord:
        return None
    partner = session.get(Partner, task.joint_partner_id) if task.joint_partner_id is not None else None
    return {"structure": partner.name if partner else None, "bailleur": task.joint_landlord}
