"""« Mon équipe » for supervisors: the structure's queue by kind and state, each worker's load, late tasks, and
the reassignment of a task to a worker of the structure (campaigns.queues.reassignment)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import RuntimeDep
from api.int_bounds import whole_number
from api.web.auditing import web_audit
from api.web.task_labels import deadline_fr, kind_label
from api.web.templating import render
from api.web.worker_access import SignedInWorker, SupervisorDep, clause, flash, pop_flash, sentence
from campaigns.models import Worker
from campaigns.platform.errors import NotFoundError, ValidationError
from campaigns.queues import reservations as queues
from campaigns.queues.reassignment import reassign
from campaigns.queues.team_views import open_tasks, queue_counts, workload

router = APIRouter(include_in_schema=False)


def _household(task: dict[str, Any]) -> str:
    menage = task["menage"]
    if not menage:
        return "ménage sans dossier ouvert"
    name = f"{menage['prenom'] or ''} {(menage['nom'] or '').upper()}".strip()
    return f"{name} ({menage['commune']})" if menage.get("commune") else name


def _option(task: dict[str, Any], names: dict[int, str]) -> str:
    """How a task reads in the reassignment list: number, kind, household, deadline, and who holds it."""
    deadline = deadline_fr(task["echeance"])
    text = f"n° {task['id']} — {kind_label(task['type'])} — {_household(task)} — échéance {deadline}"
    if task["agent_id"]:
        text += f" — tenue par {names.get(task['agent_id'], 'un autre agent')}"
    return text


def _team_page(request: Request, runtime: RuntimeDep, supervisor: SignedInWorker, *,
               form: dict[str, str] | None = None, errors: dict[str, str] | None = None) -> HTMLResponse:
    now = runtime.clock()
    with runtime.session_factory() as session:
        counts = queue_counts(session, partner_id=supervisor.partner_id, now=now)
        loads = workload(session, partner_id=supervisor.partner_id, now=now)
        tasks = open_tasks(session, partner_id=supervisor.partner_id, now=now)
    web_audit(request, supervisor.user).read_tasks(runtime.session_factory, [t["id"] for t in tasks], now=now)
    names = {load.worker_id: load.name for load in loads}
    tasks = [{**t, "en_retard": datetime.fromisoformat(t["echeance"]) < now} for t in tasks]
    task_options = {str(t["id"]): _option(t, names) for t in tasks}
    return render(request, "taches/equipe.html", {
        "worker": supervisor, "notice": pop_flash(request), "counts": counts, "loads": loads, "agents": names,
        "late": [t for t in tasks if t["en_retard"]], "tasks": tasks, "task_options": task_options,
        "agent_options": {str(load.worker_id): load.name for load in loads},
        "form": form or {}, "errors": errors or {},
    }, status_code=400 if errors else 200)


@router.get("/equipe", response_class=HTMLResponse)
def team_page(request: Request, supervisor: SupervisorDep, runtime: RuntimeDep) -> HTMLResponse:
    return _team_page(request, runtime, supervisor)


def _choice(value: str) -> int | None:
    return whole_number(value)


@router.post("/equipe/reaffecter", response_model=None)
def reassign_task(
    request: Request, supervisor: SupervisorDep, runtime: RuntimeDep,
    tache: Annotated[str, Form()] = "", agent: Annotated[str, Form()] = "",
) -> Response:
    task_id, worker_id = _choice(tache), _choice(agent)
    errors: dict[str, Any] = {}
    if task_id is None:
        errors["tache"] = "Tâche : choisissez la tâche à réaffecter."
    if worker_id is None:
        errors["agent"] = "Agent : choisissez l'agent qui prendra la tâche."
    if task_id is None or worker_id is None:
        return _team_page(request, runtime, supervisor, form={"tache": tache, "agent": agent}, errors=errors)
    try:
        with runtime.session_factory.begin() as session:
            task = reassign(session, task_id=task_id, partner_id=supervisor.partner_id,
                            supervisor_id=supervisor.worker_id, worker_id=worker_id, now=runtime.clock())
            holder = session.get_one(Worker, worker_id).name
            web_audit(request, supervisor.user).change(session, [task.household_id], now=runtime.clock())
            notice = (f"La tâche n° {task.id} ({kind_label(task.kind)}) est confiée à {holder} "
                      f"jusqu'au {deadline_fr(task.reserved_until)}.")
    except NotFoundError as exc:
        field = "agent" if "agent" in str(exc) else "tache"
        return _team_page(request, runtime, supervisor, form={"tache": tache, "agent": agent},
                          errors={field: sentence(str(exc))})
    except (queues.TaskConflictError, queues.TaskForbiddenError, ValidationError) as exc:
        flash(request, "error", f"La tâche n'a pas été réaffectée : {clause(str(exc))}")
        return RedirectResponse("/equipe", status_code=303)
    flash(request, "success", notice)
    return RedirectResponse("/equipe", status_code=303)
