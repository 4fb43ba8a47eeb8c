"""A UTF-8 file with invalid bytes is refused with its first bad line, never read as Windows-1252 (which garbled
every accented name of the file); real Windows-1252 files are still read (issue 16)."""

from __future__ import annotations

import pytest

from campaigns.intake.csv_files import CsvFileError, read_csv

HEADER = "reference;stade;nom;prenom;commune"


def _lines(*names: str) -> list[str]:
    return [HEADER] + [f"R-{i};impaye;{name};Hélène;Nantes" for i, name in enumerate(names, start=1)]


def test_one_windows_1252_byte_in_a_utf8_file_is_refused_with_its_line() -> None:
    lines = [line.encode() for line in _lines("Benali", "Lefèvre", "Müller", "Durand", "Gaël")]
    lines[3] = "R-3;impaye;Müller;Hélène;Nantes".encode("cp1252")  # line 4: one row saved by another program
    with pytest.raises(CsvFileError) as refused:
        read_csv(b"\r\n".join(lines) + b"\r\n")
    message = str(refused.value)
    assert "ligne 4" in message and "UTF-8" in message


def test_a_declared_utf8_file_with_invalid_bytes_names_its_first_bad_line() -> None:
    lines = [line.encode() for line in _lines("Benali", "Lefèvre", "Durand")]
    lines[2] += b"\xff"
    with pytest.raises(CsvFileError) as refused:
        read_csv(b"\xef\xbb\xbf" + b"\n".join(lines))
    assert "ligne 3" in str(refused.value)


def test_windows_1252_files_are_still_read() -> None:
    data = "\r\n".join(_lines("Lefèvre", "Œuvray", "Dupré «le jeune»")).encode("cp1252")
    content = read_csv(data)
    assert content.encoding == "cp1252"
    assert [row["nom"] for _, row in content.rows] == ["Lefèvre", "Œuvray", "Dupré «le jeune»"]


def test_utf8_files_are_read_as_utf8() -> None:
    content = read_csv("\n".join(_lines("Lefèvre", "Gaël")).encode())
    assert content.encoding == "utf-8"
    assert [row["prenom"] for _, row in content.rows] == ["Hélène", "Hélène"]
