"""French error bodies for every refusal, with the field (and row) concerned."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.exc import DataError, InterfaceError, OperationalError

from campaigns.platform.errors import NotFoundError, ValidationError

log = logging.getLogger(__name__)

# While the database is unreachable (restarting, failing over): every route answers 503, clients retry after this.
RETRY_AFTER_SECONDS = 30
UNAVAILABLE = "base de données momentanément injoignable : réessayez dans quelques instants"
_UNAVAILABLE_TITLE = "Service momentanément indisponible"
_UNAVAILABLE_PAGE = (
    '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{title} - chaîne</title>'
    '<link rel="stylesheet" href="/dsfr/dsfr.min.css"></head><body><main class="fr-container fr-my-6w">'
    '<h1>{title}</h1><p class="fr-text--lead">{message}</p></main></body></html>'
)

_MESSAGES = {
    "missing": "champ obligatoire absent",
    "extra_forbidden": "champ inconnu",
    "string_type": "texte attendu",
    "int_parsing": "nombre entier attendu",
    "int_type": "nombre entier attendu",
    "bool_parsing": "booléen attendu (true/false)",
    "datetime_from_date_parsing": "date ou date-heure ISO attendue (AAAA-MM-JJ ou AAAA-MM-JJTHH:MM)",
    "datetime_parsing": "date-heure ISO attendue (AAAA-MM-JJTHH:MM)",
    "date_parsing": "date ISO attendue (AAAA-MM-JJ)",
    "date_type": "date ISO attendue (AAAA-MM-JJ)",
    "date_from_datetime_parsing": "date ISO attendue (AAAA-MM-JJ)",
    "date_from_datetime_inexact": "date sans heure attendue (AAAA-MM-JJ)",
    "float_parsing": "nombre attendu",
    "float_type": "nombre attendu",
    "decimal_parsing": "nombre décimal attendu",
    "decimal_type": "nombre décimal attendu",
    "int_from_float": "nombre entier attendu",
    "datetime_type": "date-heure ISO attendue (AAAA-MM-JJTHH:MM)",
    "enum": "valeur non autorisée",
    "literal_error": "valeur non autorisée",
    "list_type": "liste attendue",
    "dict_type": "objet attendu",
    "model_attributes_type": "objet attendu",
    "json_invalid": "JSON invalide",
    "too_short": "liste ou texte trop court",
    "too_long": "liste ou texte trop long",
    "greater_than_equal": "valeur trop petite",
    "less_than_equal": "valeur trop grande",
    "string_too_short": "texte vide",
    "string_too_long": "texte trop long",
}


def _french(error: dict[str, object]) -> dict[str, object]:
    # "body"/"query"/"path" say where FastAPI looked, not which field: the field name is what a user needs.
    location = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]  # type: ignore[attr-defined]
    kind = str(error.get("type", ""))
    message = _MESSAGES.get(kind)
    if message is None:
        message = str(error.get("msg", "valeur invalide")).removeprefix("Value error, ")
    if kind in ("enum", "literal_error"):
        expected = (error.get("ctx") or {}).get("expected")  # type: ignore[attr-defined]
        if expected:
            message = f"{message} : valeurs possibles {expected}"
    return {"champ": ".".join(location), "motif": message}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": [_french(e) for e in exc.errors()]})

    @app.exception_handler(NotFoundError)
    async def _not_found(_request: Request, exc: NotFoundError) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": str(exc)})

    async def _refused_by_database(_request: Request, exc: Exception) -> JSONResponse:
        # Safety net behind api/int_bounds.py and the schemas: a value the database cannot hold (a number out
        # of range in a body, a text too long) is the caller's, not a server error. Parameters are never logged.
        log.warning("value refused by the database: %s", type(getattr(exc, "orig", exc)).__name__)
        return JSONResponse(status_code=422, content={
            "detail": "valeur refusée : un nombre ou un texte dépasse ce que le service accepte"})

    app.add_exception_handler(DataError, _refused_by_database)
    # SQLite's driver raises this one itself (not wrapped) for an integer beyond 64 bits.
    app.add_exception_handler(OverflowError, _refused_by_database)

    async def _unavailable(request: Request, exc: Exception) -> Response:
        # Logged without the statement or its parameters (they may hold personal data).
        log.error("database unreachable: %s", type(getattr(exc, "orig", exc)).__name__)
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if request.url.path.startswith("/api/"):
            return JSONResponse(status_code=503, content={"detail": UNAVAILABLE}, headers=headers)
        message = ("La base de données du service ne répond pas pour le moment. Réessayez dans quelques "
                   "instants ; vos données ne sont pas perdues.")
        # A plain DSFR page: the site's layout may itself need the database (the signed-in user).
        page = _UNAVAILABLE_PAGE.format(title=_UNAVAILABLE_TITLE, message=message)
        return HTMLResponse(page, status_code=503, headers=headers | {"Cache-Control": "no-store"})

    app.add_exception_handler(OperationalError, _unavailable)
    app.add_exception_handler(InterfaceError, _unavailable)

    @app.exception_handler(ValidationError)
    async def _invalid(_request: Request, exc: ValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": str(exc)})
