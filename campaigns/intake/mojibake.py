"""Text encoded twice: UTF-8 read as Windows-1252 and saved again as UTF-8 (« LefÃ¨vre » for « Lefèvre »).

A partner's export that went through such a round trip is valid UTF-8, so the file's encoding check
(campaigns/intake/csv_files.py) cannot see it. Each value is checked instead: a value is repaired when its
characters, written back as Windows-1252 bytes, form valid UTF-8 that holds fewer of the round trip's marks.
Legitimate French text never does: an accented letter (é = 0xE9 in Windows-1252) is a UTF-8 lead byte that
needs continuation bytes (0x80-0xBF: €, ‚, « , ° ... ) right after it, which no French word puts there.
The repaired values are reported as row warnings with their line and field (docs/api.md, "CSV files").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

# Set on a CSV row by the reader (campaigns/intake/csv_files.py): the fields it repaired, comma-separated.
REPAIRED_KEY = "__repaired__"
REPAIRED = "accents réparés (texte encodé deux fois)"

# A lead byte of a 2- to 4-byte UTF-8 sequence (0xC2-0xF4) read as Windows-1252, followed by a continuation byte
# (0x80-0xBF) read the same way: the mark of the round trip. Bytes 0x81, 0x8D, 0x8F, 0x90, 0x9D have no
# Windows-1252 character: decoders that let them through give the C1 controls U+0081 and so on.
_CONTINUATION = "€\x81‚ƒ„…†‡ˆ‰Š‹Œ\x8dŽ\x8f\x90‘’“”•–—˜™š›œ\x9džŸ\xa0¡¢£¤¥¦§¨©ª«¬\xad®¯°±²³´µ¶·¸¹º»¼½¾¿"
_LEAD = "".join(bytes((byte,)).decode("cp1252") for byte in range(0xC2, 0xF5))
_MARK = re.compile(f"[{re.escape(_LEAD)}][{re.escape(_CONTINUATION)}]")
_C1 = {chr(byte): byte for byte in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}


def _cp1252_bytes(text: str) -> bytes | None:
    """`text` written back as Windows-1252 bytes (C1 controls as their own byte), or None when it cannot be."""
    try:
        return text.encode("cp1252")
    except UnicodeEncodeError:
        pass
    out = bytearray()
    for char in text:
        byte = _C1.get(char)
        if byte is not None:
            out.append(byte)
            continue
        try:
            out += char.encode("cp1252")
        except UnicodeEncodeError:
            return None
    return bytes(out)


@lru_cache(maxsize=4_096)
def repaired(text: str) -> str | None:
    """The text as first written when `text` was encoded twice (or more), else None."""
    if text.isascii() or _MARK.search(text) is None:
        return None
    current = text
    for _ in range(3):  # garbled twice is « LefÃƒÂ¨vre »: undone one round trip at a time
        raw = _cp1252_bytes(current)
        if raw is None:
            break
        try:
            candidate = raw.decode("utf-8")
        except UnicodeDecodeError:
            break
        if len(_MARK.findall(candidate)) >= len(_MARK.findall(current)):
            break
        current = candidate
    return current if current != text else None


def repair_row(row: dict[str, str]) -> list[str]:
    """Repairs the row's values in place; the names of the fields repaired, in row order."""
    fields = []
    for name, value in row.items():
        if not value.isascii() and (fixed := repaired(value)) is not None:
            row[name] = fixed
            fields.append(name)
    return fields


def repair_mapping(raw: Mapping[str, object]) -> tuple[Mapping[str, object], list[str]]:
    """A pushed row (JSON object or CSV row) with its text values repaired, and the fields repaired (a CSV row
    was repaired by the reader: its fields come from REPAIRED_KEY)."""
    marked = raw.get(REPAIRED_KEY)
    fields = marked.split(",") if isinstance(marked, str) and marked else []
    found = {name: fixed for name, value in raw.items()
             if isinstance(value, str) and not value.isascii() and (fixed := repaired(value)) is not None}
    if not found:
        return raw, fields
    return {**raw, **found}, fields + [name for name in found if name not in fields]
