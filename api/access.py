"""Access rules applied in one place: `enforce_access`, an application-wide dependency, checks the rule of the
route (api.access_rules.RULES) before anything else runs, and `check_rules` refuses to build an application that
has a route without one.

A rule says who may reach a route at all (the role). What a caller then sees inside it (its own cases, its own
structure's tasks, the campaigns it owns or runs) is the route's scope, answered 404 outside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import FastAPI, HTTPException, Request, status
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Mount

from api.access_rules import MOUNT, RULES, Audience, RouteKey, Rule
from api.deps import RuntimeDep, get_caller
from api.roles import ApiRole
from api.web.auth import AccessDeniedError, current_user
from campaigns.campaign.access import is_pilot
from campaigns.models import UserRole


@dataclass(frozen=True, slots=True)
class AppRoute:
    """A route as the application serves it: method, path template, and whether a dependency can guard it."""

    method: str
    path: str
    enforceable: bool
    in_schema: bool

    @property
    def key(self) -> RouteKey:
        return (self.method, self.path)


def app_routes(app: FastAPI) -> Iterator[AppRoute]:
    """Every route of the application, included routers flattened (FastAPI keeps them as single entries)."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount):
            yield AppRoute(MOUNT, route.path, enforceable=False, in_schema=False)
            continue
        methods = set(context.methods or ())
        if "GET" in methods:
            methods.discard("HEAD")  # Starlette adds it to every GET route
        is_api = isinstance(route, APIRoute)
        for method in sorted(methods):
            yield AppRoute(method, str(context.path), enforceable=is_api,
                           in_schema=is_api and bool(context.include_in_schema))


_EXTRA_RULES = "extra_access_rules"


def declare(app: FastAPI, method: str, path: str, rule: Rule) -> None:
    """The rule of a route added to one application only (a test's throwaway page), kept on that application. It
    never replaces a rule of the table."""
    if (method, path) in RULES:
        raise ValueError(f"{method} {path} a déjà sa règle dans api/access_rules.py")
    extra: dict[RouteKey, Rule] = getattr(app.state, _EXTRA_RULES, {})
    extra[(method, path)] = rule
    setattr(app.state, _EXTRA_RULES, extra)


def rule_of(app: FastAPI, key: RouteKey) -> Rule | None:
    extra: dict[RouteKey, Rule] = getattr(app.state, _EXTRA_RULES, {})
    return RULES.get(key) or extra.get(key)


def rule_problems(app: FastAPI) -> list[str]:
    """What would let a route answer without its rule applied; empty when every route is covered."""
    problems = []
    for route in app_routes(app):
        rule = rule_of(app, route.key)
        if rule is None:
            problems.append(f"{route.method} {route.path} : aucune règle d'accès")
        elif not route.enforceable and rule.audience is not Audience.PUBLIC:
            problems.append(f"{route.method} {route.path} : hors des routes FastAPI, la règle ne peut être que "
                            "publique")
    for context in iter_route_contexts(app.routes):
        original = context.original_route
        if isinstance(original, APIRoute) and original.path != context.path:
            # enforce_access reads the route's own path: a router included under a prefix would not match its rule.
            problems.append(f"{context.path} : routeur inclus avec un préfixe ; mettez le préfixe sur l'APIRouter")
    return problems


def check_rules(app: FastAPI) -> None:
    """Called by create_app: an application with a route that has no rule does not start."""
    problems = rule_problems(app)
    if problems:
        raise RuntimeError("Règles d'accès manquantes ou inapplicables (à déclarer dans api/access_rules.py) :\n"
                           + "\n".join(problems))


def refusal(rule: Rule) -> str:
    roles = " ou ".join(f"« {role.label} »" for role in ApiRole if role in rule.api_roles)
    return f"Accès refusé : cette adresse est réservée aux clés d'API de rôle {roles}."


def enforce_access(request: Request, runtime: RuntimeDep) -> None:
    """Application-wide dependency, run before the route's own: no rule, no access."""
    route = request.scope.get("route")
    rule = rule_of(request.app, (request.method, str(getattr(route, "path", ""))))
    if rule is None:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN,
                            detail="Accès refusé : aucune règle d'accès n'est déclarée pour cette adresse.")
    if rule.audience is Audience.PUBLIC:
        return
    if rule.audience is Audience.API:
        caller = get_caller(request, runtime, request.headers.get("authorization"))
        if not rule.allows_key(caller.role):
            raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail=refusal(rule))
        return
    user = current_user(request, runtime)
    pilot = False
    if rule.pilot_only and user.role in rule.page_roles:
        with runtime.session_factory() as session:
            pilot = is_pilot(session, user.partner_id)
    if not rule.allows_user(user.role, pilot=pilot):
        raise AccessDeniedError


def matrix_markdown() -> str:
    """The declared rules as a Markdown table, route by route (`python -m api.access`)."""
    header = ["route", *(f"clé {r.value}" for r in ApiRole), *(r.value for r in UserRole)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for (method, path), rule in sorted(RULES.items(), key=lambda item: (item[0][1], item[0][0])):
        if rule.audience is Audience.PUBLIC:
            cells = ["public"] * (len(header) - 1)
        else:
            keys = ["✓" if rule.allows_key(role) else "—" for role in ApiRole]
            mark = "pilote" if rule.pilot_only else "✓"
            pages = [mark if rule.audience is Audience.PAGE and role in rule.page_roles else "—" for role in UserRole]
            cells = [*keys, *pages]
        lines.append("| " + " | ".join([f"`{method} {path}`", *cells]) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(matrix_markdown())
