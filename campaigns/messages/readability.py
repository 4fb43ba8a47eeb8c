"""Visible text of HTML, French sentence and word splitting, syllables and the Kandel–Moles readability score."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser

__all__ = ["HtmlText", "extract_html", "html_to_text", "kandel_moles", "split_sentences", "syllables", "words"]

_VOWELS = frozenset("aeiouyàâäéèêëîïôöùûüÿæœ")
# A diaeresis marks a hiatus: naïf, Noël, Saül start a new syllable on that letter.
_DIAERESIS = frozenset("ïëü")
# "-ent" is mute in verbs (ils aident) but sounded in these nouns and adjectives; "-ment" is handled apart
# because it is overwhelmingly sounded in administrative French (logement, paiement, jugement).
_SOUNDED_ENT = frozenset({
    "absent", "accident", "adjacent", "agent", "argent", "client", "compétent", "conscient", "content",
    "différent", "équivalent", "évident", "excellent", "fréquent", "incident", "intelligent", "parent",
    "patient", "précédent", "présent", "président", "prudent", "récent", "résident", "serpent", "souvent",
    "talent", "urgent", "violent",
})  # fmt: skip
# A full stop after these is an abbreviation, not the end of a sentence.
_ABBREVIATIONS = frozenset({"M", "MM", "Mme", "Mmes", "Mlle", "Dr", "Me", "Pr", "St", "Ste", "cf", "art", "av", "bd",
                            "n°", "p", "tél", "Tél", "env", "ex"})
# A sentence ends at . ! ? or … (closing quotes or brackets may follow) when whitespace or the end comes next:
# "1.5", "www.adil44.fr" and "12,50" do not end sentences.
_SENTENCE_END = re.compile(r"[.!?…]+[»”\"’')\]]*(?=\s|$)")
_LAST_TOKEN = re.compile(r"(\S+)$")
# "12 345,68", "02 61 91 00 44": digit groups split by a (no-break) space are one number, read as one word.
_DIGIT_GROUP_SPACE = re.compile(r"(?<=\d)[ \u00a0\u202f](?=\d)")
_LETTERS = re.compile(r"[^\W\d_]+")

# Elements that start a new line when read (<br> too); the text of hidden ones is never shown.
_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "dd", "div", "dl", "dt", "figcaption", "figure",
    "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "html", "li", "main", "nav", "ol", "p", "pre",
    "section", "table", "td", "th", "tr", "ul",
})  # fmt: skip
_HIDDEN_TAGS = frozenset({"head", "script", "style", "template", "title"})
# Browsers draw all these slanted by default; the PDF letter builder (fpdf2) does so for <i> and <em>.
_ITALIC_TAGS = frozenset({"cite", "dfn", "em", "i", "var"})
_ITALIC_CSS = re.compile(r"font-style\s*:\s*(?:italic|oblique)", re.IGNORECASE)
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")  # HTML collapses ASCII whitespace only: no-break spaces stay


class _TextExtractor(HTMLParser):
    """Visible text as lines (split at <br> and block elements), plus where italics are asked for."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)  # &nbsp; &amp; … arrive unescaped in handle_data
        self.lines: list[str] = []
        self.italics: list[tuple[int, str]] = []
        self._current: list[str] = []
        self._hidden: list[str] = []

    def _break(self) -> None:
        line = _HTML_SPACE.sub(" ", "".join(self._current)).strip()
        if line:
            self.lines.append(line)
        self._current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        style = dict(attrs).get("style") or ""
        if tag in _ITALIC_TAGS or _ITALIC_CSS.search(style):
            self.italics.append((len(self.lines) + 1, self.get_starttag_text() or f"<{tag}>"))
        if tag in _HIDDEN_TAGS:
            self._hidden.append(tag)
        elif tag in _BLOCK_TAGS or tag == "br":
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if self._hidden and tag == self._hidden[-1]:
            self._hidden.pop()
        elif tag in _BLOCK_TAGS:
            self._break()

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._current.append(data)
        elif self._hidden[-1] == "style" and (match := _ITALIC_CSS.search(data)):
            self.italics.append((len(self.lines) + 1, match.group()))

    def close(self) -> None:
        super().close()
        self._break()


@dataclass(frozen=True)
class HtmlText:
    """Visible lines of an HTML text, and (line number, markup) of every request for italics."""

    lines: tuple[str, ...]
    italics: tuple[tuple[int, str], ...]


