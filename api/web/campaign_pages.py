"""Wires the campaign pages (Campagnes) and the administration pages into the application."""

from __future__ import annotations

from fastapi import FastAPI

from api.web import admin_pages, campaign_follow, campaigns


def install_campaign_pages(app: FastAPI) -> None:
    # The follow-up pages first: "/campagnes/{id}/apercu" is no lifecycle action.
    for module in (campaign_follow, campaigns, admin_pages):
        app.include_router(module.router)
