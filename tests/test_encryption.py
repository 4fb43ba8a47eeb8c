"""Personal data encrypted at rest: ciphertext in the database, plain values through the ORM, key rotation, clear
failures without the right key, and phone look-ups through the blind index."""

from __future__ import annotations

import hashlib
import hmac
import stat
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from api.app import create_app
from campaigns.crypto.cipher import DataKeyError, decode_key, generate_key, key_id
from campaigns.crypto.columns import EncryptedColumnError, EncryptedValue, keyring_for
from campaigns.crypto.keys import KEYS_FILE, load_keyring
from campaigns.crypto.rotation import rotate
from campaigns.delivery.sms_events import is_opted_out, record_inbound
from campaigns.intake.jobs import create_import, create_or_join_import
from campaigns.intake.stored_files import file_pieces
from campaigns.linkage.store import rebuild_keys
from campaigns.models import Case, Partner, SmsOptOut
from campaigns.platform.db import make_engine
from campaigns.platform.dialect import bulk_update
from campaigns.platform.settings import Settings
from campaigns.runtime import migrate
from campaigns.runtime.root import Runtime
from tests.conftest import drop_pg_database, new_partner, pg_url, recreate_pg_database, run_database
from tests.factories import signalement

PLAIN = {
    "telephone": "+33612345678", "email": "aicha.benali@exemple.fr", "adresse": "12 rue des Lilas",
    "complement_adresse": "Bât. B, appt 12", "date_naissance": "1985-03-12", "date_naissance_cotitulaire": "1983-07-01",
    "montant_dette": "1234.56", "loyer_mensuel": "520.00", "nom": "Benali", "prenom": "Aïcha",
    "nom_cotitulaire": "Benali", "prenom_cotitulaire": "Karim", "numero_allocataire": "1234567",
}
_ROW = signalement("R-1", email="Aicha.Benali@exemple.fr", complement_adresse="Bât. B, appt 12",
                   nom_cotitulaire="Benali", prenom_cotitulaire="Karim", date_naissance_cotitulaire="01/07/1983")


def _push(client: TestClient, headers: dict[str, str], *rows: dict[str, object]) -> None:
    answer = client.post("/api/v1/signalements", headers=headers, json=list(rows))
    assert answer.status_code == 200 and answer.json()["rejetes"] == 0, answer.text


def _raw(session: Session) -> dict[str, object]:
    row = session.execute(text(f"SELECT {', '.join(PLAIN)}, telephone_index FROM cases")).mappings().one()
    return dict(row)


def _with_keys(runtime: Runtime, *data_keys: str, blind: str | None = None) -> Runtime:
    settings = runtime.settings.model_copy(update={
        "data_keys": ",".join(data_keys),
        "blind_index_key": blind or runtime.settings.blind_index_key.get_secret_value()})
    return Runtime(settings, clock=runtime.clock)


def test_personal_fields_are_ciphertext_in_the_database_and_plain_through_the_orm(
    runtime: Runtime, client: TestClient
) -> None:
    _, headers = new_partner(runtime, "Habitat 44", "bailleur_social")
    _push(client, headers, _ROW)  # PostgreSQL: the COPY path of intake
    with runtime.session_factory() as session:
        raw = _raw(session)
        for name, plain in PLAIN.items():
            stored = bytes(raw[name])  # type: ignore[arg-type]
            assert plain.encode() not in stored and len(stored) > len(plain), name
        assert raw["telephone_index"] != PLAIN["telephone"] and len(str(raw["telephone_index"])) == 64
        case = session.scalars(select(Case)).one()
        assert (case.telephone, case.email, case.adresse, case.complement_adresse) == (
            "+33612345678", "aicha.benali@exemple.fr", "12 rue des Lilas", "Bât. B, appt 12")
        assert (case.date_naissance, case.date_naissance_cotitulaire) == (date(1985, 3, 12), date(1983, 7, 1))
        assert (case.montant_dette, case.loyer_mensuel) == (Decimal("1234.56"), Decimal("520.00"))
    # The same value encrypts differently each time: nothing to compare across rows.
    _push(client, headers, {**_ROW, "reference": "R-2"})
    with runtime.session_factory() as session:
        phones = session.execute(text("SELECT telephone, telephone_index FROM cases ORDER BY id")).all()
        assert bytes(phones[0][0]) != bytes(phones[1][0]) and phones[0][1] == phones[1][1]
    # An update through the ORM (a re-push) and through the bulk path both store ciphertext.
    _push(client, headers, {**_ROW, "telephone": "07 11 22 33 44"})
    with runtime.session_factory.begin() as session:
        first = session.scalars(select(Case).where(Case.reference == "R-1")).one()
        assert first.telephone == "+33711223344"
        bulk_update(session, Case, [{"id": first.id, "telephone": "+33799887766", "adresse": "3 place Royale"}])
    with runtime.session_factory() as session:
        stored = session.execute(text("SELECT telephone, adresse FROM cases WHERE reference = 'R-1'")).one()
        assert b"+33799887766" not in bytes(stored[0]) and b"Royale" not in bytes(stored[1])
        first = session.scalars(select(Case).where(Case.reference == "R-1")).one()
        assert (first.telephone, first.adresse) == ("+33799887766", "3 place Royale")
        assert session.scalars(select(Case.reference).where(Case.telephone_index == "+33799887766")).all() == ["R-1"]


