"""A small world for the access tests: partners of every kind with their keys and accounts, households pushed by
several partners, campaigns, tasks in several queues with notes, and for each role what it may and must not see."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from api.app import create_app
from api.roles import ApiRole
from api.web.sessions import SESSION_COOKIE
from campaigns.accounts.partners import add_partner, issue_key
from campaigns.accounts.users import add_user
from campaigns.models import ApiKey, Campaign, Case, HumanTask, ImportJob, Partner, User, UserRole, Worker
from campaigns.platform.db import Base
from campaigns.platform.settings import Settings
from campaigns.queues.referents import record_known_referent
from campaigns.runtime.root import Runtime
from tests.conftest import Clock
from tests.factories import campaign, signalement
from tests.test_web_auth import PASSWORD, csrf_of

TWILIO_TOKEN = "jeton-twilio-des-tests"
PUBLIC_BASE = "https://chaine.example.fr"
NOWHERE = "999999"

# name, first name, birth date, address, postcode, commune, phone, allocataire number
PEOPLE = {
    "benali": ("Benali", "Samira", "12/03/1985", "12 rue des Lilas", "44000", "Nantes", "06 12 34 56 78", "1000001"),
    "durandeau": ("Durandeau", "Maxime", "01/02/1970", "3 allee des Chenes", "44000", "Nantes", "06 22 33 44 55",
                  "1000002"),
    "morelli": ("Morelli", "Lucie", "05/06/1990", "8 quai Demange", "44600", "Saint-Nazaire", "06 33 44 55 66",
                "1000003"),
    "quennec": ("Quennec", "Jules", "09/09/1980", "5 rue Jean Jaures", "44400", "Reze", "06 44 55 66 77", "1000004"),
    "rouxel": ("Rouxel", "Emma", "11/11/1975", "20 boulevard Guist'hau", "44000", "Nantes", "06 55 66 77 88",
               "1000005"),
}
CCAS_NOTE = "Suivi social du CCAS, note confidentielle QZ"
CAF_NOTE = "Accompagnement CAF, note confidentielle WK"
STATE_CAMPAIGN, CCAS_CAMPAIGN, CAF_CAMPAIGN = "Courriers Etat ZK", "Appels CCAS QX", "Appels CAF WV"
HABITAT_CAMPAIGN, ADIL_CAMPAIGN = "Relance Habitat PL", "Aller-vers ADIL JM"
# The State's own copy of Quennec's phone: what Habitat 44 pushed is its own, this one is not.
STATE_PHONE = "06 98 76 54 32"
STATE_PHONE_MARKERS = ("98 76 54 32", "0698765432", "+33698765432")
# A letter a month later: never sent in this world, but every campaign a subject may open has one to preview.
LATER_LETTER = {"channel": "courrier", "template": "etape_commandement_de_payer", "delay_days": 30}


def person(key: str, reference: str, **overrides: Any) -> dict[str, Any]:
    nom, prenom, born, address, postcode, commune, phone, number = PEOPLE[key]
    fields = {"nom": nom, "prenom": prenom, "date_naissance": born, "adresse": address, "code_postal": postcode,
              "commune": commune, "telephone": phone, "numero_allocataire": number}
    return signalement(reference, **{**fields, **overrides})


def personal(*keys: str) -> tuple[str, ...]:
    return tuple(PEOPLE[k][0] for k in keys)


EVERYONE = tuple(PEOPLE)
ALL_PERSONAL = (*personal(*EVERYONE), "HAB-1", "HAB-2", "LOG-1", "CAF-1", "CCAS-1", "ETA-1", "ETA-4", CCAS_NOTE,
                CAF_NOTE, *STATE_PHONE_MARKERS)
# What Habitat 44 (a bailleur) must never read: other partners' tenants and references, the social services that
# follow its tenants and their notes, other senders' campaigns, the State's own copy of its tenant's phone.
NOT_FOR_HABITAT = (*personal("durandeau", "morelli", "rouxel"), "LOG-1", "CAF-1", "CCAS-1", "ETA-1", "ETA-4",
                   CCAS_NOTE, CAF_NOTE, STATE_CAMPAIGN, CCAS_CAMPAIGN, CAF_CAMPAIGN, ADIL_CAMPAIGN, "CCAS Nantes",
                   "CAF 44", "DDETS 44", *STATE_PHONE_MARKERS)
# What the CCAS must never read: the CAF's household (outside its territory and queue) and the CAF's notes.
NOT_FOR_CCAS = (*personal("morelli"), "CAF-1", CAF_NOTE, CAF_CAMPAIGN)


@dataclass
class Subject:
    """Someone calling the application: anonymous, an API key of a role, or a signed-in account of a role."""

    label: str
    api_role: ApiRole | None = None
    user_role: UserRole | None = None
    pilot: bool = False
    authorization: str | None = None
    cookie: str = ""
    csrf: str = ""
    # Path parameter -> an object of the subject's scope, and one outside it (must answer 404).
    in_scope: dict[str, str] = field(default_factory=dict)
    out_of_scope: dict[str, str] = field(default_factory=dict)
    worker_id: int = 0
    forbidden: tuple[str, ...] = ()


@dataclass
class World:
    runtime: Runtime
    client: TestClient
    subjects: dict[str, Subject]
    ids: dict[str, int]
    keys: dict[str, dict[str, str]]


def _truncate(runtime: Runtime) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with runtime.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def _partner(runtime: Runtime, name: str, kind: str) -> tuple[int, dict[str, str]]:
    with runtime.session_factory.begin() as session:
        partner = add_partner(session, name=name, kind=kind, now=runtime.clock(), contact_phone="02 40 00 00 00")
        key = issue_key(session, partner=partner, now=runtime.clock())
        return partner.id, {"Authorization": f"Bearer {key}"}


def _account(runtime: Runtime, email: str, role: str, partner_id: int) -> tuple[int, int]:
    with runtime.session_factory.begin() as session:
        user = add_user(session, email=email, display_name=email.split("@", maxsplit=1)[0], password=PASSWORD,
                        partner=session.get_one(Partner, partner_id), role=role, now=runtime.clock())
        return user.id, user.worker_id or 0


def _session(client: TestClient, email: str | None) -> tuple[str, str]:
    """A session cookie and its CSRF token: signed in as `email`, or anonymous (None)."""
    client.cookies.clear()
    token = csrf_of(client.get("/connexion").text)
    if email is not None:
        answer = client.post("/connexion", data={"email": email, "password": PASSWORD, "csrf_token": token},
                             follow_redirects=False)
        assert answer.status_code == 303, answer.status_code
        token = csrf_of(client.get("/").text)
    cookie = client.cookies.get(SESSION_COOKIE)
    assert cookie
    client.cookies.clear()
    return cookie, token


def _push(client: TestClient, headers: dict[str, str], rows: list[dict[str, Any]]) -> None:
    answer = client.post("/api/v1/signalements", headers=headers, json=rows)
    assert answer.status_code == 200 and answer.json()["rejetes"] == 0, answer.text


def _task(runtime: Runtime, queue: int, household_of: str) -> int:
    with runtime.session_factory() as session:
        household = session.scalars(select(Case.household_id).where(Case.reference == household_of)).first()
        return int(session.scalars(select(HumanTask.id).where(
            HumanTask.queue_partner_id == queue, HumanTask.household_id == household).order_by(HumanTask.id)).first()
            or 0)


def _complete(client: TestClient, headers: dict[str, str], task_id: int, worker: int, outcome: str, note: str) -> None:
    assert client.post(f"/api/v1/taches/{task_id}/reserver", headers=headers,
                       json={"agent_id": worker}).status_code == 200
    done = client.post(f"/api/v1/taches/{task_id}/terminer", headers=headers,
                       json={"agent_id": worker, "resultat": outcome, "note": note})
    assert done.status_code == 200, done.text


def build_world(runtime: Runtime, client: TestClient) -> World:
    ids: dict[str, int] = {}
    keys: dict[str, dict[str, str]] = {}
    for name, label, kind in (("ddets", "DDETS 44", "etat"), ("habitat", "Habitat 44", "bailleur_social"),
                              ("logis", "Logis Ouest", "bailleur_social"), ("ccas", "CCAS Nantes", "ccas"),
                              ("caf", "CAF 44", "caf"), ("adil", "ADIL 44", "adil")):
        ids[name], keys[name] = _partner(runtime, label, kind)
    with runtime.session_factory.begin() as session:
        # Keys that the administration routes may revoke without locking a subject out.
        for owner in ("logis", "habitat"):
            issue_key(session, partner=session.get_one(Partner, ids[owner]), now=runtime.clock())
            ids[f"{owner}_spare_key"] = int(session.scalars(select(ApiKey.id).where(
                ApiKey.partner_id == ids[owner]).order_by(ApiKey.id.desc())).first() or 0)
    campaign(runtime, owner="DDETS 44", name=STATE_CAMPAIGN, steps=[{"channel": "courrier",
                                                                      "template": "information_etat"}])
    campaign(runtime, owner="CCAS Nantes", name=CCAS_CAMPAIGN, steps=[{"channel": "appel"}, LATER_LETTER],
             territory={"communes": ["Nantes", "Reze"]})
    campaign(runtime, owner="CAF 44", name=CAF_CAMPAIGN, steps=[{"channel": "appel"}],
             territory={"communes": ["Saint-Nazaire"]})
    campaign(runtime, owner="Habitat 44", name=HABITAT_CAMPAIGN, steps=[{"channel": "appel"}, LATER_LETTER],
             priority=200)
    # In Vendée: no household of this world, only its pages.
    campaign(runtime, owner="DDETS 44", name=ADIL_CAMPAIGN, steps=[LATER_LETTER], delegate="ADIL 44",
             territory={"postcodes": ["85"]})
    campaign(runtime, owner="DDETS 44", name="Brouillon jetable", steps=[LATER_LETTER], active=False)
    with runtime.session_factory() as session:
        for label, key in ((STATE_CAMPAIGN, "state_campaign"), (CCAS_CAMPAIGN, "ccas_campaign"),
                           (CAF_CAMPAIGN, "caf_campaign"), (HABITAT_CAMPAIGN, "habitat_campaign"),
                           (ADIL_CAMPAIGN, "adil_campaign"), ("Brouillon jetable", "draft_campaign")):
            ids[key] = session.scalars(select(Campaign.id).where(Campaign.name == label)).one()
    _push(client, keys["habitat"], [person("benali", "HAB-1"), person("quennec", "HAB-2")])
    _push(client, keys["ddets"], [person("benali", "ETA-1"),
                                  person("quennec", "ETA-4", telephone=STATE_PHONE, date_stade="22/11/2026")])
    _push(client, keys["logis"], [person("durandeau", "LOG-1")])
    _push(client, keys["caf"], [person("morelli", "CAF-1", parc="prive")])
    _push(client, keys["ccas"], [person("rouxel", "CCAS-1")])
    with runtime.session_factory.begin() as session:
        benali = session.scalars(select(Case.household_id).where(Case.reference == "HAB-1")).one()
        record_known_referent(session, household_id=benali, partner_name="CCAS Nantes", now=runtime.clock())
    runtime.tick()
    users: dict[str, tuple[int, int]] = {}
    for email, role, owner in (
        ("admin@ddets.fr", "admin", "ddets"), ("operateur@ddets.fr", "operateur", "ddets"),
        ("evaluateur@ddets.fr", "evaluateur", "ddets"), ("operateur@adil.fr", "operateur", "adil"),
        ("admin@habitat.fr", "admin", "habitat"), ("bailleur@habitat.fr", "bailleur", "habitat"),
        ("ancien@habitat.fr", "bailleur", "habitat"), ("ancien@logis.fr", "bailleur", "logis"),
        ("agent@ccas.fr", "agent", "ccas"), ("superviseur@ccas.fr", "superviseur", "ccas"),
    ):
        users[email] = _account(runtime, email, role, ids[owner])
    caf_worker = client.post("/api/v1/agents", headers=keys["caf"], json={"nom": "Agent CAF"}).json()["id"]
    ccas_worker = users["agent@ccas.fr"][1]
    ids["ccas_task"] = _task(runtime, ids["ccas"], "CCAS-1")
    ids["ccas_benali_task"] = _task(runtime, ids["ccas"], "HAB-1")
    ids["caf_task"] = _task(runtime, ids["caf"], "CAF-1")
    ids["habitat_task"] = _task(runtime, ids["habitat"], "HAB-2")
    assert ids["ccas_task"] and ids["ccas_benali_task"] and ids["caf_task"] and ids["habitat_task"]
    _complete(client, keys["ccas"], ids["ccas_benali_task"], ccas_worker, "message_laisse", CCAS_NOTE)
    _complete(client, keys["caf"], ids["caf_task"], caf_worker, "pas_de_reponse", CAF_NOTE)
    with runtime.session_factory() as session:
        imports = {p: session.scalars(select(ImportJob.id).where(ImportJob.partner_id == ids[p])).first()
                   for p in ("ddets", "habitat", "logis", "ccas")}
        spare_users = {e: session.scalars(select(User.id).where(User.email == e)).one()
                       for e in ("ancien@habitat.fr", "ancien@logis.fr")}
        for reference, case_id, household_id in session.execute(select(Case.reference, Case.id, Case.household_id)):
            ids[f"case {reference}"], ids[f"household {reference}"] = case_id, household_id
        assert session.scalars(select(Worker.id).where(Worker.id == ccas_worker)).one()
    subjects = _subjects(client, ids, keys, users, imports, spare_users)
    return World(runtime, client, subjects, ids, keys)


def _subjects(client: TestClient, ids: dict[str, int], keys: dict[str, dict[str, str]],
              users: dict[str, tuple[int, int]], imports: dict[str, int | None],
              spare_users: dict[str, int]) -> dict[str, Subject]:
    common_out = {"reference": "LOG-1", "import_id": str(imports["logis"]), "task_id": str(ids["caf_task"]),
                  "review_id": NOWHERE, "merge_id": NOWHERE}
    pilot_scope = {"campaign_id": str(ids["draft_campaign"]), "household_id": str(ids["household HAB-1"]),
                   "partner_id": str(ids["logis"]),
                   "key_id": str(ids["logis_spare_key"]), "user_id": str(spare_users["ancien@logis.fr"]),
                   "preset_id": "bailleur_relance", "action": "pause", "review_id": NOWHERE, "merge_id": NOWHERE}
    worker_scope = {"task_id": str(ids["ccas_task"]), "household_id": str(ids["household CCAS-1"])}
    worker_out = {"task_id": str(ids["caf_task"]), "household_id": str(ids["household CAF-1"])}
    subjects = {
        "anonyme": Subject("anonyme", forbidden=ALL_PERSONAL),
        "cle-pilote": Subject(
            "clé d'API de la DDETS", api_role=ApiRole.PILOT, pilot=True,
            authorization=keys["ddets"]["Authorization"],
            in_scope={**pilot_scope, "reference": "ETA-1", "import_id": str(imports["ddets"]), "task_id": NOWHERE},
            out_of_scope={"reference": "LOG-1", "import_id": str(imports["logis"]), "task_id": str(ids["caf_task"])}),
        "cle-bailleur": Subject(
            "clé d'API d'un bailleur", api_role=ApiRole.BAILLEUR, authorization=keys["habitat"]["Authorization"],
            in_scope={"reference": "HAB-1", "import_id": str(imports["habitat"]), "task_id": str(ids["habitat_task"]),
                      "campaign_id": str(ids["habitat_campaign"]), "preset_id": "bailleur_relance"},
            out_of_scope={**common_out, "campaign_id": str(ids["state_campaign"])}, forbidden=NOT_FOR_HABITAT),
        "cle-structure": Subject(
            "clé d'API d'un CCAS", api_role=ApiRole.STRUCTURE, authorization=keys["ccas"]["Authorization"],
            worker_id=users["agent@ccas.fr"][1],
            in_scope={"reference": "CCAS-1", "import_id": str(imports["ccas"]), "task_id": str(ids["ccas_task"]),
                      "campaign_id": str(ids["ccas_campaign"]), "preset_id": "bailleur_relance"},
            out_of_scope={**common_out, "campaign_id": str(ids["caf_campaign"])}, forbidden=NOT_FOR_CCAS),
    }
    web: tuple[tuple[str, str, str, UserRole, bool, dict[str, str], dict[str, str], tuple[str, ...]], ...] = (
        ("compte-admin", "compte administrateur de la DDETS", "admin@ddets.fr", UserRole.ADMIN, True, pilot_scope,
         {}, ()),
        ("compte-operateur", "compte opérateur de la DDETS", "operateur@ddets.fr", UserRole.OPERATEUR, True,
         pilot_scope, {}, ()),
        ("compte-operateur-delegue", "compte opérateur de l'ADIL (délégation)", "operateur@adil.fr",
         UserRole.OPERATEUR, False, {"campaign_id": str(ids["adil_campaign"]), "action": "pause"},
         {"campaign_id": str(ids["state_campaign"])},
         (*ALL_PERSONAL, STATE_CAMPAIGN, CCAS_CAMPAIGN, CAF_CAMPAIGN, HABITAT_CAMPAIGN)),
        ("compte-admin-bailleur", "compte administrateur d'un bailleur", "admin@habitat.fr", UserRole.ADMIN, False,
         {"campaign_id": str(ids["habitat_campaign"]), "partner_id": str(ids["habitat"]),
          "key_id": str(ids["habitat_spare_key"]), "user_id": str(spare_users["ancien@habitat.fr"]), "action": "pause"},
         {"campaign_id": str(ids["state_campaign"]), "partner_id": str(ids["logis"]),
          "key_id": str(ids["logis_spare_key"]), "user_id": str(spare_users["ancien@logis.fr"])},
         NOT_FOR_HABITAT),
        # Its own case of Benali's household, and the State's case of the same household (docs/security.md rule 1).
        ("compte-bailleur", "compte bailleur", "bailleur@habitat.fr", UserRole.BAILLEUR, False,
         {"case_id": str(ids["case HAB-1"])}, {"case_id": str(ids["case ETA-1"])}, NOT_FOR_HABITAT),
        ("compte-agent", "compte agent d'un CCAS", "agent@ccas.fr", UserRole.AGENT, False, worker_scope,
         worker_out, NOT_FOR_CCAS),
        ("compte-superviseur", "compte superviseur d'un CCAS", "superviseur@ccas.fr", UserRole.SUPERVISEUR, False,
         worker_scope, worker_out, NOT_FOR_CCAS),
        ("compte-evaluateur", "compte évaluateur", "evaluateur@ddets.fr", UserRole.EVALUATEUR, True, {}, {},
         ALL_PERSONAL),
    )
    for name, label, email, role, pilot, in_scope, out_of_scope, forbidden in web:
        cookie, csrf = _session(client, email)
        subjects[name] = Subject(label, user_role=role, pilot=pilot, cookie=cookie, csrf=csrf, in_scope=in_scope,
                                 out_of_scope=out_of_scope, worker_id=users[email][1], forbidden=forbidden)
    # Keys and anonymous callers carry an anonymous session with its CSRF token: only the rules refuse them.
    for subject in subjects.values():
        if subject.user_role is None:
            subject.cookie, subject.csrf = _session(client, None)
    return subjects


@pytest.fixture(scope="module")
def world(pg_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data: Path = tmp_path_factory.mktemp("acces")
    settings = Settings(database_url=pg_database, data_dir=data, outbox_dir=data / "outbox",
                        rate_limit_per_minute=0, twilio_auth_token=TWILIO_TOKEN, public_base_url=PUBLIC_BASE)
    runtime = Runtime(settings, clock=Clock())
    _truncate(runtime)
    # The public address is https (Twilio signs it): the session cookie is Secure, so the client speaks https too.
    with TestClient(create_app(runtime), base_url="https://testserver") as client:
        yield build_world(runtime, client)
    runtime.join_background(30)
    runtime.engine.dispose()
