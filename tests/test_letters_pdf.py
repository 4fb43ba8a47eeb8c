"""Letter PDFs: Arabic shaping and reading order, FALC sizes and glossary, font cache, print batches."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fpdf import FPDF
from pypdf import PdfReader

from campaigns.platform.ports import Recipient
from channels.letter import pdf as letter_pdf
from channels.letter.batches import MANIFEST_HEADER, BatchLetter, assemble_batch
from channels.letter.embedding import LetterOutputProducer
from channels.letter.fonts import register_family
from channels.letter.pdf import MissingFontStyleError, build_letter_pdf

MM = 72 / 25.4
A4_HEIGHT = 841.89
DAY = date(2026, 11, 25)
RECIPIENT = Recipient(
    display_name="Madame Aïcha Benali",
    address_lines=("Appartement 12, escalier B", "14 rue des Olivettes", "44000 NANTES"),
)
SENDER_LINES = ("Service prévention des expulsions", "6 rue René Viviani", "44200 Nantes")
FR_BODY = "<p>Madame, Monsieur,</p><p>Une audience est fixée au <strong>tribunal</strong> le 14 janvier 2027.</p>"
AR_OPENING = "تم إبلاغ مصالح الدولة بوجود إجراء قضائي بسبب إيجارات غير مدفوعة"
AR_CLOSING = "مع فائق الاحترام."
AR_BODY = (
    f"<p>السيدة، السيد،</p><p>{AR_OPENING} يخص مسكنكم في نانت. المرحلة: <strong>الاستدعاء إلى المحكمة</strong>.</p>"
    "<p>اتصلوا بنا على الرقم 02 61 91 00 44 واذكروا المرجع DOS-2026-00042.</p>"
    f"<ul><li>المصالح الاجتماعية في بلديتكم</li></ul><p>{AR_CLOSING}</p>"
)
GLOSSARY = (
    ("CCAS", "Centre communal d'action sociale, à la mairie."),
    ("FSL", "Fonds de solidarité pour le logement."),
)


@dataclass(frozen=True)
class _Run:
    x_mm: float
    top_mm: float
    size: float
    font: str
    text: str


def _letter(
    body: str = FR_BODY,
    *,
    recipient: Recipient = RECIPIENT,
    font_size: float = 11,
    locale: str = "fr",
    glossary: tuple[tuple[str, str], ...] = (),
    subject: str = "Procédure pour loyers impayés",
) -> bytes:
    return build_letter_pdf(
        sender_name="ADIL de la Loire-Atlantique",
        sender_lines=SENDER_LINES,
        recipient=recipient,
        subject=subject,
        html_body=body,
        letter_date=DAY,
        reference="DOS-2026-00042",
        font_size=font_size,
        locale=locale,
        glossary=glossary,
    )


def _flat(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def _text(pdf: bytes) -> str:
    return _flat("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def _runs(pdf: bytes) -> list[_Run]:
    runs: list[_Run] = []
    for page in PdfReader(io.BytesIO(pdf)).pages:

        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
            if text.strip():
                name = str(font.get("/BaseFont", "")) if isinstance(font, dict) else ""
                x, y = tm[4] + cm[4], tm[5] + cm[5]
                runs.append(_Run(x / MM, (A4_HEIGHT - y) / MM, size, name, text.strip()))

        page.extract_text(visitor_text=visit)
    return runs


def _in_window(run: _Run) -> bool:
    return (run.x_mm >= letter_pdf.ADDRESS_X_MM
            and letter_pdf.ADDRESS_Y_MM <= run.top_mm <= letter_pdf.ADDRESS_Y_MM + letter_pdf.ADDRESS_H_MM)


def _fonts(pdf: bytes) -> list[Any]:
    page: Any = PdfReader(io.BytesIO(pdf)).pages[0]
    return [ref.get_object() for ref in page["/Resources"]["/Font"].values()]


def _font_program(font: Any) -> bytes:
    descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
    data: bytes = descriptor["/FontFile2"].get_object().get_data()
    return data


def _contents(pdf: bytes) -> list[bytes]:
    pages = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        contents = page.get_contents()
        assert contents is not None
        pages.append(contents.get_data())
    return pages


def test_arabic_text_extracts_in_logical_order() -> None:
    text = _text(_letter(AR_BODY, locale="ar"))
    assert AR_OPENING in text
    assert _flat(AR_CLOSING) in text
    assert "الاستدعاء إلى المحكمة" in text
    # Its date is written in Arabic (channels/letter/frame.py); the left-to-right parts stay, page numbers included.
    assert "نوفمبر" in text and "novembre" not in text
    assert "44000 NANTES" in text
    assert "Page 1 / 1" in text


def _to_unicode(pdf: bytes) -> bytes:
    return b"".join(font["/ToUnicode"].get_object().get_data() for font in _fonts(pdf))


def test_arabic_is_shaped_with_joining_forms() -> None:
    cmap = _to_unicode(_letter(AR_BODY, locale="ar"))
    # Shaped, one letter takes several forms (initial, medial, final): several glyphs map back to it.
    assert len(re.findall(rb"<[0-9A-F]{4}> <0644>", cmap)) >= 2  # lam
    # And lam + alef become the mandatory ligature: one glyph for two characters.
    assert b"<06440627>" in cmap
    unshaped = _to_unicode(_letter(f"<p>{AR_OPENING}</p>"))
    assert len(re.findall(rb"<[0-9A-F]{4}> <0644>", unshaped)) == 1


def test_arabic_paragraphs_right_aligned_address_stays_left() -> None:
    runs = _runs(_letter(AR_BODY, locale="ar"))
    closing = [run for run in runs if "فائق" in run.text]
    assert closing
    assert all(run.x_mm > 120 for run in closing), closing
    bullet = [run for run in runs if "بلديتكم" in run.text]
    assert bullet and bullet[0].x_mm > 100
    address = [run for run in runs if run.text in ("Madame Aïcha Benali", "44000 NANTES")]
    assert len(address) == 2
    assert all(letter_pdf.ADDRESS_X_MM <= run.x_mm < letter_pdf.ADDRESS_X_MM + 2 for run in address)
    reference = [run for run in runs if run.text.startswith("Référence")]
    assert reference and reference[0].x_mm < 25


def test_arabic_numbers_and_latin_keep_their_order() -> None:
    text = _text(_letter(AR_BODY, locale="ar"))
    # pypdf turns Arabic back to reading order but leaves Latin and digits as drawn, left to right:
    # the Latin reference and each group of digits must be drawn left to right...
    assert "DOS-2026-00042" in text
    assert "24000-6202-SOD" not in text
    # ...and the groups of the phone number, part of an Arabic sentence, follow it from right to left.
    assert "44 00 91 61 02" in text
    assert "44 00 19 16 20" not in text


def test_falc_letter_is_all_large_print_except_the_postal_block() -> None:
    runs = _runs(_letter(FR_BODY, font_size=14, glossary=GLOSSARY))
    assert any(run.text.startswith("Référence") for run in runs)
    assert any(run.text.startswith("Page 1") for run in runs)
    small = [run for run in runs if run.size < 14 and not _in_window(run)]
    assert small == []
    postal = [run for run in runs if _in_window(run)]
    assert postal
    assert all(9 <= run.size <= 12 for run in postal)  # La Poste reads 9 to 12 pt


def test_falc_sizes_in_content_stream() -> None:
    pdf = _letter(FR_BODY, font_size=14, glossary=GLOSSARY)
    sizes = {float(size) for contents in _contents(pdf) for size in re.findall(rb"/F\d+ ([\d.]+) Tf", contents)}
    assert min(sizes - {12.0}) >= 14  # 12 pt is the address block
    assert min(_runs(_letter(FR_BODY)), key=lambda run: run.size).size < 11  # standard letters unchanged


def test_glossary_box_lists_terms_after_the_body() -> None:
    pdf = _letter(FR_BODY, font_size=14, glossary=GLOSSARY)
    text = _text(pdf)
    assert "Les mots difficiles" in text
    assert "CCAS : Centre communal d'action sociale, à la mairie." in text
    assert "FSL : Fonds de solidarité pour le logement." in text
    assert text.index("tribunal") < text.index("Les mots difficiles")
    runs = _runs(pdf)
    assert [run.size for run in runs if run.text.startswith(("Les mots", "CCAS", "FSL"))] == [14, 14, 14]
    assert all("Bold" in run.font for run in runs if run.text in ("CCAS", "Les mots difficiles"))
    contents = b"".join(_contents(pdf))
    assert re.search(rb"[\d.]+ [\d.]+ [\d.]+ -?[\d.]+ re S", contents)  # the frame
    assert "Les mots difficiles" not in _text(_letter(FR_BODY, font_size=14))


def test_fonts_embedded_and_subsetted() -> None:
    fonts = _fonts(_letter(AR_BODY, locale="ar", glossary=GLOSSARY))
    assert len(fonts) == 2  # regular and bold only
    full_size = (letter_pdf.FONT_DIR / "DejaVuSans.ttf").stat().st_size
    for font in fonts:
        assert re.fullmatch(r"/[A-Z]{6}\+DejaVuSans(Book|Bold)", str(font["/BaseFont"]))
        program = _font_program(font)
        assert program[:4] == b"\x00\x01\x00\x00"  # a TrueType font program
        assert len(program) < full_size / 4


def test_italic_template_fails_clearly() -> None:
    with pytest.raises(MissingFontStyleError, match="italique"):
        _letter("<p>Un mot <em>important</em>.</p>")


def test_unsupported_right_to_left_locale_is_refused() -> None:
    with pytest.raises(ValueError, match="droite à gauche"):
        _letter(locale="he")


def test_missing_font_names_the_debian_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(letter_pdf, "_FONT_FILES", {"": Path("/nonexistent/DejaVuSans.ttf")})
    with pytest.raises(RuntimeError, match="fonts-dejavu-core"):
        _letter()


OTHER = Recipient(display_name="Pani Zofia Wąsowska-Nguyễn", address_lines=("Ul. Łąkowa 7", "44000 NANTES"))


def test_font_cache_does_not_leak_between_documents() -> None:
    first = _letter()
    other = _letter(AR_BODY, recipient=OTHER, locale="ar", glossary=GLOSSARY)
    again = _letter()
    assert again == first
    assert other != first
    assert "ễ" in _text(other)
    assert b"1EC5" in _to_unicode(other)
    assert b"1EC5" not in _to_unicode(again)  # the other letter's glyphs stay out of this one


def test_cold_process_renders_the_same_bytes() -> None:
    # A fresh process parses the fonts and builds its subsets anew: the cache must not change a byte.
    script = (
        "import sys; sys.path[:0] = ['.', 'tests']; import test_letters_pdf as t; sys.stdout.buffer.write(t._letter())"
    )
    root = Path(__file__).resolve().parent.parent
    cold = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, check=True).stdout
    _letter(AR_BODY, recipient=OTHER, locale="ar")
    assert cold == _letter()


def _variant(i: int) -> bytes:
    if i == 0:
        return _letter()
    if i == 1:
        return _letter(recipient=OTHER)
    return _letter(AR_BODY, locale="ar")


def test_threads_render_the_same_bytes() -> None:
    expected = [_variant(i) for i in range(3)]
    jobs = [0, 1, 2] * 4
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(_variant, jobs))
    assert results == [expected[i] for i in jobs]


def test_letters_share_one_font_program() -> None:
    def programs(pdf: bytes) -> set[bytes]:
        return {_font_program(font) for font in _fonts(pdf)}

    # Different words, same common repertoire: the same subset, so a print batch keeps one copy.
    assert programs(_letter()) == programs(_letter("<p>Bonjour, voici un autre courrier : 12 345,00 €.</p>"))


def _batch_letters(folder: Path, page_counts: list[int]) -> list[BatchLetter]:
    letters = []
    filler = "<p>" + "Une phrase pour remplir la page du courrier. " * 60 + "</p>"
    for i, wanted in enumerate(page_counts, start=1):
        body, pdf = FR_BODY, _letter()
        while len(PdfReader(io.BytesIO(pdf)).pages) < wanted:
            body += filler
            pdf = _letter(body)
        assert len(PdfReader(io.BytesIO(pdf)).pages) == wanted
        path = folder / f"letter-{i}.pdf"
        path.write_bytes(pdf)
        reference = '=HYPERLINK("http://x")' if i == 2 else f"DOS-2026-{i:05d}"
        letters.append(BatchLetter(dispatch_id=100 + i, pdf_path=path, reference=reference, pages=None))
    return letters


def test_batch_starts_each_letter_on_an_odd_page(tmp_path: Path) -> None:
    letters = _batch_letters(tmp_path, [1, 2, 3])
    # The second letter's copy (the mandataire's), in its own envelope: same letter id, its own row.
    letters.insert(2, replace(letters[1], copy=1))
    result = assemble_batch(letters, tmp_path / "out", partner_slug="adil-44", day=DAY)
    assert result.pdf_path == tmp_path / "out" / "2026-11-25" / "adil-44.pdf"
    assert result.manifest_path == tmp_path / "out" / "2026-11-25" / "adil-44.manifest.csv"
    assert (result.letters, result.pages) == (4, 2 + 2 + 2 + 4)
    reader = PdfReader(result.pdf_path)
    assert len(reader.pages) == 10
    texts = [_flat(page.extract_text()) for page in reader.pages]
    assert texts[1] == ""  # blank back of the one-page letter
    assert texts[9] == ""
    assert all(texts[i].startswith("ADIL de la Loire-Atlantique") for i in (0, 2, 4, 6))

    raw = result.manifest_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert tuple(rows[0]) == MANIFEST_HEADER
    assert rows[1:] == [
        ["1", "101", "DOS-2026-00001", "1", "1", "original"],
        ["2", "102", '\'=HYPERLINK("http://x")', "3", "2", "original"],
        ["3", "102", '\'=HYPERLINK("http://x")', "5", "2", "copie 1"],
        ["4", "103", "DOS-2026-00003", "7", "3", "original"],
    ]


def test_batch_is_idempotent_and_deduplicates_fonts(tmp_path: Path) -> None:
    letters = _batch_letters(tmp_path, [1, 2, 1])
    first = assemble_batch(letters, tmp_path / "out", partner_slug="adil-44", day=DAY)
    pdf_bytes, manifest = first.pdf_path.read_bytes(), first.manifest_path.read_bytes()
    second = assemble_batch(letters, tmp_path / "out", partner_slug="adil-44", day=DAY)
    assert second == first
    assert second.pdf_path.read_bytes() == pdf_bytes
    assert second.manifest_path.read_bytes() == manifest
    assert not list((tmp_path / "out").rglob(".tmp-*"))
    assert len(pdf_bytes) < sum(letter.pdf_path.stat().st_size for letter in letters)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pages": 5}, "attendue"),
        ({"dispatch_id": 101}, "deux fois"),
    ],
)
def test_batch_refuses_inconsistent_letters(tmp_path: Path, change: dict[str, int], message: str) -> None:
    letters = _batch_letters(tmp_path, [1, 1])
    second = letters[1]
    letters[1] = BatchLetter(
        dispatch_id=change.get("dispatch_id", second.dispatch_id),
        pdf_path=second.pdf_path,
        reference=second.reference,
        pages=change.get("pages", second.pages),
    )
    with pytest.raises(ValueError, match=message):
        assemble_batch(letters, tmp_path / "out", partner_slug="adil-44", day=DAY)
    assert not (tmp_path / "out" / "2026-11-25" / "adil-44.pdf").exists()


def test_batch_refuses_unsafe_partner_slug(tmp_path: Path) -> None:
    letters = _batch_letters(tmp_path, [1])
    with pytest.raises(ValueError, match="partenaire"):
        assemble_batch(letters, tmp_path, partner_slug="../etc", day=DAY)


def test_other_fonts_still_go_through_fpdf2() -> None:
    # A document may mix a built-in font with letter fonts: each gets embedded its own way.
    pdf = FPDF()
    register_family(pdf, "DejaVu", {"": letter_pdf.FONT_DIR / "DejaVuSans.ttf"})
    pdf.add_page()
    pdf.set_font("helvetica", "", 12)
    pdf.cell(text="Helvetica")
    pdf.set_font("DejaVu", "", 12)
    pdf.cell(text="Œuvre déjà vue")
    data = bytes(pdf.output(output_producer_class=LetterOutputProducer))
    assert "Helvetica" in _text(data)
    assert "Œuvre déjà vue" in _text(data)
    names = sorted(str(font["/BaseFont"]).lstrip("/").split("+")[-1] for font in _fonts(data))
    assert names == ["DejaVuSansBook", "Helvetica"]


def test_letter_to_a_household_without_first_name(tmp_path: Path) -> None:
    """Issue 17: a case pushed without a first name (stored NULL) gets a letter addressed "M. ou Mme DUPONT", read
    back from the PDF with pdftotext: never "None", nor a double space in the address block."""
    from campaigns.messages.addressees import household_recipient
    from campaigns.models import Case

    case = Case(nom="Dupont", prenom=None, adresse="14 rue des Olivettes", complement_adresse="Appartement 12",
                code_postal="44000", commune="Nantes", adresse_invalide=False)
    recipient = household_recipient(case)
    assert (recipient.display_name, recipient.address_lines) == (
        "M. ou Mme DUPONT", ("Appartement 12", "14 rue des Olivettes", "44000 NANTES"))
    path = tmp_path / "lettre.pdf"
    path.write_bytes(_letter(recipient=recipient))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    block = lines.index("M. ou Mme DUPONT")
    assert lines[block + 1:block + 4] == ["Appartement 12", "14 rue des Olivettes", "44000 NANTES"]
    assert "None" not in text
    assert not any("  " in line for line in lines[block:block + 4])
