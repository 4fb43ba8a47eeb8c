"""SMS encoding: GSM-7 or UCS-2, segment count, and French typography that would force UCS-2."""

from __future__ import annotations

from dataclasses import dataclass

# GSM 03.38 basic table, strict: 127 characters (0x1B is the escape to the extension table). Lowercase ç is NOT in
# it (position 0x09 is Ç), nor are ê â î ô û ë ï À È: those French letters switch a whole SMS to UCS-2.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table: each costs two septets (escape + code).
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7 = "GSM-7"
UCS2 = "UCS-2"
_LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}  # single SMS, then per part once concatenated (UDH takes the rest)

_TYPOGRAPHY = str.maketrans(
    {
        "\u2019": "'",  # ’
        "\u2018": "'",  # ‘
        "\u201a": "'",  # ‚
        "\u00ab": '"',  # «
        "\u00bb": '"',  # »
        "\u201c": '"',  # “
        "\u201d": '"',  # ”
        "\u201e": '"',  # „
        "\u0153": "oe",  # œ
        "\u0152": "OE",  # Œ
        "\u2026": "...",  # …
        "\u00a0": " ",  # non-breaking space
        "\u202f": " ",  # narrow non-breaking space (before ; : ! ? in French typography)
        "\u2009": " ",  # thin space
        "\u2013": "-",  # –
        "\u2014": "-",  # —
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        # Invisible characters pasted from word processors: they would switch the SMS to UCS-2 for nothing.
        "\u200b": "",
        "\ufeff": "",
    }
)


@dataclass(frozen=True, slots=True)
class SmsInfo:
    """How a text travels as SMS.

    `characters` counts encoding units, the ones the 160/153 and 70/67 limits apply to: septets for GSM-7 (an
    extension-table character counts 2), UTF-16 code units for UCS-2 (a character outside the BMP counts 2).
    `non_gsm` lists, in order of first appearance, the characters that forced UCS-2 (empty for GSM-7).
    """

    encoding: str
    segments: int
    characters: int
    non_gsm: tuple[str, ...]


def normalise_sms_typography(text: str) -> str:
    """Replaces French typographic punctuation and spaces by their GSM-7 equivalents; letters are left alone.

    Accented letters outside GSM-7 (ê, â, ç...) are not rewritten here: changing a word is an editorial decision,
    so `sms_info` reports them instead.
    """
    return text.translate(_TYPOGRAPHY)


def sms_info(text: str) -> SmsInfo:
    """Encoding, segment count and offending characters of `text` as sent (normalise it first if wanted)."""
    non_gsm = tuple(dict.fromkeys(ch for ch in text if ch not in GSM7_BASIC and ch not in GSM7_EXTENSION))
    if non_gsm:
        encoding = UCS2
        units = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    else:
        encoding = GSM7
        units = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    single, per_part = _LIMITS[encoding]
    return SmsInfo(encoding, _segments(units, single, per_part), sum(units), non_gsm)


def _segments(units: list[int], single: int, per_part: int) -> int:
    total = sum(units)
    if total == 0:
        return 0
    if total <= single:
        return 1
    # Greedy packing, as handsets and Twilio do: an escape sequence or a surrogate pair is never split across
    # two parts, so a part may carry one unit less than `per_part`.
    segments, used = 1, 0
    for unit in units:
        if used + unit > per_part:
            segments += 1
            used = 0
        used += unit
    return segments
