"""The household facts of the signalement contract (campaigns/intake/household_facts.py, docs/api.md)."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from campaigns.intake import fields
from campaigns.intake import household_facts as facts
from campaigns.intake.fields import parse_row
from campaigns.runtime.root import Runtime
from tests.conftest import new_partner

TODAY = date(2025, 6, 1)


def _raw(**overrides: object) -> dict[str, object]:
    raw: dict[str, object] = {"reference": "REF-1", "stade": "commandement_de_payer", "nom": "Martin",
                              "prenom": "Paul", "commune": "La Roche-sur-Yon", "telephone": "06 12 34 56 78"}
    raw.update(overrides)
    return raw


def _errors(require_channel: bool = False, **overrides: object) -> dict[str, str]:
    row, errors = parse_row(_raw(**overrides), 4, today=TODAY, require_channel=require_channel)
    assert row is None
    return {error.field: error.reason for error in errors}


def test_the_routing_facts_are_read() -> None:
    row, errors = parse_row(_raw(
        ages_enfants="3; 7;15", aide_logement="ALF", versement_aide_logement="tiers payant",
        mesure_protection="Curatelle renforcée", mandataire_nom="UDAF de la Vendée",
        mandataire_adresse="5 rue Paul Doumer", mandataire_code_postal="85000", mandataire_commune="La Roche-sur-Yon",
        referent_connu="MDSF", injoignable="non"), 2, today=TODAY, require_channel=True)
    assert errors == [] and row is not None
    assert (row.enfants_a_charge, row.ages_enfants) == (3, "3,7,15")
    assert (row.aide_logement, row.versement_aide_logement) == ("alf", "bailleur")
    assert (row.mesure_protection, row.mandataire_nom, row.mandataire_code_postal) == (
        "curatelle_renforcee", "UDAF de la Vendée", "85000")
    assert (row.referent_connu, row.injoignable) == ("MDSF", False)


@pytest.mark.parametrize(("field", "value", "words"), [
    ("enfants_a_charge", "deux", "nombre entier"),
    ("enfants_a_charge", 21, "20 au plus"),
    ("ages_enfants", "3;trente", "âges des enfants invalides"),
    ("aide_logement", "rsa", "alf, als, apl"),
    ("mesure_protection", "mise sous tutelle", "curatelle, curatelle_renforcee"),
])
def test_unreadable_facts_are_refused_in_french(field: str, value: object, words: str) -> None:
    assert words in _errors(**{field: value})[field]


def test_facts_are_checked_together() -> None:
    assert _errors(enfants_a_charge="2", ages_enfants="4")["ages_enfants"] == (
        "1 âge donné pour 2 enfants à charge : un âge par enfant à charge est attendu")
    assert "sans mesure de protection" in _errors(mandataire_nom="UDAF")["mandataire_nom"]
    reason = _errors(mesure_protection="tutelle", mandataire_nom="ATI 85")["mandataire_adresse"]
    assert "mandataire_adresse, mandataire_code_postal, mandataire_commune" in reason
    assert "sans aide au logement" in _errors(versement_aide_logement="bailleur")["versement_aide_logement"]
    # Under a sauvegarde de justice the person acts alone: no mandataire is required.
    row, errors = parse_row(_raw(mesure_protection="sauvegarde de justice"), 2, today=TODAY)
    assert errors == [] and row is not None and row.mesure_protection == "sauvegarde_justice"


def test_a_row_nobody_can_reach_is_refused_naming_what_is_missing() -> None:
    errors = _errors(require_channel=True, telephone=None, adresse="3 rue du Port")
    assert list(errors) == ["code_postal"]
    assert errors["code_postal"].startswith("aucun moyen de contact : il manque code_postal, telephone, email")
    assert "injoignable=oui" in errors["code_postal"]
    # An unreadable phone is dropped, so it counts as missing; the warning is listed with the refusal.
    row, listed = parse_row(_raw(telephone="12"), 5, today=TODAY, require_channel=True)
    assert row is None and [e.field for e in listed] == ["adresse", "telephone"]
    assert listed[1].warning


def test_a_household_marked_unreachable_is_accepted_without_a_channel() -> None:
    row, errors = parse_row(_raw(telephone=None, injoignable="oui"), 2, today=TODAY, require_channel=True)
    assert errors == [] and row is not None and row.injoignable is True
    closing, errors = parse_row(_raw(telephone=None, stade="cloture", motif_cloture="dette soldée"), 3,
                                today=TODAY, require_channel=True)
    assert errors == [] and closing is not None


def test_an_unreachable_household_is_accepted_with_a_search_task(sqlite_runtime: Runtime) -> None:
    _, headers = new_partner(sqlite_runtime, "Cabinet Océan Gestion", "bailleur_prive")
    rows = [_raw(reference="INJ-1", telephone=None, injoignable="oui"),
            _raw(reference="NUL-1", telephone=None, email=None)]
    with TestClient(create_app(sqlite_runtime)) as client:
        report = client.post("/api/v1/signalements", headers=headers, json=rows).json()
        assert (report["crees"], report["rejetes"]) == (1, 1)
        assert report["rejets"][0]["reference"] == "NUL-1"
        assert report["rejets"][0]["motif"].startswith("aucun moyen de contact : il manque adresse, code_postal")
        tasks = client.get("/api/v1/taches", headers=headers).json()["taches"]
        assert [t["type"] for t in tasks] == ["recherche"]
        client.post("/api/v1/signalements", headers=headers, json=[rows[0] | {"montant_dette": "900"}])
        assert len(client.get("/api/v1/taches", headers=headers).json()["taches"]) == 1  # one search per case


class _Reads(dict[str, object]):
    """The values, recording every column a check asks for."""

    def __init__(self, values: dict[str, object]) -> None:
        super().__init__(values)
        self.read: set[str] = set()

    def get(self, key: str, default: object = None) -> object:
        self.read.add(key)
        return super().get(key, default)


@pytest.mark.parametrize("given", [
    {}, {"mesure_protection": "tutelle"}, {"mesure_protection": "aucune", "mandataire_nom": "UDAF"},
    {"enfants_a_charge": 2, "ages_enfants": "4"}, {"versement_aide_logement": "bailleur"},
    {"adresse": "3 rue du Port", "code_postal": "44000"}, {"telephone": "+33612345678"},
])
def test_the_checks_across_columns_read_only_the_columns_parse_row_gives_them(given: dict[str, object]) -> None:
    # parse_row copies only these columns for the checks (a third of a row's): a check reading another one would
    # silently see nothing.
    values = _Reads({name: given.get(name) for name in fields._CHECKED_ACROSS})
    facts.cross_checks(values)
    facts.missing_channels(values)
    assert values.read and values.read <= set(fields._CHECKED_ACROSS)
