"""« Adresses proposées »: the addresses households sent through their answer link that the worker's structure
checks, with an accept and a refuse button each (campaigns/answers/proposals.py, as the API does). Another
structure's proposal answers the same 404 page as one that does not exist."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import RuntimeDep
from api.web.auditing import WebAuditDep
from api.web.templating import render
from api.web.worker_access import WorkerDep, flash, pop_flash
from campaigns.answers import proposals
from campaigns.platform.errors import NotFoundError, ValidationError

router = APIRouter(include_in_schema=False)
PATH = "/adresses-proposees"
DECISIONS = {"accepter": True, "refuser": False}


def _not_found(request: Request) -> HTMLResponse:
    return render(request, "erreur.html", {
        "title": "Page introuvable",
        "message": "Cette adresse proposée n'existe pas ou n'est pas vérifiée par votre structure.",
    }, status_code=404)


@router.get(PATH, response_class=HTMLResponse)
def proposal_list(request: Request, worker: WorkerDep, runtime: RuntimeDep, audit: WebAuditDep) -> Response:
    with runtime.session_factory.begin() as session:
        pending = proposals.list_proposals(session, partner_id=worker.partner_id)
        audit.read(session, sorted({p.household_id for p in pending}), now=runtime.clock())
    return render(request, "taches/adresses.html", {"worker": worker, "proposals": pending,
                                                    "notice": pop_flash(request)})


@router.post(PATH + "/{proposal_id:int}/{decision}", response_model=None)
def decide(request: Request, proposal_id: int, decision: str, *, worker: WorkerDep, runtime: RuntimeDep,
           audit: WebAuditDep) -> Response:
    if decision not in DECISIONS:
        return _not_found(request)
    try:
        with runtime.session_factory.begin() as session:
            proposals.review(session, proposal_id=proposal_id, partner_id=worker.partner_id,
                             accept=DECISIONS[decision], now=runtime.clock(), actor=audit.actor)
    except NotFoundError:
        return _not_found(request)
    except ValidationError as exc:
        flash(request, "error", str(exc))
    else:
        flash(request, "success", "Adresse acceptée : les prochains courriers l'utiliseront." if DECISIONS[decision]
              else "Adresse refusée : les courriers gardent l'adresse connue.")
    return RedirectResponse(PATH, status_code=303)
