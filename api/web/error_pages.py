"""French error pages in the DSFR layout for the browser (404, 403, 405, 413, 422, 429, 500, 503...); the JSON API
under /api/ keeps its JSON errors, in French too (docs/web.md, « Pages d'erreur »).

Installed last by api.web.install_web, so these handlers replace FastAPI's English defaults and the JSON-only ones
of api.errors for the requests that come from a page.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.errors import RETRY_AFTER_SECONDS, UNAVAILABLE
from api.web.auth import wants_page
from api.web.templating import render
from campaigns.platform.errors import NotFoundError, ValidationError

log = logging.getLogger(__name__)

Handler = Callable[[Request, Exception], Awaitable[Response]]

# Status -> (title, message) of the page a person reads. Technical details never reach it.
PAGES: dict[int, tuple[str, str]] = {
    400: ("Demande invalide", "La demande envoyée n'a pas pu être lue. Revenez à la page précédente et "
                              "recommencez."),
    403: ("Accès refusé", "Votre rôle ne donne pas accès à cette page. Si vous en avez besoin, adressez-vous à la "
                          "personne qui administre chaîne dans votre structure."),
    404: ("Page introuvable", "La page que vous cherchez n'existe pas, a été déplacée ou n'est pas accessible "
                              "à votre structure. Vérifiez l'adresse, ou repartez de l'accueil."),
    405: ("Action impossible", "Cette adresse ne s'ouvre pas de cette façon. Repartez de la page qui y mène."),
    413: ("Fichier trop volumineux", "Le fichier ou le formulaire envoyé dépasse la taille acceptée. Découpez le "
                                     "fichier en plusieurs parties, puis recommencez."),
    422: ("Demande invalide", "Une valeur de l'adresse ou du formulaire n'est pas lisible. Revenez à la page "
                              "précédente et vérifiez ce qui a été saisi."),
    429: ("Trop de demandes", "Trop de demandes ont été faites en peu de temps. Patientez une minute, puis "
                              "recommencez."),
    500: ("Erreur inattendue", "Une erreur s'est produite de notre côté ; elle est enregistrée pour être "
                               "corrigée. Réessayez dans quelques minutes. Si elle se reproduit, signalez-la à la "
                               "personne qui administre chaîne dans votre structure."),
    503: ("Service momentanément indisponible", "La base de données du service ne répond pas pour le moment. "
                                                "Réessayez dans quelques instants ; vos données ne sont pas "
                                                "perdues."),
}
INTERNAL_ERROR = "erreur interne du service : elle est enregistrée, réessayez dans quelques minutes"


def wants_error_page(request: Request) -> bool:
    """A page, not JSON: outside /api/ and /metrics (as api.web.auth.wants_page) unless the caller asks for JSON
    only."""
    if not wants_page(request):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept or "application/json" not in accept


def error_page(request: Request, status_code: int, *, headers: dict[str, str] | None = None) -> Response:
    title, message = PAGES.get(status_code, PAGES[500 if status_code >= 500 else 400])
    response = render(request, "erreur.html", {"title": title, "message": message, "code": status_code},
                      status_code=status_code)
    response.headers.update(headers or {})
    response.headers["Cache-Control"] = "no-store"
    return response


def _with_page(status_code: int, api_handler: Handler) -> Handler:
    """A page for the browser, `api_handler`'s JSON for the API."""
    async def handler(request: Request, exc: Exception) -> Response:
        if wants_error_page(request):
            return error_page(request, status_code)
        return await api_handler(request, exc)
    return handler


def install_error_pages(app: FastAPI) -> None:
    previous = dict(app.exception_handlers)  # api.errors' JSON answers, kept for the API

    async def _http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if wants_error_page(request):
            return error_page(request, exc.status_code, headers=dict(exc.headers or {}))
        return await http_exception_handler(request, exc)

    async def _validation(request: Request, exc: Exception) -> Response:
        if wants_error_page(request):
            return error_page(request, 422)
        handler = previous.get(RequestValidationError)
        if handler is not None:
            answer: Response = await handler(request, exc)
            return answer
        assert isinstance(exc, RequestValidationError)
        return await request_validation_exception_handler(request, exc)

    async def _unavailable(request: Request, exc: Exception) -> Response:
        log.error("database unreachable: %s", type(getattr(exc, "orig", exc)).__name__)
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if wants_error_page(request):
            return error_page(request, 503, headers=headers)
        return JSONResponse(status_code=503, content={"detail": UNAVAILABLE}, headers=headers)

    async def _internal(request: Request, exc: Exception) -> Response:
        # Logged by the server error middleware with its traceback; the person reads a French page.
        if wants_error_page(request):
            return error_page(request, 500)
        return JSONResponse(status_code=500, content={"detail": INTERNAL_ERROR})

    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(RequestValidationError, _validation)
    for kind, status_code in ((NotFoundError, 404), (ValidationError, 422), (DataError, 422), (OverflowError, 422)):
        api_handler = previous.get(kind)
        if api_handler is not None:
            app.add_exception_handler(kind, _with_page(status_code, api_handler))
    app.add_exception_handler(OperationalError, _unavailable)
    app.add_exception_handler(InterfaceError, _unavailable)
    app.add_exception_handler(Exception, _internal)
