"""Every route of the OpenAPI and every page, against every role and anonymous callers. The expected answer is
generated from the declared rules (api/access_rules.py): allowed means neither 401 nor 403 (a missing id may answer
404, a missing body 422), refused means 401/403 for the API and the sign-in page or 403 for pages. An object outside
the caller's scope answers 404, and no answer ever carries what the caller must not read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from twilio.request_validator import RequestValidator

from api.access import app_routes, check_rules, declare, rule_of, rule_problems
from api.access_rules import MOUNT, RULES, Audience, Rule, api, public
from api.app import create_app
from api.roles import ApiRole, api_role
from api.web.sessions import SESSION_COOKIE
from campaigns.models import PartnerKind
from tests.access_world import NOWHERE, PUBLIC_BASE, TWILIO_TOKEN, Subject, World, world

__all__ = ["world"]

SUBJECTS = ("anonyme", "cle-pilote", "cle-bailleur", "cle-structure", "compte-admin", "compte-operateur",
            "compte-operateur-delegue", "compte-admin-bailleur", "compte-bailleur", "compte-agent",
            "compte-superviseur", "compte-evaluateur")
TODAY, PERIOD = "2026-11-25", {"debut": "2026-01-01", "fin": "2026-12-31"}
# Query strings a route needs to get past its own validation (a role check inside the route body comes after it).
QUERIES: dict[str, dict[str, str]] = {
    "/api/v1/taches/tournee": {"date": TODAY, "agent": "{worker}"},
    "/api/v1/evaluation": PERIOD, "/api/v1/evaluation/export.csv": PERIOD, "/api/v1/evaluation/export.xlsx": PERIOD,
    "/api/v1/journal": {"du": TODAY, "au": TODAY},
    "/api/v1/apercus/courrier": {"modele": "information_etat"}, "/api/v1/apercus/sms": {"modele": "relance"},
    "/api/v1/apercus/email": {"modele": "relance"},
    "/api/v1/campagnes/{campaign_id}/apercu/courrier": {"modele": "etape_commandement_de_payer"},
    "/campagnes/{campaign_id}/apercu/courrier": {"modele": "etape_commandement_de_payer",
                                                 "stade": "commandement_de_payer"},
    "/evaluation": PERIOD, "/evaluation/export.csv": PERIOD, "/evaluation/export.xlsx": PERIOD,
    "/mes-taches/tournee": {"jour": TODAY}, "/mes-taches/tournee.pdf": {"jour": TODAY},
}
# Bodies sent with an object outside the scope, so that the answer is about the object (404), not the body (422).
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/taches/{task_id}/reserver"): {"agent_id": "{worker}"},
    ("POST", "/api/v1/taches/{task_id}/liberer"): {"agent_id": "{worker}"},
    ("POST", "/api/v1/taches/{task_id}/terminer"): {"agent_id": "{worker}", "resultat": "pas_de_reponse"},
}
_PARAM = re.compile(r"{(\w+)(?::\w+)?}")
_TEXT_TYPES = ("text/", "application/json", "application/xml")


class Expect(StrEnum):
    ALLOWED = "autorisé"
    NO_KEY = "401 (clé d'API exigée)"
    FORBIDDEN = "403"
    LOGIN = "303 vers /connexion"


@dataclass(frozen=True, slots=True)
class Entry:
    method: str
    path: str
    rule: Rule


class MissingRuleError(AssertionError):
    """The matrix cannot be generated: a route has no declared rule."""


def matrix(app: FastAPI) -> list[Entry]:
    """The OpenAPI's operations and the pages (routes outside the schema), each with its declared rule."""
    operations = {(method.upper(), path) for path, item in app.openapi()["paths"].items() for method in item}
    served = list(app_routes(app))
    assert operations == {r.key for r in served if r.in_schema}, "the OpenAPI and the served routes differ"
    keys = sorted(operations | {r.key for r in served if not r.in_schema})
    missing = [f"{m} {p}" for m, p in keys if rule_of(app, (m, p)) is None]
    if missing:
        raise MissingRuleError("routes sans règle d'accès : " + ", ".join(missing))
    return [Entry(m, p, rule) for m, p in keys if (rule := rule_of(app, (m, p))) is not None]


