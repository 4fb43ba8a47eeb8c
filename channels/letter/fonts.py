"""Letter fonts: each TTF parsed once per process; documents share its tables and its cached subsets."""

from __future__ import annotations

import copy
import hashlib
import io
import os
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fontTools import subset as ftsubset  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.enums import TextEmphasis
from fpdf.fonts import Glyph, SubsetMap, TTFFont

# Every TTFFont attribute of fpdf2 2.8.9, sorted by whether a document changes it. A new fpdf2 version
# may add state we would wrongly share between documents: refuse to run until this list is reviewed.
_PER_DOCUMENT = frozenset(
    {"i", "fontkey", "emphasis", "cw", "desc", "missing_glyphs", "biggest_size_pt", "subset", "_hbfont", "ttfont"}
)
_SHARED = frozenset(
    {
        "type", "name", "glyph_ids", "sp", "ss", "up", "ut", "ttffile", "scale", "cmap", "color_font",
        "unicode_range", "palette_index", "is_compressed", "is_cff", "is_cid_keyed", "is_symbol", "cff_ros",
        "collection_font_number",
    }
)  # fmt: skip
# What fpdf2 drops when it embeds a font (layout tables mean nothing inside a PDF), plus fontTools' defaults.
_DROPPED_TABLES = (
    "FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "sbix", "CBDT", "CBLC", "EBDT", "EBLC", "EBSC",
    "SVG ", "CPAL", "COLR",
)  # fmt: skip
_CLOSURE_TABLES = frozenset({"GSUB", "GDEF"})
# Always embedded, whether used or not: with them nearly every letter needs the very same subset, built
# once per process, and print batches carry identical font programs. Latin-1 and Latin Extended-A cover
# the names of most households in France (ñ, ã, ł, ş...), so those names cost no extra subset either.
_COMMON = (
    frozenset(range(0x20, 0x7F)) | frozenset(range(0xA0, 0x180)) | frozenset(map(ord, "\u202f\u2009‘’‚“”„–—…•‰‹›€™"))
)
# Anything else is embedded by aligned blocks of 64 code points: few distinct subsets, so few cache misses.
_BLOCK_BITS = 6
_SUBSETS_PER_FONT = 64


@dataclass(frozen=True, slots=True)
class EmbeddedSubset:
    tag: str
    compressed: bytes
    length1: int
    gid_by_name: Mapping[str, int]


class _GlyphTables:
    """The only part of the shared font a document may read; fpdf2's own subsetter fails loudly on it."""

    __slots__ = ("_hmtx", "_order")

    def __init__(self, ttfont: Any) -> None:
        self._order: list[str] = ttfont.getGlyphOrder()
        self._hmtx = ttfont["hmtx"]

    def getGlyphName(self, glyph_id: int) -> str:  # noqa: N802 -- fontTools' name, called by fpdf2
        return self._order[glyph_id]

    def __getitem__(self, tag: str) -> Any:
        if tag != "hmtx":
            raise KeyError(f"table {tag!r} is not shared with documents")
        return self._hmtx

    def __contains__(self, tag: object) -> bool:
        return tag == "hmtx"

    def close(self) -> None:
        """The underlying font belongs to the process cache: documents never close it."""


class _FontProgram:
    """One font file, parsed once by fpdf2 itself, plus the subsets already built from it."""

    def __init__(self, path: Path) -> None:
        if set(TTFFont.__slots__) != _PER_DOCUMENT | _SHARED:
            raise RuntimeError("fpdf2 TTFFont a changé : revoir channels/letter/fonts.py avant de le mettre à jour")
        scratch = FPDF()
        scratch.add_font("cache", "", str(path))
        template = scratch.fonts["cache"]
        assert isinstance(template, TTFFont)
        if template.color_font or template.is_symbol or template.is_cff or template.is_compressed:
            raise RuntimeError(f"{path} : seules les polices TrueType simples sont prises en charge")
        self.path = path
        self.template = template
        self.tables = _GlyphTables(template.ttfont)
        self._data = path.read_bytes()
        self._subsets: OrderedDict[tuple[frozenset[int], frozenset[str]], EmbeddedSubset] = OrderedDict()
        self._lock = threading.Lock()

    def reset_lock(self) -> None:
        self._lock = threading.Lock()

    def subset_for(self, glyphs: Sequence[Glyph]) -> EmbeddedSubset:
        """A cached subset holding at least `glyphs` (an exact one is built only for unusual glyphs)."""
        names = {glyph.glyph_name for glyph in glyphs}
        codepoints = {
            cp for glyph in glyphs for cp in (glyph.unicode if isinstance(glyph.unicode, tuple) else (glyph.unicode,))
        }
        blocks = frozenset(cp >> _BLOCK_BITS for cp in codepoints if cp >= 0x20 and cp not in _COMMON)
        with self._lock:
            rounded = self._cached(blocks, frozenset())
            missing = frozenset(names.difference(rounded.gid_by_name))
            return rounded if not missing else self._cached(blocks, missing)

    def _cached(self, blocks: frozenset[int], extra_names: frozenset[str]) -> EmbeddedSubset:
        key = (blocks, extra_names)
        found = self._subsets.get(key)
        if found is None:
            found = self._build(blocks, extra_names)
            self._subsets[key] = found
            if len(self._subsets) > _SUBSETS_PER_FONT:
                self._subsets.popitem(last=False)
        else:
            self._subsets.move_to_end(key)
        return found

    def _build(self, blocks: frozenset[int], extra_names: frozenset[str]) -> EmbeddedSubset:
        wanted = set(_COMMON)
        for block in blocks:
            wanted.update(range(block << _BLOCK_BITS, (block + 1) << _BLOCK_BITS))
        font = TTFont(io.BytesIO(self._data), recalcTimestamp=False, lazy=True)
        options = ftsubset.Options(notdef_outline=True, recommended_glyphs=True)
        # Layout tables stay during the closure so the contextual forms HarfBuzz picks (Arabic) come along.
        options.drop_tables += [tag for tag in _DROPPED_TABLES if tag not in _CLOSURE_TABLES]
        # TrueType hinting only helps low-resolution screens; unhinted subsets are less than half the size.
        options.hinting = False
        subsetter = ftsubset.Subsetter(options)
        subsetter.populate(unicodes=wanted.intersection(self.template.cmap), glyphs=sorted(extra_names))
        subsetter.subset(font)
        for tag in _DROPPED_TABLES:
            if tag in font:
                del font[tag]
        gid_by_name = {name: gid for gid, name in enumerate(font.getGlyphOrder())}
        buffer = io.BytesIO()
        font.save(buffer)
        raw = buffer.getvalue()
        digest = hashlib.sha256(raw).digest()
        # PDF subset tag: six capitals, distinct per subset so print batches never mix two under one name.
        tag = "".join(chr(ord("A") + byte % 26) for byte in digest[:6])
        return EmbeddedSubset(tag, zlib.compress(raw, 9), len(raw), gid_by_name)


