"""The signed-in agent or supervisor as a worker of their structure's queue, and the pages' notices."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from api.deps import RuntimeDep
from api.web.auth import WebUser, require_roles
from api.web.templating import render
from campaigns.models import User, UserRole, Worker

_FLASH = "flash"
NoticeKind = Literal["success", "error", "info"]


class NoWorkerError(Exception):
    """An agent or supervisor account not linked to an active worker of its structure (a French 403 page)."""


@dataclass(frozen=True, slots=True)
class SignedInWorker:
    user: WebUser
    worker_id: int
    name: str
    is_supervisor: bool

    @property
    def partner_id(self) -> int:
        return self.user.partner_id


def _worker_of(runtime: RuntimeDep, user: WebUser) -> SignedInWorker:
    with runtime.session_factory() as session:
        worker = session.scalar(select(Worker).join(User, User.worker_id == Worker.id).where(User.id == user.id))
        if worker is None or worker.partner_id != user.partner_id or not worker.active:
            raise NoWorkerError
        return SignedInWorker(user=user, worker_id=worker.id, name=worker.name, is_supervisor=worker.is_supervisor)


def current_worker(
    runtime: RuntimeDep, user: Annotated[WebUser, Depends(require_roles(UserRole.AGENT, UserRole.SUPERVISEUR))]
) -> SignedInWorker:
    return _worker_of(runtime, user)


def current_supervisor(
    runtime: RuntimeDep, user: Annotated[WebUser, Depends(require_roles(UserRole.SUPERVISEUR))]
) -> SignedInWorker:
    return _worker_of(runtime, user)


WorkerDep = Annotated[SignedInWorker, Depends(current_worker)]
SupervisorDep = Annotated[SignedInWorker, Depends(current_supervisor)]


def flash(request: Request, kind: NoticeKind, text: str) -> None:
    """A notice shown once, on the page the redirect leads to."""
    request.session[_FLASH] = {"kind": kind, "text": text}


def pop_flash(request: Request) -> dict[str, str] | None:
    notice = request.session.pop(_FLASH, None)
    if isinstance(notice, dict) and isinstance(notice.get("kind"), str) and isinstance(notice.get("text"), str):
        return {"kind": notice["kind"], "text": notice["text"]}
    return None


def sentence(message: str) -> str:
    """A service message ("tâche déjà close") as a sentence for a notice ("Tâche déjà close.")."""
    text = message.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."


def clause(message: str) -> str:
    """A service message to follow a colon ("… : tâche déjà close."): first letter kept small, names untouched."""
    text = sentence(message)
    return text[:1].lower() + text[1:]


def not_found_page(request: Request) -> HTMLResponse:
    """Another structure's task, or one that does not exist: the same French 404 page."""
    return render(request, "erreur.html", {
        "title": "Page introuvable",
        "message": "Cette tâche n'existe pas ou n'est pas dans la file de votre structure.",
    }, status_code=404)


def no_worker_page(request: Request) -> HTMLResponse:
    return render(request, "erreur.html", {
        "title": "Compte non relié à un agent",
        "message": "Votre compte n'est relié à aucun agent actif de votre structure : vous ne pouvez pas encore "
                   "prendre de tâches. Demandez à la personne qui administre chaîne de relier votre compte "
                   "(commande « chaine users link-worker »).",
    }, status_code=403)
