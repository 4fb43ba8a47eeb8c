"""create_app(): the FastAPI application, wired to a Runtime."""

from __future__ import annotations

from fastapi import Depends, FastAPI

from api.access import check_rules, enforce_access
from api.body_limit import BodyLimitMiddleware
from api.errors import install_error_handlers
from api.int_bounds import reject_out_of_range_ints
from api.observability import install_observability
from api.ratelimit import RateLimiter
from api.routers import (
    admin,
    agents,
    apercus,
    attributions,
    campagnes,
    campagnes_suivi,
    evaluation,
    evaluation_landlords,
    imports,
    journal,
    lien_reponse,
    modeles,
    notifications,
    rapprochements,
    reponses,
    signalements,
    simulation,
    taches,
    twilio,
)
from api.web import install_web
from api.web.answer_pages import install_answer_pages
from api.web.campaign_pages import install_campaign_pages
from api.web.evaluation import router as evaluation_pages
from api.web.household_pages import install_household_pages
from api.web.landlord_pages import router as landlord_pages
from api.web.security import verify_csrf
from api.web.template_editor import router as template_editor_pages
from api.web.worker_pages import install_worker_pages
from campaigns.platform.collector import tune_collector
from campaigns.platform.logs import configure_logging
from campaigns.runtime.root import Runtime, get_runtime


def create_app(runtime: Runtime | None = None) -> FastAPI:
    app = FastAPI(
        title="chaîne",
        description="Coordination de la chaîne des courriers de prévention des expulsions locatives.",
        version="0.1.0",
        # First, the route's access rule (api/access_rules.py): who may call it at all.
        # Every POST of a web page carries the session's CSRF token (the JSON API under /api/ is exempt).
        # Whole numbers outside the database's range answer 422 on every route (api/int_bounds.py).
        dependencies=[Depends(enforce_access), Depends(verify_csrf), Depends(reject_out_of_range_ints)],
    )
    app.state.runtime = runtime or get_runtime()
    settings = app.state.runtime.settings
    install_error_handlers(app)
    # Abuse limits: request bodies (413) and calls per API key (429, api.deps.get_caller).
    app.add_middleware(BodyLimitMiddleware, default_limit=settings.max_body_bytes,
                       upload_limit=settings.max_upload_bytes, upload_paths=("/api/v1/signalements",))
    app.state.rate_limiter = RateLimiter(per_minute=settings.rate_limit_per_minute,
                                         burst=settings.rate_limit_burst, redis_url=settings.limits_redis_url)
    # Web pages: DSFR under /dsfr, session cookie, security headers, /connexion and the home page.
    install_web(app, app.state.runtime.settings)
    # Social workers' pages: Mes tâches, Ma tournée, Mon équipe.
    install_worker_pages(app)
    # Campaign pages (Campagnes) and administration (partners, API keys, accounts).
    install_campaign_pages(app)
    # The evaluation page (aggregates, charts, exports) for evaluators and administrators.
    app.include_router(evaluation_pages)
    # The household's answer link, /r/<token> (no account).
    install_answer_pages(app)
    # The template editor: the campaign owner writes its letters, SMS and e-mails.
    app.include_router(template_editor_pages)
    # A bailleur's imports: push a CSV, read each report and its rejected rows.
    app.include_router(landlord_pages)
    # Households: a bailleur's own (« Mes ménages »), the pilots' list and pages, a worker's household page.
    install_household_pages(app)
    for module in (signalements, imports, reponses, taches, agents, attributions, campagnes, campagnes_suivi, admin,
                   apercus, simulation, lien_reponse,
                   rapprochements, evaluation, evaluation_landlords, twilio, journal, modeles, notifications):
        app.include_router(module.router)

    # Liveness and readiness, /metrics (behind CHAINE_METRICS_TOKEN), request ids and per-route latency.
    install_observability(app)

    # A route without an access rule stops the application here (api/access.py).
    check_rules(app)
    if runtime is None:  # uvicorn's factory: a service process, not a test's application (`chaine run` tunes too)
        configure_logging(settings.log_format)
        tune_collector()
    return app