def expected(rule: Rule, subject: Subject) -> Expect:
    if rule.audience is Audience.PUBLIC:
        return Expect.ALLOWED
    if rule.audience is Audience.API:
        if subject.api_role is None:
            return Expect.NO_KEY
        return Expect.ALLOWED if rule.allows_key(subject.api_role) else Expect.FORBIDDEN
    if subject.user_role is None:
        return Expect.LOGIN
    return Expect.ALLOWED if rule.allows_user(subject.user_role, pilot=subject.pilot) else Expect.FORBIDDEN


def _fill(value: Any, subject: Subject) -> Any:
    if isinstance(value, str):
        text = value.replace("{worker}", str(subject.worker_id))
        return int(text) if value == "{worker}" else text
    if isinstance(value, dict):
        return {k: _fill(v, subject) for k, v in value.items()}
    return value


def _url(path: str, values: dict[str, str]) -> str:
    if path == "/dsfr":  # a mount: one of its files
        return "/dsfr/dsfr.min.css"
    return _PARAM.sub(lambda m: values.get(m.group(1), NOWHERE), path)


def _call(client: TestClient, subject: Subject, entry: Entry, values: dict[str, str], *,
          body: dict[str, Any] | None = None) -> Response:
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, subject.cookie)
    headers = {"X-CSRF-Token": subject.csrf}
    if subject.authorization:
        headers["Authorization"] = subject.authorization
    url = _url(entry.path, values)
    if entry.path.startswith("/api/v1/twilio/"):
        headers["X-Twilio-Signature"] = RequestValidator(TWILIO_TOKEN).compute_signature(PUBLIC_BASE + url, {})
    method = "GET" if entry.method == MOUNT else entry.method
    query = _fill(QUERIES.get(entry.path, {}), subject)
    answer: Response = client.request(method, url, headers=headers, params=query, json=body, follow_redirects=False)
    return answer


def _leaks(answer: Response, subject: Subject) -> list[str]:
    if not answer.headers.get("content-type", "").startswith(_TEXT_TYPES):
        return []
    text = answer.text
    return [marker for marker in subject.forbidden if marker in text]


def _check(entry: Entry, subject: Subject, answer: Response, want: Expect) -> str | None:
    """A French line describing the mismatch, or None when the answer is the expected one."""
    code, location = answer.status_code, answer.headers.get("location", "")
    if want is Expect.ALLOWED:
        to_login = code in (302, 303, 307) and location.startswith("/connexion")
        if code in (401, 403) or (entry.rule.audience is Audience.PAGE and to_login):
            return f"{entry.method} {entry.path} : attendu {want}, reçu {code} {answer.text[:160]}"
    elif want is Expect.LOGIN:
        if code != 303 or location != "/connexion":
            return f"{entry.method} {entry.path} : attendu {want}, reçu {code} {location}"
    elif code != {Expect.NO_KEY: 401, Expect.FORBIDDEN: 403}[want]:
        return f"{entry.method} {entry.path} : attendu {want}, reçu {code} {answer.text[:160]}"
    if leaks := _leaks(answer, subject):
        return f"{entry.method} {entry.path} : la réponse montre {leaks}"
    return None


def test_every_route_has_a_rule_and_every_rule_a_route(world: World) -> None:
    app = world.client.app
    assert isinstance(app, FastAPI)
    assert rule_problems(app) == []
    served = {r.key for r in app_routes(app)}
    assert sorted(set(RULES) - served) == [], "rules of routes that no longer exist"
    assert len(matrix(app)) == len(served)


