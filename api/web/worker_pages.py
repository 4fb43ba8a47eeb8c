"""Wires the social workers' pages (Mes tâches, Ma tournée, Adresses proposées, Mon équipe) into the application."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from api.web import proposal_pages, rounds, tasks, team
from api.web.task_labels import install_filters
from api.web.templating import templates
from api.web.worker_access import NoWorkerError, no_worker_page


def install_worker_pages(app: FastAPI) -> None:
    install_filters(templates.env)
    # The round before the task pages: "/mes-taches/tournee" is not a task number.
    for module in (rounds, tasks, team, proposal_pages):
        app.include_router(module.router)

    @app.exception_handler(NoWorkerError)
    async def _no_worker(request: Request, _exc: NoWorkerError) -> Response:
        return no_worker_page(request)
