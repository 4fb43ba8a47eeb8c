"""Daily facts for evaluation: aggregates without any personal data, kept after households are purged.

Three tables, refreshed by the tick (`campaigns.facts.daily.refresh_facts`), and two monthly roll-ups:
- `daily_facts`: one row per day and combination of contact attributes, counting contacts (delivered or returned
  dispatches) and those credited with a response (last touch, 14 days). Unit: the contact.
- `daily_reach`: household stays (a household at one stage of the procedure) by the day of their first contact
  with a value of a dimension (channel, step, owner…), and how many of them responded to it. Unit: the stay, so
  that household-level rates add up over days (see `campaigns.facts.daily`).
- `closure_facts`: closed households by day, closure reason and whether they had answered or had a letter returned.
- `monthly_facts` and `monthly_reach`: the same sums by calendar month (variant, language used and territory left
  out of the contacts; the delays of `daily_reach` left out: the curves censor them to the day). A period reads the
  months it covers whole from them and its other days from the daily tables: a year is 12 rows per key, not 365.
`fact_stays` keeps, per household stay, what its facts were built from (ids, codes, dates: no name, no address),
so that a refresh takes a changed stay's old contribution out and puts the new one in, instead of rebuilding
whole days. No row names a household: partner, campaign and template ids are institutions and documents.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from campaigns.models.parties import Case, StageEntry
from campaigns.models.planning import Dispatch, Response
from campaigns.platform.db import Base, UTCDateTime


class DailyFact(Base):
    __tablename__ = "daily_facts"
    __table_args__ = (Index("ix_daily_facts_day_status", "day", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    owner_partner_id: Mapped[int] = mapped_column(Integer)
    bailleur_partner_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    campaign_id: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(40))
    step: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(20))
    # The variant: template version, language and register actually used (null for calls and visits).
    template_version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    locale: Mapped[str | None] = mapped_column(String(8), nullable=True)
    falc: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    parc: Mapped[str | None] = mapped_column(String(10), nullable=True)
    territory: Mapped[str | None] = mapped_column(String(3), nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    # The template (slug), the language and register asked for, and whether another variant was sent instead
    # (LANG_FALLBACK); null for calls and visits, and for contacts recorded before these columns existed.
    template: Mapped[str | None] = mapped_column(String(100), nullable=True)
    requested_locale: Mapped[str | None] = mapped_column(String(8), nullable=True)
    requested_falc: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    fallback: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    contacts: Mapped[int] = mapped_column(Integer)
    responded: Mapped[int] = mapped_column(Integer)


class DailyReach(Base):
    __tablename__ = "daily_reach"
    __table_args__ = (Index("ix_daily_reach_day_dimension", "day", "dimension"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    dimension: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(40))
    bailleur_partner_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Kept only for the dimensions crossed with them in the report (see campaigns.facts.daily).
    parc: Mapped[str | None] = mapped_column(String(10), nullable=True)
    stage: Mapped[str | None] = mapped_column(String(40), nullable=True)
    households: Mapped[int] = mapped_column(Integer)
    responded: Mapped[int] = mapped_column(Integer)


class MonthlyFact(Base):
    """`daily_facts` summed by month (`month` is its first day), without variant, language used and territory (the
    template, the language asked and the fallback flag stay: the fallbacks are counted per template and language)."""

    __tablename__ = "monthly_facts"
    __table_args__ = (Index("ix_monthly_facts_month", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date)
    owner_partner_id: Mapped[int] = mapped_column(Integer)
    bailleur_partner_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    campaign_id: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(40))
    step: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(20))
    parc: Mapped[str | None] = mapped_column(String(10), nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    # The template (slug), the language and register asked for, and whether another variant was sent instead
    # (LANG_FALLBACK); null for calls and visits, and for contacts recorded before these columns existed.
    template: Mapped[str | None] = mapped_column(String(100), nullable=True)
    requested_locale: Mapped[str | None] = mapped_column(String(8), nullable=True)
    requested_falc: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    fallback: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    contacts: Mapped[int] = mapped_column(Integer)
    responded: Mapped[int] = mapped_column(Integer)


class MonthlyReach(Base):
    """`daily_reach` summed by month (`month` is its first day), every dimension but the delays."""

    __tablename__ = "monthly_reach"
    __table_args__ = (Index("ix_monthly_reach_month", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date)
    dimension: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(40))
    bailleur_partner_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    parc: Mapped[str | None] = mapped_column(String(10), nullable=True)
    stage: Mapped[str | None] = mapped_column(String(40), nullable=True)
    households: Mapped[int] = mapped_column(Integer)
    responded: Mapped[int] = mapped_column(Integer)


class FactStay(Base):
    """What the facts of one household stay were built from: its contacts (dispatch id, instant, channel, step,
    campaign, owner, variant, status, queue, template, variant asked, fallback), its responses and its profile
    (bailleur, parc, département). Ids, codes and instants only. The refresh subtracts the facts built from this
    and adds those built from the live events, so a new response costs one stay's rows, not the rebuild of every
    day the stay was contacted."""

    __tablename__ = "fact_stays"

    stay_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # To find the stays of a household whose cases changed (its bailleur, park or département may have).
    household_id: Mapped[int] = mapped_column(Integer, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class ClosureFact(Base):
    __tablename__ = "closure_facts"
    __table_args__ = (Index("ix_closure_facts_day", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    bailleur_partner_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    parc: Mapped[str | None] = mapped_column(String(10), nullable=True)
    territory: Mapped[str | None] = mapped_column(String(3), nullable=True)
    motif: Mapped[str] = mapped_column(String(200))
    responded: Mapped[bool] = mapped_column(Boolean)
    returned: Mapped[bool] = mapped_column(Boolean)
    households: Mapped[int] = mapped_column(Integer)


class FactsRefresh(Base):
    """When the facts were last refreshed: the next refresh looks at what changed since (minus a margin)."""

    __tablename__ = "facts_refreshes"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime())


# What the refresh looks up on tables owned by other modules: what changed since the last refresh, and the
# contacts of given days. Declared here so that the evaluation's needs stay next to the evaluation.
# Partial: planned contacts (most rows at intake) have neither, and need not pay for an index entry.
Index("ix_dispatches_finished_at", Dispatch.finished_at, postgresql_where=Dispatch.finished_at.is_not(None),
      sqlite_where=Dispatch.finished_at.is_not(None))
Index("ix_dispatches_sent_at", Dispatch.sent_at, postgresql_where=Dispatch.sent_at.is_not(None),
      sqlite_where=Dispatch.sent_at.is_not(None))
Index("ix_dispatches_stage_entry_id", Dispatch.stage_entry_id)
Index("ix_responses_created_at", Response.created_at)
Index("ix_stage_entries_stage_entered_at", StageEntry.stage, StageEntry.entered_at)
Index("ix_cases_stage_updated_at", Case.stage, Case.updated_at)
# The stay-by-stay refresh: cases changed (a household's bailleur, park or département may have) and stays left.
Index("ix_cases_updated_at", Case.updated_at)
Index("ix_stage_entries_left_at", StageEntry.left_at)
