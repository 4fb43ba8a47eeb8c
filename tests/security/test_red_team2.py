"""Second red-team review (issue 16, docs/security.md): attacks that still work, each written to fail while it
works (xfail strict). Do not fix here: each test names the rule it breaks."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from campaigns.intake.csv_files import CsvFileError, read_csv
from campaigns.models import Case
from campaigns.models.authority import case_sources, ruling_cases
from tests.security.authority_world import KNOWN, World, landlord_row, stranger_row, world

__all__ = ["world"]


@pytest.mark.xfail(strict=True, reason="rule 6: address_key drops the flat and building (« apt 3 », « bât B »): a "
                   "bailleur that knows only the building's street address (not the flat the State gives) is "
                   "vouched for as the household's landlord")
def test_a_stranger_giving_only_the_building_is_not_vouched_as_landlord(world: World) -> None:
    world.push(world.state, [landlord_row("E-1", adresse="12 rue des Lilas, apt 3")])
    world.runtime.tick()
    world.push(world.stranger, [stranger_row("B-1", KNOWN, adresse="12 rue des Lilas bât B", code_postal="44000")])
    world.runtime.tick()
    with world.runtime.session_factory() as session:
        stranger_case = session.scalars(select(Case).where(Case.reference == "B-1")).one()
        state_case = session.scalars(select(Case).where(Case.reference == "E-1")).one()
        assert stranger_case.household_id == state_case.household_id  # linked by name and birth date
        ruling = ruling_cases(session, case_sources(session, [stranger_case.household_id]))
    assert stranger_case.id not in ruling


@pytest.mark.xfail(strict=True, reason="bad values: a UTF-8 file whose accents were already garbled once "
                   "(UTF-8 read as Windows-1252 and saved again) is accepted and its names stored as « LefÃ¨vre »")
def test_a_doubly_encoded_utf8_file_is_not_stored_garbled() -> None:
    text = "reference;stade;nom;prenom;commune\nR-1;impaye;Lefèvre;Hélène;Nantes\n"
    data = text.encode().decode("cp1252").encode()
    try:
        content = read_csv(data)
    except CsvFileError:
        return
    assert [row["nom"] for _, row in content.rows] == ["Lefèvre"]
