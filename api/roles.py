"""The roles of API keys: a key acts for its partner, and the partner's kind gives the role (docs/domain.md §10.2)."""

from __future__ import annotations

from enum import StrEnum

from campaigns.models import PartnerKind


class ApiRole(StrEnum):
    """People have web roles (campaigns.models.UserRole); a key has the role of the institution that holds it.

    There is no evaluator key: an evaluator is a person, who reads the aggregates on the /evaluation page.
    """

    # DDETS/DRIHL and the Département: they own the coordination (owner administrator and campaign operator).
    PILOT = "pilote"
    # Social and private landlords: their own cases and the status of their own campaigns only.
    BAILLEUR = "bailleur"
    # CAF, CCAS, ADIL, associations: their workers' queue, and the campaigns they run by delegation.
    STRUCTURE = "structure"

    @property
    def label(self) -> str:
        return API_ROLE_LABELS[self]


API_ROLE_LABELS = {
    ApiRole.PILOT: "pilote de la prévention (DDETS/DRIHL, Département)",
    ApiRole.BAILLEUR: "bailleur",
    ApiRole.STRUCTURE: "structure d'accompagnement (CAF, CCAS, ADIL, association)",
}

_KIND_ROLES = {
    PartnerKind.ETAT: ApiRole.PILOT,
    PartnerKind.DEPARTEMENT: ApiRole.PILOT,
    PartnerKind.BAILLEUR_SOCIAL: ApiRole.BAILLEUR,
    PartnerKind.BAILLEUR_PRIVE: ApiRole.BAILLEUR,
    PartnerKind.CAF: ApiRole.STRUCTURE,
    PartnerKind.CCAS: ApiRole.STRUCTURE,
    PartnerKind.ADIL: ApiRole.STRUCTURE,
    PartnerKind.ASSOCIATION: ApiRole.STRUCTURE,
}


def api_role(kind: PartnerKind) -> ApiRole:
    """Every partner kind has exactly one role (a new kind without one fails here, and in tests)."""
    return _KIND_ROLES[kind]