_PROGRAMS: dict[Path, _FontProgram] = {}
_PROGRAMS_LOCK = threading.Lock()


def _program(path: Path) -> _FontProgram:
    with _PROGRAMS_LOCK:
        program = _PROGRAMS.get(path)
        if program is None:
            program = _PROGRAMS[path] = _FontProgram(path)
        return program


def _after_fork_in_child() -> None:
    # A fork while another thread held a lock would leave it held forever in the child (prefork workers).
    global _PROGRAMS_LOCK  # noqa: PLW0603 -- the lock itself must be replaced
    _PROGRAMS_LOCK = threading.Lock()
    for program in _PROGRAMS.values():
        program.reset_lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


class _Codes(dict[str, str]):
    """Each character's code in the document's font subset, as the character fpdf2 writes in a text string ("" for a
    character the font lacks). Asked of the subset the first time only, in the order fpdf2 would ask it: the
    subset numbers its glyphs in that order, and remembers what it already numbered."""

    __slots__ = ("_subset",)

    def __init__(self, subset: SubsetMap) -> None:
        super().__init__()
        self._subset = subset

    def __missing__(self, character: str) -> str:
        code = self._subset.pick(ord(character))
        mapped = self[character] = chr(code) if code else ""
        return mapped


class LetterFont(TTFFont):
    """A document's font: shares the parsed tables of the process cache, owns its subset state."""

    __slots__ = ("_shaped_widths", "codes", "program")

    program: _FontProgram
    _shaped_widths: dict[tuple[Any, ...], tuple[int, float]]
    codes: _Codes

    @classmethod
    def for_document(cls, pdf: FPDF, program: _FontProgram, fontkey: str, style: str) -> LetterFont:
        font = cls.__new__(cls)
        template = program.template
        for name in _SHARED:
            if hasattr(template, name):
                setattr(font, name, getattr(template, name))
        font.i = len(pdf.fonts) + 1
        font.fontkey = fontkey
        font.emphasis = TextEmphasis.coerce(style)
        # The width table grows on lookups of unknown characters: each document gets its own.
        font.cw = copy.copy(template.cw)
        # The descriptor is a PDF object: output gives it an id and a font file.
        font.desc = copy.copy(template.desc)
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font._hbfont = None
        font.ttfont = program.tables
        font.subset = SubsetMap(font)
        font.program = program
        font._shaped_widths = {}
        font.codes = _Codes(font.subset)
        return font

    def get_text_width(
        self, text: str, font_size_pt: float, text_shaping_params: dict[str, Any] | None
    ) -> tuple[int, float]:
        # fpdf2's line breaker re-measures growing strings: this is its hottest call.
        self.biggest_size_pt = max(self.biggest_size_pt, font_size_pt)
        if text_shaping_params:
            if text_shaping_params.get("features"):
                return self.shaped_text_width(text, font_size_pt, text_shaping_params)
            # Shaping is the costly part of right-to-left letters, and the line breaker asks again and again.
            key = (
                text,
                font_size_pt,
                text_shaping_params.get("fragment_direction"),
                text_shaping_params.get("script"),
                text_shaping_params.get("language"),
            )
            width = self._shaped_widths.get(key)
            if width is None:
                width = self._shaped_widths[key] = self.shaped_text_width(text, font_size_pt, text_shaping_params)
            return width
        return len(text), self.units(text) * font_size_pt * 0.001

    def units(self, characters: Iterable[str]) -> float:
        """Advance of `characters` in thousandths of the font size (whole numbers: the sums are exact)."""
        return sum(map(self.cw.__getitem__, map(ord, characters)), 0.0)


def register_family(pdf: FPDF, family: str, files: Mapping[str, Path]) -> None:
    """Add `family` to `pdf` with one font per style ("" regular, "B" bold...), parsed once per process."""
    for style, path in files.items():
        normalized = "".join(sorted(style.upper()))
        fontkey = f"{family.lower()}{normalized}"
        if fontkey in pdf.fonts:
            raise ValueError(f"police {fontkey!r} déjà déclarée")
        pdf.fonts[fontkey] = LetterFont.for_document(pdf, _program(path), fontkey, normalized)
