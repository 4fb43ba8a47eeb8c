"""A campaign's long lists for its pilots (DDETS/DRIHL, Département): « Contacts » (every letter, SMS, e-mail, call
and visit it planned or sent) and « Tâches » (the calls, visits and DSF tasks its steps opened, in every structure's
queue), each with filters, a search on the household sent by POST (never in the address) and pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import RuntimeDep
from api.web.auditing import WebAuditDep
from api.web.campaign_access import CampaignUser, PilotDep
from api.web.campaigns import campaign_not_found, summary
from api.web.list_forms import ListRequest, read_list
from api.web.templating import render
from campaigns.campaign.access import get_visible_campaign
from campaigns.intake.campaign_lists import campaign_contacts, campaign_tasks, task_structures
from campaigns.locale.labels import CHANNELS, CONTACT_STATUSES, TASK_STATUSES, capitalised
from campaigns.platform.errors import NotFoundError

router = APIRouter(include_in_schema=False)

CHANNEL_CHOICES = {code: capitalised(term.one) for code, term in CHANNELS.items()}
CONTACT_STATUS_CHOICES = {code: capitalised(label) for code, label in CONTACT_STATUSES.items()}
TASK_STATUS_CHOICES = TASK_STATUSES
MESSAGES = {"canal": "Canal inconnu : choisissez un canal de la liste.",
            "statut": "État inconnu : choisissez un état de la liste.",
            "structure": "Structure inconnue : choisissez une structure de la liste."}


def _contacts(request: Request, campaign_id: int, user: CampaignUser, runtime: RuntimeDep, *, audit: WebAuditDep,
              asked: ListRequest) -> Response:
    with runtime.session_factory.begin() as session:
        try:
            campaign = get_visible_campaign(session, campaign_id, partner_id=user.partner_id)
        except NotFoundError:
            return campaign_not_found(request)
        paged = campaign_contacts(session, campaign.id, channel=asked.chosen("canal"), status=asked.chosen("statut"),
                                  query=asked.search, page=asked.page)
        if paged.rows:
            audit.read(session, [row.household_id for row in paged.rows], now=runtime.clock())
        context = {"user": user, "campaign": summary(session, campaign), "paged": paged, "asked": asked,
                   "channels": CHANNEL_CHOICES, "statuses": CONTACT_STATUS_CHOICES}
    return render(request, "campagnes/contacts.html", context, status_code=400 if asked.errors else 200)


def _contact_filters(canal: str, statut: str) -> dict[str, tuple[str, dict[str, str]]]:
    return {"canal": (canal, CHANNEL_CHOICES), "statut": (statut, CONTACT_STATUS_CHOICES)}


@router.get("/campagnes/{campaign_id}/contacts", response_class=HTMLResponse)
def contacts_page(request: Request, campaign_id: int, user: PilotDep, runtime: RuntimeDep,  # noqa: PLR0917
                  audit: WebAuditDep, canal: str = "", statut: str = "", page: str = "1") -> Response:
    asked = read_list(page=page, filters=_contact_filters(canal, statut), messages=MESSAGES)
    return _contacts(request, campaign_id, user, runtime, audit=audit, asked=asked)


@router.post("/campagnes/{campaign_id}/contacts", response_class=HTMLResponse)
def contacts_search(request: Request, campaign_id: int, user: PilotDep, runtime: RuntimeDep,  # noqa: PLR0917
                    audit: WebAuditDep, recherche: Annotated[str, Form()] = "", canal: Annotated[str, Form()] = "",
                    statut: Annotated[str, Form()] = "", page: Annotated[str, Form()] = "1") -> Response:
    asked = read_list(search=recherche, page=page, filters=_contact_filters(canal, statut), messages=MESSAGES)
    return _contacts(request, campaign_id, user, runtime, audit=audit, asked=asked)


def _tasks(request: Request, campaign_id: int, user: CampaignUser, runtime: RuntimeDep,
           audit: WebAuditDep, *, search: str, page: str, statut: str, structure: str) -> Response:
    with runtime.session_factory.begin() as session:
        try:
            campaign = get_visible_campaign(session, campaign_id, partner_id=user.partner_id)
        except NotFoundError:
            return campaign_not_found(request)
        structures = {str(k): v for k, v in task_structures(session, campaign.id).items()}
        asked = read_list(search=search, page=page, messages=MESSAGES, filters={
            "statut": (statut, TASK_STATUS_CHOICES), "structure": (structure, structures)})
        chosen = asked.chosen("structure")
        paged = campaign_tasks(session, campaign.id, status=asked.chosen("statut"),
                               structure=int(chosen) if chosen else None, query=asked.search, page=asked.page)
        if paged.rows:
            audit.read(session, [row.household_id for row in paged.rows], now=runtime.clock())
        context = {"user": user, "campaign": summary(session, campaign), "paged": paged, "asked": asked,
                   "statuses": TASK_STATUS_CHOICES, "structures": structures}
    return render(request, "campagnes/taches.html", context, status_code=400 if asked.errors else 200)


@router.get("/campagnes/{campaign_id}/taches", response_class=HTMLResponse)
def tasks_page(request: Request, campaign_id: int, user: PilotDep, runtime: RuntimeDep,  # noqa: PLR0917
               audit: WebAuditDep, statut: str = "", structure: str = "", page: str = "1") -> Response:
    return _tasks(request, campaign_id, user, runtime, audit, search="", page=page, statut=statut,
                  structure=structure)


@router.post("/campagnes/{campaign_id}/taches", response_class=HTMLResponse)
def tasks_search(request: Request, campaign_id: int, user: PilotDep, runtime: RuntimeDep,  # noqa: PLR0917
                 audit: WebAuditDep, recherche: Annotated[str, Form()] = "", statut: Annotated[str, Form()] = "",
                 structure: Annotated[str, Form()] = "", page: Annotated[str, Form()] = "1") -> Response:
    return _tasks(request, campaign_id, user, runtime, audit, search=recherche, page=page, statut=statut,
                  structure=structure)
