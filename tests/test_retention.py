"""Retention: the personal data of households closed for longer than their campaigns' period are erased by the
scheduled job; ids, stages, dates, daily facts and evaluation figures stay; running it again changes nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, text

from campaigns.models import AuditEvent, Case, DailyFact, Dispatch, Household, HouseholdKey
from campaigns.protection.retention import PURGED_VALUES
from campaigns.runtime.root import Runtime
from campaigns.workers.celery_app import celery_app
from channels.outbox_retention import erase_artefacts, erase_print_runs
from tests.conftest import Clock, new_partner
from tests.factories import campaign, signalement

PERSONAL = [name for name in PURGED_VALUES if name != "content_hash"]


def _case(runtime: Runtime, reference: str) -> Case:
    with runtime.session_factory() as session:
        return session.scalars(select(Case).where(Case.reference == reference)).one()


def _facts(runtime: Runtime) -> list[tuple[Any, ...]]:
    with runtime.session_factory() as session:
        rows = session.execute(select(DailyFact).order_by(DailyFact.id)).scalars()
        return [tuple(getattr(f, c.name) for c in DailyFact.__table__.columns) for f in rows]


def _letter_files(runtime: Runtime) -> dict[str, Path]:
    with runtime.session_factory() as session:
        rows = session.execute(select(Case.reference, Dispatch.provider_ref)
                               .join(Dispatch, Dispatch.household_id == Case.household_id)
                               .where(Dispatch.channel == "courrier", Dispatch.provider_ref.is_not(None))).all()
    return {reference: runtime.settings.resolved_outbox_dir / ref for reference, ref in rows}


def test_print_runs_older_than_the_period_are_erased(tmp_path: Path) -> None:
    lots = tmp_path / "lots"
    for day in ("2024-11-24", "2024-11-25", "2024-11-26"):
        (lots / day).mkdir(parents=True)
        (lots / day / "habitat-44.pdf").write_bytes(b"%PDF")
    (lots / "notes").mkdir()  # not a print run: left alone
    assert erase_print_runs(lots, before=date(2024, 11, 26)) == 2
    assert sorted(p.name for p in lots.iterdir()) == ["2024-11-26", "notes"]
    assert erase_print_runs(tmp_path / "absent", before=date(2024, 11, 26)) == 0
    assert erase_artefacts(tmp_path, ["SM0123", "../lots/2024-11-26/habitat-44.pdf", "courrier/2024-11-26/" + "a" * 64
                                      + ".pdf"]) == 0  # other providers' refs and foreign paths are never touched
    assert (lots / "2024-11-26" / "habitat-44.pdf").exists()


def test_a_letter_is_erased_with_its_copies(tmp_path: Path) -> None:
    day = tmp_path / "courrier" / "2024-11-26"
    day.mkdir(parents=True)
    letter, other = "a" * 64, "b" * 64
    for name in (f"{letter}.pdf", f"{letter}.copie-1.pdf", f"{letter}.copie-2.pdf", f"{other}.pdf"):
        (day / name).write_bytes(b"%PDF")
    assert erase_artefacts(tmp_path, [f"courrier/2024-11-26/{letter}.pdf"]) == 3
    assert [p.name for p in day.iterdir()] == [f"{other}.pdf"]


def _evaluation(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    answer = client.get("/api/v1/evaluation?debut=2026-11-01&fin=2026-12-31", headers=headers)
    assert answer.status_code == 200, answer.text
    figures: dict[str, Any] = answer.json()
    figures.pop("genere_le")  # when the report was computed, not what it says
    return figures


def test_closed_households_are_purged_after_their_period_and_the_figures_stay(
    runtime: Runtime, client: TestClient, clock: Clock
) -> None:
    _, ddets = new_partner(runtime, "DDETS 44", "etat")
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    campaign(runtime, owner="DDETS 44", retention_days=30,
             steps=[{"channel": "courrier", "template": "information_etat"}])
    campaign(runtime, owner="DDETS 44", name="Longue conservation", stages=["assignation"], retention_days=400,
             steps=[{"channel": "courrier", "template": "information_etat"}])
    rows = [signalement("R-1"), signalement("R-2", nom="Martin", prenom="Paul", date_naissance="01/01/1970",
                                            adresse="3 rue Haute", telephone="0699999999"),
            signalement("R-3", stade="assignation", nom="Durand", prenom="Léa", date_naissance="02/02/1980",
                        adresse="5 rue Basse", telephone="0688888888")]
    assert client.post("/api/v1/signalements", headers=bailleur, json=rows).status_code == 200
    runtime.tick()
    clock.advance(days=2)
    client.post("/api/v1/reponses", headers=bailleur, json={"reference": "R-2", "canal": "appel",
                                                            "nature": "appel_entrant"})
    closing = [signalement(ref, stade="cloture", date_stade="27/11/2026", motif_cloture="dette soldée", **extra)
               for ref, extra in (("R-1", {}), ("R-3", {"nom": "Durand", "prenom": "Léa",
                                                        "date_naissance": "02/02/1980", "adresse": "5 rue Basse",
                                                        "telephone": "0688888888"}))]
    assert client.post("/api/v1/signalements", headers=bailleur, json=closing).status_code == 200
    runtime.tick()
    facts, figures = _facts(runtime), _evaluation(client, ddets)
    assert facts
    household = _case(runtime, "R-1").household_id

    clock.advance(days=29)  # closed 29 days ago: still kept
    assert runtime.purge_expired(now=clock.now).households == []
    clock.advance(days=2)
    letters = _letter_files(runtime)
    assert set(letters) == {"R-1", "R-2", "R-3"} and all(path.exists() for path in letters.values())
    handled: list[int] = []
    result = runtime.purge_expired(now=clock.now, progress=handled.append)
    assert (result.households, result.cases) == ([household], 1)  # R-3's campaign keeps it 400 days; R-2 is open
    assert handled == [1]  # the progress the command line draws: households and cases handled after each batch
    # The letter PDF in the outbox (name, address, debt in clear) goes with the data; the others stay.
    assert result.files == 1 and not letters["R-1"].exists() and letters["R-2"].exists() and letters["R-3"].exists()

    purged, kept, open_case = _case(runtime, "R-1"), _case(runtime, "R-3"), _case(runtime, "R-2")
    assert all(getattr(purged, name) is None for name in PERSONAL)  # the first name too (optional, issue 17)
    assert (purged.stage, purged.reference, purged.commune, purged.code_postal, purged.motif_cloture) == (
        "cloture", "R-1", "Nantes", "44000", "dette soldée")
    assert purged.purged_at == clock.now and purged.updated_at < clock.now
    assert kept.telephone == "+33688888888" and open_case.adresse == "3 rue Haute"
    with runtime.session_factory() as session:
        assert session.get_one(Household, household).stage == "cloture"
        assert session.scalars(select(HouseholdKey).where(HouseholdKey.household_id == household)).all() == []
        raw = session.execute(text("SELECT telephone, adresse, date_naissance, montant_dette FROM cases "
                                   "WHERE reference = 'R-1'")).one()
        assert tuple(raw) == (None, None, None, None)
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "purge")).all()
        assert (event.actor, event.household_ids, event.partner_id) == ("systeme", [household], None)
    # The daily facts and the evaluation figures are unchanged.
    assert _facts(runtime) == facts
    assert _evaluation(client, ddets) == figures
    # Idempotent, and the tick (embedded mode's scheduler) runs it too.
    assert runtime.purge_expired(now=clock.now).households == []
    runtime.tick()
    with runtime.session_factory() as session:
        assert len(session.scalars(select(AuditEvent).where(AuditEvent.action == "purge")).all()) == 1
    clock.advance(days=400)
    runtime.tick()
    assert _case(runtime, "R-3").telephone is None and _case(runtime, "R-2").telephone == "+33699999999"


def test_the_default_period_applies_without_campaign_and_beat_schedules_the_job(
    runtime: Runtime, client: TestClient, clock: Clock
) -> None:
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1")])
    closed = client.post("/api/v1/signalements", headers=bailleur,
                         json=[signalement("R-1", stade="cloture", motif_cloture="relogement")])
    assert closed.status_code == 200 and closed.json()["rejetes"] == 0, closed.text
    assert runtime.settings.retention_days == 730
    clock.advance(days=729)
    assert runtime.purge_expired(now=clock.now).households == []
    clock.advance(days=2)
    assert len(runtime.purge_expired(now=clock.now).households) == 1
    assert _case(runtime, "R-1").adresse is None
    schedule = celery_app.conf.beat_schedule
    assert schedule["purge"]["task"] == "chaine.purge_expired"
    assert "chaine.purge_expired" in celery_app.tasks or _registered()


def _registered() -> bool:
    import campaigns.workers.tasks  # noqa: F401 - registers the tasks on the app

    return "chaine.purge_expired" in celery_app.tasks
