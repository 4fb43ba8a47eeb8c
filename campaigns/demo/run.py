"""`chaine demo`: an embedded run on SQLite with no server, 60 simulated days, and a French summary."""

from __future__ import annotations

import random
import shutil
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from campaigns.accounts.partners import add_partner, issue_key
from campaigns.campaign.loading import load_campaigns_file
from campaigns.demo.data import CONTACTS, DDETS, PARTNERS, DemoHousehold, generate_households
from campaigns.intake.jobs import push_items
from campaigns.locale.clock import PARIS
from campaigns.models import Case, Dispatch, Partner
from campaigns.planning.authority import Evidence
from campaigns.planning.responses import record_response
from campaigns.platform.resources import presets_dir
from campaigns.platform.settings import get_settings
from campaigns.runtime import migrate
from campaigns.runtime.root import Runtime

PRESET = presets_dir() / "demo_loire_atlantique.yaml"
START = datetime(2026, 3, 2, 8, 0, tzinfo=PARIS)  # a Monday

# Chance that a household answers a delivered contact, by channel and park. The ADIL 44 report saw most
# social-park tenants call back within a week of the first letter, while 68% of private-park tenants
# needed the phone relance (docs/domain.md §5.2, P1).
_ANSWER = {
    ("courrier", "social"): 0.40, ("courrier", "prive"): 0.15,
    ("sms", "social"): 0.15, ("sms", "prive"): 0.10,
    ("email", "social"): 0.10, ("email", "prive"): 0.08,
    ("appel", "social"): 0.45, ("appel", "prive"): 0.40,
    ("visite", "social"): 0.35, ("visite", "prive"): 0.30,
}
_NATURE = {"courrier": "appel_entrant", "sms": "sms", "email": "email", "appel": "appel_sortant_joint",
           "visite": "visite"}


class _Simulation:
    def __init__(self, runtime: Runtime, rng: random.Random, households: list[DemoHousehold]) -> None:
        self.runtime = runtime
        self.rng = rng
        self.households = households
        self.clock_now = START.astimezone(UTC)
        self.answers: list[tuple[datetime, int, str]] = []
        self.seen: set[int] = set()

    def now(self) -> datetime:
        return self.clock_now

    def setup(self) -> str:
        with self.runtime.session_factory.begin() as session:
            keys = {}
            for name, kind in PARTNERS:
                phone, address = CONTACTS.get(name, (None, None))
                partner = add_partner(session, name=name, kind=kind, now=self.now(), contact_phone=phone,
                                      contact_address=address)
                keys[name] = issue_key(session, partner=partner, now=self.now())
            load_campaigns_file(session, PRESET, now=self.now())
        self.push(self.households)
        return keys[DDETS]

    def push(self, households: list[DemoHousehold]) -> None:
        by_partner: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for household in households:
            if household.bailleur:
                by_partner[household.bailleur].append(household.row)
            if household.also_by_state:
                by_partner[DDETS].append({**household.row, "reference": "EXPLOC-" + household.row["reference"]})
        with self.runtime.session_factory.begin() as session:
            for name, rows in by_partner.items():
                partner = session.scalars(select(Partner).where(Partner.name == name)).one()
                push_items(session, partner=partner, items=rows, now=self.now())

    def draw_answers(self) -> None:
        """Households react to what was delivered since the last look, a few days later."""
        parcs = {h.row["reference"]: h.parc for h in self.households}
        with self.runtime.session_factory() as session:
            delivered = session.execute(
                select(Dispatch.id, Dispatch.household_id, Dispatch.channel, Dispatch.sent_at)
                .where(Dispatch.status == "delivered", Dispatch.id.not_in(self.seen or {0}))
            ).all()
            refs = dict(session.execute(select(Case.household_id, Case.reference)).all())
        for dispatch_id, household_id, channel, sent_at in delivered:
            self.seen.add(dispatch_id)
            parc = parcs.get(refs[household_id].removeprefix("EXPLOC-"), "social")
            if sent_at and self.rng.random() < _ANSWER[(channel, parc)]:
                delay = timedelta(days=self.rng.uniform(0.5, 6) if channel in ("courrier", "sms", "email") else 0.1)
                self.answers.append((sent_at + delay, household_id, channel))

    def apply_answers(self) -> None:
        due = sorted(a for a in self.answers if a[0] <= self.now())
        self.answers = [a for a in self.answers if a[0] > self.now()]
        with self.runtime.session_factory.begin() as session:
            recorder = session.scalars(select(Partner).where(Partner.name == DDETS)).one()
            for moment, household_id, channel in due:
                record_response(session, household_id=household_id, partner=recorder, channel=channel,
                                nature=_NATURE[channel], responded_at=moment, now=self.now(),
                                evidence=Evidence.HOUSEHOLD_ACTION)

    def run(self, days: int) -> None:
        for day in range(days):
            for hour in (9, 14):
                self.clock_now = datetime.combine(START.date() + timedelta(days=day), time(hour), PARIS)
                self.runtime.tick(now=self.clock_now)
                self.draw_answers()
                self.apply_answers()
            if day == 20:
                self.progress_procedures()

    def progress_procedures(self) -> None:
        """Three weeks in, some CDPs became assignations and some debts were settled."""
        moved = []
        for household in self.households:
            row = household.row
            if row["stade"] == "commandement_de_payer" and self.rng.random() < 0.3:
                row.update(stade="assignation", date_stade=self.now().strftime("%d/%m/%Y"))
                moved.append(household)
            elif self.rng.random() < 0.05:
                row.update(stade="cloture", date_stade=self.now().strftime("%d/%m/%Y"), motif_cloture="dette soldée")
                moved.append(household)
        self.push(moved)


def run_demo(*, households: int, days: int, seed: int) -> str:
    settings = get_settings().model_copy(update={"database_url": "", "broker_url": ""})
    settings.data_dir = settings.data_dir / "demo"
    shutil.rmtree(settings.data_dir, ignore_errors=True)
    settings.data_dir.mkdir(parents=True)
    rng = random.Random(seed)
    generated = generate_households(households, rng, START.date())
    runtime = Runtime(settings)
    simulation = _Simulation(runtime, rng, generated)
    runtime.clock = simulation.now
    migrate.upgrade(runtime.engine)
    key = simulation.setup()
    simulation.run(days)
    from campaigns.demo.summary import summary

    with runtime.session_factory() as session:
        return summary(session, settings.data_dir, days=days, start=START, ddets_key=key)
