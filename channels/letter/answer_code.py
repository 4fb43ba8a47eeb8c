"""The answer link on a letter: its QR code and the link written out, in the left column under the sender.

The column runs from the left margin to 2 mm before the envelope window (channels/letter/pdf.py), so nothing here
can show through the window, whatever the sender block's height: the letter's date and object move down instead.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import numpy as np
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from PIL import Image

from channels.letter.qr_masks import qr_modules

LEFT_MM = 20.0
# Up to 2 mm before the window (90 mm from the left edge of the sheet; the address itself starts at 95 mm).
COLUMN_W_MM = 68.0
QR_MM = 26.0
QR_SCALE = 10  # pixels a module
QUIET_ZONE = 4  # light modules around the code (ISO/IEC 18004)
# Under the sender block, never higher than the top of the window: it reads as part of the letter's heading.
MIN_TOP_MM = 45.0
PT_MM = 25.4 / 72

# What the household reads beside the code, in the letter's language (French when there is no text for it).
CAPTIONS = {
    "fr": "Répondez en ligne : scannez ce code ou tapez l'adresse ci-dessous.",
    "en": "Answer online: scan this code or type the address below.",
}


def qr_image(url: str) -> Image.Image:
    """The QR code of `url` (segno's, error level M) as a black-and-white image, 10 pixels a module with a quiet
    zone of 4 modules: the same pixels as segno's PNG, built in C (numpy, Pillow) rather than in Python."""
    modules = np.pad(qr_modules(url, error="m"), QUIET_ZONE)
    pixels = np.where(modules.astype(bool), np.uint8(0), np.uint8(255))
    size = modules.shape[0]
    image = Image.frombytes("L", (size, size), pixels.tobytes()).convert("1")
    return image.resize((size * QR_SCALE, size * QR_SCALE), Image.Resampling.NEAREST)


def url_lines(url: str) -> list[str]:
    """The link cut where a reader expects it: the site, then the path (/r/<code>), each on its own line."""
    parts = urlsplit(url)
    site = f"{parts.scheme}://{parts.netloc}" if parts.scheme else parts.netloc
    return [line for line in (site, parts.path) if line]


def draw_answer_code(pdf: FPDF, url: str, *, top: float, locale: str, font_pt: float, family: str) -> float:
    """Draws the code and the link from `top` (at least MIN_TOP_MM); returns the bottom of what was drawn."""
    y = max(top, MIN_TOP_MM)
    pdf.image(qr_image(url), x=LEFT_MM, y=y, w=QR_MM, h=QR_MM)
    caption = CAPTIONS.get(locale.split("-", maxsplit=1)[0].lower(), CAPTIONS["fr"])
    line_h = font_pt * PT_MM * 1.3
    text_x = LEFT_MM + QR_MM + 2
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(family, "", font_pt)
    pdf.set_xy(text_x, y + 1)
    pdf.multi_cell(COLUMN_W_MM - QR_MM - 2, line_h, caption, align=Align.L, new_x=XPos.LEFT, new_y=YPos.NEXT)
    bottom = max(pdf.get_y(), y + QR_MM)
    pdf.set_font(family, "B", font_pt)
    pdf.set_xy(LEFT_MM, bottom + 1)
    for line in url_lines(url):
        # Shrunk rather than wrapped: a link cut in the middle of its code could not be typed back.
        size = font_pt
        while size > 7 and pdf.get_string_width(line) > COLUMN_W_MM:
            size -= 0.5
            pdf.set_font(family, "B", size)
        pdf.set_x(LEFT_MM)
        pdf.cell(COLUMN_W_MM, line_h, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return pdf.get_y()
