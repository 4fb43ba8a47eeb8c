"""A campaign asking FALC and several languages is accepted with an explicit fallback order; the send falls back
in that order and says so (issue 18, docs/domain.md §9)."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient

from campaigns.locale.clock import PARIS
from campaigns.messages.previews import sample_context
from campaigns.messages.rendering import fallback_candidates, render
from campaigns.models.stages import Stage
from campaigns.runtime.root import Runtime
from tests.conftest import new_partner

ORDER = ["langue_falc", "langue", "fr_falc", "fr"]


def _spec(**overrides: object) -> dict[str, object]:
    spec: dict[str, object] = {
        "name": "Mise à disposition", "owner": "DDETS 44", "stages": ["assignation"],
        "territory": {"postcodes": ["44"]}, "languages": ["fr", "ar"], "falc": "toujours",
        "steps": [{"channel": "courrier", "template": "mise_a_disposition"}],
    }
    return spec | overrides


def test_the_configured_order() -> None:
    assert fallback_candidates("ar", True, ORDER) == [("ar", True), ("ar", False), ("fr", True), ("fr", False)]
    # The variant asked for comes first even when the order starts elsewhere; repeats are dropped.
    assert fallback_candidates("ar", True, ["fr"]) == [("ar", True), ("fr", False)]
    assert fallback_candidates("fr", False, ORDER) == [("fr", False)]


def test_fr_ar_falc_campaign_is_accepted_with_a_fallback_order(client: TestClient, runtime: Runtime) -> None:
    headers = new_partner(runtime, "DDETS 44", "etat")[1]
    # Without an order, Arabic readers fall back to French FALC (docs/domain.md §10.2, scenario 7).
    default = client.post("/api/v1/campagnes", headers=headers, json=_spec())
    assert default.status_code == 201, default.text
    assert client.get(f"/api/v1/campagnes/{default.json()['id']}", headers=headers).json()["fallback_order"] == []
    accepted = client.post("/api/v1/campagnes", headers=headers,
                           json=_spec(name="Mise à disposition (ordre)", fallback_order=ORDER))
    assert accepted.status_code == 201, accepted.text
    shown = client.get(f"/api/v1/campagnes/{accepted.json()['id']}", headers=headers)
    assert shown.status_code == 200 and shown.json()["fallback_order"] == ORDER


def test_send_falls_back_in_the_configured_order() -> None:
    context = sample_context(Stage.ASSIGNATION, sender="DDETS 44", phone=None, now=datetime(2026, 12, 7, tzinfo=PARIS))
    # « mise à disposition » exists in fr and fr-FALC only: ar-FALC → ar → fr-FALC.
    letter = render("courrier", "mise_a_disposition", locale="ar", falc=True, context=context, order=ORDER)
    assert (letter.locale, letter.falc, letter.fallback) == ("fr", True, True)
    # The assignation letter exists in Arabic standard: ar-FALC → ar.
    letter = render("courrier", "etape_assignation", locale="ar", falc=True, context=context, order=ORDER)
    assert (letter.locale, letter.falc, letter.fallback) == ("ar", False, True)
    # Without FALC first in the order, French standard is never preferred to French FALC here.
    letter = render("courrier", "mise_a_disposition", locale="ar", falc=True, context=context, order=["fr"])
    assert (letter.locale, letter.falc) == ("fr", False)