def extract_html(html: str) -> HtmlText:
    """Visible text split at <br> and block elements (head, style, script left out), entities unescaped."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return HtmlText(tuple(parser.lines), tuple(parser.italics))


def html_to_text(html: str) -> str:
    """The visible text of an HTML fragment, one line per <br> or block element."""
    return "\n".join(extract_html(html).lines)


def split_sentences(line: str) -> list[str]:
    """The sentences of one line of text, stripped; a trailing fragment without final punctuation counts."""
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(line):
        before = _LAST_TOKEN.search(line, start, match.start())
        token = before.group(1).lstrip("(«“\"'") if before else ""
        single_initial = len(token) == 1 and token.isupper()  # "J. Dupont"
        if match.group() == "." and (token in _ABBREVIATIONS or single_initial):
            continue
        sentences.append(line[start : match.end()].strip())
        start = match.end()
    sentences.append(line[start:].strip())
    return [s for s in sentences if words(s)]


def words(sentence: str) -> list[str]:
    """Whitespace-separated tokens holding a letter or digit: "l’étape" and "Loire-Atlantique" are one word."""
    joined = _DIGIT_GROUP_SPACE.sub("", sentence)
    return [token for token in joined.split() if any(c.isalnum() for c in token)]


def _part_syllables(part: str) -> int:
    """Vowel groups of one run of letters (lower case), minus a final mute e."""
    starts: list[int] = []
    in_group = False
    for i, char in enumerate(part):
        prev = part[i - 1] if i else ""
        nxt = part[i + 1] if i + 1 < len(part) else ""
        vowel = char in _VOWELS
        if char == "u" and (prev == "q" or (prev == "g" and nxt in _VOWELS)):
            vowel = False  # quatre, jusqu’à, guichet: the u is only spelling (but "aigu" keeps it)
        if char == "y" and i == 0 and nxt in _VOWELS:
            vowel = False  # yeux: a consonant
        if not vowel:
            in_group = False
            continue
        new_group = (
            not in_group
            or char in _DIAERESIS
            or (char == "é" and prev != "i")  # réel, créer, année; but "pitié" is one sound "tié"
            or prev == "é"  # réunion, réaliser
            or (prev == "y" and i >= 2 and part[i - 2] in _VOWELS)  # loyer, payer, moyen: y between vowels
        )
        if new_group:
            starts.append(i)
        in_group = True
    count = len(starts)
    # Final mute e: "aide", "pages", "ils aident" lose a syllable, but only when that e is a vowel group of its own
    # (not in "partie", "vue") and not the only one ("le", "des").
    for ending in ("e", "es", "ent"):
        if part.endswith(ending) and count > 1 and starts[-1] == len(part) - len(ending):
            if ending == "ent" and (part.endswith("ment") or part in _SOUNDED_ENT):
                break
            count -= 1
            break
    return count


def syllables(word: str) -> int:
    """Approximate spoken syllables of a French word; at least 1 when it holds a letter, else 0.

    Counts vowel groups (a e i o u y and accented vowels, æ œ), with "qu"/"gu" + vowel, initial "y" + vowel and
    hiatus after "é", after a diaeresis or across "y" handled. A final mute "e", "es" or "ent" (verbs) is not
    counted, except in "-ment" words and a short list of sounded "-ent" nouns and adjectives. Interior mute e
    ("logement" counts 3) and words like "pays" (counts 1) stay approximate: good enough for a text average.
    """
    parts = _LETTERS.findall(word.lower())  # "Loire-Atlantique" and "l’étape": each run of letters on its own
    if not parts:
        return 0
    return max(1, sum(_part_syllables(part) for part in parts))


def kandel_moles(text: str) -> float:
    """Kandel–Moles score (French Flesch): 207 − 1.015 × words/sentences − 73.6 × syllables/words, to 1 decimal.

    Line breaks end sentences as well as . ! ? …: a list item or a heading is read as a unit. Only words holding a
    letter count: numbers in digits have no reliable syllable count and FALC asks for them anyway.
    Higher is easier (roughly: 80+ easy, 60–80 standard, below 50 difficult). Raises ValueError on a text
    without words.
    """
    n_sentences = n_words = n_syllables = 0
    for line in text.splitlines():
        for sentence in split_sentences(line):
            counted = [s for s in (syllables(w) for w in words(sentence)) if s]
            if counted:
                n_sentences += 1
                n_words += len(counted)
                n_syllables += sum(counted)
    if not n_words:
        raise ValueError("texte sans mots : score de lisibilité impossible à calculer")
    score = 207 - 1.015 * (n_words / n_sentences) - 73.6 * (n_syllables / n_words)
    # Decimal rounding: round() on a float would send 90.45 to 90.4 or 90.5 depending on its binary value.
    return float(Decimal(repr(score)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
