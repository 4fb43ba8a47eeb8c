"""What an import job tells its partner: counts, unknown columns and every rejected row (JSON and CSV)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.models import ImportJob, ImportRejection
from campaigns.platform.cells import neutralise_cell

REPORT_REJECTIONS_LIMIT = 1_000


def import_report(session: Session, job: ImportJob, *, rejections_url: str | None) -> dict[str, Any]:
    rejections = session.scalars(
        select(ImportRejection)
        .where(ImportRejection.import_id == job.id)
        .order_by(ImportRejection.row_number, ImportRejection.id)
        .limit(REPORT_REJECTIONS_LIMIT)
    ).all()
    return {
        "id": job.id,
        "statut": job.status,
        "source": job.source,
        "lignes_total": job.total_rows,
        "lignes_traitees": job.processed_rows,
        "crees": job.created_count,
        "mis_a_jour": job.updated_count,
        "inchanges": job.unchanged_count,
        "rejetes": job.rejected_count,
        "colonnes_inconnues": job.unknown_columns,
        "erreur": job.error,
        "rejets": [
            {"ligne": r.row_number, "reference": r.reference, "champ": r.field, "motif": r.reason}
            for r in rejections
        ],
        "rejets_tronques": job.rejected_count > len({r.row_number for r in rejections}),
        "rejets_csv": rejections_url,
    }


def rejections_csv(session: Session, job: ImportJob) -> Iterator[str]:
    """Every rejected row, `;`-separated with a BOM so French spreadsheet software opens it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    buffer.write("\ufeff")
    writer.writerow(["ligne", "reference", "champ", "motif"])
    rows = session.scalars(
        select(ImportRejection)
        .where(ImportRejection.import_id == job.id)
        .order_by(ImportRejection.row_number, ImportRejection.id)
        .execution_options(yield_per=2_000)
    )
    for count, r in enumerate(rows, start=1):
        writer.writerow([r.row_number, neutralise_cell(r.reference or ""), r.field, neutralise_cell(r.reason)])
        if count % 2_000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
