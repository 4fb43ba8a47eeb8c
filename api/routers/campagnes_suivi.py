"""Before and after activation, through the API: previews of every message, the dry run on the current
households, the supervision of a day, and the log of who changed what."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy import select

from api.deps import CallerDep, RuntimeDep
from api.referent_secrecy import hide_other_structures
from campaigns.campaign.access import get_visible_campaign, is_pilot
from campaigns.campaign.lifecycle import ACTION_LABELS
from campaigns.campaign.previews import letter_preview_pdf, preview_sequence
from campaigns.campaign.supervision import cases_reached, supervise
from campaigns.crypto.handles import contact_handle
from campaigns.locale.clock import PARIS, local_date
from campaigns.models import CampaignChange
from campaigns.models.stages import Stage
from campaigns.planning.authority import own_campaigns
from campaigns.simulation.campaign import dry_run

router = APIRouter(prefix="/api/v1/campagnes", tags=["campagnes"])


@router.get("/{campaign_id}/apercu", summary="Chaque message de la séquence pour un ménage fictif")
def get_previews(campaign_id: int, caller: CallerDep, runtime: RuntimeDep) -> dict[str, Any]:
    with runtime.session_factory() as session:
        campaign = get_visible_campaign(session, campaign_id, partner_id=caller.partner_id)
        rows = preview_sequence(session, campaign, now=runtime.clock())
    messages = []
    for row in rows:
        item: dict[str, Any] = {"etape": row.step, "canal": row.channel, "stade": row.stage.value,
                                "langue": row.locale, "falc": row.falc, "titre": row.title, "modele": row.template}
        if row.error:
            item["erreur"] = row.error
        elif row.channel == "courrier":
            item["pdf"] = (f"/api/v1/campagnes/{campaign_id}/apercu/courrier?modele={row.template}"
                           f"&stade={row.stage.value}&langue={row.locale}&falc={'true' if row.falc else 'false'}")
            item |= {"objet": row.subject, "repli": row.fallback}
        elif row.channel == "sms":
            item |= {"texte": row.text, "encodage": row.sms_encoding, "segments": row.sms_segments,
                     "caracteres": row.sms_characters, "hors_gsm": list(row.sms_non_gsm), "repli": row.fallback}
        elif row.channel == "email":
            item |= {"objet": row.subject, "texte": row.text, "repli": row.fallback}
        else:
            item["tache"] = row.task
        messages.append(item)
    return {"messages": messages}


@router.get("/{campaign_id}/apercu/courrier", summary="Aperçu d'un courrier de la campagne (PDF)",
            response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
def get_letter_preview(campaign_id: int, caller: CallerDep, runtime: RuntimeDep,  # noqa: PLR0917 - query fields
                       modele: Annotated[str, Query(pattern=r"^[a-z0-9_]{1,100}$")],
                       stade: Stage = Stage.COMMANDEMENT_DE_PAYER,
                       langue: Annotated[str, Query(pattern=r"^[a-z]{2,3}$")] = "fr", falc: bool = False) -> Response:
    with runtime.session_factory() as session:
        campaign = get_visible_campaign(session, campaign_id, partner_id=caller.partner_id)
        pdf = letter_preview_pdf(session, campaign, slug=modele, stage=stade, locale=langue, falc=falc,
                                 now=runtime.clock(), build_pdf=runtime.letter_pdf)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="apercu-{modele}-{langue}.pdf"'})


@router.get("/{campaign_id}/simulation", summary="Simulation sur les ménages actuels, par semaine et par structure")
def get_dry_run(campaign_id: int, caller: CallerDep, runtime: RuntimeDep,
                debut: Annotated[date | None, Query(description="Premier jour (AAAA-MM-JJ)")] = None,
                semaines: Annotated[int, Query(ge=1, le=52)] = 12) -> dict[str, Any]:
    start = datetime.combine(debut, time(9, 0), tzinfo=PARIS) if debut else runtime.clock()
    with runtime.session_factory() as session:
        campaign = get_visible_campaign(session, campaign_id, partner_id=caller.partner_id)
        report = dry_run(session, campaign, start=start, weeks=semaines, rules=runtime.coordination_rules)
        hide_other_structures(session, report, viewer_partner_id=caller.partner_id)
        return report.as_dict()


@router.get("/{campaign_id}/supervision", summary="Suivi d'une journée : contacts, échecs, files, imports, alertes")
def get_supervision(campaign_id: int, caller: CallerDep, runtime: RuntimeDep,
                    jour: Annotated[date | None, Query(description="AAAA-MM-JJ, par défaut aujourd'hui")] = None
                    ) -> dict[str, Any]:
    now = runtime.clock()
    with runtime.session_factory() as session:
        campaign = get_visible_campaign(session, campaign_id, partner_id=caller.partner_id)
        pilot = is_pilot(session, caller.partner_id)
        # Service-wide alerts are the pilots'; a partner's, about its own campaigns' contacts (rule 1).
        report = supervise(session, campaign, day=jour or local_date(now), now=now, with_imports=pilot,
                           alert_campaigns=None if pilot else own_campaigns(session, caller.partner_id))
        hide_other_structures(session, report, viewer_partner_id=caller.partner_id)
        if not pilot:
            # Its own cases reached, not the households the service grouped them in (docs/security.md, rule 1).
            report.households = cases_reached(session, campaign)
        body: dict[str, Any] = report.as_dict()
        if not pilot:
            # The household's internal number is the pilots' (their export): its order tells a partner whether a
            # household was known before it pushed it (docs/security.md, rule 1); so would the contact's: `contact`
            # is its handle (campaigns/crypto/handles.py), as in the case view.
            body["echecs"] = [{k: v for k, v in failure.items() if k != "menage"}
                              | {"contact": contact_handle(session, failure["contact"], caller.partner_id)}
                              for failure in body["echecs"]]
        return body


@router.get("/{campaign_id}/historique", summary="Qui a modifié quoi, et quand")
def get_history(campaign_id: int, caller: CallerDep, runtime: RuntimeDep) -> dict[str, Any]:
    with runtime.session_factory() as session:
        get_visible_campaign(session, campaign_id, partner_id=caller.partner_id)
        changes = session.scalars(select(CampaignChange).where(CampaignChange.campaign_id == campaign_id)
                                  .order_by(CampaignChange.id)).all()
        return {"historique": [
            {"date": c.changed_at.isoformat(), "par": c.actor, "action": c.action,
             "action_libelle": ACTION_LABELS.get(c.action, c.action), "modifications": c.changes,
             "contacts": c.replanned} for c in changes]}
