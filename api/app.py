"""create_app(): the FastAPI application, wired to a Runtime."""

from __future__ import annotations

from fastapi import Depends, FastAPI

from api.errors import install_error_handlers
from api.routers import (
    admin,
    agents,
    apercus,
    attributions,
    campagnes,
    evaluation,
    imports,
    rapprochements,
    reponses,
    signalements,
    simulation,
    taches,
    twilio,
)
from api.web import install_web
from api.web.security import verify_csrf
from campaigns.runtime import Runtime, get_runtime


def create_app(runtime: Runtime | None = None) -> FastAPI:
    app = FastAPI(
        title="chaîne",
        description="Coordination de la chaîne des courriers de prévention des expulsions locatives.",
        version="0.1.0",
        # Every POST of a web page carries the session's CSRF token (the JSON API under /api/ is exempt).
        dependencies=[Depends(verify_csrf)],
    )
    app.state.runtime = runtime or get_runtime()
    install_error_handlers(app)
    # Web pages: DSFR under /dsfr, session cookie, security headers, /connexion and the home page.
    install_web(app, app.state.runtime.settings)
    for module in (signalements, imports, reponses, taches, agents, attributions, campagnes, admin, apercus, simulation,
                   rapprochements, evaluation, twilio):
        app.include_router(module.router)

    @app.get("/api/v1/sante", tags=["santé"], summary="Le service répond")
    def health() -> dict[str, str]:
        return {"statut": "ok"}

    return app
