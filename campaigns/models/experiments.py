"""Experiments: a campaign randomises its households between arms, and each household's arm is recorded once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from campaigns.platform.db import Base, UTCDateTime


class Experiment(Base):
    """One experiment of a campaign (at most one running per campaign; `ended_at` set when the campaign drops it).

    `arms`: [{"name", "weight"}], the first being the reference arm of the comparisons. `steps`: per step position
    (as a string), {"arms": [...], "variants": {arm: template}}: the arms the step is planned for (empty: all),
    and the template each arm's households get instead of the step's own.
    """

    __tablename__ = "experiments"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The assignment is drawn from this key: the same key gives a household the same arm, whatever else changes.
    key: Mapped[str] = mapped_column(String(60), unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    arms: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    steps: Mapped[dict[str, dict[str, Any]]] = mapped_column(JSON)
    # The smallest difference of response rates worth detecting (for the households needed per arm), if stated.
    minimal_effect: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ExperimentAssignment(Base):
    """The arm a household was given, recorded at its first enrollment and reused ever after (never redrawn).

    `stage_entry_id` is the stay at which it was drawn: the experiment's unit is the household at that stay, so a
    household counts once, and it responded if a response is recorded at that stay. The evaluation reads the arms'
    counts from the facts (`daily_reach`, dimension `experience`), not from here.
    """

    __tablename__ = "experiment_assignments"
    __table_args__ = (
        UniqueConstraint("experiment_id", "household_id"),
        # The facts' refresh: households drawn since the last one, and the draws of given stays.
        Index("ix_experiment_assignments_assigned_at", "assigned_at"),
        Index("ix_experiment_assignments_stage_entry_id", "stage_entry_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    stage_entry_id: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(40))
    arm: Mapped[str] = mapped_column(String(40))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime())
