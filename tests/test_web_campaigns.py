"""Campaign and administration pages (server-rendered, French): roles, the form and its messages next to each
field, preview, dry run, lifecycle, supervision; partners, API keys shown once and revoked, accounts and roles."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient
from sqlalchemy import select

from campaigns.models import ApiKey, Campaign, CampaignChange
from campaigns.runtime.root import Runtime
from tests.conftest import new_partner
from tests.factories import signalement
from tests.test_web_auth import PASSWORD, csrf_of, log_in, new_user

ADMIN = "admin@ddets44.gouv.fr"


def _pilot(client: TestClient, runtime: Runtime) -> dict[str, str]:
    _, key = new_partner(runtime, "DDETS 44", "etat")
    new_user(runtime, email=ADMIN, role="admin", partner="DDETS 44")
    assert log_in(client, email=ADMIN).status_code == 303  # type: ignore[attr-defined]
    return key


def _post(client: TestClient, path: str, data: dict[str, object], page: str | None = None) -> object:
    token = csrf_of(client.get(page or path).text)
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def _from_preset(client: TestClient, preset: str = "adil44_aller_vers", name: str = "ADIL 44 — aller-vers") -> int:
    answer = _post(client, "/campagnes/nouvelle", {"modele": preset, "name": name, "owner": "DDETS 44",
                                                   "delegate": ""})
    assert answer.status_code == 303, answer.text  # type: ignore[attr-defined]
    location = answer.headers["location"]  # type: ignore[attr-defined]
    return int(re.fullmatch(r"/campagnes/(\d+)/modifier", location)[1])  # type: ignore[index]


def _history(html: str) -> list[str]:
    """The history's entries as text: the sentence, then its details."""
    part = html.split('<h2 id="historique">', 1)[1]
    entries = re.findall(r'<li class="fr-mb-1w">(.*?)</li>\s*(?=<li class="fr-mb-1w">|</ol>)', part, re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", entry)).split()) for entry in entries]


def _form_data(html: str) -> dict[str, list[str]]:
    """What the browser would post: every named field with its current value (checked boxes only)."""
    data: dict[str, list[str]] = {}
    for tag in re.findall(r"<select[^>]*>.*?</select>|<input[^>]*>", html, re.S):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        if tag.startswith("<select"):
            chosen = re.search(r'<option value="([^"]*)"[^>]*selected', tag)
            data.setdefault(name[1], []).append(chosen[1] if chosen else "")
        elif 'type="checkbox"' in tag or 'type="radio"' in tag:
            if " checked" in tag:
                data.setdefault(name[1], []).append(re.search(r'value="([^"]*)"', tag)[1])  # type: ignore[index]
        else:
            value = re.search(r'value="([^"]*)"', tag)
            data.setdefault(name[1], []).append(value[1] if value else "")
    return data


def test_campaign_pages_from_preset_to_supervision(client: TestClient, runtime: Runtime) -> None:
    key = _pilot(client, runtime)
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    home = client.get("/").text
    assert 'href="/campagnes"' in home and 'href="/administration"' in home
    listing = client.get("/campagnes")
    assert listing.status_code == 200 and "Aucune campagne pour le moment." in listing.text
    new_page = client.get("/campagnes/nouvelle").text
    assert "ADIL 44 — aller-vers (force publique)" in new_page and "Essonne — équipe mobile (EMPEX)" in new_page
    # Each preset's source is a short note in words, never the project's references (« 002 L565 », docs/…).
    assert "D&#39;après la charte de prévention des expulsions locatives de Loire-Atlantique" in new_page
    assert "docs/domain.md" not in new_page and not re.search(r"\b00\d L\d", new_page)
    refused = _post(client, "/campagnes/nouvelle", {"modele": "", "name": "", "owner": "DDETS 44"})
    assert refused.status_code == 400  # type: ignore[attr-defined]
    assert "Choisissez un modèle de campagne dans la liste." in refused.text  # type: ignore[attr-defined]

    campaign_id = _from_preset(client)
    form = client.get(f"/campagnes/{campaign_id}/modifier").text
    assert "Brouillon créé à partir du modèle « ADIL 44 — aller-vers (force publique) »" in form
    data = _form_data(form)
    assert data["etape-2-delay_days"] == ["7"] and data["nb_etapes"] == ["6"]
    # A negative delay and a missing template: each message next to its field, and in the summary.
    data["etape-2-delay_days"] = ["-3"]
    data["etape-1-template"] = [""]
    answer = client.post(f"/campagnes/{campaign_id}/modifier", data={**data, "csrf_token": csrf_of(form)})
    assert answer.status_code == 400
    assert re.search(r'id="etape-2-delay_days-messages" aria-live="polite">\s*<p class="fr-message '
                     r'fr-message--error">Étape n°2, champ « Délai \(jours\) » : un délai ne peut pas être négatif',
                     answer.text)
    assert 'href="#etape-2-delay_days"' in answer.text and 'aria-invalid="true"' in answer.text
    assert ('href="#etape-1-template">Étape n°1, champ « Modèle » : une étape « courrier » doit nommer un modèle'
            in answer.text)
    # Corrected: the call comes 10 days after the letter; the change is logged with the person's name.
    data["etape-2-delay_days"] = ["10"]
    data["etape-1-template"] = ["mise_a_disposition"]
    saved = client.post(f"/campagnes/{campaign_id}/modifier", data={**data, "csrf_token": csrf_of(answer.text)},
                        follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == f"/campagnes/{campaign_id}"
    page = client.get(f"/campagnes/{campaign_id}").text
    assert "Campagne enregistrée : 1 champ modifié." in page
    # The history is written for people, newest first, never the log's field codes.
    history = _history(page)
    assert history[0] == ("Camille Martin (DDETS 44) a modifié l'étape 2 le 25 novembre 2026 à 10 h 30. "
                          "Étape 2, délai : 7 jours → 10 jours.")
    assert history[1] == "Camille Martin (DDETS 44) a créé la campagne (brouillon) le 25 novembre 2026 à 10 h 30."
    assert "steps." not in page and "delay_days" not in page and "mise_a_disposition" not in page
    # A step added and the priority changed: one sentence, the details below it.
    blank = next(r for r in range(1, 20) if data.get(f"etape-{r}-channel") == [""])
    data |= {f"etape-{blank}-channel": ["sms"], f"etape-{blank}-template": ["relance"],
             f"etape-{blank}-delay_days": ["3"], f"etape-{blank}-conditions": ["no_response"], "priority": ["40"]}
    saved = client.post(f"/campagnes/{campaign_id}/modifier", data={**data, "csrf_token": csrf_of(page)},
                        follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert _history(client.get(f"/campagnes/{campaign_id}").text)[0] == (
        f"Camille Martin (DDETS 44) a ajouté une étape SMS et modifié la priorité le 25 novembre 2026 à 10 h 30. "
        f"Étape {blank} ajoutée : SMS, 3 jours après l'étape précédente, modèle « Relance », conditions : sans "
        f"réponse du ménage. Priorité : 50 → 40.")

    previews = client.get(f"/campagnes/{campaign_id}/apercu").text
    link = re.search(r'href="(/campagnes/\d+/apercu/courrier\?[^"]+)"', previews)[1]  # type: ignore[index]
    pdf = client.get(link.replace("&amp;", "&"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1", stade="octroi_force_publique")])
    dry_run = client.get(f"/campagnes/{campaign_id}/simulation?semaines=6").text
    assert "1 ménage concerné ; 1 courrier" in dry_run
    assert client.get(f"/campagnes/{campaign_id}/simulation?semaines=99").status_code == 400

    activated = _post(client, f"/campagnes/{campaign_id}/activer", {"inscrire": "oui"}, f"/campagnes/{campaign_id}")
    assert activated.status_code == 303  # type: ignore[attr-defined]
    assert "Campagne activée : 1 ménage déjà à un stade couvert inscrit." in client.get(
        f"/campagnes/{campaign_id}").text
    runtime.tick()
    supervision = client.get(f"/campagnes/{campaign_id}/supervision").text
    assert '<th scope="col">Ménage</th>' in supervision  # the pilot sees the household's number
    assert "Supervision du 25/11/2026" in supervision and "1 ménage inscrit" in supervision
    assert re.search(r"<td>courrier</td><td>0</td><td>0</td><td>0</td><td>1</td>", supervision)
    assert re.search(r"Import n° \d+ de Habitat 44 \(25/11/2026 à 10 h 30\) : 1 ligne, 0 rejetée",
                     supervision)
    with runtime.session_factory() as session:
        campaign = session.get_one(Campaign, campaign_id)
        assert campaign.status == "active" and campaign.steps[1].delay_days == 10
        users = {c.user_id for c in session.scalars(select(CampaignChange))}
        assert len(users) == 1 and None not in users
    paused = _post(client, f"/campagnes/{campaign_id}/pause", {}, f"/campagnes/{campaign_id}")
    assert paused.status_code == 303  # type: ignore[attr-defined]
    not_confirmed = _post(client, f"/campagnes/{campaign_id}/terminer", {}, f"/campagnes/{campaign_id}")
    assert not_confirmed.status_code == 200  # type: ignore[attr-defined]
    assert "<h1>Terminer la campagne</h1>" in not_confirmed.text  # type: ignore[attr-defined]
    assert 'name="confirmation" value="oui"' in not_confirmed.text  # type: ignore[attr-defined]
    with runtime.session_factory() as session:
        assert session.get_one(Campaign, campaign_id).status == "en_pause"  # nothing ended before confirming
    ended = _post(client, f"/campagnes/{campaign_id}/terminer", {"confirmation": "oui"}, f"/campagnes/{campaign_id}")
    assert ended.status_code == 303  # type: ignore[attr-defined]
    ended_page = client.get(f"/campagnes/{campaign_id}").text
    assert "Campagne terminée" in ended_page
    assert _history(ended_page)[:3] == [
        "Camille Martin (DDETS 44) a terminé la campagne le 25 novembre 2026 à 10 h 30. 4 contacts annulés.",
        "Camille Martin (DDETS 44) a mis la campagne en pause le 25 novembre 2026 à 10 h 30.",
        "Camille Martin (DDETS 44) a activé la campagne le 25 novembre 2026 à 10 h 30. 1 ménage inscrit."]
    assert key


def test_operators_of_other_partners_see_their_campaigns_only(client: TestClient, runtime: Runtime) -> None:
    _pilot(client, runtime)
    new_partner(runtime, "ADIL 44", "adil")
    delegated = _from_preset(client, name="Déléguée")
    data = _form_data(client.get(f"/campagnes/{delegated}/modifier").text)
    data["delegate"] = ["ADIL 44"]
    client.post(f"/campagnes/{delegated}/modifier", data={**data, "csrf_token": csrf_of(client.get("/").text)})
    other = _from_preset(client, preset="etat_courriers_par_stade", name="Courriers réglementaires")
    client.post("/deconnexion", data={"csrf_token": csrf_of(client.get("/").text)})
    new_user(runtime, email="operateur@adil44.fr", role="operateur", partner="ADIL 44")
    assert log_in(client, email="operateur@adil44.fr").status_code == 303  # type: ignore[attr-defined]
    listing = client.get("/campagnes").text
    assert "Déléguée" in listing and "Courriers réglementaires" not in listing and "Créer une campagne" not in listing
    assert client.get(f"/campagnes/{other}").status_code == 404
    supervision = client.get(f"/campagnes/{delegated}/supervision")
    # The failures table gives the household's internal number to the pilots only (docs/security.md, rule 1).
    assert supervision.status_code == 200 and '<th scope="col">Ménage</th>' not in supervision.text
    assert client.get(f"/campagnes/{delegated}/modifier").status_code == 403
    assert client.get("/campagnes/nouvelle").status_code == 403
    assert client.get("/administration").status_code == 403
    with runtime.session_factory() as session:
        assert session.get_one(Campaign, delegated).delegate_partner_id is not None


def test_administration_partners_keys_and_accounts(client: TestClient, runtime: Runtime) -> None:
    _pilot(client, runtime)
    page = client.get("/administration").text
    assert "DDETS 44" in page
    refused = _post(client, "/administration", {"nom": "", "type": "plombier"})
    assert refused.status_code == 400  # type: ignore[attr-defined]
    assert "Choisissez le type du partenaire dans la liste." in refused.text  # type: ignore[attr-defined]
    created = _post(client, "/administration", {"nom": "ADIL 44", "type": "adil", "telephone": "02 40 89 30 15"})
    location = created.headers["location"]  # type: ignore[attr-defined]
    partner_page = client.get(location).text
    assert "Partenaire « ADIL 44 » créé." in partner_page and "Aucune clé." in partner_page

    created_key = _post(client, f"{location}/cles", {}, location)
    assert created_key.status_code == 303  # type: ignore[attr-defined]  # POST-redirect-GET
    assert "chn_" not in created_key.headers["location"]  # type: ignore[attr-defined]
    shown = client.get(created_key.headers["location"])  # type: ignore[attr-defined]
    key = re.search(r'<code id="cle">(chn_[^<]+)</code>', shown.text)[1]  # type: ignore[index]
    assert "elle ne sera plus jamais affichée" in shown.text
    assert shown.headers["cache-control"] == "no-store"
    assert key not in client.get(location).text  # shown once: a reload neither shows it nor creates another
    with runtime.session_factory() as session:
        assert len(session.scalars(select(ApiKey).where(ApiKey.partner_id == int(location.rsplit("/", 1)[1])))
                   .all()) == 1
    api = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/campagnes", headers=api).status_code == 200
    key_id = re.search(r"/cles/(\d+)/revoquer", client.get(location).text)[1]  # type: ignore[index]
    asked = _post(client, f"{location}/cles/{key_id}/revoquer", {}, location)
    assert asked.status_code == 200 and "Révoquer la clé" in asked.text  # type: ignore[attr-defined]
    assert client.get("/api/v1/campagnes", headers=api).status_code == 200  # not revoked before confirming
    revoked = _post(client, f"{location}/cles/{key_id}/revoquer", {"confirmation": "oui"}, location)
    assert revoked.status_code == 303  # type: ignore[attr-defined]
    assert client.get("/api/v1/campagnes", headers=api).status_code == 401
    assert "révoquée le" in client.get(location).text

    weak = _post(client, f"{location}/comptes", {"email": "juriste@adil44.fr", "nom": "Sam Juriste",
                                                 "role": "operateur", "mot_de_passe": "court"}, location)
    assert weak.status_code == 400  # type: ignore[attr-defined]
    assert "Le mot de passe doit compter au moins 12 caractères." in weak.text  # type: ignore[attr-defined]
    account = _post(client, f"{location}/comptes", {"email": "juriste@adil44.fr", "nom": "Sam Juriste",
                                                    "role": "operateur", "mot_de_passe": PASSWORD}, location)
    assert account.status_code == 303  # type: ignore[attr-defined]
    user_id = re.search(r"/comptes/(\d+)", client.get(location).text)[1]  # type: ignore[index]
    _post(client, f"{location}/comptes/{user_id}", {"action": "role", "role": "agent"}, location)
    assert "Rôle de juriste@adil44.fr : travail social." in client.get(location).text
    asked = _post(client, f"{location}/comptes/{user_id}", {"action": "desactiver"}, location)
    assert "Désactiver le compte juriste@adil44.fr ?" in asked.text  # type: ignore[attr-defined]
    assert "désactivé" not in client.get(location).text
    _post(client, f"{location}/comptes/{user_id}", {"action": "desactiver", "confirmation": "oui"}, location)
    assert "Compte juriste@adil44.fr désactivé" in client.get(location).text
    own = client.get("/administration").text
    own_id = re.search(r'href="/administration/partenaires/(\d+)">DDETS 44', own)[1]  # type: ignore[index]
    me = re.search(r"/comptes/(\d+)", client.get(f"/administration/partenaires/{own_id}").text)
    assert me is None  # an administrator cannot demote or disable themselves from the page


def test_history_sentences_of_an_api_key_and_a_file() -> None:
    """Without a database: the log's lines as the campaign page writes them."""
    from datetime import UTC, datetime

    from api.web.campaign_history import describe

    at = datetime(2026, 12, 3, 13, 5, tzinfo=UTC)  # 14 h 05 in Paris
    created = describe(CampaignChange(actor="clé d'API de DDETS 44", action="creee", changed_at=at, replanned={},
                                      changes=[{"champ": "name", "avant": None, "apres": "Relances"}]))
    assert created.sentence == "Clé d'API de DDETS 44 a créé la campagne (brouillon) le 3 décembre 2026 à 14 h 05."
    assert created.details == []
    loaded = describe(CampaignChange(actor="fichier campagnes.yaml", action="chargee", changed_at=at, replanned={
        "modifies": 3, "ajoutes": 0, "annules": 1}, changes=[
        {"champ": "steps.2.template", "avant": "relance", "apres": "etape_{stade}"},
        {"champ": "steps.3.channel", "avant": "appel", "apres": None},
        {"champ": "steps.3.delay_days", "avant": 7, "apres": None},
        {"champ": "stages", "avant": ["assignation"], "apres": ["assignation", "jugement"]},
        {"champ": "statut", "avant": "active", "apres": "en_pause"}]))
    assert loaded.sentence == ("Fichier campagnes.yaml a retiré l'étape 3 (appel) et modifié l'étape 2 et les stades "
                               "le 3 décembre 2026 à 14 h 05.")
    assert loaded.details == [
        "Étape 2, modèle : « Relance » → « Message de l'étape, selon le stade du ménage ».",
        "Étape 3 retirée : appel, 7 jours après l'étape précédente.",
        "Stades : assignation au tribunal → assignation au tribunal, jugement.",
        "Statut : active → en pause.",
        "3 contacts pas encore envoyés modifiés et 1 contact annulé."]
