"""Who is signed in: opening and closing a session, `current_user` for the pages, role checks."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from api.deps import RuntimeDep
from api.web import sessions
from api.web.security import API_PREFIX, renew_csrf_token
from api.web.sessions import SESSION_REFRESH
from campaigns.accounts.users import session_stamp
from campaigns.accounts.web_sessions import open_web_session, revoke_web_session, web_session_valid
from campaigns.models import User, UserRole
from campaigns.runtime.root import Runtime

_USER_ID = "uid"
_SESSION_TOKEN = "sid"  # noqa: S105 - a key name; the server-side session's token (campaigns.accounts.web_sessions)
_STAMP = "stamp"
_SEEN = "seen"
_NEXT = "next"
_NOTICE = "notice"

ROLE_LABELS = {
    UserRole.ADMIN: "administration",
    UserRole.OPERATEUR: "opérateur de campagnes",
    UserRole.BAILLEUR: "bailleur",
    UserRole.AGENT: "travail social",
    UserRole.SUPERVISEUR: "supervision d'équipe",
    UserRole.EVALUATEUR: "évaluation",
}


class LoginRequiredError(Exception):
    """No valid session: pages redirect to /connexion, other requests get a 401."""


class AccessDeniedError(Exception):
    """Signed in, but the role does not open this page (answered with a French 403 page)."""


@dataclass(frozen=True, slots=True)
class WebUser:
    id: int
    email: str
    display_name: str
    role: UserRole
    partner_id: int
    partner_name: str

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


# Routes outside /api/ read by machines, not people (a Prometheus scraper): their errors stay JSON.
MACHINE_PATHS = frozenset({"/metrics"})


def wants_page(request: Request) -> bool:
    """Requests outside the JSON API (and its machine routes, `MACHINE_PATHS`) come from a browser showing pages."""
    path = request.url.path
    return not path.startswith(API_PREFIX) and path not in MACHINE_PATHS


def open_session(request: Request, session: Session, user: User) -> str:
    """Starts a fresh session for `user` (nothing kept from before, stored server-side) and returns where to go
    next."""
    target = request.session.get(_NEXT)
    request.session.clear()
    request.session[_USER_ID] = user.id
    request.session[_SESSION_TOKEN] = open_web_session(session, user_id=user.id, now=sessions.session_clock())
    request.session[_STAMP] = session_stamp(user)
    request.session[_SEEN] = int(time.time())
    renew_csrf_token(request)
    # Only a path of this site: never an address given by someone else.
    if isinstance(target, str) and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


def close_session(request: Request, runtime: Runtime | None = None, *, notice: str | None = None) -> None:
    """Ends the session: its server-side record is revoked (a copy of the cookie opens nothing), the cookie emptied."""
    token = request.session.get(_SESSION_TOKEN)
    if runtime is not None and isinstance(token, str):
        with runtime.session_factory.begin() as session:
            revoke_web_session(session, token=token, now=sessions.session_clock())
    request.session.clear()
    if notice:
        request.session[_NOTICE] = notice


def pop_notice(request: Request) -> str | None:
    notice = request.session.pop(_NOTICE, None)
    return notice if isinstance(notice, str) else None


def current_user(request: Request, runtime: RuntimeDep) -> WebUser:
    """The signed-in person, checked against the database on every request (disabled accounts are out at once).

    Checked once per request: api.access.enforce_access asks first, the page's own dependencies get the same answer.
    """
    cached = getattr(request.state, "user", None)
    if isinstance(cached, WebUser):
        return cached
    user_id = request.session.get(_USER_ID)
    if not isinstance(user_id, int):
        if wants_page(request) and request.method == "GET":
            request.session[_NEXT] = request.url.path
        raise LoginRequiredError
    token = request.session.get(_SESSION_TOKEN)
    with runtime.session_factory.begin() as session:
        user = session.get(User, user_id)
        if (user is None or user.disabled_at is not None or request.session.get(_STAMP) != session_stamp(user)
                or not isinstance(token, str)
                or not web_session_valid(session, token=token, user_id=user_id, now=sessions.session_clock())):
            request.session.clear()
            raise LoginRequiredError
        web_user = WebUser(
            id=user.id,
            email=user.email,
            display_name=user.display_name,
            role=UserRole(user.role),
            partner_id=user.partner_id,
            partner_name=user.partner.name,
        )
    seen = request.session.get(_SEEN)
    now = int(time.time())
    if not isinstance(seen, int) or now - seen >= SESSION_REFRESH:
        request.session[_SEEN] = now  # re-signs the cookie: the idle lifetime starts again
    request.state.user = web_user
    return web_user


CurrentUserDep = Annotated[WebUser, Depends(current_user)]


def require_roles(*roles: UserRole) -> Callable[[WebUser], WebUser]:
    """A dependency for pages open to some roles only: `Depends(require_roles(UserRole.AGENT, ...))`."""
    allowed = frozenset(roles)

    def dependency(user: CurrentUserDep) -> WebUser:
        if user.role not in allowed:
            raise AccessDeniedError
        return user

    return dependency
