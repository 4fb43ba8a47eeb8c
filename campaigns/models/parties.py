"""Partners, households, their cases and stage stays."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.crypto.columns import BlindIndex, EncryptedDate, EncryptedDecimal, EncryptedText
from campaigns.platform.db import Base, UTCDateTime


class Partner(Base):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    # Printed on letters as the sender block, so households know whom to call.
    contact_phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    contact_address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # When the structure answers the phone, per weekday: {"lundi": [["09:00", "12:00"], ["14:00", "17:00"]], …};
    # None: the usual office hours (campaigns/answers/slots.py). The answer link offers call-back slots from it.
    opening_hours: Mapped[dict[str, list[list[str]]] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    # Only a SHA-256 of the key is kept; the key is shown once at creation.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # A key given for a limited time (a contractor, a pilot) stops working by itself; None: until revoked.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    partner: Mapped[Partner] = relationship()


class Household(Base):
    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    stage: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    current_entry_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # A household absorbed by a merge points to the one that absorbed it (null again after an undo).
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), nullable=True)
    # The structure following the household (CCAS, MDSF, CAF...): its calls and visits go to that queue.
    # Never shown to bailleurs. `referent_rule` is the attribution rule that matched, kept for audit.
    referent_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), nullable=True, index=True)
    referent_rule: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HouseholdKey(Base):
    """Hashed exact-match keys (allocataire number, name+birth date, name+address) pointing to a household."""

    __tablename__ = "household_keys"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)


class Case(Base):
    """One partner's signalement for a household, as last pushed (the partner's `reference` is its key)."""

    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("partner_id", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    reference: Mapped[str] = mapped_column(String(100))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    stage: Mapped[str] = mapped_column(String(40))
    date_stade: Mapped[date] = mapped_column(Date)
    parc: Mapped[str | None] = mapped_column(String(10), nullable=True)
    # Personal data encrypted at rest (campaigns/crypto/columns.py): read and written as plain values. Names are
    # never compared in SQL: linkage finds candidates through hashed blocking keys (`block_keys`), then decrypts
    # the candidates' fields to compare them (campaigns/linkage/store.py).
    nom: Mapped[str | None] = mapped_column(EncryptedText("nom"), nullable=True)
    prenom: Mapped[str | None] = mapped_column(EncryptedText("prenom"), nullable=True)  # optional (issue 17)
    date_naissance: Mapped[date | None] = mapped_column(EncryptedDate("date_naissance"), nullable=True)
    nom_cotitulaire: Mapped[str | None] = mapped_column(EncryptedText("nom_cotitulaire"), nullable=True)
    prenom_cotitulaire: Mapped[str | None] = mapped_column(EncryptedText("prenom_cotitulaire"), nullable=True)
    date_naissance_cotitulaire: Mapped[date | None] = mapped_column(
        EncryptedDate("date_naissance_cotitulaire"), nullable=True)
    adresse: Mapped[str | None] = mapped_column(EncryptedText("adresse"), nullable=True)
    complement_adresse: Mapped[str | None] = mapped_column(EncryptedText("complement_adresse"), nullable=True)
    code_postal: Mapped[str | None] = mapped_column(String(5), nullable=True)
    commune: Mapped[str] = mapped_column(String(100))
    telephone: Mapped[str | None] = mapped_column(EncryptedText("telephone"), nullable=True)
    # HMAC of the phone, kept equal to `telephone` (set with the plain number): inbound SMS find households by it.
    telephone_index: Mapped[str | None] = mapped_column(
        BlindIndex(), nullable=True, index=True, info={"blind_index_of": "telephone"})
    email: Mapped[str | None] = mapped_column(EncryptedText("email"), nullable=True)
    montant_dette: Mapped[Decimal | None] = mapped_column(EncryptedDecimal("montant_dette"), nullable=True)
    loyer_mensuel: Mapped[Decimal | None] = mapped_column(EncryptedDecimal("loyer_mensuel"), nullable=True)
    date_premier_impaye: Mapped[date | None] = mapped_column(Date, nullable=True)
    allocataire: Mapped[str | None] = mapped_column(String(10), nullable=True)
    numero_allocataire: Mapped[str | None] = mapped_column(EncryptedText("numero_allocataire"), nullable=True)
    date_audience: Mapped[date | None] = mapped_column(Date, nullable=True)
    langue: Mapped[str] = mapped_column(String(8), default="fr")
    falc: Mapped[bool] = mapped_column(Boolean, default=False)
    # Free text from the partner ("dette soldée", "décès de M. X"): encrypted like the names.
    motif_cloture: Mapped[str | None] = mapped_column(EncryptedText("motif_cloture"), nullable=True)
    # The facts the routing rules test (campaigns/intake/household_facts.py, docs/domain.md §9.1).
    enfants_a_charge: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ages_enfants: Mapped[str | None] = mapped_column(EncryptedText("ages_enfants"), nullable=True)
    aide_logement: Mapped[str | None] = mapped_column(String(10), nullable=True)
    versement_aide_logement: Mapped[str | None] = mapped_column(String(10), nullable=True)
    # A legal protection measure and its mandataire (docs/domain.md §10.5): sensitive, encrypted, never shown to
    # bailleurs.
    mesure_protection: Mapped[str | None] = mapped_column(EncryptedText("mesure_protection"), nullable=True)
    mandataire_nom: Mapped[str | None] = mapped_column(EncryptedText("mandataire_nom"), nullable=True)
    mandataire_adresse: Mapped[str | None] = mapped_column(EncryptedText("mandataire_adresse"), nullable=True)
    mandataire_code_postal: Mapped[str | None] = mapped_column(
        EncryptedText("mandataire_code_postal"), nullable=True)
    mandataire_commune: Mapped[str | None] = mapped_column(EncryptedText("mandataire_commune"), nullable=True)
    mandataire_telephone: Mapped[str | None] = mapped_column(EncryptedText("mandataire_telephone"), nullable=True)
    # The structure the partner knows already follows the household (rule 0 of the attribution).
    referent_connu: Mapped[str | None] = mapped_column(EncryptedText("referent_connu"), nullable=True)
    # The household's landlord as the State or the Département knows it from the procedure's acts (a pilot's case
    # only counts): a bailleur that comes after them moves the household when named here (docs/security.md, rule 6).
    bailleur: Mapped[str | None] = mapped_column(EncryptedText("bailleur"), nullable=True)
    # The partner marks the household as known to be unreachable: accepted without a channel, a search task opens.
    injoignable: Mapped[bool] = mapped_column(Boolean, default=False)
    # A letter came back NPAI: this address is not used again until the partner pushes another one.
    adresse_invalide: Mapped[bool] = mapped_column(Boolean, default=False)
    # A worker found the number wrong (outcome faux_numero): no call or SMS uses it again.
    telephone_invalide: Mapped[bool] = mapped_column(Boolean, default=False)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Personal data erased after the retention period (campaigns/protection/retention.py); ids, stage and dates stay.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # A case of a partner but the pilots: the stage stay its partner's campaigns run on (docs/security.md, rule 7,
    # own stays): the household's stay when the case entered its stage at the household's stage, else a stay of its
    # own (`StageEntry.case_id`). None for the pilots' cases, and for a closed case.
    stay_entry_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


@event.listens_for(Case.telephone, "set")
def _index_phone(target: Case, value: str | None, _old: object, _initiator: object) -> None:
    target.telephone_index = value


class CaseChange(Base):
    """What a re-pushed row changed: field names only (values are personal data), plus the stage move."""

    __tablename__ = "case_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"), nullable=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fields: Mapped[list[str]] = mapped_column(JSON)
    old_stage: Mapped[str | None] = mapped_column(String(40), nullable=True)
    new_stage: Mapped[str | None] = mapped_column(String(40), nullable=True)


class StageEntry(Base):
    """A household's stay in one stage; sequences are planned per entry. With `case_id`, the stay of one partner's
    case at a stage the household is not at (its own campaigns run on it: docs/security.md, rule 7)."""

    __tablename__ = "stage_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    stage: Mapped[str] = mapped_column(String(40))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    left_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # No foreign key (a plain column drops on SQLite without rebuilding a table others reference).
    case_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
