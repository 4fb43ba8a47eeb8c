"""Reading partners' CSV exports: encodings, separators, header checks, rows with their line numbers."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

from campaigns.intake.fields import FIELDS, REQUIRED_COLUMNS
from campaigns.intake.mojibake import REPAIRED_KEY, repair_row, repaired
from campaigns.locale.text import strip_accents

if TYPE_CHECKING:
    from _csv import Reader

    from _typeshed import WriteableBuffer

# A file read from the start each time it is called, piece by piece (campaigns/intake/stored_files.py).
Pieces: TypeAlias = Callable[[], Iterator[bytes]]
FileSource: TypeAlias = "bytes | Pieces"

# Key added to a row with more (non-empty) fields than the header, or a value under an unnamed header cell.
# `intake.parse_row` ignores it; callers turn it into
# RowError(field="", reason="la ligne contient plus de colonnes que l'en-tête").
EXTRA_KEY = "__extra__"

# Addresses and free-text notes can be long; the csv module's default limit is 128 KiB.
_FIELD_LIMIT = 1024 * 1024
_DECODE_CHUNK = 1024 * 1024
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_NON_ASCII = bytes(range(0x80, 0x100))
csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))

# Header spellings seen in partners' exports, after the generic normalisation of _column_name.
_ALIASES = {
    "date_de_stade": "date_stade",
    "date_du_stade": "date_stade",
    "date_de_naissance": "date_naissance",
    "nom_du_cotitulaire": "nom_cotitulaire",
    "prenom_du_cotitulaire": "prenom_cotitulaire",
    "date_de_naissance_cotitulaire": "date_naissance_cotitulaire",
    "date_de_naissance_du_cotitulaire": "date_naissance_cotitulaire",
    "complement_d_adresse": "complement_adresse",
    "cp": "code_postal",
    "ville": "commune",
    "tel": "telephone",
    "courriel": "email",
    "e_mail": "email",
    "mail": "email",
    "montant_de_la_dette": "montant_dette",
    "date_du_premier_impaye": "date_premier_impaye",
    "numero_d_allocataire": "numero_allocataire",
    "n°_allocataire": "numero_allocataire",
    "no_allocataire": "numero_allocataire",
    "date_d_audience": "date_audience",
    "date_de_l_audience": "date_audience",
    "motif_de_cloture": "motif_cloture",
}
_WORD_SEPARATORS = str.maketrans({"-": " ", "_": " ", "'": " ", "’": " ", ".": " "})


class CsvFileError(Exception):
    """The whole file is unusable (empty, no header, missing required column, undecodable).

    The message is in French, for the partner.
    """


@dataclass(frozen=True, slots=True)
class CsvContent:
    """A readable CSV file. Iterating `rows` may still raise CsvFileError if a record is malformed."""

    encoding: str  # "utf-8", "utf-8-sig" or "cp1252"
    delimiter: str  # ";" or ","
    columns: tuple[str, ...]  # normalised header names (unnamed header cells left out)
    unknown_columns: tuple[str, ...]  # header names not in intake.FIELDS, in file order
    rows: Iterator[tuple[int, dict[str, str]]]  # (line where the record starts, header = 1; {column: value})


def _column_name(header: str) -> str:
    """ "Date de naissance" → "date_naissance", "Téléphone" → "telephone", "Code-Postal " → "code_postal"."""
    name = "_".join(strip_accents(header.strip().lower()).translate(_WORD_SEPARATORS).split())
    return _ALIASES.get(name, name)


def pieces_of(data: FileSource) -> Pieces:
    """A file in memory (`bytes`) or stored in pieces (a function opening it from the start), as pieces."""
    if not isinstance(data, bytes | bytearray | memoryview):
        return data
    view = memoryview(data)
    return lambda: (bytes(view[start:start + _DECODE_CHUNK]) for start in range(0, len(view), _DECODE_CHUNK))


def _encoding(pieces: Pieces) -> str:
    """The file's encoding, checked over the whole file piece by piece, never decoded into memory at once.

    A UTF-8 file with a few invalid bytes (one row saved by another program) is refused with its first bad line:
    read as Windows-1252 it would have stored every accented name of the file garbled (« HÃ©lÃ¨ne »).
    """
    head = next(iter(pieces()), b"")[:3]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's « Texte Unicode »: read as Windows-1252 it would give a header of NUL-separated letters.
        raise CsvFileError("fichier en UTF-16 (« Texte Unicode ») : enregistrez-le en « CSV UTF-8 »")
    encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    bad = _first_invalid(pieces, encoding)
    if bad is None:
        return encoding
    mostly_utf8, line = _utf8_evidence(pieces, bad)
    if encoding == "utf-8-sig" or mostly_utf8:
        what = "annonce l'encodage UTF-8" if encoding == "utf-8-sig" else "est en UTF-8"
        raise CsvFileError(
            f"le fichier {what} mais contient des caractères invalides ligne {line} (un accent enregistré "
            "dans un autre encodage ?) : aucune ligne n'est importée ; corrigez cette ligne ou enregistrez de "
            "nouveau le fichier en « CSV UTF-8 »"
        )
    if _first_invalid(pieces, "cp1252") is None:
        return "cp1252"
    raise CsvFileError(
        "encodage du fichier non reconnu (ni UTF-8 ni Windows-1252) : enregistrez-le en « CSV UTF-8 »"
    )


def _utf8_evidence(pieces: Pieces, bad: int) -> tuple[bool, int]:
    """(more well-formed UTF-8 sequences than stray non-ASCII bytes, the line of the byte at offset `bad`).

    In a Windows-1252 file an accented letter is followed by an ASCII one, so well-formed pairs are rare. The
    line counts line feeds, or carriage returns in a file without any line feed.
    """
    sequences = stray = newlines = returns = offset = 0
    any_newline = False
    carry = b""
    for piece in pieces():
        if offset < bad:
            before = piece[:bad - offset]
            newlines += before.count(b"\n")
            returns += before.count(b"\r")
        any_newline = any_newline or b"\n" in piece
        offset += len(piece)
        data = carry + piece
        cut = _sequence_start(data)  # a character cut by the end of the piece is counted with the next one
        found, loose = _non_ascii(data[:cut])
        sequences, stray, carry = sequences + found, stray + loose, data[cut:]
    found, loose = _non_ascii(carry)
    return sequences + found > stray + loose, (newlines if any_newline else returns) + 1


def _sequence_start(data: bytes) -> int:
    """Where a UTF-8 sequence possibly left incomplete at the end of `data` starts (len(data) if none)."""
    for back in range(1, min(3, len(data)) + 1):
        if data[-back] >= 0xC0:
            return len(data) - back
        if data[-back] < 0x80:
            break
    return len(data)


def _non_ascii(data: bytes) -> tuple[int, int]:
    """(well-formed UTF-8 multibyte sequences, non-ASCII bytes outside them)."""
    sequences = multibyte = 0
    for match in _UTF8_SEQUENCE.finditer(data):
        sequences += 1
        multibyte += match.end() - match.start()
    return sequences, len(data) - multibyte - len(data.translate(None, _NON_ASCII))


def _first_invalid(pieces: Pieces, encoding: str) -> int | None:
    """The offset of the first byte `encoding` cannot decode, or None; chunk by chunk: the decoded text of a
    120 MB file would take 240 to 480 MB (one to four bytes a character)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    for piece in pieces():
        view = memoryview(piece)
        for start in range(0, len(view), _DECODE_CHUNK):
            pending = len(decoder.getstate()[0])  # the bytes of a character cut by the previous chunk
            try:
                decoder.decode(view[start:start + _DECODE_CHUNK])
            except UnicodeDecodeError as exc:
                return max(0, offset + start - pending + exc.start)
        offset += len(view)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        return max(0, offset - len(exc.object) + exc.start)
    return None


