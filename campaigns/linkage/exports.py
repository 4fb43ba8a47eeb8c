"""The grouping of cases into households, one line per case: partner, reference, household id."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.models import Case, Partner
from campaigns.platform.cells import neutralise_cell


def grouping_csv(session: Session) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    buffer.write("\ufeff")
    writer.writerow(["partenaire", "reference", "menage"])
    rows = session.execute(
        select(Partner.name, Case.reference, Case.household_id)
        .join(Partner, Partner.id == Case.partner_id)
        .order_by(Case.household_id, Partner.name, Case.reference)
        .execution_options(yield_per=5_000)
    )
    for count, (partner, reference, household_id) in enumerate(rows, start=1):
        writer.writerow([neutralise_cell(partner), neutralise_cell(reference), household_id])
        if count % 5_000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
