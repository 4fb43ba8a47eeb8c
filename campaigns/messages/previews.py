"""Previews: any template rendered for a sample household, before anything is sent."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from campaigns.locale.clock import local_date
from campaigns.locale.formats import format_date_fr
from campaigns.locale.truce import next_truce_end
from campaigns.messages.addressees import preview_recipient
from campaigns.messages.rendering import Rendered, StoredVariants, render
from campaigns.models.stages import Stage

# The sample household, its address block laid out like a real letter's (campaigns/messages/address_block.py).
SAMPLE_RECIPIENT = preview_recipient("")


def sample_context(stage: Stage, *, sender: str, phone: str | None, now: datetime, slug: str = ""
                   ) -> dict[str, object]:
    """A fictitious household at `stage` (or its landlord, for a landlord letter); a hearing date appears from the
    assignation on."""
    hearing = local_date(now) + timedelta(days=45) if stage.rank >= Stage.ASSIGNATION.rank else None
    return {
        "destinataire": preview_recipient(slug).display_name,
        "expediteur": sender,
        "stade": stage.value,
        "stade_libelle": stage.label,
        "commune": "Nantes",
        "montant_dette": Decimal("1850.00"),
        "date_audience": hearing,
        "date_envoi": local_date(now),
        "reference": "EXEMPLE-0001",
        "telephone_contact": phone,
        "fin_treve": format_date_fr(next_truce_end(local_date(now))),
        "langue": "fr",
        # A sample answer link (docs/web.md): previews never create a real one.
        "lien_reponse": "https://exemple.gouv.fr/r/EXEMPLE000000000000000",
        # A notice to the social services (campaigns/messages/notices.py) names the household it is about.
        "menage": "Camille EXEMPLE",
        "menage_adresse": "12 rue de l'Exemple, 44000 NANTES",
        "menage_telephone": "06 12 34 56 78",
        "mandataire": None,
        "date_stade": local_date(now) - timedelta(days=2),
        "contacts": {
            "adil": "ADIL 44 — 02 61 91 00 44",
            "services_sociaux": "Département de Loire-Atlantique — 02 61 91 00 02",
            "bailleur": "Habitat 44 — 02 61 91 00 10",
        },
    }


def preview(channel: str, slug: str, *, stage: Stage, locale: str, falc: bool, sender: str,
            phone: str | None, now: datetime, stored: StoredVariants | None = None) -> Rendered:
    """`stored`: the sender's published versions (campaigns/messages/stored.py), shown as its sends would use them."""
    context = sample_context(stage, sender=sender, phone=phone, now=now, slug=slug)
    context["langue"] = locale
    return render(channel, slug, locale=locale, falc=falc, context=context, stored=stored)