def test_an_encrypted_column_refuses_sql_comparisons() -> None:
    with pytest.raises(EncryptedColumnError, match="chiffrée"):
        select(Case).where(Case.telephone == "+33612345678")
    with pytest.raises(EncryptedColumnError):
        select(Case).order_by(Case.adresse > "a")
    select(Case).where(Case.telephone.is_(None), Case.email.is_not(None))  # NULL checks stay possible


def test_the_bulk_conversion_of_an_encrypted_column_opens_as_its_bound_value(runtime: Runtime) -> None:
    """COPY converts values with `bulk_converter` (the keyring read once): same ciphertext format and context as
    `process_bind_param`, so every encrypted type reads its values back through the ORM's conversion."""
    dialect = runtime.engine.dialect
    values = {"nom": "Benali", "date_naissance": date(1985, 3, 12), "montant_dette": Decimal("1234.5")}
    for name, value in values.items():
        column_type = Case.__table__.c[name].type
        assert isinstance(column_type, EncryptedValue)
        convert = column_type.bulk_converter(dialect)
        assert convert(None) is None
        stored = convert(value)
        bound = column_type.process_bind_param(value, dialect)
        assert stored is not None and bound is not None
        assert stored != bound and len(stored) == len(bound)  # a fresh nonce each time, same layout
        assert column_type.process_result_value(stored, dialect) == column_type.process_result_value(bound, dialect)
        assert column_type.process_result_value(stored, dialect) == value


def test_inbound_sms_finds_the_household_through_the_blind_index(runtime: Runtime, client: TestClient) -> None:
    _, headers = new_partner(runtime, "Habitat 44", "bailleur_social")
    _push(client, headers, _ROW, signalement("R-2", nom="Martin", prenom="Paul", telephone="0699999999",
                                             adresse="1 rue Basse", date_naissance="02/02/1960"))
    with runtime.session_factory.begin() as session:
        outcome = record_inbound(session, phone="+33612345678", is_stop=True, now=runtime.clock())
        assert outcome.acknowledge_stop
        case = session.scalars(select(Case).where(Case.reference == "R-1")).one()
        assert session.scalars(select(Case.household_id).where(Case.telephone_index == "+33612345678")).all() == [
            case.household_id]


_FILE = "reference;stade;nom;prenom;commune\nR-9;impaye;Le Hénaff;Aïcha;Nantes\n".encode()


