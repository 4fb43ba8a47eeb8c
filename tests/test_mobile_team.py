"""The mobile team's summary (Essonne, 004; docs/evaluation.md): what a free-text closure reason means, where an
open file stands, the landlord's letter and answers kept in the facts, and the summary summed from them. The whole
scenario, through the API, is tests/scenarios/test_scenario_03_essonne_mobile_team.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from campaigns.evaluation.closure_reasons import ClosureKind, closure_kind
from campaigns.evaluation.landlords import landlord_rates_of
from campaigns.evaluation.mobile_team import mobile_team_summary
from campaigns.evaluation.sums import FactSums, ReachSum
from campaigns.facts.build import build_facts, open_phase
from campaigns.facts.stays import Stay, StayContact
from campaigns.facts.store import payload, stay_of

NO, NPAI, CONTACT, LEFT, OTHER = (ClosureKind.NO_CONTACT, ClosureKind.NOT_AT_ADDRESS, ClosureKind.CONTACTED,
                                  ClosureKind.LEFT, ClosureKind.UNCLASSIFIED)


@pytest.mark.parametrize(("motif", "kind"), [
    # 004's reasons, as the scenarios write them, and other wordings of the same (accents, case, spelling).
    ("absence totale de contact", NO), ("Aucun contact", NO), ("AUCUN CONTACT ÉTABLI", NO),
    ("n'a jamais pris contact", NO), ("injoignable", NO), ("absent lors des deux visites", NO),
    ("aucune réponse aux courriers", NO), ("ne souhaite pas être contacté", NO),
    ("n'habite pas à l'adresse indiquée", NPAI), ("N’HABITE PLUS À L’ADRESSE", NPAI), ("NPAI", NPAI),
    ("courrier revenu", NPAI), ("inconnu à l'adresse", NPAI), ("adresse erronée", NPAI),
    ("a quitté volontairement le logement", LEFT), ("départ volontaire du logement", LEFT), ("Déménagé", LEFT),
    ("parti sans laisser d'adresse", LEFT), ("a rendu les clés", LEFT), ("abandon du logement", LEFT),
    ("départ sans relogement", LEFT),
    ("n'a pas souhaité poursuivre après adhésion", CONTACT), ("ne souhaite pas poursuivre après adhésion", CONTACT),
    ("abandon après adhésion", CONTACT), ("refus de l'accompagnement", CONTACT),
    ("dette soldée avant l'audience", CONTACT), ("DETTE SOLDEE", CONTACT), ("solde de la dette", CONTACT),
    ("dette intégralement réglée", CONTACT), ("plan d'apurement signé", CONTACT),
    ("orienté vers la MDS", CONTACT), ("orientation vers la MDS", CONTACT), ("réorientée vers le CCAS", CONTACT),
    ("déjà suivi en ASLL", CONTACT), ("mesure ASLL déjà en cours", CONTACT), ("déjà accompagné", CONTACT),
    ("relogé avant expulsion, dossier de surendettement", CONTACT), ("fin d'accompagnement", CONTACT),
    # What no rule recognises is counted apart, never guessed.
    ("décès", OTHER), ("hors secteur", OTHER), ("", OTHER), (None, OTHER),
])
def test_a_closure_reason_is_read_by_its_meaning(motif: str | None, kind: ClosureKind) -> None:
    assert closure_kind(motif) is kind


START = datetime(2026, 11, 23, 9, tzinfo=UTC)


def _contact(dispatch_id: int, days: int, channel: str, step: int, campaign: int = 1) -> StayContact:
    at = START + timedelta(days=days, minutes=dispatch_id)
    return StayContact(dispatch_id, at, at.date(), channel, step, campaign, 3, None, "fr", False, "delivered", None)


def _stay(*contacts: StayContact, responses: tuple[datetime, ...] = (), landlord_letter: int | None = None,
          landlord_answers: tuple[datetime, ...] = ()) -> Stay:
    return Stay(1, 1, "assignation", 42, "prive", "91", contacts, responses, True, (), landlord_letter,
                landlord_answers)


FIRST = (_contact(1, 0, "courrier", 0), _contact(2, 0, "email", 1), _contact(3, 0, "sms", 2))
VISITS = (_contact(4, 7, "visite", 3), _contact(5, 14, "visite", 4))


def test_an_open_file_is_at_the_first_letter_until_a_relance_is_written() -> None:
    assert open_phase(_stay(*FIRST, *VISITS)) == "premier_courrier"
    assert open_phase(_stay(*FIRST, *VISITS, _contact(6, 29, "courrier", 5))) == "relance"
    assert open_phase(_stay(*FIRST, *VISITS, responses=(START + timedelta(days=3),))) == "repondu"
    # A letter that waited a day for the print run after its SMS is no relance; an SMS relance is one.
    assert open_phase(_stay(_contact(3, 0, "sms", 2), _contact(1, 1, "courrier", 0))) == "premier_courrier"
    assert open_phase(_stay(_contact(1, 0, "courrier", 0), _contact(2, 15, "sms", 1))) == "relance"
    # Another campaign's first letter, later (the landlord's), is not a relance of the first one.
    assert open_phase(_stay(*FIRST, _contact(9, 20, "courrier", 0, campaign=2))) == "premier_courrier"


def test_the_landlords_letter_and_answer_are_kept_in_the_facts() -> None:
    letter = _contact(9, 0, "courrier", 0, campaign=2)
    answered = _stay(*FIRST, letter, landlord_letter=9, landlord_answers=(START + timedelta(days=9),))
    days = {START.date() + timedelta(days=n) for n in range(30)}
    reach = {(r["dimension"], r["value"]): (r["day"], r["households"], r["responded"])
             for r in build_facts([answered], days).reach}
    assert reach[("courrier_bailleur", "tous")] == (START.date(), 1, 1)
    assert reach[("courrier_bailleur", "menages")] == (START.date(), 1, 0)  # the household did not answer
    replied = _stay(*FIRST, letter, landlord_letter=9, responses=(START + timedelta(days=2),))
    assert {(r["value"], r["households"], r["responded"]) for r in build_facts([replied], days).reach
            if r["dimension"] == "courrier_bailleur"} == {("tous", 1, 0), ("menages", 1, 1)}
    assert reach[("phase_en_cours", "premier_courrier")] == (START.date(), 1, 0)
    # An answer recorded before the letter is no answer to it; a view without the letter counts none.
    early = _stay(*FIRST, letter, landlord_letter=9, landlord_answers=(START - timedelta(days=1),))
    assert {(r["dimension"], r["responded"]) for r in build_facts([early], days).reach
            if r["dimension"] == "courrier_bailleur"} == {("courrier_bailleur", 0)}
    cut = _stay(*FIRST, landlord_letter=9, landlord_answers=(START + timedelta(days=9),))
    assert not [r for r in build_facts([cut], days).reach if r["dimension"] == "courrier_bailleur"]
    # fact_stays keeps both, and stays stored before them read back without.
    assert stay_of(1, 1, payload(answered)) == answered
    legacy = {k: v for k, v in payload(answered).items() if k != "landlord"}
    assert stay_of(1, 1, legacy).landlord_letter is None


def test_the_summary_sums_the_facts() -> None:
    closures = [("absence totale de contact", False, False, "prive", 153),
                ("n'habite pas à l'adresse indiquée", False, True, "prive", 49),
                ("a quitté volontairement le logement", True, False, "prive", 2),
                ("a quitté volontairement le logement", False, False, "prive", 13),
                ("dette soldée avant l'audience", True, False, "prive", 75), ("décès", False, False, "prive", 1)]
    reach = [ReachSum("phase_en_cours", "repondu", 42, "prive", "assignation", 31, 31),
             ReachSum("phase_en_cours", "premier_courrier", 42, "prive", "assignation", 29, 0),
             ReachSum("phase_en_cours", "relance", 42, "prive", "assignation", 73, 0),
             ReachSum("courrier_bailleur", "tous", 42, "prive", "assignation", 10, 1),
             ReachSum("courrier_bailleur", "menages", 42, "prive", "assignation", 10, 6)]
    summary = mobile_team_summary(FactSums(reach, [], closures), closures_readable=True)
    assert summary.closed is not None
    assert (summary.closed.total, summary.closed.kinds[NO], summary.closed.left_or_not_at_address) == (293, 153, 64)
    assert (summary.closed.contacted_by_reason, summary.closed.answered, summary.closed.discrepancy) == (75, 77, 2)
    assert summary.closed.kinds[OTHER] == 1
    assert summary.open_files == {"repondu": 31, "premier_courrier": 29, "relance": 73}
    assert (summary.landlords.successes, summary.landlords.n, summary.landlords.value) == (1, 10, 0.1)
    # GET /api/v1/evaluation/bailleurs reads the same sums: the landlords apart from the households.
    apart = landlord_rates_of(FactSums(reach, [], closures))
    assert (apart.landlords.successes, apart.landlords.n, apart.households.successes, apart.households.n) == (
        1, 10, 6, 10)
    assert mobile_team_summary(FactSums(reach, [], []), closures_readable=False).closed is None
