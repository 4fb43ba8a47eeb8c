"""French labels of the evaluation's dimensions: partners, campaigns, template versions, stages, channels, parks."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.facts.attribution import NOT_RECORDED
from campaigns.locale.labels import ANSWER_CHANNELS, CHANNELS, PARKS
from campaigns.models import Campaign, Partner, TemplateVersion
from campaigns.models.stages import Stage

# The outbound channels, and the answer link counted as a channel of its own (campaigns/facts/build.py).
CHANNEL_LABELS = {code: term.one for code, term in CHANNELS.items()} | {"lien": ANSWER_CHANNELS["lien"].one}
PARC_LABELS = PARKS


class Labels:
    """French labels for ids and codes: partners, campaigns, template versions, stages, channels, parks."""

    def __init__(self, session: Session) -> None:
        self.partners: dict[int, str] = {i: name for i, name in session.execute(select(Partner.id, Partner.name))}
        self.campaigns: dict[int, str] = {i: name for i, name in session.execute(select(Campaign.id, Campaign.name))}
        self.versions = {
            v.id: f"{v.slug} · {v.locale}{' · FALC' if v.falc else ''} (v{v.id})"
            for v in session.scalars(select(TemplateVersion))
        }

    def partner(self, partner_id: int | None) -> str:
        if partner_id is None:
            return NOT_RECORDED
        return self.partners.get(partner_id, f"partenaire n°{partner_id}")

    def value(self, dimension: str, value: str | None) -> str:
        if value is None or value == NOT_RECORDED:
            return NOT_RECORDED
        if dimension == "canal":
            return CHANNEL_LABELS.get(value, value)
        if dimension == "lien_modele":
            channel, template = value.split(":", 1)
            return f"{CHANNEL_LABELS.get(channel, channel)} · {template}"
        if dimension == "etape":
            number, channel = value.split(":", 1)
            return f"étape {number} · {CHANNEL_LABELS.get(channel, channel)}"
        if dimension in ("pilote", "file", "bailleur"):
            return self.partner(int(value))
        if dimension == "campagne":
            return self.campaigns.get(int(value), f"campagne n°{value}")
        if dimension == "variante":
            return self.versions.get(int(value), f"version n°{value}")
        if dimension == "stade":
            return Stage(value).label if value in Stage.__members__.values() else value
        if dimension == "parc":
            return PARC_LABELS.get(value, value)
        if dimension == "falc":
            return "FALC" if value == "falc" else "standard"
        if dimension == "territoire":
            return f"département {value}"
        return value
