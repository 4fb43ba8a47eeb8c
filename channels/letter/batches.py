"""Print batches: one PDF per sending partner and day, with a CSV manifest."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pypdf import PdfReader, PdfWriter

from campaigns.locale.labels import plural
from campaigns.platform.cells import neutralise_cell
from channels.files import atomic_write

MANIFEST_HEADER = ("ordre", "courrier_id", "reference", "premiere_page", "pages", "exemplaire")
# The slug becomes a file name: keep it to a safe alphabet rather than trust the caller.
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# A spreadsheet would run a cell starting with these as a formula (CSV injection).


@dataclass(frozen=True, slots=True)
class BatchLetter:
    """One letter PDF; `pages` is its page count when known (checked against the file), else None. `copy`: 0 for
    the letter itself, n for its n-th copy in its own envelope (the mandataire's, another structure's)."""

    dispatch_id: int
    pdf_path: Path
    reference: str
    pages: int | None
    copy: int = 0
    handle: str = ""  # what the manifest calls the letter (its sender's « courrier_id »); the number if empty

    @property
    def copy_label(self) -> str:
        return "original" if self.copy == 0 else f"copie {self.copy}"


@dataclass(frozen=True, slots=True)
class BatchResult:
    """The batch PDF and manifest written; `pages` counts every sheet side, blank fillers included."""

    pdf_path: Path
    manifest_path: Path
    letters: int
    pages: int


def assemble_batch(letters: Sequence[BatchLetter], out_dir: Path, *, partner_slug: str, day: date) -> BatchResult:
    """Concatenate `letters` in order into `out_dir/<day>/<partner_slug>.pdf`, each starting on an odd page.

    Duplex printing puts page 2k+1 on a new sheet: a blank page follows every letter with an odd page count
    so no letter shares a sheet with the next one. Writing the same batch twice gives the same bytes.
    """
    if not _SLUG_RE.match(partner_slug):
        raise ValueError(f"identifiant de partenaire invalide {partner_slug!r}")
    if not letters:
        raise ValueError("lot vide : aucun courrier à imprimer")
    seen: set[tuple[int, int]] = set()
    for letter in letters:
        if (letter.dispatch_id, letter.copy) in seen:
            # The same letter twice in a print run would reach the household twice.
            raise ValueError(f"courrier {letter.dispatch_id} ({letter.copy_label}) présent deux fois dans le lot")
        seen.add((letter.dispatch_id, letter.copy))

    writer = PdfWriter()
    rows: list[tuple[object, ...]] = []
    for order, letter in enumerate(letters, start=1):
        reader = PdfReader(letter.pdf_path)
        count = len(reader.pages)
        if count == 0 or (letter.pages is not None and letter.pages != count):
            raise ValueError(
                f"courrier {letter.dispatch_id} ({letter.pdf_path}) : {plural(count, 'page', 'pages')}, "
                f"{plural(letter.pages or 0, 'page attendue', 'pages attendues')}"
            )
        first_page = len(writer.pages) + 1
        writer.append(reader)
        if count % 2:
            last = reader.pages[-1].mediabox
            writer.add_blank_page(width=float(last.width), height=float(last.height))
        rows.append((order, letter.handle or letter.dispatch_id, letter.reference, first_page, count,
                     letter.copy_label))
    # Letters built by channels.letter.pdf share identical font subsets: keep one copy for the whole batch.
    writer.compress_identical_objects()

    folder = out_dir / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    pdf_path = folder / f"{partner_slug}.pdf"
    manifest_path = folder / f"{partner_slug}.manifest.csv"
    pdf_bytes = io.BytesIO()
    writer.write(pdf_bytes)
    atomic_write(pdf_path, pdf_bytes.getvalue())
    atomic_write(manifest_path, _manifest(rows))
    return BatchResult(pdf_path=pdf_path, manifest_path=manifest_path, letters=len(letters), pages=len(writer.pages))


def _manifest(rows: Sequence[tuple[object, ...]]) -> bytes:
    buffer = io.StringIO()
    out = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    out.writerow(MANIFEST_HEADER)
    out.writerows([neutralise_cell(cell) for cell in row] for row in rows)
    # BOM: spreadsheet software then reads the file as UTF-8 rather than the local code page.
    return buffer.getvalue().encode("utf-8-sig")
