"""Server-rendered French pages: DSFR assets, session cookie, CSRF, security headers, sign-in and the home page.

`install_web(app, settings)` wires it all into the FastAPI application; pages of other areas import
`CurrentUserDep`/`require_roles` from api.web.auth and `render` from api.web.templating, and extend base.html.
"""

from __future__ import annotations

import redis
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from api.web import pages
from api.web.auth import AccessDeniedError, LoginRequiredError, wants_page
from api.web.error_pages import install_error_pages
from api.web.security import CsrfError, SecurityHeadersMiddleware
from api.web.sessions import SESSION_COOKIE, SESSION_MAX_AGE, load_secret_key, secure_cookies
from api.web.templating import render
from campaigns.accounts.shared_throttle import SharedFailureTable
from campaigns.accounts.throttle import ACCOUNT_RULE, ADDRESS_RULE, LoginThrottle
from campaigns.platform.resources import dsfr_dir
from campaigns.platform.settings import Settings

# Installed by scripts/setup.sh (npm ci in web/), never committed.
DSFR_DIST = dsfr_dir()


def login_throttle(settings: Settings) -> LoginThrottle:
    """Sign-in failures counted by every API process together when they share a Redis, else by this one."""
    url = settings.limits_redis_url
    if not url:
        return LoginThrottle()
    client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
    return LoginThrottle(shared=(SharedFailureTable(ACCOUNT_RULE, client, name="compte"),
                                 SharedFailureTable(ADDRESS_RULE, client, name="adresse")))


def install_web(app: FastAPI, settings: Settings) -> None:
    if not (DSFR_DIST / "dsfr.min.css").is_file():
        raise RuntimeError(
            f"Le système de design de l'État (DSFR) est absent de {DSFR_DIST} : lancez scripts/setup.sh "
            "(il l'installe avec npm dans web/node_modules)."
        )
    app.mount("/dsfr", StaticFiles(directory=DSFR_DIST), name="dsfr")
    app.include_router(pages.router)
    app.state.login_throttle = login_throttle(settings)
    # Added last = outermost: the headers go on every response, session errors included.
    app.add_middleware(
        SessionMiddleware,
        secret_key=load_secret_key(settings),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=secure_cookies(settings),
    )
    app.add_middleware(SecurityHeadersMiddleware, https=secure_cookies(settings))
    _install_handlers(app)
    # Browser errors as French DSFR pages (the JSON API keeps JSON): after api.errors, whose handlers it wraps.
    install_error_pages(app)


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequiredError)
    async def _login_required(request: Request, _exc: LoginRequiredError) -> Response:
        if wants_page(request):
            return RedirectResponse("/connexion", status_code=303)
        return JSONResponse(status_code=401, content={"detail": "Connexion requise."})

    @app.exception_handler(AccessDeniedError)
    async def _access_denied(request: Request, _exc: AccessDeniedError) -> Response:
        return render(request, "erreur.html", {
            "title": "Accès refusé",
            "message": "Votre rôle ne donne pas accès à cette page. Si vous en avez besoin, adressez-vous à la "
                       "personne qui administre chaîne dans votre structure.", "code": 403,
        }, status_code=403)

    @app.exception_handler(CsrfError)
    async def _csrf(request: Request, _exc: CsrfError) -> Response:
        return render(request, "erreur.html", {
            "title": "Formulaire expiré",
            "message": "Ce formulaire n'est plus valide, par exemple parce que votre session a expiré ou qu'il a "
                       "été ouvert dans un autre onglet. Rechargez la page, puis recommencez.", "code": 403,
        }, status_code=403)
