"""Names, co-tenants, CAF numbers, closure reasons, task notes and stored import files encrypted at rest; matching
still finds the household (docs/security.md); the migration encrypts existing rows and its downgrade decrypts them."""

from __future__ import annotations

from datetime import timedelta

from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from campaigns.crypto.columns import keyring_for
from campaigns.intake.jobs import create_or_join_import
from campaigns.intake.stored_files import file_pieces
from campaigns.models import Case, HumanTask, ImportJob, Partner
from campaigns.runtime.migrate import alembic_config
from campaigns.runtime.root import Runtime
from tests.conftest import new_partner
from tests.factories import signalement

BEFORE = "d8e3f0a5b2c9"  # the revision before names were encrypted
IDENTITY = {"nom": "Le Hénaff", "prenom": "Aïcha", "nom_cotitulaire": "Benali", "prenom_cotitulaire": "Karim",
            "numero_allocataire": "7654321"}
NOTE = "Mme Le Hénaff rappelle jeudi, son fils Karim est hospitalisé"
FILE = "reference;nom;prenom\nR-9;Le Hénaff;Aïcha\n".encode("cp1252")  # a partner's file, not UTF-8


def _migrate(runtime: Runtime, revision: str, *, down: bool = False) -> None:
    config = alembic_config(runtime.engine.url.render_as_string(hide_password=False))
    with runtime.engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def _push(client: TestClient, headers: dict[str, str], *rows: dict[str, object]) -> None:
    answer = client.post("/api/v1/signalements", headers=headers, json=list(rows))
    assert answer.status_code == 200 and answer.json()["rejetes"] == 0, answer.text


def _seed(runtime: Runtime, client: TestClient) -> None:
    """A case with every identity field and a closure reason, a worker's note on a task, a stored import file."""
    partner_id, headers = new_partner(runtime, "Habitat 44", "bailleur_social")
    _push(client, headers, signalement("R-1", **IDENTITY),
          signalement("R-2", nom="Martin", prenom="Paul", telephone="0699999999", adresse="1 rue Basse",
                      date_naissance="02/02/1960", stade="cloture", motif_cloture="décès de M. Martin"))
    now = runtime.clock()
    with runtime.session_factory.begin() as session:
        case = session.scalars(select(Case).where(Case.reference == "R-1")).one()
        session.add(HumanTask(household_id=case.household_id, queue_partner_id=partner_id, kind="appel",
                              stage=case.stage, note=NOTE, due_at=now, created_at=now, updated_at=now))
        create_or_join_import(session, partner=session.get_one(Partner, partner_id), payload=FILE, now=now)


def _assert_ciphertext(session: Session) -> None:
    raw = session.execute(text(f"SELECT {', '.join(IDENTITY)}, motif_cloture FROM cases ORDER BY id")).all()
    for row in raw:
        for value in row:
            assert value is None or isinstance(value, bytes | memoryview), value
    stored = b"".join(bytes(v) for row in raw for v in row if v is not None)
    for plain in (*IDENTITY.values(), "Martin", "Paul", "décès"):
        assert plain.encode() not in stored, plain
    note = session.execute(text("SELECT note FROM human_tasks")).scalar_one()
    assert b"Karim" not in bytes(note) and b"hospitalis" not in bytes(note)
    # The file is in encrypted pieces (import_chunks), or whole in imports.payload once migrated down and up again.
    stored = [bytes(v) for v in session.execute(text("SELECT data FROM import_chunks ORDER BY position")).scalars()]
    stored += [bytes(v) for v in session.execute(text("SELECT payload FROM imports WHERE payload IS NOT NULL"))
               .scalars()]
    assert stored and all(b"nom;prenom" not in raw and b"R-9" not in raw for raw in stored)
    index = session.execute(text("SELECT payload_index FROM imports WHERE payload_index IS NOT NULL")).scalar_one()
    assert index == keyring_for(session.get_bind().dialect).blind_index_bytes(FILE)


def _stored_file(session: Session, import_id: int) -> bytes:
    return b"".join(file_pieces(sessionmaker(bind=session.get_bind()), import_id)())


def _assert_plain_through_the_orm(session: Session) -> None:
    case = session.scalars(select(Case).where(Case.reference == "R-1")).one()
    assert {name: getattr(case, name) for name in IDENTITY} == IDENTITY
    closed = session.scalars(select(Case).where(Case.reference == "R-2")).one()
    assert (closed.nom, closed.prenom, closed.motif_cloture) == ("Martin", "Paul", "décès de M. Martin")
    assert session.scalars(select(HumanTask.note)).one() == NOTE
    job_id = session.scalars(select(ImportJob.id).where(ImportJob.payload_index.is_not(None))).one()
    assert _stored_file(session, job_id) == FILE


def test_identity_notes_and_files_are_ciphertext_and_matching_still_works(runtime: Runtime, client: TestClient) -> None:
    _seed(runtime, client)
    with runtime.session_factory() as session:
        _assert_ciphertext(session)
        _assert_plain_through_the_orm(session)
    # The DDETS pushes the same people its own way (capitals, no CAF number, no phone): linkage reads the stored
    # cases' names, decrypted, and puts its rows in the same households.
    _, state = new_partner(runtime, "DDETS 44", "etat")
    _push(client, state, signalement("E-1", nom="LE HENAFF", prenom="AICHA", numero_allocataire=None, telephone=None),
          signalement("E-2", nom="MARTIN", prenom="PAUL", telephone=None, numero_allocataire=None,
                      adresse="1 rue Basse", date_naissance="02/02/1960"))
    with runtime.session_factory() as session:
        households = {reference: household for reference, household in session.execute(
            select(Case.reference, Case.household_id))}
    assert households["E-1"] == households["R-1"] and households["E-2"] == households["R-2"]
    assert households["R-1"] != households["R-2"]
    # The same file posted again while its job waits is found by its keyed hash, never by reading files back.
    with runtime.session_factory.begin() as session:
        partner = session.scalars(select(Partner).where(Partner.name == "Habitat 44")).one()
        job, created = create_or_join_import(session, partner=partner, payload=FILE, now=runtime.clock())
        assert not created and _stored_file(session, job.id) == FILE
        other, created = create_or_join_import(session, partner=partner, payload=FILE + b"R-10;X;Y\n",
                                               now=runtime.clock() + timedelta(seconds=1))
        assert created and other.id != job.id


def test_the_migration_encrypts_existing_rows_and_its_downgrade_decrypts_them(
    runtime: Runtime, client: TestClient
) -> None:
    _seed(runtime, client)
    _migrate(runtime, BEFORE, down=True)
    with runtime.engine.connect() as connection:
        names = connection.execute(text(f"SELECT {', '.join(IDENTITY)} FROM cases WHERE reference = 'R-1'")).one()
        assert dict(zip(IDENTITY, names, strict=True)) == IDENTITY
        assert connection.execute(text("SELECT note FROM human_tasks")).scalar_one() == NOTE
        assert bytes(connection.execute(text("SELECT payload FROM imports WHERE payload IS NOT NULL")).scalar_one()) \
            == FILE
        motif = connection.execute(text("SELECT motif_cloture FROM cases WHERE reference = 'R-2'")).scalar_one()
        assert motif == "décès de M. Martin"
    _migrate(runtime, "head")
    with runtime.session_factory() as session:
        _assert_ciphertext(session)
        _assert_plain_through_the_orm(session)
