"""Health, readiness, /metrics and one log line per request (docs/operations.md, "What to watch").

- GET /api/v1/sante: the process answers (liveness; touches nothing).
- GET /api/v1/sante/pret: the database answers and the broker, when one is configured, accepts a connection;
  503 with a French JSON body naming what is down otherwise (readiness).
- GET /metrics: Prometheus text format, behind its own bearer token (CHAINE_METRICS_TOKEN). Without the setting the
  route answers 404, as if it did not exist; with it, a missing or wrong token answers 401.
- Every HTTP request gets a request id (X-Request-ID, kept from the caller when well-formed), is timed per route
  template (never the raw path: ids would make a series per household), and logged once.
"""

from __future__ import annotations

import hmac
import logging
import re
import time
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Header, HTTPException, Request, status
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import RuntimeDep
from campaigns.platform.logs import bound
from campaigns.runtime.metrics import DatabaseCollector, redis_queue_lengths, render
from campaigns.runtime.readiness import check_broker, check_database

log = logging.getLogger("chaine.requests")

REQUEST_SECONDS = Histogram("chaine_http_request_duration_seconds", "Durée des requêtes HTTP, par route.",
                            ["method", "route"],
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0))
REQUESTS = Counter("chaine_http_requests", "Requêtes HTTP, par route et code de réponse.",
                   ["method", "route", "status"])
NO_ROUTE = "(aucune route)"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

router = APIRouter()


class RequestObservationMiddleware:
    """Pure ASGI: the route template is read from the scope after the router matched it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or ()).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        answered = {"status": 500}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                answered["status"] = message["status"]
                MutableHeaders(scope=message).append("X-Request-ID", request_id)
            await send(message)

        started = time.perf_counter()
        with bound(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                elapsed = time.perf_counter() - started
                route = str(getattr(scope.get("route"), "path", "") or NO_ROUTE)
                method = str(scope.get("method", ""))
                REQUEST_SECONDS.labels(method, route).observe(elapsed)
                REQUESTS.labels(method, route, str(answered["status"])).inc()
                log.info("%s %s %s", method, route, answered["status"],
                         extra={"method": method, "route": route, "status": answered["status"],
                                "duration_ms": round(elapsed * 1000, 1)})


@router.get("/api/v1/sante", tags=["santé"], summary="Le service répond")
def health() -> dict[str, str]:
    return {"statut": "ok"}


@router.get("/api/v1/sante/pret", tags=["santé"], summary="Le service peut travailler : base et courtier joignables",
            responses={503: {"description": "La base de données ou le courtier ne répond pas"}})
def readiness(runtime: RuntimeDep) -> Any:
    checks = [check_database(runtime.engine), check_broker(runtime.settings.broker_url.get_secret_value())]
    body = {"statut": "pret" if all(c.ok for c in checks) else "indisponible",
            "verifications": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks}}
    if all(c.ok for c in checks):
        return body
    return JSONResponse(body, status_code=status.HTTP_503_SERVICE_UNAVAILABLE)


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, runtime: RuntimeDep,
            authorization: Annotated[str | None, Header()] = None) -> Response:
    token = runtime.settings.metrics_token.get_secret_value()
    if not token:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Not Found")
    given = (authorization or "").removeprefix("Bearer ").strip()
    if not authorization or not hmac.compare_digest(given.encode(), token.encode()):
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED,
                            detail="Jeton des métriques absent ou invalide : envoyez "
                                   "« Authorization: Bearer <CHAINE_METRICS_TOKEN> ».",
                            headers={"WWW-Authenticate": "Bearer"})
    collector: DatabaseCollector = request.app.state.metrics_collector
    return Response(render(collector), media_type=CONTENT_TYPE_LATEST)


def install_observability(app: FastAPI) -> None:
    runtime = app.state.runtime
    app.state.metrics_collector = DatabaseCollector(
        runtime.session_factory, runtime.clock, redis_queue_lengths(runtime.settings.broker_url.get_secret_value()))
    app.add_middleware(RequestObservationMiddleware)
    app.include_router(router)
