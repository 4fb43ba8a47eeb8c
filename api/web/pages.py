"""Sign-in, sign-out and the home page, which lists what the person's role opens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Match

from api.deps import RuntimeDep
from api.web.auth import CurrentUserDep, close_session, open_session, pop_notice
from api.web.templating import render
from campaigns.accounts.throttle import LoginThrottle, wait_message
from campaigns.accounts.users import authenticate, normalize_email
from campaigns.campaign.access import is_pilot
from campaigns.models import UserRole

router = APIRouter(include_in_schema=False)

LOGIN_FAILED = "Adresse électronique ou mot de passe incorrect."


@dataclass(frozen=True, slots=True)
class HomeEntry:
    """A page listed on the home page. It becomes a link once a GET route exists at `path`."""

    title: str
    description: str
    path: str
    roles: frozenset[UserRole]
    # Only for the accounts of a pilot (DDETS/DRIHL, Département), as the page's access rule says.
    pilot_only: bool = False


HOME_ENTRIES = (
    HomeEntry("Mes tâches", "Les appels, visites et diagnostics confiés à vous ou à votre équipe.", "/mes-taches",
              frozenset({UserRole.AGENT, UserRole.SUPERVISEUR})),
    HomeEntry("Mon équipe", "La file de votre structure, les tâches en retard, la réaffectation des tâches.", "/equipe",
              frozenset({UserRole.SUPERVISEUR})),
    HomeEntry("Campagnes", "Les campagnes de courriers, SMS, appels et visites : leur déroulement, leurs résultats.",
              "/campagnes", frozenset({UserRole.ADMIN, UserRole.OPERATEUR})),
    HomeEntry("Modèles de messages", "Écrire et corriger vos courriers, SMS et e-mails : aperçu, vérifications FALC "
              "et contenus obligatoires, publication d'une nouvelle version.", "/modeles",
              frozenset({UserRole.ADMIN, UserRole.OPERATEUR}), pilot_only=True),
    HomeEntry("Ménages", "Les ménages signalés par tous les partenaires : leurs dossiers, contacts, réponses et "
              "tâches.", "/menages", frozenset({UserRole.ADMIN, UserRole.OPERATEUR}), pilot_only=True),
    HomeEntry("Administration", "Les partenaires, leurs clés d'API, les comptes et leurs rôles.", "/administration",
              frozenset({UserRole.ADMIN})),
    HomeEntry("Mes ménages", "Vos ménages par stade : ce que vos campagnes ont envoyé, les réponses enregistrées, "
              "vos dossiers clôturés.", "/mes-menages", frozenset({UserRole.BAILLEUR})),
    HomeEntry("Mes imports", "Envoyer la liste de vos impayés, lire le rapport de chaque envoi et ses lignes rejetées.",
              "/mes-imports", frozenset({UserRole.BAILLEUR})),
    HomeEntry("Évaluation", "Les taux de contact et de réponse, agrégés par canal, bailleur, parc et stade.",
              "/evaluation", frozenset({UserRole.EVALUATEUR, UserRole.ADMIN})),
    HomeEntry("Mon évaluation", "Les taux de contact et de réponse de vos ménages, par canal, parc et stade.",
              "/evaluation", frozenset({UserRole.BAILLEUR})),
)


def _has_page(request: Request, path: str) -> bool:
    # Asks the router itself: FastAPI keeps included routers as single entries of app.routes.
    scope = {"type": "http", "path": path, "method": "GET", "root_path": ""}
    return any(route.matches(dict(scope))[0] == Match.FULL for route in request.app.router.routes)


@router.get("/connexion", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    return render(request, "connexion.html", {"email": "", "errors": {}, "error": None, "notice": pop_notice(request)})


@router.post("/connexion", response_class=HTMLResponse)
def login(
    request: Request,
    runtime: RuntimeDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    errors: dict[str, str] = {}
    if not email.strip():
        errors["email"] = "Saisissez votre adresse électronique."
    if not password:
        errors["password"] = "Saisissez votre mot de passe."  # noqa: S105 - a message, not a password
    user = None
    throttle: LoginThrottle = request.app.state.login_throttle
    account = "compte:" + normalize_email(email)[:254]
    address = "adresse:" + (request.client.host if request.client else "inconnue")
    if not errors:
        # Refused before any password is hashed: a flood of attempts costs neither time nor Argon2 memory.
        wait = throttle.wait(account=account, address=address, now=throttle.clock())
        if wait:
            refused: dict[str, object] = {"email": email.strip(), "errors": {}, "error": wait_message(wait),
                                          "notice": None}
            response = render(request, "connexion.html", refused, status_code=429)
            response.headers["Retry-After"] = str(wait)
            return response
        with runtime.session_factory.begin() as session:
            user = authenticate(session, email=email, password=password, now=runtime.clock())
            target = open_session(request, session, user) if user is not None else "/"
        if user is None:
            throttle.failed(account=account, address=address, now=throttle.clock())
        else:
            throttle.succeeded(account=account)
    if user is None:
        context = {"email": email.strip(), "errors": errors, "error": None if errors else LOGIN_FAILED, "notice": None}
        return render(request, "connexion.html", context, status_code=400 if errors else 401)
    return RedirectResponse(target, status_code=303)


@router.post("/deconnexion")
def logout(request: Request, runtime: RuntimeDep) -> RedirectResponse:
    close_session(request, runtime, notice="Votre session est fermée. À bientôt.")
    return RedirectResponse("/connexion", status_code=303)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, user: CurrentUserDep, runtime: RuntimeDep) -> HTMLResponse:
    shown = [e for e in HOME_ENTRIES if user.role in e.roles]
    if any(e.pilot_only for e in shown):
        with runtime.session_factory() as session:
            pilot = is_pilot(session, user.partner_id)
        shown = [e for e in shown if pilot or not e.pilot_only]
    entries = [
        {"title": e.title, "description": e.description, "path": e.path if _has_page(request, e.path) else None}
        for e in shown
    ]
    return render(request, "accueil.html", {"user": user, "entries": entries})
