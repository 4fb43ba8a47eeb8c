"""Number agreement in what users read (issue 18, « Textes »): « 1 dossier », « 2 dossiers », never « dossier(s) »;
the words that agree with a count (« 1 variante conforme », « 0 créée ») follow it."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

from api.web.templating import _environment
from campaigns.cli.operations import import_summary
from campaigns.locale.labels import plural
from campaigns.reports.charts import _curve_text
from campaigns.reports.tables import CurveView

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("n", "expected"), [(0, "0 dossier"), (1, "1 dossier"), (2, "2 dossiers"),
                                             (1000, "1000 dossiers")])
def test_plural_takes_the_singular_below_two(n: int, expected: str) -> None:
    assert plural(n, "dossier", "dossiers") == expected


def test_the_import_summary_agrees_with_each_count() -> None:
    report = {"id": 3, "statut": "terminé", "lignes_traitees": 300, "crees": 1, "mis_a_jour": 0, "inchanges": 288,
              "rejetes": 11}
    assert import_summary(report) == (
        "Import n°3 : terminé, 300 lignes, 1 créée, 0 mise à jour, 288 inchangées, 11 rejetées.")
    single = report | {"lignes_traitees": 1, "crees": 0, "inchanges": 0, "rejetes": 1, "mis_a_jour": 2}
    assert import_summary(single) == "Import n°3 : terminé, 1 ligne, 0 créée, 2 mises à jour, 0 inchangée, 1 rejetée."


@pytest.mark.parametrize(("median", "words"), [(1, "médiane 1 jour ;"), (3, "médiane 3 jours ;")])
def test_the_response_curve_median_agrees(median: int, words: str) -> None:
    text = _curve_text(CurveView("courrier", 40, median, [(7, 0.5), (14, 0.6), (30, 0.7)]))
    assert words in text and "à 7 jours" in text


def test_page_counts_agree() -> None:
    for source, context, one, many in (
            ('PDF, {{ count|pluriel("visite", "visites") }}', "count", "PDF, 1 visite", "PDF, 4 visites"),
            ('{{ n|pluriel("segment", "segments") }}', "n", "1 segment", "4 segments")):
        template = _environment.from_string(source)
        assert template.render({context: 1}) == one and template.render({context: 4}) == many
    for page in ("taches/tournee.html", "campagnes/apercu.html"):
        text = (ROOT / "api" / "web" / "templates" / page).read_text(encoding="utf-8")
        assert '"s" if' not in text, page


def _texts(path: Path) -> list[tuple[int, str]]:
    """The strings of a Python file (not its code nor its comments); every line of a page, template or preset."""
    source = path.read_text(encoding="utf-8")
    if path.suffix != ".py":
        return list(enumerate(source.splitlines(), 1))
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [(t.start[0], t.string) for t in tokens if t.type == tokenize.STRING]


def test_no_number_left_open_in_what_users_read() -> None:
    """« (s) » (« enfant(s) », « page(s) ») in the strings of the code, the pages, templates and presets."""
    found = []
    for folder in ("campaigns", "api", "channels", "templates"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".html", ".j2", ".yaml") and "_assets" not in path.parts:
                found += [f"{path.relative_to(ROOT)}:{number}: {text.strip()}" for number, text in _texts(path)
                          if re.search(r"[a-zé]\((s|es|x)\)", text)]
    assert not found, "\n".join(found)
