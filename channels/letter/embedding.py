"""Embeds letter fonts in the PDF from cached subsets, instead of fpdf2 re-subsetting each document."""

from __future__ import annotations

import functools
import zlib
from collections.abc import Iterable, Mapping

from fpdf.fonts import Glyph, SubsetMap
from fpdf.output import CIDSystemInfo, OutputProducer, PDFExtGState, PDFFont, PDFType3Font, PDFXObject
from fpdf.pattern import Pattern
from fpdf.syntax import Name, PDFArray, PDFContentStream

from channels.letter.fonts import EmbeddedSubset, LetterFont

# A CIDToGIDMap is 128 KiB, two bytes for each of the 65,536 codes, nearly all zero: a letter's few hundred codes
# are the first ones. Its compressed tail of zeros is the same in every document: deflated once per length.
_CID_MAP_BYTES = 2 * 0x10000
_TAIL_STEP = 4096
_ZLIB_HEADER = b"\x78\x9c"  # RFC 1950: deflate, 32 KiB window, default level (what zlib.compress writes)


class _Precompressed(PDFContentStream):
    """A FlateDecode stream whose bytes are already compressed."""

    def __init__(self, compressed: bytes) -> None:
        super().__init__(contents=b"")
        self._contents = compressed
        self.filter = Name("FlateDecode")
        self.length = len(compressed)


class _FontFile2(_Precompressed):
    def __init__(self, embedded: EmbeddedSubset) -> None:
        # Compressed once when the subset was built, not once per document.
        super().__init__(embedded.compressed)
        self.length1 = embedded.length1


@functools.cache
def _deflated_zeros(length: int) -> bytes:
    """`length` zero bytes as the final blocks of a raw deflate stream (no history: it may follow any flushed one)."""
    deflater = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return deflater.compress(bytes(length)) + deflater.flush()


def _adler32_zeros(adler: int, length: int) -> int:
    """zlib.adler32(bytes(length), adler) without the bytes (RFC 1950: a zero adds nothing to A, and A to B)."""
    low, high = adler & 0xFFFF, adler >> 16
    return (high + length * low) % 65521 << 16 | low


