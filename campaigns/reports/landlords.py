"""The landlord response table of the evaluation (docs/domain.md §11.7): landlords and households of the same cases
side by side, small cells hidden like every rate of the report (campaigns/reports/cells.py)."""

from __future__ import annotations

from typing import Any

from campaigns.evaluation.landlords import LandlordRates
from campaigns.reports.cells import RATE_COLUMNS, Column, Table, rate_cells

NOTE = ("Ménages dont le bailleur a reçu un courrier de demande d'observations sur la période ; la réponse du "
        "bailleur est enregistrée à part et n'arrête aucune relance du ménage.")


def landlord_table(rates: LandlordRates) -> Table:
    return Table(
        key="reponses_bailleurs", title="Réponses des bailleurs, à part de celles des ménages",
        columns=(Column("partie", "qui répond"), *RATE_COLUMNS),
        rows=[["bailleurs", *rate_cells(rates.landlords)],
              ["ménages des mêmes dossiers", *rate_cells(rates.households)]],
        note=NOTE,
    )


def landlord_json(rates: LandlordRates) -> dict[str, Any]:
    """The API's JSON: one object per party, French keys, small cells hidden the same way."""
    table = landlord_table(rates)
    keys = [c.key for c in table.columns]
    return {"tableau": table.title, "note": table.note,
            "lignes": [dict(zip(keys, row, strict=True)) for row in table.rows]}
