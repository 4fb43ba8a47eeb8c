"""The household pages (issue 19) with the TestClient: a bailleur's « Mes ménages » (by stage, what its campaigns
sent, its responses, closed or not; search by POST and pages), the pilots' « Ménages » and a campaign's contacts and
tasks lists, a worker's household page; who is refused, and that personal data stays out of addresses and caches.
The attacks of a second bailleur are in tests/security/test_household_pages_no_oracle.py."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from tests.household_world import CCAS_CAMPAIGN, HABITAT_CAMPAIGN, NOTE, World, world
from tests.test_web_auth import csrf_of

__all__ = ["world"]


def page(client: TestClient, url: str, status: int = 200, **form: str) -> str:
    """A page's text (entities decoded); with `form`, posted with the page's CSRF token. Never cached."""
    token = csrf_of(client.get(url).text) if form else ""
    answer = client.post(url, data={"csrf_token": token, **form}) if form else client.get(url)
    assert answer.status_code == status, answer.text[:2000]
    assert answer.headers["cache-control"] == "no-store"
    return html.unescape(answer.text)


def no_search_in_addresses(text: str, search: str) -> None:
    assert not re.search(rf'(href|action)="[^"]*{re.escape(search)}', text, re.I), search


def test_a_bailleur_reads_its_households_by_stage_with_what_was_done_in_its_name(world: World) -> None:
    client = world.signed_in("bailleur@habitat.fr")
    assert '<a class="fr-link" href="/mes-menages">Mes ménages</a>' in page(client, "/")
    listing = page(client, "/mes-menages")
    assert "Ménages 1 à 25 sur 27." in listing and "Tous les stades : 27" in listing
    assert "Commandement de payer : 26" in listing and "Dossier clôturé : 1" in listing
    assert 'href="/mes-menages?page=2"' in listing and "Page suivante" in listing
    second = page(client, "/mes-menages?page=2")
    assert "Ménages 26 à 27 sur 27." in second
    closed = page(client, "/mes-menages?stade=cloture")
    assert "1 ménage." in closed and "HAB-027" in closed and ">Clôturé<" in closed
    assert "Au stade « dossier clôturé »" in closed
    refused = page(client, "/mes-menages?stade=inconnu", status=400)
    assert "Stade inconnu : choisissez un stade de la liste." in refused

    found = page(client, "/mes-menages", recherche="benali")
    assert "1 ménage pour « benali »." in found
    row = re.search(r'<tr>\s*<td><a class="fr-link" href="/mes-menages/(\d+)">Prénom01 BENALI</a>.*?</tr>', found, re.S)
    assert row is not None, found
    # Her answer stopped the campaign's letter: one call sent, nothing more to come.
    assert "1 envoi, le 25/11/2026</td>" in row[0] and "1 réponse, le 25/11/2026" in row[0]
    assert "1 envoi, le 25/11/2026 ; 1 à venir" in listing
    no_search_in_addresses(found, "benali")
    # A search over two pages: the next page is a button of a POST form that carries the search, never a link.
    nantes = page(client, "/mes-menages", recherche="Nantes")
    assert "Ménages 1 à 25 sur 27 pour « Nantes »." in nantes
    assert 'form="pages-formulaire" name="page" value="2"' in nantes and "?page=2" not in nantes
    no_search_in_addresses(nantes, "Nantes")
    assert "Ménages 26 à 27 sur 27" in page(client, "/mes-menages", recherche="Nantes", page="2")
    assert "Recherche : 100 caractères au plus." in page(client, "/mes-menages", status=400, recherche="x" * 101)

    household = page(client, f"/mes-menages/{row[1]}")
    assert "<h1>Prénom01 BENALI</h1>" in household and "HAB-001" in household
    assert "2 contacts de vos campagnes, 1 réponse enregistrée." in household
    assert "Tâche d'appel ouverte" in household and f"campagne « {HABITAT_CAMPAIGN} », étape 1" in household
    assert "Contact annulé" in household and "le ménage a répondu" in household
    assert "Le ménage a appelé — canal : Appel" in household
    # Not the State's case of her, nor the CCAS's campaign calling her, nor its task.
    for theirs in ("ETA-1", "DDETS", CCAS_CAMPAIGN, "CCAS", NOTE):
        assert theirs not in household, theirs


def test_other_roles_are_refused_the_bailleur_pages_and_the_pilots_pages_to_non_pilots(world: World) -> None:
    agent = world.signed_in("agent@ccas.fr")
    assert agent.get("/mes-menages").status_code == 403
    assert agent.get(f"/mes-menages/{world.ids['case:HAB-001']}").status_code == 403
    landlord_admin = world.signed_in("admin@habitat.fr")
    for path in ("/menages", f"/menages/{world.ids['HAB-001']}", f"/campagnes/{world.ids['ccas_campaign']}/contacts",
                 f"/campagnes/{world.ids['ccas_campaign']}/taches"):
        assert landlord_admin.get(path).status_code == 403, path
    assert "/menages" not in page(landlord_admin, "/")


def test_the_pilots_search_the_households_and_read_one_with_every_partners_case(world: World) -> None:
    client = world.signed_in("operateur@ddets.fr")
    assert '<a class="fr-link" href="/menages">Ménages</a>' in page(client, "/")
    listing = page(client, "/menages")
    assert "Ménages 1 à 25 sur 28." in listing and 'href="/menages?page=2"' in listing
    assert "Commandement de payer : 27" in listing and "Dossier clôturé : 1" in listing
    assert "1 ménage." in page(client, "/menages?stade=cloture")
    found = page(client, "/menages", recherche="benali")
    assert "1 ménage pour « benali »." in found and "2 partenaires : Habitat 44, DDETS 44" in found
    no_search_in_addresses(found, "benali")
    # The DDETS wrote « REZE »: the pages name it as the code officiel géographique does.
    reze = page(client, "/menages", recherche="Rezé")
    assert "1 ménage pour « Rezé »." in reze and "<td>Rezé</td>" in reze and "REZE" not in reze
    assert "44400 Rezé" in page(client, f"/menages/{world.ids['ETA-2']}")
    assert "1 ménage pour « ETA-2 »." in page(client, "/menages", recherche="ETA-2")

    household = page(client, f"/menages/{world.ids['HAB-001']}")
    assert "2 dossiers de ce ménage" in household and "HAB-001" in household and "ETA-1" in household
    assert "Dossier reçu de Habitat 44" in household and "Dossier reçu de DDETS 44" in household
    assert f"campagne « {CCAS_CAMPAIGN} », étape 1" in household and "Réponse du ménage enregistrée par Habitat 44" \
        in household
    assert "Tâche « Appel » dans la file de CCAS Nantes" in household and "Message laissé" in household
    assert NOTE not in household  # the notes stay with their structure
    unknown = client.get("/menages/999999")
    assert unknown.status_code == 404


def test_a_campaigns_contacts_and_tasks_are_filtered_searched_and_paged(world: World) -> None:
    client = world.signed_in("operateur@ddets.fr")
    contacts_url = f"/campagnes/{world.ids['ccas_campaign']}/contacts"
    contacts = page(client, contacts_url)
    assert "Contacts 1 à 25 sur 27." in contacts and f'href="{contacts_url}?page=2"' in contacts
    assert f'href="{contacts_url}?canal=appel&page=2"' in page(client, f"{contacts_url}?canal=appel")
    assert "Aucun contact pour ces choix." in page(client, f"{contacts_url}?canal=sms")
    assert "Canal inconnu" in page(client, f"{contacts_url}?canal=pigeon", status=400)
    found = page(client, contacts_url, recherche="benali")
    assert "1 contact pour « benali »." in found and f'href="/menages/{world.ids["HAB-001"]}"' in found
    no_search_in_addresses(found, "benali")

    tasks_url = f"/campagnes/{world.ids['ccas_campaign']}/taches"
    tasks = page(client, tasks_url)
    assert "Tâches 1 à 25 sur 27." in tasks and "CCAS Nantes" in tasks
    done = page(client, f"{tasks_url}?statut=completed")
    assert "1 tâche." in done and "Message laissé" in done and NOTE not in done
    assert "1 tâche." in page(client, f"{tasks_url}?structure={world.ids['ccas']}&statut=completed")
    assert "Structure inconnue" in page(client, f"{tasks_url}?structure=999999", status=400)
    assert "1 tâche pour « benali »." in page(client, tasks_url, recherche="benali")
    fiche = page(client, f"/campagnes/{world.ids['ccas_campaign']}")
    assert f'href="{contacts_url}"' in fiche and f'href="{tasks_url}"' in fiche


def test_a_worker_reads_a_household_of_its_queue_and_no_other(world: World) -> None:
    client = world.signed_in("agent@ccas.fr")
    household = page(client, f"/mes-taches/{world.ids['ccas_task']}/menage")
    assert "<h1>Prénom01 BENALI</h1>" in household and NOTE in household
    assert f'href="/mes-taches/{world.ids["ccas_task"]}"' in household and "votre structure" in household
    task = page(client, f"/mes-taches/{world.ids['ccas_task']}")
    # Named by the structure's own task, never by the household's internal number (docs/security.md rule 1).
    assert f'href="/mes-taches/{world.ids["ccas_task"]}/menage"' in task and "/mes-taches/menages/" not in task
    assert client.get(f"/mes-taches/menages/{world.ids['HAB-001']}").status_code == 404
    # Another structure's task: the page of a task that does not exist.
    unknown = client.get("/mes-taches/999999/menage")
    outside = client.get(f"/mes-taches/{world.ids['other_task']}/menage")
    assert (outside.status_code, outside.text) == (404, unknown.text) and unknown.status_code == 404