def _cid_to_gid_map(gid_by_code: Mapping[int, int]) -> bytes:
    """The zlib-compressed CIDToGIDMap: the codes in use deflated per document, the zeros after them cached. The
    same 128 KiB as fpdf2's map once inflated (a valid zlib stream: fully flushed blocks, then the cached final
    ones, then the Adler-32 of the whole map)."""
    head = bytearray(2 * (max(gid_by_code, default=0) + 1))
    for code, gid in gid_by_code.items():
        head[2 * code : 2 * code + 2] = gid.to_bytes(2, "big")
    split = min(-(-len(head) // _TAIL_STEP) * _TAIL_STEP, _CID_MAP_BYTES)
    head.extend(bytes(split - len(head)))
    deflater = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    blocks = deflater.compress(head) + deflater.flush(zlib.Z_FULL_FLUSH)
    checksum = _adler32_zeros(zlib.adler32(head), _CID_MAP_BYTES - split)
    return b"".join((_ZLIB_HEADER, blocks, _deflated_zeros(_CID_MAP_BYTES - split), checksum.to_bytes(4, "big")))


class LetterOutputProducer(OutputProducer):
    """fpdf2's output, except that letter fonts embed a cached subset instead of re-subsetting each time."""

    def _add_fonts(
        self,
        image_objects_per_index: dict[int, PDFXObject],
        gfxstate_objs_per_name: dict[str, PDFExtGState],
        pattern_objs_per_name: dict[str, Pattern],
    ) -> dict[int, PDFFont | PDFType3Font]:
        registry = self.fpdf.fonts
        ours = sorted((font for font in registry.values() if isinstance(font, LetterFont)), key=lambda font: font.i)
        objects: dict[int, PDFFont | PDFType3Font] = {}
        if len(ours) < len(registry):
            # Other fonts go through fpdf2 as usual, which must not see ours (it would subset them in place).
            snapshot = dict(registry)
            for font in ours:
                del registry[font.fontkey]
            try:
                objects = super()._add_fonts(image_objects_per_index, gfxstate_objs_per_name, pattern_objs_per_name)
            finally:
                registry.clear()
                registry.update(snapshot)
        for font in ours:
            objects[font.i] = self._add_letter_font(font)
        # fpdf2 memoises glyph lookups in class-wide caches that would keep every document alive.
        SubsetMap.pick.cache_clear()
        SubsetMap.get_glyph.cache_clear()
        return objects

    def _add_letter_font(self, font: LetterFont) -> PDFFont:
        used = sorted(((glyph, code) for glyph, code in font.subset.items() if glyph is not None), key=_by_code)
        embedded = font.program.subset_for([glyph for glyph, _ in used])
        fontname = f"{embedded.tag}+{font.name}"
        composite = PDFFont(subtype="Type0", base_font=fontname, encoding="Identity-H")
        self._add_pdf_obj(composite, "fonts")
        widths = {code: glyph.glyph_width for glyph, code in used}
        cid_font = PDFFont(subtype="CIDFontType2", base_font=fontname, d_w=font.desc.missing_width, w=_w_array(widths))
        self._add_pdf_obj(cid_font, "fonts")
        composite.descendant_fonts = PDFArray([cid_font])
        # Lets readers extract and search the text: code -> the characters the glyph stands for.
        to_unicode = PDFContentStream(_to_unicode_cmap(used).encode("latin-1"), compress=self.fpdf.compress)
        self._add_pdf_obj(to_unicode, "fonts")
        composite.to_unicode = to_unicode
        system_info = CIDSystemInfo()
        self._add_pdf_obj(system_info, "fonts")
        cid_font.c_i_d_system_info = system_info
        descriptor = font.desc
        descriptor.font_name = Name(fontname)
        self._add_pdf_obj(descriptor, "fonts")
        cid_font.font_descriptor = descriptor
        cid_to_gid_obj = _Precompressed(
            _cid_to_gid_map({code: embedded.gid_by_name[glyph.glyph_name] for glyph, code in used})
        )
        self._add_pdf_obj(cid_to_gid_obj, "fonts")
        cid_font.c_i_d_to_g_i_d_map = cid_to_gid_obj
        font_file = _FontFile2(embedded)
        self._add_pdf_obj(font_file, "fonts")
        descriptor.font_file2 = font_file  # type: ignore[attr-defined]
        return composite


def _by_code(item: tuple[Glyph, int]) -> int:
    return item[1]


def _w_array(widths: Mapping[int, int]) -> str:
    # One "first [w w w ...]" run per stretch of consecutive codes (PDF 32000-1, 9.7.4.3).
    runs: list[list[int]] = []
    previous = -2
    for code in sorted(widths):
        if code != previous + 1:
            runs.append([code])
        runs[-1].append(widths[code])
        previous = code
    return "[" + " ".join(f"{run[0]} [{' '.join(map(str, run[1:]))}]" for run in runs) + "]"


def _to_unicode_cmap(used: Iterable[tuple[Glyph, int]]) -> str:
    entries = []
    for glyph, code in used:
        chars = glyph.unicode if isinstance(glyph.unicode, tuple) else (glyph.unicode,)
        if chars:
            target = "".join(chr(cp).encode("utf-16-be").hex().upper() for cp in chars)
            entries.append(f"<{code:04X}> <{target}>\n")
    blocks = "".join(
        f"{len(entries[i : i + 100])} beginbfchar\n{''.join(entries[i : i + 100])}endbfchar\n"
        for i in range(0, len(entries), 100)  # at most 100 entries per block (Adobe TN 5014)
    )
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo\n<</Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        f"{blocks}endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
    )
