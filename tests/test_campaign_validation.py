"""Each campaign rule refuses with a French message naming the step and the field, through the API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from campaigns.runtime.root import Runtime
from tests.conftest import new_partner


def _spec(**overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": "Courriers de l'État", "owner": "DDETS 44", "stages": ["commandement_de_payer"],
        "territory": {"postcodes": ["44"]},
        "steps": [{"channel": "courrier", "template": "information_etat"},
                  {"channel": "sms", "template": "relance", "delay_days": 7, "conditions": ["no_response"]}],
    }
    spec.update(overrides)
    return spec


def _refusals(client: TestClient, headers: dict[str, str], spec: dict[str, Any]) -> list[dict[str, Any]]:
    answer = client.post("/api/v1/campagnes", headers=headers, json=spec)
    assert answer.status_code == 422, answer.text
    detail: list[dict[str, Any]] = answer.json()["detail"]
    return detail


def _ddets(runtime: Runtime) -> dict[str, str]:
    return new_partner(runtime, "DDETS 44", "etat")[1]


def test_a_valid_campaign_is_created_as_a_draft(client: TestClient, runtime: Runtime) -> None:
    headers = _ddets(runtime)
    answer = client.post("/api/v1/campagnes", headers=headers, json=_spec())
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["statut"] == "brouillon" and body["active"] is False and body["statut_libelle"] == "brouillon"


def test_unknown_template_names_the_step_and_lists_the_templates(client: TestClient, runtime: Runtime) -> None:
    headers = _ddets(runtime)
    spec = _spec(steps=[{"channel": "courrier", "template": "information_etat"},
                        {"channel": "sms", "template": "relance_inconnue", "delay_days": 3}])
    [issue] = _refusals(client, headers, spec)
    assert issue["champ"] == "steps.2.template" and issue["etape"] == 2 and issue["libelle"] == "Modèle"
    assert issue["message"].startswith("Étape n°2, champ « Modèle » : aucun modèle de SMS « relance_inconnue »")
    assert "relance" in issue["message"].split("disponibles :")[1]


def test_negative_delay_is_refused_in_french(client: TestClient, runtime: Runtime) -> None:
    headers = _ddets(runtime)
    spec = _spec(steps=[{"channel": "courrier", "template": "information_etat"},
                        {"channel": "appel", "delay_days": -2}])
    [issue] = _refusals(client, headers, spec)
    assert issue["champ"] == "steps.2.delay_days"
    assert issue["message"] == ("Étape n°2, champ « Délai (jours) » : un délai ne peut pas être négatif : indiquez un "
                                "nombre de jours positif ou nul")


def test_a_language_without_its_template_falls_back_to_french(client: TestClient, runtime: Runtime) -> None:
    headers = _ddets(runtime)
    # The assignation letter exists in Arabic, the ADIL's « mise à disposition » letter does not: Arabic readers get
    # it in French (LANG_FALLBACK recorded, docs/domain.md §10.1 req. 23), the campaign is accepted.
    spec = _spec(stages=["assignation"], languages=["fr", "ar"],
                 steps=[{"channel": "courrier", "template": "etape_{stade}"},
                        {"channel": "courrier", "template": "mise_a_disposition", "delay_days": 7}])
    answer = client.post("/api/v1/campagnes", headers=headers, json=spec)
    assert answer.status_code == 201, answer.text


def test_falc_required_in_a_language_needs_french_falc_at_least(client: TestClient, runtime: Runtime) -> None:
    headers = _ddets(runtime)
    # No FALC version of the landlord letter in any language: FALC is never lowered to standard silently.
    spec = _spec(falc="toujours", languages=["ar"],
                 steps=[{"channel": "courrier", "template": "courrier_bailleur"}])
    [issue] = _refusals(client, headers, spec)
    assert issue["champ"] == "steps.1.template"
    assert "« courrier_bailleur » n'existe pas en FALC en arabe (ar)" in issue["message"]
    assert "ordre de repli" in issue["message"]


def test_falc_always_needs_a_falc_template(client: TestClient, runtime: Runtime) -> None:
    headers = _ddets(runtime)
    spec = _spec(falc="toujours", languages=["fr"],
                 steps=[{"channel": "courrier", "template": "courrier_bailleur"}])
    [issue] = _refusals(client, headers, spec)
    assert issue["champ"] == "steps.1.template" and "n'existe pas en FALC en français (fr)" in issue["message"]


def test_the_notice_to_the_social_services_is_for_its_stage_only(client: TestClient, runtime: Runtime) -> None:
    headers = _ddets(runtime)
    notice = {"channel": "courrier", "template": "information_services_sociaux"}
    [issue] = _refusals(client, headers, _spec(stages=["jugement", "octroi_force_publique"], steps=[notice]))
    assert issue["champ"] == "steps.1.template"
    assert ("« information_services_sociaux » informe les services sociaux au stade « octroi du concours de la force "
            "publique » seulement") in issue["message"]
    # Written to the services in French, standard: a campaign writing to households in Arabic and FALC may send it.
    spec = _spec(stages=["octroi_force_publique"], languages=["fr", "ar"], falc="toujours", fallback_order=["fr_falc"],
                 steps=[{"channel": "courrier", "template": "etape_{stade}"}, notice])
    answer = client.post("/api/v1/campagnes", headers=headers, json=spec)
    assert answer.status_code == 201, answer.text


def test_an_sms_step_without_sending_hours(client: TestClient, runtime: Runtime) -> None:
    headers = _ddets(runtime)
    [issue] = _refusals(client, headers, _spec(sending_hours=None))
    assert issue["champ"] == "steps.2.channel"
    assert issue["message"].startswith("Étape n°2, champ « Canal » : un SMS ne part que pendant les heures d'envoi")
    # Without SMS or e-mail steps, no sending hours is fine.
    letters_only = _spec(sending_hours=None, steps=[{"channel": "courrier", "template": "information_etat"}])
    assert client.post("/api/v1/campagnes", headers=headers, json=letters_only).status_code == 201


def test_a_step_that_may_fall_after_the_hearing(client: TestClient, runtime: Runtime) -> None:
    headers = _ddets(runtime)
    spec = _spec(stages=["assignation"], steps=[
        {"channel": "courrier", "template": "etape_{stade}"},
        {"channel": "appel", "delay_days": 30},
        {"channel": "visite", "delay_days": 40},
    ])
    [issue] = _refusals(client, headers, spec)
    assert issue["champ"] == "steps.3.delay_days"
    assert "cette étape part 70 jours après l'entrée du ménage dans le stade" in issue["message"]
    assert "elle arriverait après l'audience" in issue["message"]
    # Counted from the stage entry, the same visit is early enough.
    spec["steps"][2] |= {"delay_from": "stage_entry", "delay_days": 45}
    assert client.post("/api/v1/campagnes", headers=headers, json=spec).status_code == 201


def test_partners_name_and_flags_are_checked(client: TestClient, runtime: Runtime) -> None:
    headers = _ddets(runtime)
    client.post("/api/v1/campagnes", headers=headers, json=_spec())
    issues = _refusals(client, headers, _spec(owner="DDETS 85", delegate="ADIL 44", steps=[
        {"channel": "sms", "template": "relance", "regulatory": True},
        {"channel": "appel", "dsf": True},
    ]))
    by_field = {i["champ"]: i["message"] for i in issues}
    assert by_field["owner"] == ("Champ « Propriétaire » : aucun partenaire ne s'appelle « DDETS 85 » : "
                                 "choisissez-le dans la liste, ou créez-le d'abord dans l'administration")
    assert "aucun partenaire ne s'appelle « ADIL 44 »" in by_field["delegate"]
    assert "une autre campagne s'appelle déjà" in by_field["name"]
    assert "seul un courrier peut être réglementaire" in by_field["steps.1.regulatory"]
    assert "la chaîne DSF s'ouvre au stade de l'assignation" in by_field["steps.2.dsf"]
    [self_delegation] = _refusals(client, headers, _spec(name="Autre", delegate="DDETS 44"))
    assert self_delegation["champ"] == "delegate" and "ne peut pas se déléguer" in self_delegation["message"]


def test_schema_errors_are_in_french_too(client: TestClient, runtime: Runtime) -> None:
    headers = _ddets(runtime)
    issues = _refusals(client, headers, _spec(stages=[], steps=[{"channel": "fax"}]))
    messages = {i["champ"]: i["message"] for i in issues}
    assert messages["stages"] == "Champ « Stades de la procédure » : cochez au moins un stade"
    assert messages["steps.1.channel"].startswith("Étape n°1, champ « Canal » : valeur non autorisée (valeurs "
                                                  "possibles : 'courrier'")
    assert " ou 'visite'" in messages["steps.1.channel"]


def test_two_campaigns_sending_the_regulatory_letter_of_a_stage(client: TestClient, runtime: Runtime) -> None:
    headers = _ddets(runtime)
    new_partner(runtime, "Département 44", "departement")
    state = _spec(name="État 44", stages=["commandement_de_payer", "assignation"],
                  steps=[{"channel": "courrier", "template": "etape_{stade}", "regulatory": True}])
    answer = client.post("/api/v1/campagnes", headers=headers, json=state)
    assert client.post(f"/api/v1/campagnes/{answer.json()['id']}/activer", headers=headers).status_code == 200
    # Nantes is in the 44: the same household would get two regulatory letters at the assignation.
    rival = _spec(name="Département", owner="Département 44", stages=["assignation", "jugement"],
                  territory={"communes": ["Nantes"]},
                  steps=[{"channel": "courrier", "template": "etape_{stade}", "regulatory": True}])
    created = client.post("/api/v1/campagnes", headers=headers, json=rival)
    assert created.status_code == 201  # a draft may overlap: it is checked when it would run
    detail = client.get(f"/api/v1/campagnes/{created.json()['id']}", headers=headers).json()["avant_activation"]
    refused = client.post(f"/api/v1/campagnes/{created.json()['id']}/activer", headers=headers)
    assert refused.status_code == 409
    [issue] = refused.json()["detail"]
    assert issue == detail[0] and issue["champ"] == "steps.1.regulatory"
    assert "la campagne « État 44 » (DDETS 44) envoie déjà le courrier réglementaire au stade « assignation au " \
           "tribunal »" in issue["message"]
    # Another département, or another park, does not overlap.
    for name, extra in (("Vendée", {"territory": {"postcodes": ["85"]}}),
                        ("Parc privé", {"territory": {"postcodes": ["44"]}, "segment": {"parc": ["prive"]}})):
        other = client.post("/api/v1/campagnes", headers=headers, json={**rival, "name": name, **extra})
        if name == "Parc privé":
            # The State campaign has no segment: it writes to both parks, so the private park overlaps too.
            assert client.post(f"/api/v1/campagnes/{other.json()['id']}/activer", headers=headers).status_code == 409
        else:
            assert client.post(f"/api/v1/campagnes/{other.json()['id']}/activer", headers=headers).status_code == 200