def test_rotation_re_encrypts_under_the_new_key_and_an_old_key_alone_fails_clearly(runtime: Runtime) -> None:
    old, new = generate_key(), generate_key()
    first = _with_keys(runtime, old)
    with TestClient(create_app(first)) as old_client:
        partner_id, headers = new_partner(first, "Habitat 44", "bailleur_social")
        _push(old_client, headers, _ROW, {**_ROW, "reference": "R-2", "telephone": "0611111111"})
    with first.session_factory.begin() as session:  # a CSV job not yet run: its file is stored in pieces
        job_id = create_import(session, partner=session.get_one(Partner, partner_id), source="csv", payload=_FILE,
                               now=first.clock()).id
    both = _with_keys(runtime, new, old)  # the new key first: it encrypts, both decrypt
    with both.session_factory() as session:
        assert {c.telephone for c in session.scalars(select(Case))} == {"+33612345678", "+33611111111"}
    result = rotate(both.session_factory, batch=1)  # one row per transaction: resumable batches
    # Two cases of 13 encrypted values each, the two import jobs (a JSON push keeps no file), the CSV file's piece.
    assert result.rows == 5 and result.reencrypted == 27
    assert rotate(both.session_factory).reencrypted == 0  # run again: nothing left to do
    with both.session_factory() as session:
        stored = session.execute(text(f"SELECT {', '.join(PLAIN)} FROM cases")).all()
        assert {bytes(v)[1:5] for row in stored for v in row} == {key_id(decode_key(new, setting="test"))}
    only_new = _with_keys(runtime, new)
    with only_new.session_factory() as session:
        assert {c.adresse for c in session.scalars(select(Case))} == {"12 rue des Lilas"}
        # The stored file opens with the new key alone, and the same file posted again is still found by its index.
        assert b"".join(file_pieces(only_new.session_factory, job_id)()) == _FILE
        twin, created = create_or_join_import(session, partner=session.get_one(Partner, partner_id), payload=_FILE,
                                              now=only_new.clock())
        assert (twin.id, created) == (job_id, False)
    only_old = _with_keys(runtime, old)
    with only_old.session_factory() as session, pytest.raises(DataKeyError, match="clé absente de CHAINE_DATA_KEYS"):
        list(session.scalars(select(Case)))
    for runtime_ in (first, both, only_new, only_old):
        runtime_.engine.dispose()


def test_a_wrong_blind_index_key_finds_nobody_until_rotation(runtime: Runtime, client: TestClient) -> None:
    _, headers = new_partner(runtime, "Habitat 44", "bailleur_social")
    _push(client, headers, _ROW)
    moved = _with_keys(runtime, runtime.settings.data_keys.get_secret_value(), blind=generate_key())
    with moved.session_factory() as session:
        assert session.scalars(select(Case.id).where(Case.telephone_index == "+33612345678")).all() == []
    rotate(moved.session_factory)  # recomputes the indexes with the blind index key in force
    with moved.session_factory() as session:
        assert len(session.scalars(select(Case.id).where(Case.telephone_index == "+33612345678")).all()) == 1
    moved.engine.dispose()


def test_linkage_keys_follow_a_new_blind_index_key(runtime: Runtime, client: TestClient) -> None:
    """The blocking keys are keyed too: after a new blind index key and `chaine cles rotation` (which rotates, then
    computes the blocking keys again), the same person pushed by another partner still meets her household."""
    _, headers = new_partner(runtime, "Habitat 44", "bailleur_social")
    _push(client, headers, _ROW)
    moved = _with_keys(runtime, runtime.settings.data_keys.get_secret_value(), blind=generate_key())
    rotate(moved.session_factory)
    with moved.session_factory.begin() as session:
        assert rebuild_keys(session) == 1
    _, caf_headers = new_partner(moved, "CAF 44", "caf")
    with TestClient(create_app(moved)) as other:
        _push(other, caf_headers, {**_ROW, "reference": "C-1"})
    with moved.session_factory() as session:
        assert len(set(session.scalars(select(Case.household_id)))) == 1
    moved.engine.dispose()


def test_opt_outs_follow_a_new_blind_index_key(runtime: Runtime, client: TestClient) -> None:
    _, headers = new_partner(runtime, "Habitat 44", "bailleur_social")
    _push(client, headers, _ROW)
    with runtime.session_factory.begin() as session:
        record_inbound(session, phone="+33612345678", is_stop=True, now=datetime(2026, 11, 25, 10, tzinfo=UTC))
    moved = _with_keys(runtime, runtime.settings.data_keys.get_secret_value(), blind=generate_key())
    with moved.session_factory() as session:
        assert not is_opted_out(session, "+33612345678")  # the old HMAC, until the rotation
    rotate(moved.session_factory)
    rotate(moved.session_factory)  # run again: nothing moves twice
    with moved.session_factory() as session:
        assert is_opted_out(session, "+33612345678")
        assert session.scalars(select(SmsOptOut.phone_hash)).all() == [
            keyring_for(moved.engine.dialect).blind_index("+33612345678")]
    moved.engine.dispose()


def test_production_refuses_to_start_without_keys_and_bad_keys_are_named() -> None:
    production = Settings(broker_url="redis://127.0.0.1:6379/0", data_keys="", blind_index_key="")
    with pytest.raises(DataKeyError, match="CHAINE_DATA_KEYS et CHAINE_BLIND_INDEX_KEY absente"):
        Runtime(production)
    with pytest.raises(DataKeyError, match="CHAINE_BLIND_INDEX_KEY absente"):
        Runtime(production.model_copy(update={"data_keys": generate_key()}))
    with pytest.raises(DataKeyError, match="CHAINE_DATA_KEYS : clé illisible"):
        load_keyring(Settings(data_keys="pas-une-clé!", blind_index_key=generate_key()))
    with pytest.raises(DataKeyError, match="32 octets"):
        load_keyring(Settings(data_keys="c2hvcnQ=", blind_index_key=generate_key()))
    key = generate_key()
    with pytest.raises(DataKeyError, match="deux fois"):
        load_keyring(Settings(data_keys=f"{key}, {key}", blind_index_key=generate_key()))


