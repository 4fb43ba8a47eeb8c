"""create_app(): the FastAPI application, wired to a Runtime."""

from __future__ import annotations

from fastapi import FastAPI

from api.errors import install_error_handlers
from api.routers import admin, apercus, campagnes, imports, reponses, signalements, simulation, taches, twilio
from campaigns.runtime import Runtime, get_runtime


def create_app(runtime: Runtime | None = None) -> FastAPI:
    app = FastAPI(
        title="chaîne",
        description="Coordination de la chaîne des courriers de prévention des expulsions locatives.",
        version="0.1.0",
    )
    app.state.runtime = runtime or get_runtime()
    install_error_handlers(app)
    for module in (signalements, imports, reponses, taches, campagnes, admin, apercus, simulation, twilio):
        app.include_router(module.router)

    @app.get("/api/v1/sante", tags=["santé"], summary="Le service répond")
    def health() -> dict[str, str]:
        return {"statut": "ok"}

    return app
