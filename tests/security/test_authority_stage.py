"""Rule 6 of docs/security.md, attacked: a second partner's stage, place or hearing date moves its own case only.
The household's coordinated stage (what enrolls it and cancels every partner's contacts of the stage it leaves),
where it lives and its DSF deadlines follow the State, the Département and the household's own landlord."""

from __future__ import annotations

from sqlalchemy import select

from campaigns.models import Campaign, Case, Dispatch, Household, HumanTask
from tests.security.authority_world import KNOWN, World, admin_partner, landlord_row, stranger_row, world

__all__ = ["world"]


def _contacts(world: World) -> dict[tuple[str, str, int], tuple[str, str | None]]:
    """(campaign name, stage, step) -> (status, reason) of every planned contact."""
    with world.runtime.session_factory() as session:
        rows = session.execute(select(Campaign.name, Dispatch.stage, Dispatch.step_position, Dispatch.status,
                                      Dispatch.reason).join(Campaign, Campaign.id == Dispatch.campaign_id))
        return {(name, stage, step): (status, reason) for name, stage, step, status, reason in rows}


def _household(world: World) -> Household:
    with world.runtime.session_factory() as session:
        ids = {c.household_id for c in session.scalars(select(Case))}
        assert len(ids) == 1, "the stranger's row must be linked to the shared household for the attack to mean much"
        return session.get_one(Household, ids.pop())


def _campaigns(world: World) -> None:
    world.campaign(name="Courriers de l'État", owner="DDETS 44", stages=[
        "assignation", "jugement", "octroi_force_publique"], steps=[
        {"channel": "courrier", "template": "information_etat", "delay_days": 10},
        {"channel": "courrier", "template": "information_etat", "delay_days": 40, "regulatory": True}])
    world.campaign(name="Visites du Département", owner="DDETS 44", segment={"parc": ["social"]},
                   stages=["assignation"],
                   steps=[{"channel": "visite", "delay_days": 15}])


def test_a_strangers_later_stage_moves_its_own_case_only(world: World) -> None:
    _campaigns(world)
    world.push(world.landlord, [landlord_row()])
    world.runtime.tick()
    before = _contacts(world)
    assert before[("Courriers de l'État", "assignation", 0)] == ("planned", None)
    entry = _household(world).current_entry_id

    # The stranger claims the concours de la force publique granted, in the private park, with an earlier hearing.
    pushed = world.push(world.stranger, [stranger_row(
        "B-1", KNOWN, stade="octroi_force_publique", date_stade="24/11/2026", parc="prive",
        date_audience="01/12/2026")])
    assert pushed["crees"] + pushed["mis_a_jour"] == 1, pushed
    household = _household(world)
    assert household.stage == "assignation" and household.current_entry_id == entry
    assert _contacts(world) == before  # nothing cancelled, nothing planned for a stage nobody with authority gave
    assert world.view(world.stranger, "B-1")["stade"] == "octroi_force_publique"  # its own case says so
    assert world.view(world.landlord, "A-1")["stade"] == "assignation"
    world.runtime.tick()
    with world.runtime.session_factory() as session:
        tasks = session.scalars(select(HumanTask).where(HumanTask.household_id == household.id)).all()
        # The visit of the household's stage is still planned; the DSF deadlines follow the landlord's hearing.
        assert all(task.stage == "assignation" for task in tasks)
        assert {c.parc for c in session.scalars(select(Case))} == {"social", "prive"}

    # The household's own landlord moves it: the contacts of the stage it leaves stop for every partner.
    world.push(world.landlord, [landlord_row(stade="jugement", date_stade="26/11/2026")])
    assert _household(world).stage == "jugement"
    after = _contacts(world)
    assert after[("Courriers de l'État", "assignation", 0)] == ("cancelled", "stage_changed")
    assert after[("Courriers de l'État", "jugement", 0)] == ("planned", None)


def test_the_state_moves_the_household_and_a_partner_alone_moves_its_own(world: World) -> None:
    _campaigns(world)
    world.push(world.landlord, [landlord_row()])
    # The State's word moves the shared household (it receives the procedure's acts).
    world.push(world.state, [landlord_row("E-1", stade="jugement", date_stade="25/11/2026")])
    assert _household(world).stage == "jugement"

    # A household only an association knows follows that association's cases: nobody else's coordination to keep.
    association = admin_partner(world.client, world.state, "Tout Azimut", "association")
    alone = {"nom": "Moreau", "prenom": "Jean", "date_naissance": "01/02/1960", "email": "j.moreau@example.org"}
    world.push(association, [stranger_row("T-1", alone, stade="assignation")])
    world.push(association, [stranger_row("T-1", alone, stade="jugement", date_stade="25/11/2026")])
    with world.runtime.session_factory() as session:
        case = session.scalars(select(Case).where(Case.reference == "T-1")).one()
        assert session.get_one(Household, case.household_id).stage == "jugement"


