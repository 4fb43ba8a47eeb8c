"""Record linkage: blocking keys, uncertain pairs for review, and undoable merges."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from campaigns.platform.db import Base, UTCDateTime


class BlockKey(Base):
    """Blocking keys of each case's persons (hashed): candidate pairs are only looked for inside a block.

    The key is the first 4 bytes of its SHA-256 (`linkage_blocking.hashed_keys`): some six million rows at a
    million households, so a small integer primary key (key first: it is what lookups probe), not 64 hex
    characters.
    """

    __tablename__ = "block_keys"

    key_hash: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # No foreign key: this is a derived index of `cases`, rebuilt from them (`linkage_store.rebuild_keys`), and a
    # key check per row doubled the cost of storing the seven-odd keys of each pushed case.
    case_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)


class LinkReview(Base):
    """An uncertain pair (a case and a household it may belong to), waiting for a person's decision.

    `candidate_case_id` is the household's case the score was computed against: the reviewer sees both, and the
    decision stays attached to the pair of cases whatever merges happen later. Status: pending, accepted,
    rejected, undone (accepted, then its merge was undone).
    """

    __tablename__ = "link_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    candidate_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    candidate_household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    score: Mapped[float] = mapped_column(Numeric(8, 3))
    explanation: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_by_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), nullable=True)


class HouseholdMerge(Base):
    """A merge of one household into another: who, when, why, and every row moved, so it can be undone."""

    __tablename__ = "household_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    from_household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    into_household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    score: Mapped[float | None] = mapped_column(Numeric(8, 3), nullable=True)
    decided_by_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), nullable=True)
    # The accepted review that asked for this merge, if any.
    link_review_id: Mapped[int | None] = mapped_column(ForeignKey("link_reviews.id"), nullable=True)
    # Ids moved from `from` to `into`: {"cases", "dispatches", "responses", "human_tasks", "stage_entries",
    # "enrollments": [...]}; "cancelled": {"dispatches", "tasks": [[id, status, reason, time], ...]} (from's pending
    # contacts cancelled as duplicates, with their previous state); "from_state": {"stage", "current_entry_id",
    # "closed_entry"}; "into_move": the stage move of `into` caused by the merge, or null (`merges.py`).
    moved: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    undone_by_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), nullable=True)


class LinkageParameterSet(Base):
    """A version of the linkage parameters (campaigns/linkage/parameters.py): m, u, name frequencies, prior and
    thresholds as JSON. At most one is active; with none, the shipped defaults are used. Written by
    `chaine rapprochement entrainer`, switched by `chaine rapprochement activer`."""

    __tablename__ = "linkage_parameters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
