"""Print-ready A4 PDF letters: window-envelope address block, sender, date, object, page numbers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import TextStyle
from fpdf.html import HTML2FPDF

from campaigns.ports import Recipient
from campaigns.rendering import format_date_fr

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FAMILY = "DejaVu"
_FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
# Italic is optional: registered when present so an <em> in a template does not crash the renderer.
_OPTIONAL_FONT_FILES = {"I": "DejaVuSans-Oblique.ttf", "BI": "DejaVuSans-BoldOblique.ttf"}

MARGIN_MM = 20.0
# DL window envelope, NF Z10-011: the window sits 110 mm from the left and 55 mm from the top of the sheet.
ADDRESS_X_MM = 110.0
ADDRESS_Y_MM = 55.0
ADDRESS_W_MM = 85.0
ADDRESS_H_MM = 33.0
ADDRESS_MAX_LINES = 6
ADDRESS_FONT_PT = 10.5
ADDRESS_MIN_FONT_PT = 8.0
# Below the window with room to spare: the date and object must never show through it.
DATE_Y_MM = 98.0
MIN_BODY_FONT_PT = 11.0
# fpdf2's HTML paragraphs default to a line pitch equal to the font size, which reads cramped on paper.
BODY_LINE_SPACING = 1.3
PARIS = ZoneInfo("Europe/Paris")
# fpdf2's list defaults leave a blank line above each list; letters read better with lists kept tight.
_TAG_STYLES: dict[str, TextStyle] = {
    "ul": TextStyle(t_margin=1),
    "li": TextStyle(l_margin=6, t_margin=1),
}


class AddressBlockError(ValueError):
    """The postal address cannot fit the envelope window (too many lines, or a line too long)."""


class _LetterHTML(HTML2FPDF):
    def _new_paragraph(  # noqa: PLR0917 -- same signature as the fpdf2 method it overrides
        self,
        align: float | Align | None = None,
        line_height: float | None = 1.0,
        top_margin: float = 0,
        bottom_margin: float = 0,
        indent: float | Align = 0,
        bullet: str = "",
    ) -> None:
        # 0 is fpdf2's invisible spacer paragraph (opening a list): it must stay 0 high.
        spaced = BODY_LINE_SPACING * (1.0 if line_height is None else line_height)
        super()._new_paragraph(
            align=align,
            line_height=spaced,
            top_margin=top_margin,
            bottom_margin=bottom_margin,
            indent=indent,
            bullet=bullet,
        )


class _LetterPDF(FPDF):
    HTML2FPDF_CLASS = _LetterHTML
    continuation_label = ""

    def header(self) -> None:
        # Sheets can get separated in a print run: later pages say which letter they continue.
        if self.page_no() > 1 and self.continuation_label:
            self.set_font(FONT_FAMILY, "", 8.5)
            self.set_text_color(80, 80, 80)
            self.cell(0, 5, self.continuation_label, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.ln(3)
            self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT_FAMILY, "", 9)
        self.set_text_color(80, 80, 80)
        # "{nb}" is fpdf2's total-pages alias, substituted when the document is closed.
        self.cell(0, 5, f"Page {self.page_no()} / {{nb}}", align="C")


def _add_fonts(pdf: FPDF) -> None:
    missing = [name for name in _FONT_FILES.values() if not (FONT_DIR / name).is_file()]
    if missing:
        raise RuntimeError(
            f"police DejaVu Sans introuvable ({', '.join(missing)} dans {FONT_DIR}) : "
            "installez le paquet Debian fonts-dejavu-core"
        )
    for style, name in (_FONT_FILES | _OPTIONAL_FONT_FILES).items():
        if (FONT_DIR / name).is_file():
            pdf.add_font(FONT_FAMILY, style, str(FONT_DIR / name))


def _address_lines(recipient: Recipient) -> list[str]:
    lines = [line.strip() for line in (recipient.display_name, *recipient.address_lines) if line.strip()]
    if len(lines) > ADDRESS_MAX_LINES:
        raise AddressBlockError(
            f"adresse de {len(lines)} lignes (nom compris) : "
            f"la norme NF Z10-011 en autorise {ADDRESS_MAX_LINES}"
        )
    return lines


def _draw_address(pdf: FPDF, lines: Sequence[str]) -> None:
    # Shrink rather than wrap or clip: a wrapped line would add a line, a clipped one loses the address.
    size = ADDRESS_FONT_PT
    pdf.set_font(FONT_FAMILY, "", size)
    while size > ADDRESS_MIN_FONT_PT and max(pdf.get_string_width(line) for line in lines) > ADDRESS_W_MM:
        size -= 0.5
        pdf.set_font(FONT_FAMILY, "", size)
    too_long = [line for line in lines if pdf.get_string_width(line) > ADDRESS_W_MM]
    if too_long:
        raise AddressBlockError(f"ligne d'adresse trop longue pour la fenêtre : {too_long[0]!r}")
    line_h = ADDRESS_H_MM / ADDRESS_MAX_LINES
    for index, line in enumerate(lines):
        pdf.set_xy(ADDRESS_X_MM, ADDRESS_Y_MM + index * line_h)
        pdf.cell(ADDRESS_W_MM, line_h, line)


def _draw_sender(pdf: FPDF, sender_name: str, sender_lines: Sequence[str]) -> None:
    width = ADDRESS_X_MM - MARGIN_MM - 8  # keep clear of the window column
    pdf.set_xy(MARGIN_MM, MARGIN_MM)
    pdf.set_font(FONT_FAMILY, "B", 11)
    pdf.multi_cell(width, 5.5, sender_name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT_FAMILY, "", 9.5)
    for line in sender_lines:
        # Callers sometimes repeat the name as the first line; printing it twice looks careless.
        if line.strip() and line.strip() != sender_name.strip():
            pdf.multi_cell(width, 4.5, line.strip(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def build_letter_pdf(
    *,
    sender_name: str,
    sender_lines: Sequence[str],
    recipient: Recipient,
    subject: str,
    html_body: str,
    letter_date: date,
    reference: str,
    font_size: float = 11,
) -> bytes:
    """One A4 letter as PDF bytes; `font_size` is the body size (FALC letters use 14)."""
    if font_size < MIN_BODY_FONT_PT:
        raise ValueError(f"corps de texte {font_size} pt : {MIN_BODY_FONT_PT} pt au minimum")
    address = _address_lines(recipient)
    if not address[1:]:
        raise AddressBlockError("adresse postale vide")

    pdf = _LetterPDF(orientation="P", unit="mm", format="A4")
    _add_fonts(pdf)
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(auto=True, margin=MARGIN_MM)
    pdf.set_lang("fr-FR")
    pdf.set_title(subject)
    pdf.set_author(sender_name)
    pdf.set_creator("chaîne")
    # A fixed creation date keeps the bytes reproducible for the same letter.
    pdf.set_creation_date(datetime.combine(letter_date, time(9, 0), tzinfo=PARIS))
    pdf.continuation_label = f"Référence\u00a0: {reference} (suite)"
    pdf.add_page()

    _draw_sender(pdf, sender_name, sender_lines)
    _draw_address(pdf, address)

    # Date, object and reference follow the body size, so a FALC reader gets them large too.
    line_h = font_size * 0.3528 * BODY_LINE_SPACING  # pt -> mm
    pdf.set_font(FONT_FAMILY, "", font_size)
    pdf.set_xy(ADDRESS_X_MM, max(DATE_Y_MM, pdf.get_y() + 6))
    pdf.cell(ADDRESS_W_MM, line_h, f"Le {format_date_fr(letter_date)}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.ln(line_h)
    pdf.set_font(FONT_FAMILY, "B", font_size)
    pdf.multi_cell(0, line_h, f"Objet\u00a0: {subject}", align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT_FAMILY, "", font_size - 1)
    pdf.multi_cell(
        0, line_h, f"Référence\u00a0: {reference}", align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )

    pdf.set_font(FONT_FAMILY, "", font_size)
    pdf.set_text_color(0, 0, 0)
    pdf.write_html(
        html_body, li_prefix_color=(0, 0, 0), tag_styles=_TAG_STYLES, warn_on_tags_not_matching=False
    )
    return bytes(pdf.output())
