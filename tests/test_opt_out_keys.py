"""STOP opt-outs are stored as an HMAC of the number; the migration converts the plain SHA-256 rows of before."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from campaigns.crypto.columns import keyring_for
from campaigns.delivery.sms_events import is_opted_out, record_inbound
from campaigns.models import Case, SmsOptOut
from campaigns.runtime.migrate import alembic_config
from campaigns.runtime.root import Runtime
from tests.conftest import new_partner
from tests.factories import signalement

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
KNOWN, UNKNOWN = "+33612345678", "+33698765432"


def _sha(phone: str) -> str:
    return hashlib.sha256(phone.encode()).hexdigest()


def _migrate(runtime: Runtime, revision: str, *, down: bool = False) -> None:
    config = alembic_config(runtime.engine.url.render_as_string(hide_password=False))
    with runtime.engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def test_a_stop_is_kept_as_a_keyed_hash_and_honoured(runtime: Runtime) -> None:
    with runtime.session_factory.begin() as session:
        record_inbound(session, phone=KNOWN, is_stop=True, now=NOW)
    keyring = keyring_for(runtime.engine.dialect)
    with runtime.session_factory() as session:
        stored = session.scalars(select(SmsOptOut.phone_hash)).all()
        assert stored == [keyring.blind_index(KNOWN)] and stored != [_sha(KNOWN)]
        assert is_opted_out(session, KNOWN) and not is_opted_out(session, UNKNOWN)


def test_migration_converts_known_numbers_and_still_honours_the_others(runtime: Runtime, client: TestClient) -> None:
    _, headers = new_partner(runtime, "Habitat 44", "bailleur_social")
    answer = client.post("/api/v1/signalements", json=[signalement("H1", telephone="06 12 34 56 78")], headers=headers)
    assert answer.status_code == 200, answer.text
    with runtime.session_factory() as session:
        assert session.scalars(select(Case.telephone)).all() == [KNOWN]
    _migrate(runtime, "3f7a9c2e5b18", down=True)
    with runtime.engine.begin() as connection:  # the plain hashes the previous version stored
        connection.execute(text("INSERT INTO sms_opt_outs (phone_hash, created_at) VALUES (:h, :t)"),
                           [{"h": _sha(KNOWN), "t": NOW}, {"h": _sha(UNKNOWN), "t": NOW}])
    _migrate(runtime, "head")
    keyring = keyring_for(runtime.engine.dialect)
    with runtime.session_factory() as session:
        assert set(session.scalars(select(SmsOptOut.phone_hash))) == {keyring.blind_index(KNOWN), _sha(UNKNOWN)}
        assert is_opted_out(session, KNOWN) and is_opted_out(session, UNKNOWN)
        assert not is_opted_out(session, "+33600000000")
    _migrate(runtime, "3f7a9c2e5b18", down=True)
    with runtime.engine.connect() as connection:
        back = set(connection.scalars(text("SELECT phone_hash FROM sms_opt_outs")))
    assert back == {_sha(KNOWN), _sha(UNKNOWN)}
    _migrate(runtime, "head")
