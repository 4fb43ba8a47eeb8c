"""Before activation and after: previews of every message, a letter as PDF, the dry run on the current households,
and the supervision of a day (contacts, failures, queues, imports, alerts)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import RuntimeDep
from api.int_bounds import bounded_day, whole_number
from api.referent_secrecy import hide_other_structures
from api.web.campaign_access import CampaignUserDep
from api.web.campaigns import campaign_not_found, summary
from api.web.templating import render
from campaigns.campaign.access import get_visible_campaign
from campaigns.campaign.previews import letter_preview_pdf, preview_sequence
from campaigns.campaign.supervision import REASON_LABELS, STATUS_LABELS, cases_reached, supervise
from campaigns.campaign.validation import CHANNEL_LABELS
from campaigns.crypto.handles import contact_handle
from campaigns.locale.clock import PARIS, local_date
from campaigns.locale.labels import CONTACT_STATUSES_PLURAL
from campaigns.models.stages import OPEN_STAGES, Stage
from campaigns.planning.authority import own_campaigns
from campaigns.platform.errors import NotFoundError
from campaigns.simulation.campaign import CHANNELS, dry_run
from campaigns.simulation.campaign import REASON_LABELS as DRY_RUN_REASONS

router = APIRouter(include_in_schema=False)
MAX_WEEKS = 26


@router.get("/campagnes/{campaign_id}/apercu", response_class=HTMLResponse)
def previews_page(request: Request, campaign_id: int, user: CampaignUserDep, runtime: RuntimeDep) -> HTMLResponse:
    with runtime.session_factory() as session:
        try:
            campaign = get_visible_campaign(session, campaign_id, partner_id=user.partner_id)
        except NotFoundError:
            return campaign_not_found(request)
        messages = preview_sequence(session, campaign, now=runtime.clock())
        context = {"user": user, "campaign": summary(session, campaign), "messages": messages}
    return render(request, "campagnes/apercu.html", context)


@router.get("/campagnes/{campaign_id}/apercu/courrier")
def letter_pdf(request: Request, campaign_id: int, user: CampaignUserDep,  # noqa: PLR0917 - query fields
               runtime: RuntimeDep, modele: str = "", stade: str = "", langue: str = "fr",
               falc: str = "non") -> Response:
    if stade not in {s.value for s in OPEN_STAGES} or not langue.isalpha() or len(langue) > 3:
        return campaign_not_found(request)
    with runtime.session_factory() as session:
        try:
            campaign = get_visible_campaign(session, campaign_id, partner_id=user.partner_id)
            pdf = letter_preview_pdf(session, campaign, slug=modele, stage=Stage(stade), locale=langue,
                                     falc=falc == "oui", now=runtime.clock(), build_pdf=runtime.letter_pdf)
        except NotFoundError:
            return campaign_not_found(request)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="apercu-{modele}-{langue}.pdf"'})


@router.get("/campagnes/{campaign_id}/simulation", response_class=HTMLResponse)
def dry_run_page(request: Request, campaign_id: int, user: CampaignUserDep, runtime: RuntimeDep,  # noqa: PLR0917
                 debut: str = "", semaines: str = "12") -> HTMLResponse:
    errors: dict[str, str] = {}
    start = runtime.clock()
    if debut:
        try:
            start = datetime.combine(bounded_day(debut), time(9, 0), tzinfo=PARIS)
        except ValueError:
            errors["debut"] = "Date invalide : utilisez le sélecteur de date (format AAAA-MM-JJ)."
    weeks = whole_number(semaines) or 0
    if not 1 <= weeks <= MAX_WEEKS:
        errors["semaines"] = f"Nombre de semaines : un nombre entier de 1 à {MAX_WEEKS}."
    with runtime.session_factory() as session:
        try:
            campaign = get_visible_campaign(session, campaign_id, partner_id=user.partner_id)
        except NotFoundError:
            return campaign_not_found(request)
        report = None if errors else dry_run(session, campaign, start=start, weeks=weeks,
                                             rules=runtime.coordination_rules)
        hide_other_structures(session, report, viewer_partner_id=user.partner_id)
        context = {"user": user, "campaign": summary(session, campaign), "report": report, "errors": errors,
                   "values": {"debut": debut or local_date(start).isoformat(), "semaines": semaines},
                   "channels": CHANNELS, "channel_labels": CHANNEL_LABELS, "reasons": DRY_RUN_REASONS}
    return render(request, "campagnes/simulation.html", context, status_code=400 if errors else 200)


@router.get("/campagnes/{campaign_id}/supervision", response_class=HTMLResponse)
def supervision_page(request: Request, campaign_id: int, user: CampaignUserDep, runtime: RuntimeDep,
                     jour: Annotated[str, Query()] = "") -> HTMLResponse:
    now = runtime.clock()
    errors: dict[str, str] = {}
    day = local_date(now)
    if jour:
        try:
            day = bounded_day(jour)
        except ValueError:
            errors["jour"] = "Date invalide : utilisez le sélecteur de date (format AAAA-MM-JJ)."
    with runtime.session_factory() as session:
        try:
            campaign = get_visible_campaign(session, campaign_id, partner_id=user.partner_id)
        except NotFoundError:
            return campaign_not_found(request)
        # As the API answers it (docs/security.md, rule 1): for a partner, its own campaigns' alerts and its own
        # cases reached, never the service's alerts nor the households its rows were grouped in.
        report = supervise(session, campaign, day=day, now=now, with_imports=user.pilot,
                           alert_campaigns=None if user.pilot else own_campaigns(session, user.partner_id))
        hide_other_structures(session, report, viewer_partner_id=user.partner_id)
        if not user.pilot:
            report.households = cases_reached(session, campaign)
        # A partner names its contacts by their handles, as its case view does (campaigns/crypto/handles.py).
        handles = {} if user.pilot else {f.dispatch_id: contact_handle(session, f.dispatch_id, user.partner_id)
                                         for f in report.failures}
        context = {"user": user, "campaign": summary(session, campaign), "report": report, "errors": errors,
                   "handles": handles,
                   "day": day, "channel_labels": CHANNEL_LABELS, "status_labels": STATUS_LABELS,
                   "status_plurals": CONTACT_STATUSES_PLURAL, "reason_labels": REASON_LABELS}
    return render(request, "campagnes/supervision.html", context, status_code=400 if errors else 200)
