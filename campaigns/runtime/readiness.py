"""Is this process ready to work: the database answers, the broker (when one is configured) accepts a connection.

Used by the readiness route (GET /api/v1/sante/pret) and by `chaine verifier` (docs/operations.md). Each check
answers in French and never raises; the messages hold no password (URLs are shown without theirs).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

CONNECT_TIMEOUT_SECONDS = 3


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str


def safe_url(url: str) -> str:
    """The URL without its password, for a message."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unreadable URL is reported as such by the settings, never echoed
        return "(adresse illisible)"


def check_database(engine: Engine) -> Check:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return Check("base", False, f"la base de données ne répond pas ({type(exc).__name__}) : vérifiez "
                                    "CHAINE_DATABASE_URL et que PostgreSQL tourne")
    return Check("base", True, f"la base de données répond ({engine.dialect.name})")


def check_broker(broker_url: str) -> Check:
    """A connection to the broker, nothing sent; no broker configured is fine (embedded mode runs jobs inline)."""
    if not broker_url:
        return Check("courtier", True, "aucun courtier configuré (mode embarqué : tâches exécutées sur place)")
    from kombu.connection import Connection

    try:
        with Connection(broker_url, connect_timeout=CONNECT_TIMEOUT_SECONDS) as connection:  # type: ignore[no-untyped-call]
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0,
                                         timeout=CONNECT_TIMEOUT_SECONDS)
    except Exception as exc:  # kombu raises the transport's own errors (redis, socket, amqp)
        return Check("courtier", False, f"le courtier {safe_url(broker_url)} ne répond pas ({type(exc).__name__}) : "
                                        "vérifiez CHAINE_BROKER_URL et que Redis tourne")
    return Check("courtier", True, f"le courtier {safe_url(broker_url)} répond")
