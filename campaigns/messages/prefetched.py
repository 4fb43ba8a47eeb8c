"""What composing reads for a whole `chaine.deliver_batch` task at once (campaigns/delivery/task_reads.py): each
household's cases and the partners that pushed them. Without it, composing a contact read its household's cases
(the reference case) and its bailleur (the message's contact lines) with a query each.

Set by the task's reads in its transaction, after its rows are locked, and dropped with the session's info at its
end; outside a task (deliver(), a preview) nothing is set and every look-up queries as before. Nothing composing
does in the task's transaction adds a case to a household or changes a partner, so the rows read at the start are
those each contact's own query would find (the ORM objects themselves, held for the transaction).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from campaigns.models import Case, Partner

_KEY = "composing_reads"


@dataclass(frozen=True, slots=True)
class Prefetched:
    # Per household read with the task: its cases in id order (an empty list: it has none).
    cases: dict[int, list[Case]]
    # The partners of those cases, by id.
    partners: dict[int, Partner]


def attach(session: Session, household_ids: Iterable[int], cases: Iterable[Case], partners: Iterable[Partner]) -> None:
    """Keeps the task's households' cases (every one of them: the caller read them all) and their partners."""
    by_household: defaultdict[int, list[Case]] = defaultdict(list)
    for case in sorted(cases, key=lambda c: c.id):
        by_household[case.household_id].append(case)
    session.info[_KEY] = Prefetched({h: list(by_household.get(h, ())) for h in household_ids},
                                    {p.id: p for p in partners})


def household_cases(session: Session, household_id: int) -> list[Case] | None:
    """The household's cases in id order, or None when the task did not read them (a query is needed)."""
    found = session.info.get(_KEY)
    if not isinstance(found, Prefetched) or household_id not in found.cases:
        return None
    return list(found.cases[household_id])


def case_partner(session: Session, partner_id: int) -> Partner | None:
    """A partner of the task's cases, or None when not read with the task."""
    found = session.info.get(_KEY)
    return found.partners.get(partner_id) if isinstance(found, Prefetched) else None