@pytest.mark.parametrize("name", SUBJECTS)
def test_access_matrix(world: World, name: str) -> None:
    subject = world.subjects[name]
    app = world.client.app
    assert isinstance(app, FastAPI)
    problems, allowed, scoped = [], 0, 0
    # Signing out revokes the server-side session: that route goes last, or every later call would be a stranger's.
    for entry in sorted(matrix(app), key=lambda e: (e.method, e.path) == ("POST", "/deconnexion")):
        want = expected(entry.rule, subject)
        answer = _call(world.client, subject, entry, subject.in_scope)
        if (problem := _check(entry, subject, answer, want)) is not None:
            problems.append(problem)
        if want is not Expect.ALLOWED:
            continue
        allowed += 1
        params = _PARAM.findall(entry.path)
        if entry.method == "GET" and params and all(subject.in_scope.get(p, NOWHERE) != NOWHERE for p in params) \
                and answer.status_code >= 400:
            problems.append(f"{entry.method} {entry.path} dans le périmètre : reçu {answer.status_code} "
                            f"{answer.text[:160]}")
        outside = {p: subject.out_of_scope[p] for p in params if p in subject.out_of_scope}
        if not outside:
            continue
        scoped += 1
        body = _fill(BODIES.get((entry.method, entry.path)), subject)
        answer = _call(world.client, subject, entry, {**subject.in_scope, **outside}, body=body)
        if answer.status_code != 404:
            problems.append(f"{entry.method} {entry.path} hors périmètre {outside} : attendu 404, reçu "
                            f"{answer.status_code} {answer.text[:160]}")
        elif leaks := _leaks(answer, subject):
            problems.append(f"{entry.method} {entry.path} hors périmètre : la réponse montre {leaks}")
    assert problems == [], f"{subject.label} :\n" + "\n".join(problems)
    # Every subject reaches something (home page, health, its own routes); a role-less matrix would prove nothing.
    assert allowed > 0
    if subject.out_of_scope:
        assert scoped > 0


def test_a_route_without_a_rule_is_refused_and_fails_the_matrix(world: World) -> None:
    app = create_app(world.runtime)

    @app.get("/api/v1/jetable")
    def throwaway() -> dict[str, str]:
        return {"donnee": "secrète"}

    assert rule_problems(app) == ["GET /api/v1/jetable : aucune règle d'accès"]
    with pytest.raises(RuntimeError, match="GET /api/v1/jetable"):
        check_rules(app)
    with pytest.raises(MissingRuleError, match="GET /api/v1/jetable"):
        matrix(app)
    with TestClient(app) as client:
        key = world.subjects["cle-pilote"].authorization or ""
        refused = client.get("/api/v1/jetable", headers={"Authorization": key})
        assert refused.status_code == 403 and "secrète" not in refused.text
        assert refused.json()["detail"] == "Accès refusé : aucune règle d'accès n'est déclarée pour cette adresse."
        # Once declared, the route takes its place in the matrix and its rule is applied.
        declare(app, "GET", "/api/v1/jetable", api(ApiRole.PILOT))
        assert rule_problems(app) == [] and ("GET", "/api/v1/jetable") in {(e.method, e.path) for e in matrix(app)}
        assert client.get("/api/v1/jetable", headers={"Authorization": key}).status_code == 200
        landlord = world.subjects["cle-bailleur"].authorization or ""
        assert client.get("/api/v1/jetable", headers={"Authorization": landlord}).status_code == 403
    # A rule of the table is never replaced from outside it.
    with pytest.raises(ValueError, match="a déjà sa règle"):
        declare(app, "GET", "/api/v1/sante", public("essai"))


def test_the_application_does_not_start_with_a_route_without_a_rule(world: World,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(RULES, ("GET", "/api/v1/sante"))
    with pytest.raises(RuntimeError, match=r"GET /api/v1/sante : aucune règle d'accès"):
        create_app(world.runtime)


def test_every_partner_kind_has_one_api_role() -> None:
    roles = {kind: api_role(kind) for kind in PartnerKind}
    assert roles[PartnerKind.ETAT] is roles[PartnerKind.DEPARTEMENT] is ApiRole.PILOT
    assert roles[PartnerKind.BAILLEUR_SOCIAL] is roles[PartnerKind.BAILLEUR_PRIVE] is ApiRole.BAILLEUR
    assert {roles[k] for k in (PartnerKind.CAF, PartnerKind.CCAS, PartnerKind.ADIL, PartnerKind.ASSOCIATION)} == {
        ApiRole.STRUCTURE}
