"""Wires the household pages into the application: a bailleur's « Mes ménages », the pilots' « Ménages » and a
social worker's household page, with the words of their timelines."""

from __future__ import annotations

from fastapi import FastAPI

from api.web import households, landlord_households
from api.web.templating import templates
from api.web.timeline_labels import install_timeline_filters


def install_household_pages(app: FastAPI) -> None:
    install_timeline_filters(templates.env)
    for module in (landlord_households, households):
        app.include_router(module.router)
