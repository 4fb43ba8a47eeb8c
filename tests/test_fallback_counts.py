"""Fallbacks of language or FALC (LANG_FALLBACK) per template and per language asked: kept in the contact facts
(daily and monthly), read back by the evaluation, shown with small cells hidden (docs/evaluation.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from campaigns.evaluation.fallbacks import fallback_rows
from campaigns.evaluation.sums import CubeSum
from campaigns.facts.build import build_facts
from campaigns.facts.stays import Stay, StayContact
from campaigns.facts.store import CUBE_KEY, MONTHLY_CUBE_KEY, monthly_cube, payload, stay_of
from campaigns.reports.fallbacks import fallbacks_table

DAY = datetime(2026, 11, 24, 9, tzinfo=UTC)


def _letter(dispatch_id: int, template: str, asked: str, falc: bool, *, fallback: bool) -> StayContact:
    used = "fr" if fallback else asked
    return StayContact(dispatch_id, DAY, DAY.date(), "courrier", 0, 7, 3, 11, used, falc, "delivered", None,
                       template, asked, falc, fallback)


def _sum(template: str | None, locale: str | None, falc: bool | None, fallback: bool | None, n: int) -> CubeSum:
    return CubeSum(3, None, 7, "assignation", 0, "courrier", "social", "delivered", n, 0, template, locale, falc,
                   fallback)


def test_the_facts_keep_the_template_the_language_asked_and_the_fallback() -> None:
    stay = Stay(5, 9, "assignation", None, "social", "44", (
        _letter(1, "mise_a_disposition", "ar", True, fallback=True),
        StayContact(2, DAY + timedelta(days=7), (DAY + timedelta(days=7)).date(), "appel", 1, 7, 3, None, None, None,
                    "delivered", 3)), ())
    rows = build_facts([stay], {DAY.date(), (DAY + timedelta(days=7)).date()})
    asked = {(r["channel"], r["template"], r["requested_locale"], r["requested_falc"], r["fallback"])
             for r in rows.cube}
    assert asked == {("courrier", "mise_a_disposition", "ar", True, True), ("appel", None, None, None, None)}
    # The monthly roll-up keeps them too: a period of whole months counts its fallbacks.
    months = monthly_cube({tuple(r[k] for k in CUBE_KEY): [r["contacts"], r["responded"]] for r in rows.cube})
    keys = [dict(zip(MONTHLY_CUBE_KEY, key, strict=True)) for key in months]
    assert {(k["template"], k["requested_locale"], k["fallback"]) for k in keys} == {
        ("mise_a_disposition", "ar", True), (None, None, None)}
    # A stay stored before these fields were kept reads them as unknown; a stay stored now keeps them.
    assert stay_of(5, 9, payload(stay)) == stay
    old = payload(stay)
    old["contacts"] = [contact[:11] for contact in old["contacts"]]
    assert {(c.template, c.requested_locale, c.fallback) for c in stay_of(5, 9, old).contacts} == {(None, None, None)}


def test_fallbacks_per_template_and_language_with_small_cells_hidden() -> None:
    cube = [
        _sum("mise_a_disposition", "fr", True, False, 12),
        _sum("mise_a_disposition", "ar", True, True, 6),
        _sum("mise_a_disposition", "ar", True, False, 1),
        _sum("etape_assignation", "ar", False, True, 40),
        _sum("etape_assignation", "ar", False, False, 10),
        _sum("etape_assignation", "tr", False, True, 3),
        _sum("etape_assignation", None, None, True, 9),  # sent before the language asked was recorded
        _sum(None, None, None, None, 25),  # calls: no template
    ]
    rows = fallback_rows(cube)
    assert [(r.template, r.asked, r.sent, r.fallbacks) for r in rows] == [
        ("etape_assignation", "arabe (ar)", 50, 40),
        ("etape_assignation", "turc (tr)", 3, 3),
        ("etape_assignation", "non renseigné", 9, 9),
        ("mise_a_disposition", "français (fr), FALC", 12, 0),
        ("mise_a_disposition", "arabe (ar), FALC", 7, 6),
    ]
    table = fallbacks_table(rows)
    assert table.key == "replis_langue"
    lines = {(line[0], line[1]): line[2:] for line in table.rows}
    assert lines["etape_assignation", "arabe (ar)"] == [50, 40, 0.8]
    assert lines["etape_assignation", "turc (tr)"] == ["< 5", "< 5", "< 5"]
    assert lines["mise_a_disposition", "français (fr), FALC"] == [12, 0, 0.0]
    # 7 sent, 6 of them in fallback: the one that was not would be 7 − 6, so the 6 is hidden too.
    assert lines["mise_a_disposition", "arabe (ar), FALC"] == [7, "secret", "< 5"]
