"""§10.2 scenario 11: a household under curatelle reaches the octroi du concours de la force publique on
20 March 2021, during the winter truce extended to May."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.outsider.world import World, pdf_text

STATE = "DDETS de Loire-Atlantique"
CAMPAIGNS = """
campaigns:
  - name: "Information à l'octroi du concours de la force publique"
    owner: "DDETS de Loire-Atlantique"
    stages: [octroi_force_publique]
    steps:
      - {channel: courrier, template: etape_octroi_force_publique, regulatory: true}
      - {channel: courrier, template: information_services_sociaux}
"""
ROW = {"stade": "octroi_force_publique", "date_stade": "2021-03-20", "parc": "social", "nom": "Garnier",
       "prenom": "Odile", "date_naissance": "1962-10-03", "adresse": "17 rue de Strasbourg", "code_postal": "44000",
       "commune": "Nantes", "telephone": "0240123456", "montant_dette": "5200", "loyer_mensuel": "480",
       "mesure_protection": "curatelle", "mandataire_nom": "UDAF de Loire-Atlantique",
       "mandataire_adresse": "2 rue de la Gaudinière", "mandataire_code_postal": "44300",
       "mandataire_commune": "Nantes", "mandataire_telephone": "0251000000"}


def test_cfp_letter_to_tenant_and_curator_with_extended_truce_and_m24(world: World) -> None:
    world.clock.now = datetime(2021, 3, 22, 9, 30, tzinfo=UTC)  # the Monday after the octroi
    world.partner(STATE, "etat", "--adresse", "6 rue René Viviani|44000 Nantes")
    world.partner("EDS Nantes", "departement", "--adresse", "1 rue de la Haltinière|44300 Nantes")
    world.partner("CCAS de Nantes", "ccas", "--adresse", "1 bis place Saint-Jean|44000 Nantes")
    world.partner("Habitat 44", "bailleur_social", "--adresse", "1 place de la Bourse|44000 Nantes")
    world.load_campaigns(CAMPAIGNS)
    world.push("Habitat 44", [dict(ROW, reference="H-9")])
    world.push(STATE, [dict(ROW, reference="E-9")])
    world.send()

    texts = [pdf_text(path) for path in world.letters()]
    to_household = [t for t in texts if "GARNIER" in t.upper() and "service social" in t.lower()
                    and "Odile" in t]
    assert to_household, texts
    addressed = [t.split("Objet")[0] for t in to_household]
    # One letter to the tenant, one copy « aux bons soins de » (« a/s de ») the curator; the name printed once.
    assert len(to_household) == 2, addressed
    to_curator = [b for b in addressed if ("bons soins" in b.lower() or "a/s de" in b.lower()) and "UDAF" in b]
    assert len(to_curator) == 1 and "17 rue de Strasbourg" not in to_curator[0], addressed
    assert sum("17 rue de Strasbourg" in b and "UDAF" not in b for b in addressed) == 1, addressed
    assert all(b.upper().count("GARNIER") == 1 for b in addressed), addressed
    for text in to_household:
        assert "mai" in text and "trêve" in text.lower(), text  # the truce extended to May 2021
        assert "31 mars" not in text, text

    notices = world.client.get("/api/v1/notifications", headers=world.keys["CCAS de Nantes"])
    assert notices.status_code == 200, notices.text
    body = notices.json()
    items = body if isinstance(body, list) else body.get("notifications", [])
    assert len(items) == 1 and items[0]["message"] == "M24", body
    assert "curatelle" not in str(items[0]).lower() and "5200" not in str(items[0]), items[0]

    landlord = world.case("Habitat 44", "H-9")
    assert landlord.status_code == 200, landlord.text
    seen = str(landlord.json()).lower()
    for word in ("curatelle", "udaf", "mandataire", "protection"):
        assert word not in seen, (word, seen)
    assert world.client.get("/api/v1/notifications", headers=world.keys["Habitat 44"]).status_code == 403