class _PiecesReader(io.RawIOBase):
    """A file stored in pieces as a binary stream: one piece in memory at a time."""

    def __init__(self, pieces: Iterator[bytes]) -> None:
        super().__init__()
        self._pieces = pieces
        self._current = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        while not self._current:
            piece = next(self._pieces, None)
            if piece is None:
                return 0
            self._current = memoryview(piece)
        target = memoryview(buffer).cast("B")
        size = min(len(target), len(self._current))
        target[:size] = self._current[:size]
        self._current = self._current[size:]
        return size


def _csv_problem(exc: csv.Error) -> str:
    if "field limit" in str(exc):
        return f"un champ dépasse {_FIELD_LIMIT // (1024 * 1024)} Mo"
    if "unexpected end of data" in str(exc):
        return "un guillemet ouvert n'est jamais refermé"
    return "format CSV invalide (guillemets mal placés ?)"


def _plural(count: int, singular: str, plural: str) -> str:
    return singular if count == 1 else plural


def read_csv(data: FileSource, *, encoding: str | None = None) -> CsvContent:
    """Decodes the file, reads and checks the header; data rows are then read lazily from `rows`.

    `data` is the file's bytes, or a function opening it as pieces (a stored upload: see `pieces_of`); the file is
    then read twice, once to check its encoding (skipped when `encoding` is known), once for its rows.

    Rows are dicts over the named columns (missing trailing fields are ""); blank lines, including lines
    of separators only, are skipped. A row with a non-empty value beyond the header or under an unnamed
    header cell gets EXTRA_KEY set to "1" (trailing empty fields, as spreadsheets write, are tolerated).
    Values encoded twice (« LefÃ¨vre ») are repaired, and the row names them under REPAIRED_KEY
    (campaigns/intake/mojibake.py).
    """
    pieces = pieces_of(data)
    encoding = encoding or _encoding(pieces)
    # Decoded as it is read, piece by piece; newline="" hands line endings to the csv module.
    lines = io.TextIOWrapper(io.BufferedReader(_PiecesReader(pieces()), _DECODE_CHUNK), encoding=encoding,
                             newline="")
    skipped = 0  # Blank lines before the header.
    for first_line in lines:
        if first_line.strip():
            break
        skipped += 1
    else:
        raise CsvFileError("le fichier est vide")
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    # strict: an opening quote never closed is an error at its line, instead of swallowing the rest of the file
    # into one field (the rows after it would vanish without a word).
    reader = csv.reader(itertools.chain((first_line,), lines), delimiter=delimiter, quotechar='"', strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise CsvFileError(f"en-tête du fichier illisible : {_csv_problem(exc)}") from None
    names = [_column_name(repaired(cell) or cell) for cell in header]
    columns = tuple(name for name in names if name)
    if not set(columns) & set(FIELDS):
        raise CsvFileError(
            "en-tête absent ou non reconnu : la première ligne doit donner les noms des colonnes "
            "(reference, stade, prenom, commune…)"
        )
    duplicates = sorted({name for name in columns if columns.count(name) > 1}, key=columns.index)
    if duplicates:
        what = _plural(len(duplicates), "colonne présente", "colonnes présentes")
        raise CsvFileError(f"{what} plusieurs fois dans l'en-tête : " + ", ".join(duplicates))
    missing = [name for name in FIELDS if name in REQUIRED_COLUMNS and name not in columns]
    if missing:
        what = _plural(len(missing), "colonne obligatoire absente", "colonnes obligatoires absentes")
        raise CsvFileError(f"{what} : " + ", ".join(missing))
    known = set(FIELDS)
    return CsvContent(
        encoding=encoding,
        delimiter=delimiter,
        columns=columns,
        unknown_columns=tuple(name for name in columns if name not in known),
        rows=_rows(reader, names, skipped),
    )


def _rows(reader: Reader, names: list[str], skipped: int) -> Iterator[tuple[int, dict[str, str]]]:
    named = [(position, name) for position, name in enumerate(names) if name]
    unnamed = [position for position, name in enumerate(names) if not name]
    width = len(names)
    # The reader counts the physical lines read so far: a record starts one line after the previous one ended.
    line_num = reader.line_num + skipped
    while True:
        start = line_num + 1
        try:
            record = next(reader, None)
        except csv.Error as exc:
            raise CsvFileError(f"ligne {start} illisible : {_csv_problem(exc)}") from None
        if record is None:
            return
        line_num = reader.line_num + skipped
        if not "".join(record).strip():
            continue  # Blank line, or separators only.
        if len(record) < width:
            record += [""] * (width - len(record))
        row = {name: record[position] for position, name in named}
        if not "".join(row.values()).isascii() and (fixed := repair_row(row)):
            row[REPAIRED_KEY] = ",".join(fixed)  # reported as row warnings (campaigns/intake/mojibake.py)
        if "".join(record[width:]).strip() or any(record[position].strip() for position in unnamed):
            row[EXTRA_KEY] = "1"
        yield start, row
