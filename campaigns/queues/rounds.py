"""A worker's round of home visits for one day, grouped by commune: a printable A4 sheet (fpdf2, DejaVu)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from itertools import groupby

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from campaigns.locale.formats import format_date_fr
from campaigns.locale.labels import plural
from campaigns.platform.resources import font_dir
from campaigns.queues.task_reports import RoundStop

FONT_DIR = font_dir()
FONT = "DejaVu"
MARGIN_MM = 15.0
BODY_PT = 10.0


class _RoundPDF(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self._title = title
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
        self.set_auto_page_break(auto=True, margin=MARGIN_MM)
        self.set_title(title)

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(FONT, "", 8)
        self.cell(0, 5, f"{self._title} — page {self.page_no()}/{{nb}}", align="C")


def _line(pdf: FPDF, text: str, *, bold: bool = False, size: float = BODY_PT) -> None:
    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _stop(pdf: FPDF, number: int, stop: RoundStop) -> None:
    if pdf.will_page_break(40):
        pdf.add_page()
    if stop.appointment_time is not None:
        _line(pdf, f"{number}. {stop.appointment_time} — {stop.name} — rendez-vous fixé", bold=True)
        _line(pdf, f"Lieu : {stop.appointment_place or 'non précisé'}")
        _line(pdf, f"Adresse du ménage : {stop.address}")
    else:
        kind = "annoncée" if stop.announced else "inopinée (sans prévenir)"
        _line(pdf, f"{number}. {stop.name} — visite {kind}", bold=True)
        _line(pdf, stop.address)
    details = [f"Stade : {stop.stage}"]
    if stop.hearing is not None:
        details.append(f"audience le {format_date_fr(stop.hearing)}")
    if stop.debt is not None:
        details.append(f"dette : {stop.debt.replace('.', ',')} €")
    _line(pdf, " ; ".join(details))
    _line(pdf, f"Téléphone : {stop.phone or 'aucun numéro connu'}")
    if stop.bailleur:
        _line(pdf, f"Bailleur : {stop.bailleur}")
    _line(pdf, "Résultat :  □ visite réalisée   □ absent   □ parti   □ refus   □ déjà accompagné", size=9)
    _line(pdf, f"Tâche n° {stop.task_id}    Notes : ........................................................", size=9)
    pdf.ln(3)


def build_round_pdf(*, structure: str, worker: str, day: date, stops: Sequence[RoundStop]) -> bytes:
    """One section per commune, visits in address order; an empty day still prints a sheet saying so."""
    title = f"Tournée du {format_date_fr(day)}"
    pdf = _RoundPDF(title)
    pdf.add_page()
    _line(pdf, title, bold=True, size=16)
    _line(pdf, f"{structure} — {worker}")
    visits = plural(len(stops), "visite", "visites")
    _line(pdf, f"{visits}. Document confidentiel : à détruire après la tournée.", size=9)
    pdf.ln(4)
    if not stops:
        _line(pdf, "Aucune visite prévue ce jour.")
    number = 0
    for commune, group in groupby(stops, key=lambda s: s.commune):
        if pdf.will_page_break(50):
            pdf.add_page()
        _line(pdf, commune or "Commune inconnue", bold=True, size=13)
        pdf.ln(1)
        for stop in group:
            number += 1
            _stop(pdf, number, stop)
    return bytes(pdf.output())
