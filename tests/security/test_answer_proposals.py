"""Attack (docs/security.md, rule 1): an address a household proposed through its answer link is seen, accepted or
refused by the structure that checks it only. A second partner with its own valid key (created through the admin
API), the household's own bailleur and another structure get what they would get for a proposal that does not
exist, through the API and the workers' page; the proposal stays unchecked and no letter uses it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from campaigns.models import LinkAnswer
from campaigns.runtime.root import Runtime
from tests.answer_world import checked, letter_world_keys, token_of_letter
from tests.security.authority_world import STRANGER, admin_partner
from tests.test_web_tasks import account, post, signed_in


def test_a_second_partner_neither_sees_nor_checks_a_proposed_address(pg_runtime: Runtime) -> None:
    runtime = pg_runtime
    with TestClient(create_app(runtime)) as client:
        keys = letter_world_keys(runtime, client)
        stranger = admin_partner(client, keys["DDETS 44"], STRANGER, "bailleur_social")
        token = token_of_letter(runtime)
        token_csrf = checked(client, token)
        sent = client.post(f"/r/{token}/adresse",
                           data={"csrf_token": token_csrf, "adresse": "3 allée des Tilleuls\n44300 Nantes"})
        assert sent.status_code == 200
        with runtime.session_factory() as session:
            proposal = session.scalars(select(LinkAnswer).where(LinkAnswer.kind == "adresse")).one()
        missing = proposal.id + 1000

        for name, headers in (("stranger", stranger), ("bailleur", keys["Habitat 44"]), ("ccas", keys["CCAS Nantes"])):
            for status in ("a_verifier", "toutes"):
                listed = client.get("/api/v1/adresses-proposees", headers=headers, params={"statut": status})
                assert listed.status_code == 200 and listed.json() == {"adresses": []}, name
            for decision in ("accepter", "refuser"):
                theirs = client.post(f"/api/v1/adresses-proposees/{proposal.id}/{decision}", headers=headers)
                absent = client.post(f"/api/v1/adresses-proposees/{missing}/{decision}", headers=headers)
                assert theirs.status_code == absent.status_code == 404, name
                assert theirs.json() == absent.json(), name

        # A worker of the stranger's structure, on the page.
        account(runtime, "agent@harmonie.example", partner=STRANGER)
        signed_in(client, "agent@harmonie.example")
        page = client.get("/adresses-proposees")
        assert page.status_code == 200 and "Tilleuls" not in page.text
        theirs_page = post(client, f"/adresses-proposees/{proposal.id}/accepter", "/adresses-proposees")
        absent_page = post(client, f"/adresses-proposees/{missing}/accepter", "/adresses-proposees")
        assert theirs_page.status_code == absent_page.status_code == 404
        assert theirs_page.text == absent_page.text

        with runtime.session_factory() as session:
            after = session.get_one(LinkAnswer, proposal.id)
            assert (after.status, after.reviewed_at) == ("a_verifier", None)
        # The structure that checks it (the sender, the household having no referent) sees it.
        own = client.get("/api/v1/adresses-proposees", headers=keys["DDETS 44"]).json()["adresses"]
        assert [p["id"] for p in own] == [proposal.id]
