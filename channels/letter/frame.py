"""The words of a letter's frame (date line, reference, subject, page numbers, continuation) in the letter's own
language: a household reading its letter in English or Arabic reads the frame in it too (docs/campaigns.md,
Languages). The template's text is the campaign owner's; these few words are the service's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from campaigns.locale.formats import format_date_fr

_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December")
# The Gregorian months as Arabic-speaking households in France read them on official papers.
_AR_MONTHS = ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر",
              "ديسمبر")


@dataclass(frozen=True, slots=True)
class FrameWords:
    reference: str
    subject: str
    continued: str
    page: str

    def date_line(self, day: date, locale: str) -> str:
        if locale == "en":
            return f"{day.day} {_EN_MONTHS[day.month - 1]} {day.year}"
        if locale == "ar":
            return f"{day.day} {_AR_MONTHS[day.month - 1]} {day.year}"
        return f"Le {format_date_fr(day)}"


_WORDS = {
    "fr": FrameWords(reference="Référence\u00a0: ", subject="Objet\u00a0: ", continued="suite", page="Page"),
    "en": FrameWords(reference="Reference: ", subject="Subject: ", continued="continued", page="Page"),
}
# An Arabic letter's reference, page numbers and continuation are drawn left to right without shaping (they hold
# Latin references and figures): their words stay French there; its date is written in Arabic.
_WORDS["ar"] = _WORDS["fr"]


def frame_words(locale: str) -> FrameWords:
    """The frame's words in `locale`; French for a language the frame does not know."""
    return _WORDS.get(locale, _WORDS["fr"])
