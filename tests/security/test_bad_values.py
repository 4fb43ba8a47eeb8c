"""Bad values pushed by a partner (issue 16, « Bad values and faults »): dates out of the bounds of their meaning,
missing or placeholder surnames, amounts out of range, JSON values no parser expects. Each is a row error naming
the line, the field and the reason; the good rows of the same push are kept; nothing answers 500."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from api.app import create_app
from campaigns.intake import bounds
from campaigns.intake.fields import parse_row
from campaigns.models import Case
from campaigns.runtime.root import Runtime
from tests.conftest import new_partner
from tests.factories import signalement

TODAY = date(2026, 11, 25)  # the tests' clock (tests/conftest.py)


def _errors(**overrides: Any) -> dict[str, str]:
    row, errors = parse_row(signalement(**overrides), 7, today=TODAY)
    assert (row is None) == bool(errors)
    assert all(error.row_number == 7 for error in errors)
    return {error.field: error.reason for error in errors}


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("date_stade", "01/01/0001", "date de stade hors limites : entre le 01/01/1990 et le 25/11/2028"),
    ("date_stade", "1989-12-31", "date de stade hors limites : entre le 01/01/1990 et le 25/11/2028"),
    ("date_stade", "31/12/9999", "date de stade hors limites : entre le 01/01/1990 et le 25/11/2028"),
    ("date_audience", "0001-01-01", "date d'audience hors limites : entre le 01/01/1990 et le 25/11/2028"),
    ("date_audience", "01/01/2100", "date d'audience hors limites : entre le 01/01/1990 et le 25/11/2028"),
    ("date_premier_impaye", "01/01/1900",
     "date du premier impayé hors limites : entre le 01/01/1990 et le 25/11/2028"),
    ("date_naissance", "31/12/1899", "date de naissance hors limites : entre le 01/01/1900 et le 25/11/2026"),
    ("date_naissance", "26/11/2026", "date de naissance dans le futur"),
    ("date_naissance_cotitulaire", "0001-01-01",
     "date de naissance hors limites : entre le 01/01/1900 et le 25/11/2026"),
])
def test_dates_out_of_their_bounds_are_row_errors(field: str, value: str, reason: str) -> None:
    assert _errors(**{field: value}) == {field: reason}


def test_dates_at_their_bounds_are_accepted() -> None:
    for overrides in ({"date_stade": "01/01/1990"}, {"date_stade": "25/11/2028"}, {"date_audience": "25/11/2028"},
                      {"date_naissance": "01/01/1900"}, {"date_naissance": "25/11/2026"},
                      {"stade": "cloture", "motif_cloture": "dette soldée", "date_stade": "26/11/2026"}):
        assert _errors(**overrides) == {}, overrides


def test_a_closure_dated_in_the_future_is_a_row_error() -> None:
    for day in ("27/11/2026", "31/12/9999"):
        assert _errors(stade="cloture", motif_cloture="dette soldée", date_stade=day) == {
            "date_stade": "date de clôture dans le futur : au plus tard le 26/11/2026"}


@pytest.mark.parametrize("surname", [None, "", "   ", "X", "x", "XX", "XXX", "INCONNU", "Inconnue", "NC", "n.c.",
                                     "N/A", "?", "??", "-", "néant", "Non renseigné", "Sans nom", ".", "xX x"])
def test_a_missing_or_placeholder_surname_is_a_row_error(surname: str | None) -> None:
    errors = _errors(nom=surname)
    assert list(errors) == ["nom"]
    if surname is None or not surname.strip():
        assert errors["nom"] == "champ obligatoire manquant"
    else:
        assert errors["nom"] == "nom de famille absent : une valeur de remplissage (X, INCONNU, NC…) n'est pas un nom"


@pytest.mark.parametrize("surname", ["O", "Na", "Ng", "Xu", "Ba", "N'Diaye", "Le Nc", "Inconnu-Martin"])
def test_short_and_real_surnames_are_accepted(surname: str) -> None:
    assert _errors(nom=surname) == {}


@pytest.mark.parametrize("field", ["montant_dette", "loyer_mensuel"])
def test_amounts_beyond_a_million_are_row_errors(field: str) -> None:
    too_big = "montant hors limites : entre 0 et 1 000 000 €"
    for value in ("1 000 000,01", "1000000.01", 1_000_001, 1e300, 10**30, "99999999999"):
        assert _errors(**{field: value}) == {field: too_big}, value
    for value in ("1 000 000,00", 1_000_000, 0, "0,00", 0.5):
        assert _errors(**{field: value}) == {}, value
    for value in (math.nan, math.inf, -math.inf, "NaN", "Infinity", "1e300", [], {}, True):
        assert field in _errors(**{field: value}), value


@pytest.fixture
def client(pg_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(pg_runtime), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def headers(pg_runtime: Runtime) -> dict[str, str]:
    return new_partner(pg_runtime, "Habitat 44", "bailleur_social")[1]


def _cases(runtime: Runtime) -> int:
    with runtime.session_factory() as session:
        return session.scalar(select(func.count(Case.id))) or 0


def test_a_json_push_with_bad_rows_keeps_the_good_ones(
    pg_runtime: Runtime, client: TestClient, headers: dict[str, str]
) -> None:
    tel = b'"telephone": "06 12 34 56 78"'  # every row now needs a channel (or injoignable=oui)
    body = (b'[{"reference": "R-1", "stade": "impaye", "nom": "Martin", "prenom": "Anne", "commune": "Nantes", '
            + tel + b'},'
            b' {"reference": "R-2", "stade": "impaye", "nom": "Durand", "prenom": "Paul", "commune": "Nantes",'
            b'  "montant_dette": 1e300, ' + tel + b'},'
            b' "pas un objet",'
            b' {"reference": "R-4", "stade": "impaye", "prenom": "Lou", "commune": "Nantes", ' + tel + b'},'
            b' {"reference": "R-5", "stade": "impaye", "nom": "Petit", "prenom": "Lea", "commune": "Reze",'
            b'  "date_stade": "0001-01-01", "loyer_mensuel": 123456789012345678901234567890, ' + tel + b'},'
            b' {"reference": "R-6", "stade": "impaye", "nom": "Roux", "prenom": "Jo", "commune": "Nantes", '
            + tel + b'},'
            # A NUL in a refused code: quoted in the stored rejection, where PostgreSQL would refuse it.
            b' {"reference": "R-7", "stade": "\\u0000", "nom": "Blanc", "prenom": "Rose", "commune": "Nantes", '
            + tel + b'}]')
    answer = client.post("/api/v1/signalements", content=body,
                         headers=headers | {"Content-Type": "application/json"})
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["crees"], report["rejetes"]) == (2, 5)
    assert {(r["ligne"], r["champ"]) for r in report["rejets"]} == {
        (2, "montant_dette"), (3, ""), (4, "nom"), (5, "date_stade"), (5, "loyer_mensuel"), (7, "stade")}
    assert _cases(pg_runtime) == 2


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30)
    | st.sampled_from(["01/01/0001", "9999-12-31", "1e300", "NaN", "-0", "1 000 000 000,00", "\x00", "X"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=5,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.dictionaries(st.sampled_from(["date_stade", "date_naissance", "montant_dette", "loyer_mensuel",
                                               "nom", "prenom", "reference", "stade", "telephone", "falc",
                                               "date_audience", "code_postal"]), _JSON_VALUES, max_size=4))
def test_no_json_value_gives_a_500(client: TestClient, headers: dict[str, str], values: dict[str, Any]) -> None:
    answer = client.post("/api/v1/signalements", json=[signalement("R-good"), signalement("R-fuzz") | values],
                         headers=headers)
    assert answer.status_code == 200, (values, answer.text)
    report = answer.json()
    assert report["crees"] + report["mis_a_jour"] + report["inchanges"] >= 1  # the good row is always kept
    assert report["rejetes"] in (0, 1)


@pytest.mark.parametrize("raw", [b"[1e999]", b'[{"montant_dette": 1e999}]', b'[{"reference": -1e400}]',
                                 b'[{"loyer_mensuel": 123456789012345678901234567890123456789}]',
                                 b'{"signalements": [[[[]]]]}', b'[{"nom": {"a": [1, {"b": null}]}}]'])
def test_extreme_json_numbers_and_nesting_are_answered(client: TestClient, headers: dict[str, str], raw: bytes) -> None:
    answer = client.post("/api/v1/signalements", content=raw, headers=headers | {"Content-Type": "application/json"})
    assert answer.status_code in (200, 400, 422), answer.text
    assert isinstance(answer.json()["detail" if answer.status_code != 200 else "rejets"], list | str)


@pytest.mark.parametrize("surname", ["X", "x x", "XX2", "X1", "NC", "N C", "nc.", "Nom1", "12", "123 456", "-",
                                     "ß", "ẞ", "ﬁ", "İ", "ı", "Ⅻ", "Xénia", "N/A", "#n/a", "Ng", "XÉ", "×", "Ｘ"])
def test_an_ascii_surname_is_judged_as_by_its_unicode_letters(surname: str) -> None:
    # Every row's surname is checked; ASCII ones take a shortcut (no decomposition), which must agree with the
    # general rule: letters after NFKD, "X" repeated, or a placeholder word.
    assert bounds.is_placeholder_surname(surname) is _placeholder_by_the_general_rule(surname)


@given(st.text(alphabet="aXx019 -./?#NCnc\tÉéßİﬁ", max_size=6))
@settings(max_examples=500, deadline=None)
def test_any_short_text_is_judged_as_by_its_unicode_letters(surname: str) -> None:
    assert bounds.is_placeholder_surname(surname) is _placeholder_by_the_general_rule(surname)


def _placeholder_by_the_general_rule(surname: str) -> bool:
    decomposed = unicodedata.normalize("NFKD", surname.upper())
    word = "".join(c for c in decomposed if c.isalnum())
    return ("".join(surname.upper().split()) in bounds._PLACEHOLDER_SPELLINGS
            or not any(c.isalpha() for c in decomposed) or set(word) == {"X"} or word in bounds._PLACEHOLDER_LETTERS)
