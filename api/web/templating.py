"""Jinja2 environment of the web pages (api/web/templates), with what every page needs in its context."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from api.web.security import CSRF_FIELD, csrf_token
from campaigns.locale.labels import plural
from campaigns.platform.communes import commune_label

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
SERVICE_NAME = "chaîne"
SERVICE_TAGLINE = "Prévention des expulsions locatives"


def _page_context(request: Request) -> dict[str, Any]:
    return {
        "service_name": SERVICE_NAME,
        "service_tagline": SERVICE_TAGLINE,
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token(request),
        # Set by the current_user dependency; None on the pages open to everyone (connexion, errors).
        "current_user": getattr(request.state, "user", None),
    }


_environment = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
# {{ n|pluriel("dossier", "dossiers") }} -> « 1 dossier », « 2 dossiers »: never « dossier(s) ».
_environment.filters["pluriel"] = plural
# {{ task.menage.commune|commune(task.menage.code_postal) }} -> « Saint-Étienne » for « ST ETIENNE », 42000.
_environment.filters["commune"] = commune_label
templates = Jinja2Templates(env=_environment, context_processors=[_page_context])


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    """A page from api/web/templates; `context` adds to the common one (service, CSRF token, current user)."""
    response: HTMLResponse = templates.TemplateResponse(request, name, context or {}, status_code=status_code)
    return response
