"""Wires the campaign pages (Campagnes, with the pilots' contacts and tasks lists) and the administration pages into
the application."""

from __future__ import annotations

from fastapi import FastAPI

from api.web import admin_pages, campaign_follow, campaign_lists, campaigns
from api.web.templating import templates
from api.web.timeline_labels import install_timeline_filters


def install_campaign_pages(app: FastAPI) -> None:
    install_timeline_filters(templates.env)
    # The follow-up pages and lists first: "/campagnes/{id}/apercu" or "/campagnes/{id}/contacts" is no lifecycle
    # action.
    for module in (campaign_follow, campaign_lists, campaigns, admin_pages):
        app.include_router(module.router)
