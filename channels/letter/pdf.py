"""Print-ready A4 PDF letters: window-envelope address block, sender, date, object, page numbers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time
from html import escape
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, XPos, YPos
from fpdf.errors import FPDFException
from fpdf.fonts import TextStyle
from fpdf.html import HTML2FPDF
from fpdf.line_break import Fragment

from campaigns.platform.ports import Recipient
from campaigns.platform.resources import font_dir
from channels.letter.answer_code import draw_answer_code
from channels.letter.embedding import LetterOutputProducer
from channels.letter.fonts import register_family
from channels.letter.frame import frame_words
from channels.letter.measuring import measured

FONT_DIR = font_dir()
FONT_FAMILY = "DejaVu"
# Regular and bold only: the templates use <strong>, and FALC forbids italics. DejaVu Sans also covers
# Arabic, with the OpenType tables HarfBuzz needs to join letters: one family for both, no fallback font.
_FONT_FILES = {"": FONT_DIR / "DejaVuSans.ttf", "B": FONT_DIR / "DejaVuSans-Bold.ttf"}
FONT_PACKAGE = "fonts-dejavu-core"
# Right-to-left languages we have no font or review for: refuse them rather than print them backwards.
_UNSUPPORTED_RTL = frozenset({"he", "yi", "fa", "ur", "ps", "sd", "ckb", "ug", "dv", "syr"})

MARGIN_MM = 20.0
# DL window envelope (110 x 220 mm), NF Z10-011 and La Poste: a window of 100 x 45 mm, 20 mm from the right edge
# and 45 mm from the top of the folded sheet (docs/campaigns.md). The sheet moves about 5 mm inside the envelope:
# the block keeps 5 mm clear of every edge of the window, so no line hides behind the paper.
WINDOW_X_MM = 90.0
WINDOW_Y_MM = 45.0
WINDOW_W_MM = 100.0
WINDOW_H_MM = 45.0
WINDOW_PLAY_MM = 5.0
ADDRESS_X_MM = WINDOW_X_MM + WINDOW_PLAY_MM
ADDRESS_Y_MM = WINDOW_Y_MM + WINDOW_PLAY_MM
ADDRESS_W_MM = WINDOW_W_MM - 2 * WINDOW_PLAY_MM
ADDRESS_H_MM = WINDOW_H_MM - 2 * WINDOW_PLAY_MM
ADDRESS_MAX_LINES = 6
ADDRESS_FONT_PT = 10.5
# La Poste's machines read 8 to 12 pt: large-print letters get the largest, never more.
ADDRESS_LARGE_PRINT_PT = 12.0
ADDRESS_MIN_FONT_PT = 8.0
# Below the window with room to spare: the date and object must never show through it.
DATE_Y_MM = WINDOW_Y_MM + WINDOW_H_MM + 8
MIN_BODY_FONT_PT = 11.0
# From this body size on (FALC letters use 14) nothing the household reads is printed smaller.
LARGE_PRINT_PT = 14.0
PT_MM = 25.4 / 72
# fpdf2's HTML paragraphs default to a line pitch equal to the font size, which reads cramped on paper.
BODY_LINE_SPACING = 1.3
GLOSSARY_TITLE = "Les mots difficiles"
GLOSSARY_PADDING_MM = 3.0
PARIS = ZoneInfo("Europe/Paris")
# fpdf2's list defaults leave a blank line above each list; letters read better with lists kept tight.
_TAG_STYLES: dict[str, TextStyle] = {
    "ul": TextStyle(t_margin=1),
    "li": TextStyle(l_margin=6, t_margin=1),
}


class AddressBlockError(ValueError):
    """The postal address cannot fit the envelope window (too many lines, or a line too long)."""


class MissingFontStyleError(ValueError):
    """The template asks for a font style (italic...) that letters do not embed."""


class LetterMarkupError(ValueError):
    """The letter's HTML asks for something a letter may not carry (an image from a path or an address)."""