def test_embedded_mode_generates_private_keys_once_into_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, data_keys="", blind_index_key="")
    first = load_keyring(settings)
    path = tmp_path / KEYS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_keyring(settings)
    assert first.current_key_id == again.current_key_id and first.blind_index("x") == again.blind_index("x")
    stored = first.encrypt(b"12 rue des Lilas", b"adresse")
    assert again.decrypt(stored, b"adresse") == b"12 rue des Lilas"
    with pytest.raises(DataKeyError, match="altérée ou clé erronée"):
        again.decrypt(stored, b"telephone")  # a value moved to another column does not open
    # The blind index is HMAC-SHA256 of the value under the blind index key.
    expected = hmac.new(first.blind_index_key, b"+33612345678", hashlib.sha256).hexdigest()
    assert first.blind_index("+33612345678") == expected


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_migration_encrypts_existing_plain_rows(backend: str, tmp_path: Path) -> None:
    if backend == "sqlite":
        url, name = f"sqlite:///{tmp_path / 'ancienne.db'}", None
    else:
        name = run_database("encryption_migration")
        recreate_pg_database(name)
        url = pg_url(name)
    runtime = Runtime(Settings(database_url=url, data_dir=tmp_path))
    try:
        _upgrade_to(runtime, "179b6f4b4e12")
        with runtime.engine.begin() as conn:
            conn.execute(text("INSERT INTO partners (name, kind, created_at) VALUES ('H', 'bailleur_social', "
                              "'2026-11-25 10:00:00+00')"))
            conn.execute(text("INSERT INTO households (created_at, updated_at) VALUES ('2026-11-25 10:00:00+00', "
                              "'2026-11-25 10:00:00+00')"))
            conn.execute(text(
                "INSERT INTO cases (partner_id, reference, household_id, stage, date_stade, prenom, commune, "
                "telephone, email, adresse, date_naissance, montant_dette, loyer_mensuel, langue, falc, "
                "adresse_invalide, telephone_invalide, content_hash, created_at, updated_at) VALUES (1, 'R-1', 1, "
                "'impaye', '2026-11-20', 'Aïcha', 'Nantes', '+33612345678', 'a@exemple.fr', '12 rue des Lilas', "
                "'1985-03-12', 1234.56, 520, 'fr', false, false, false, 'h', '2026-11-25 10:00:00+00', "
                "'2026-11-25 10:00:00+00')"))
        migrate.upgrade(runtime.engine)
        with runtime.session_factory() as session:
            raw = session.execute(text("SELECT telephone, adresse, montant_dette FROM cases")).one()
            assert all(isinstance(v, bytes | memoryview) for v in raw) and b"Lilas" not in bytes(raw[1])
            case = session.scalars(select(Case)).one()
            assert (case.telephone, case.email, case.adresse) == ("+33612345678", "a@exemple.fr", "12 rue des Lilas")
            assert (case.date_naissance, case.montant_dette, case.loyer_mensuel) == (
                date(1985, 3, 12), Decimal("1234.56"), Decimal("520.00"))
            assert session.scalars(select(Case.id).where(Case.telephone_index == "+33612345678")).all() == [case.id]
    finally:
        runtime.engine.dispose()
        if name:
            drop_pg_database(name)


def _upgrade_to(runtime: Runtime, revision: str) -> None:
    from alembic import command

    config = migrate.alembic_config(runtime.engine.url.render_as_string(hide_password=False))
    with runtime.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def test_an_engine_without_keys_fails_clearly(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'nue.db'}")
    migrate.upgrade(engine)
    with engine.begin() as conn, pytest.raises(Exception, match="aucune clé de chiffrement"):
        conn.execute(Case.__table__.insert().values(  # type: ignore[attr-defined]
            partner_id=1, reference="R", household_id=1, stage="impaye", date_stade=date(2026, 1, 1), prenom="A",
            commune="Nantes", telephone="+33612345678", content_hash="h"))
    engine.dispose()