def test_a_second_landlord_never_takes_over_the_first_ones_household(world: World) -> None:
    """The household's landlord is the first bailleur that brought it and still has it open; another bailleur's
    word counts only once that case is closed (the household moved, its debt is settled)."""
    world.push(world.landlord, [landlord_row()])
    world.push(world.stranger, [stranger_row("B-1", KNOWN, stade="jugement", date_stade="24/11/2026")])
    assert _household(world).stage == "assignation"
    world.push(world.landlord, [landlord_row(stade="cloture", date_stade="25/11/2026", motif_cloture="relogé")])
    assert _household(world).stage == "jugement"


def test_a_stranger_bailleur_after_the_state_moves_its_own_case_only(world: World) -> None:
    """A household only the State knows (its EXPLOC copy of the assignation) has no landlord case yet. A bailleur
    that pushes the same person afterwards, with a name and a birth date, is not thereby the household's landlord:
    its later stage, place and hearing date move its own case only."""
    _campaigns(world)
    world.push(world.state, [landlord_row("E-1")])
    world.runtime.tick()
    before = _contacts(world)
    assert before[("Courriers de l'État", "assignation", 0)] == ("planned", None)
    entry = _household(world).current_entry_id

    world.push(world.stranger, [stranger_row(
        "B-1", KNOWN, stade="octroi_force_publique", date_stade="24/11/2026", parc="prive",
        date_audience="01/12/2026")])
    household = _household(world)
    assert household.stage == "assignation" and household.current_entry_id == entry
    world.runtime.tick()
    assert _contacts(world) == before
    assert world.view(world.stranger, "B-1")["stade"] == "octroi_force_publique"
    with world.runtime.session_factory() as session:
        tasks = session.scalars(select(HumanTask).where(HumanTask.household_id == household.id)).all()
        assert all(task.stage == "assignation" for task in tasks)

    # The State's own word still moves the household.
    world.push(world.state, [landlord_row("E-1", stade="jugement", date_stade="25/11/2026")])
    assert _household(world).stage == "jugement"


def test_a_landlord_that_brought_the_household_before_the_state_keeps_its_word(world: World) -> None:
    """The bailleur that knew the household first (it signalled the impayé before any act reached the State) is its
    landlord: its later stage moves the household alongside the State's."""
    world.push(world.landlord, [landlord_row("A-1", stade="commandement_de_payer", date_stade="01/09/2026")])
    world.push(world.state, [landlord_row("E-1", stade="commandement_de_payer", date_stade="05/09/2026")])
    world.push(world.landlord, [landlord_row("A-1", stade="assignation", date_stade="02/10/2026")])
    assert _household(world).stage == "assignation"


def test_the_landlord_the_state_names_moves_the_household_and_no_other_bailleur_does(world: World) -> None:
    """The State knows the landlord from the procedure's acts (it is the plaintiff of the assignation): its row names
    it (`bailleur`), and that bailleur's later word moves the household though it came after the State. A stranger
    bailleur, unnamed, still moves its own case only; naming is the pilots' word, a bailleur cannot name itself."""
    world.push(world.state, [landlord_row("E-1", stade="commandement_de_payer", date_stade="05/09/2026",
                                          bailleur="HABITAT 44")])
    world.push(world.stranger, [stranger_row("B-1", KNOWN, stade="jugement", date_stade="24/11/2026",
                                             bailleur="Harmonie Habitat")])
    assert _household(world).stage == "commandement_de_payer"
    # Named, the landlord needs not give the State's address (here one of its own dwellings, written otherwise).
    world.push(world.landlord, [landlord_row("A-1", stade="assignation", date_stade="02/10/2026",
                                             adresse="3 allée des Ormes")])
    assert _household(world).stage == "assignation"
    assert world.view(world.stranger, "B-1")["stade"] == "jugement"


def test_a_landlord_at_the_dwelling_the_state_gives_moves_the_household(world: World) -> None:
    """Unnamed, the landlord that comes after the State is vouched for by the dwelling: it gives the address the
    State's row gives (written its own way). A stranger with a name and a birth date gives another address."""
    world.push(world.state, [landlord_row("E-1", stade="commandement_de_payer", date_stade="05/09/2026",
                                          adresse="12, r. des Lilas")])
    world.push(world.stranger, [stranger_row("B-1", KNOWN, stade="jugement", date_stade="24/11/2026",
                                             adresse="1 place du Piège", code_postal="44100")])
    assert _household(world).stage == "commandement_de_payer"
    world.push(world.landlord, [landlord_row("A-1", stade="assignation", date_stade="02/10/2026",
                                             adresse="12 rue des Lilas")])
    assert _household(world).stage == "assignation"