class _LetterHTML(HTML2FPDF):
    def __init__(self, pdf: FPDF, *args: Any, **kwargs: Any) -> None:
        super().__init__(pdf, *args, **kwargs)
        # Text before any <p> lands in fpdf2's implicit first paragraph: give it our spacing and direction.
        if self._paragraph is not None:
            self._paragraph.line_height = BODY_LINE_SPACING
            if isinstance(pdf, _LetterPDF) and pdf.rtl:
                self._paragraph.text_align = Align.R

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # A letter's images are the service's own (the answer code); fpdf2 would open any path or address.
        if tag == "img":
            raise LetterMarkupError("image interdite dans le texte d'un courrier (<img>)")
        super().handle_starttag(tag, attrs)

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
        rtl = isinstance(self.pdf, _LetterPDF) and self.pdf.rtl
        if not rtl:
            super()._new_paragraph(align, spaced, top_margin, bottom_margin, indent, bullet)
            return
        # fpdf2 hangs bullets in the left margin; right-to-left, they lead the line from the right.
        super()._new_paragraph(align or Align.R, spaced, top_margin, bottom_margin, 0, "")
        if bullet:
            self._write_paragraph(f"{bullet}\u00a0")


class _LetterPDF(FPDF):
    HTML2FPDF_CLASS = _LetterHTML
    continuation_label = ""
    locale = "fr"
    words = frame_words("fr")  # the frame's words in the letter's language (channels/letter/frame.py)
    min_pt = 0.0  # floor for every size the household reads (large print)
    rtl = False
    _in_bidi = False

    def header(self) -> None:
        # Sheets can get separated in a print run: later pages say which letter they continue.
        if self.page_no() > 1 and self.continuation_label:
            with _no_shaping(self):
                size = max(8.5, self.min_pt)
                self.set_font(FONT_FAMILY, "", size)
                self.set_text_color(80, 80, 80)
                self.cell(0, size * PT_MM * 1.4, self.continuation_label, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                self.ln(3)
                self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        with _no_shaping(self):
            self.set_y(-12)
            self.set_font(FONT_FAMILY, "", max(9.0, self.min_pt))
            self.set_text_color(80, 80, 80)
            # "{nb}" is fpdf2's total-pages alias, substituted when the document is closed.
            self.cell(0, 5, f"{self.words.page} {self.page_no()} / {{nb}}", align="C")

    def _preload_bidirectional_text(self, text: str, markdown: bool) -> Sequence[Fragment]:
        self._in_bidi = True
        try:
            return super()._preload_bidirectional_text(text, markdown)
        finally:
            self._in_bidi = False

    def _preload_font_styles(
        self, text: str | None, markdown: bool, _initial_emphasis: tuple[bool, bool, bool, bool] | None = None
    ) -> Sequence[Fragment]:
        # fpdf2's HTML paragraphs skip the bidi algorithm: right-to-left, numbers and Latin words would be
        # drawn reversed. Route them through it like write() and multi_cell() do.
        if self.text_shaping and text and not self._in_bidi:
            return self._preload_bidirectional_text(text, markdown)
        return measured(super()._preload_font_styles(text, markdown, _initial_emphasis))


@contextmanager
def _no_shaping(pdf: FPDF) -> Iterator[None]:
    """French lines of an Arabic letter: laid out left to right, which also keeps fpdf2's {nb} alias intact."""
    saved, pdf.text_shaping = pdf.text_shaping, None
    try:
        yield
    finally:
        pdf.text_shaping = saved


def _font_files(files: dict[str, Path], package: str) -> dict[str, Path]:
    missing = [str(path) for path in files.values() if not path.is_file()]
    if missing:
        raise RuntimeError(f"police introuvable ({', '.join(missing)}) : installez le paquet Debian {package}")
    return files


def _address_lines(recipient: Recipient) -> list[str]:
    """The name, then the postal lines. A line repeating the one above it is printed once (a name given both as
    `display_name` and as the first address line was the cause of every letter naming its addressee twice)."""
    lines: list[str] = []
    for line in (recipient.display_name, *recipient.address_lines):
        if line.strip() and (not lines or line.strip().casefold() != lines[-1].casefold()):
            lines.append(line.strip())
    if len(lines) > ADDRESS_MAX_LINES:
        raise AddressBlockError(
            f"adresse de {len(lines)} lignes (nom compris) : la norme NF Z10-011 en autorise {ADDRESS_MAX_LINES}"
        )
    return lines


def _draw_address(pdf: _LetterPDF, lines: Sequence[str]) -> None:
    # Shrink rather than wrap or clip: a wrapped line would add a line, a clipped one loses the address.
    size = ADDRESS_LARGE_PRINT_PT if pdf.min_pt else ADDRESS_FONT_PT
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


def _draw_sender(pdf: _LetterPDF, sender_name: str, sender_lines: Sequence[str]) -> float:
    width = WINDOW_X_MM - MARGIN_MM - 4  # keep clear of the window column
    pdf.set_xy(MARGIN_MM, MARGIN_MM)
    name_pt, line_pt = max(11.0, pdf.min_pt), max(9.5, pdf.min_pt)
    pdf.set_font(FONT_FAMILY, "B", name_pt)
    # Left-aligned: fpdf2 justifies multi_cell by default, which gapes once a large-print line wraps.
    pdf.multi_cell(width, 5.5 * name_pt / 11, sender_name, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT_FAMILY, "", line_pt)
    for line in sender_lines:
        # Callers sometimes repeat the name as the first line; printing it twice looks careless.
        if line.strip() and line.strip() != sender_name.strip():
            pdf.multi_cell(width, 4.5 * line_pt / 9.5, line.strip(), align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return pdf.get_y()


def _draw_heading(
    pdf: _LetterPDF, *, subject: str, reference: str, letter_date: date, font_size: float, top: float
) -> None:
    # Date, object and reference follow the body size, so a FALC reader gets them large too.
    line_h = font_size * PT_MM * BODY_LINE_SPACING
    pdf.set_font(FONT_FAMILY, "", font_size)
    pdf.set_xy(ADDRESS_X_MM, top)
    pdf.cell(ADDRESS_W_MM, line_h, pdf.words.date_line(letter_date, pdf.locale), new_x=XPos.LMARGIN,
             new_y=YPos.NEXT)
    pdf.ln(line_h)
    # NF Z11-001: the references come first on the left, then the object, then the salutation.
    with _no_shaping(pdf):
        pdf.set_font(FONT_FAMILY, "", max(font_size - 1, pdf.min_pt))
        pdf.multi_cell(0, line_h, f"{pdf.words.reference}{reference}", align=Align.L, new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)
    pdf.set_font(FONT_FAMILY, "B", font_size)
    if pdf.rtl:
        # The object is the template's own words, in Arabic: no French label in front of them.
        pdf.multi_cell(0, line_h, subject, align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    else:
        pdf.multi_cell(0, line_h, f"{pdf.words.subject}{subject}", align=Align.L, new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)
    pdf.ln(line_h / 2)


def _draw_glossary(pdf: _LetterPDF, glossary: Sequence[tuple[str, str]], font_size: float) -> None:
    """A framed "Les mots difficiles" box, kept on one page, below the body."""
    line_h = font_size * PT_MM * BODY_LINE_SPACING
    inner_w = pdf.epw - 2 * GLOSSARY_PADDING_MM
    entries = [f"{term.strip()}\u00a0: {meaning.strip()}" for term, meaning in glossary]
    # Measured in bold throughout: a little more than needed, never less, so the box cannot be split.
    pdf.set_font(FONT_FAMILY, "B", font_size)
    lines = 1 + sum(len(_wrapped(pdf, inner_w, line_h, entry)) for entry in entries)
    needed = (lines + 1) * line_h + 2 * GLOSSARY_PADDING_MM
    if needed > pdf.eph - line_h:
        raise ValueError(f"glossaire de {len(entries)} mots trop long pour tenir sur une page")
    pdf.ln(line_h)
    if pdf.get_y() + needed > pdf.page_break_trigger:
        pdf.add_page()
    top = pdf.get_y()
    body = "<br>".join(f"<b>{escape(term.strip())}</b>\u00a0: {escape(meaning.strip())}" for term, meaning in glossary)
    pdf.set_left_margin(MARGIN_MM + GLOSSARY_PADDING_MM)
    pdf.set_right_margin(MARGIN_MM + GLOSSARY_PADDING_MM)
    pdf.set_y(top + GLOSSARY_PADDING_MM)
    pdf.set_font(FONT_FAMILY, "", font_size)
    try:
        pdf.write_html(f"<b>{escape(GLOSSARY_TITLE)}</b><br>{body}", tag_styles=_TAG_STYLES)
    finally:
        pdf.set_left_margin(MARGIN_MM)
        pdf.set_right_margin(MARGIN_MM)
    bottom = pdf.get_y() + GLOSSARY_PADDING_MM
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.4)
    pdf.rect(MARGIN_MM, top, pdf.epw, bottom - top)
    pdf.set_y(bottom)


def _wrapped(pdf: FPDF, width: float, line_h: float, text: str) -> list[str]:
    lines = pdf.multi_cell(width, line_h, text, dry_run=True, output=MethodReturnValue.LINES)
    assert isinstance(lines, list)
    return lines


def _is_rtl(locale: str) -> bool:
    language = locale.split("-", maxsplit=1)[0].lower()
    if language in _UNSUPPORTED_RTL:
        raise ValueError(f"langue {locale!r} : écriture de droite à gauche non prise en charge (seul l'arabe l'est)")
    return language == "ar"


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
    locale: str = "fr",
    glossary: Sequence[tuple[str, str]] = (),
    link_url: str | None = None,
) -> bytes:
    """One A4 letter as PDF bytes; `font_size` is the body size (FALC letters use 14).

    `locale` "ar" shapes the object, body and glossary right to left (HarfBuzz); the address block, date
    and reference stay French, left-aligned. `glossary` adds a final "Les mots difficiles" box listing
    (term, meaning) pairs. `link_url`, the household's answer link, is printed with its QR code in the left
    column, below the sender and clear of the address window (channels/letter/answer_code.py). Raises
    MissingFontStyleError for a template using italics.
    """
    if font_size < MIN_BODY_FONT_PT:
        raise ValueError(f"corps de texte {font_size} pt : {MIN_BODY_FONT_PT} pt au minimum")
    rtl = _is_rtl(locale)
    address = _address_lines(recipient)
    if not address[1:]:
        raise AddressBlockError("adresse postale vide")

    pdf = _LetterPDF(orientation="P", unit="mm", format="A4")
    register_family(pdf, FONT_FAMILY, _font_files(_FONT_FILES, FONT_PACKAGE))
    pdf.rtl = rtl
    pdf.min_pt = font_size if font_size >= LARGE_PRINT_PT else 0.0
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(auto=True, margin=MARGIN_MM)
    pdf.set_lang("fr-FR" if locale == "fr" else locale)  # what screen readers read the body as
    pdf.set_title(subject)
    pdf.set_author(sender_name)
    pdf.set_creator("chaîne")
    # A fixed creation date keeps the bytes reproducible for the same letter.
    pdf.set_creation_date(datetime.combine(letter_date, time(9, 0), tzinfo=PARIS))
    pdf.locale, pdf.words = locale, frame_words(locale)
    pdf.continuation_label = f"{pdf.words.reference}{reference} ({pdf.words.continued})"
    pdf.add_page()

    sender_bottom = _draw_sender(pdf, sender_name, sender_lines)
    _draw_address(pdf, address)
    top = max(DATE_Y_MM, pdf.get_y() + 6, sender_bottom + 4)
    if link_url:
        with _no_shaping(pdf):
            code_bottom = draw_answer_code(pdf, link_url, top=sender_bottom + 4, locale=locale,
                                           font_pt=max(9.0, pdf.min_pt), family=FONT_FAMILY)
        top = max(top, code_bottom + 6)
    if rtl:
        # Script and language are guessed per bidi run, so Latin runs keep their own shaping.
        pdf.set_text_shaping(True, direction="rtl", language="ar")
    _draw_heading(pdf, subject=subject, reference=reference, letter_date=letter_date, font_size=font_size, top=top)

    pdf.set_font(FONT_FAMILY, "", font_size)
    pdf.set_text_color(0, 0, 0)
    try:
        pdf.write_html(html_body, li_prefix_color=(0, 0, 0), tag_styles=_TAG_STYLES, warn_on_tags_not_matching=False)
        if glossary:
            _draw_glossary(pdf, glossary, font_size)
    except FPDFException as exc:
        if "Undefined font" not in str(exc):
            raise
        raise MissingFontStyleError(
            f"style de police absent des courriers ({exc}) : seuls le régulier et le gras sont embarqués, "
            "retirez l'italique (<em>, <i>) du modèle"
        ) from exc
    return bytes(pdf.output(output_producer_class=LetterOutputProducer))
