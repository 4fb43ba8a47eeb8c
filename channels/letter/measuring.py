"""Text measures for fpdf2's line breaker, incremental and from the font's width table, the same to the bit."""

from __future__ import annotations

from collections.abc import Iterable

from fpdf.line_break import SOFT_HYPHEN, Fragment

from channels.letter.fonts import LetterFont


class MeasuredFragment(Fragment):
    """A fragment that measures only the characters appended since it was last measured.

    fpdf2's line breaker re-measures every fragment of the line after each character it adds; with this the
    cost of a line is linear instead of quadratic. It also asks, for every character, that character's width
    and whether the line's last fragment has the same style: both answered here without fpdf2's general path
    (joining strings, comparing two graphics states field by field). Same widths to the bit: they are sums of
    integers, scaled by the same operations in the same order as fpdf2's Fragment.get_width.
    """

    _measured: list[str] | None = None
    _measured_len = 0
    _measured_units = 0.0
    # Set on the first measure; the graphics state of a fragment does not change once it is laid out.
    _plain_font: LetterFont | None = None
    _checked = False
    _size_pt = 0.0
    _last: tuple[list[str], int, bool, float] | None = None

    def get_width(
        self, start: int = 0, end: int | None = None, chars: str | None = None, initial_cs: bool = True
    ) -> float:
        if not self._checked:
            self._check()
        font = self._plain_font
        if font is None:  # shaped, spaced or stretched text, or another font: fpdf2's own measure...
            if chars is not None or start or end is not None:
                return super().get_width(start, end, chars, initial_cs)
            # ...asked again for the same, unchanged characters each time the line grows: remember it.
            key = (self.characters, len(self.characters), initial_cs)
            if self._last is None or self._last[0] is not key[0] or self._last[1:3] != key[1:]:
                self._last = (*key, super().get_width(initial_cs=initial_cs))
            return self._last[3]
        if chars is not None or start or end is not None:
            units = font.units("".join(self.characters[start:end]) if chars is None else chars)
        else:
            characters = self.characters
            # fpdf2 only appends in place; anything else (trim, new list) starts the measure over.
            if characters is not self._measured or len(characters) < self._measured_len:
                self._measured, self._measured_len, self._measured_units = characters, 0, 0.0
            grown = len(characters) - self._measured_len
            if grown == 1:  # the line breaker's usual step: one more character
                self._measured_units += font.cw[ord(characters[-1])]
            elif grown > 0:
                self._measured_units += font.units(characters[self._measured_len :])
            self._measured_len = len(characters)
            units = self._measured_units
        # Same operations, in the same order, as Fragment.get_width: the layout is identical to the bit.
        return units * self._size_pt * 0.001 / self.k

    def get_character_width(self, character: str, print_sh: bool = False, initial_cs: bool = True) -> float:
        if not self._checked:
            self._check()
        font = self._plain_font
        if font is None or (character == SOFT_HYPHEN and not print_sh):
            return super().get_character_width(character, print_sh, initial_cs)
        # fpdf2 measures it as a one-character string: 0.0 + its width, then the same scaling as get_width.
        return (0.0 + font.cw[ord(character)]) * self._size_pt * 0.001 / self.k

    def has_same_style(self, other: Fragment) -> bool:
        # A line's fragments are clones sharing their source's graphics state: equal to itself, no need to
        # compare its fields one by one.
        if other.graphics_state is self.graphics_state:
            return self.k == other.k and self.__class__ == other.__class__
        return super().has_same_style(other)

    def render_pdf_text_ttf(self, frag_ws: float, word_spacing: float) -> str:
        font = self.font
        if word_spacing or not isinstance(font, LetterFont):
            return super().render_pdf_text_ttf(frag_ws, word_spacing)
        # fpdf2 picks each character's code one by one; the document's table answers in one pass.
        return f"({font.escape_text(''.join(map(font.codes.__getitem__, self.characters)))}) Tj"

    def _check(self) -> None:
        font = self.font
        plain = not self.text_shaping_parameters and not self.char_spacing and self.font_stretching == 100
        self._plain_font = font if plain and isinstance(font, LetterFont) else None
        self._size_pt = self.font_size_pt
        self._checked = True


def measured(fragments: Iterable[Fragment]) -> list[Fragment]:
    """`fragments` with each plain Fragment made a MeasuredFragment (line fragments clone their class)."""
    return [
        MeasuredFragment(frag.characters, frag.graphics_state, frag.k, frag.link) if type(frag) is Fragment else frag
        for frag in fragments
    ]
