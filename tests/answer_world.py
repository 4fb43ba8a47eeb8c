"""A household that got a letter with its answer link: the State's campaign (letter, SMS a week later, call two
weeks later), a bailleur pushing one tenant, one tick. Helpers to open the link like the household would."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from campaigns.models import Partner
from campaigns.runtime.root import Runtime
from tests.conftest import new_partner
from tests.factories import campaign, signalement

LINK_RE = re.compile(r"/r/([A-Za-z0-9_-]{22})")
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def letter_world(runtime: Runtime, client: TestClient, *, reference: str = "R-1") -> dict[str, str]:
    """Returns the bailleur's API headers; the letter is in the outbox."""
    return letter_world_keys(runtime, client, reference=reference)["Habitat 44"]


def letter_world_keys(runtime: Runtime, client: TestClient, *, reference: str = "R-1") -> dict[str, dict[str, str]]:
    """The same world; returns every partner's API headers by name (the DDETS sends the letter)."""
    keys = {name: new_partner(runtime, name, kind)[1] for name, kind in (
        ("DDETS 44", "etat"), ("ADIL 44", "adil"), ("CCAS Nantes", "ccas"), ("Habitat 44", "bailleur_social"))}
    bailleur = keys["Habitat 44"]
    with runtime.session_factory.begin() as session:
        for name, phone in (("DDETS 44", "02 40 08 00 00"), ("ADIL 44", "02 40 89 30 15"),
                            ("CCAS Nantes", "02 40 99 00 00")):
            session.scalars(select(Partner).where(Partner.name == name)).one().contact_phone = phone
    campaign(runtime, owner="DDETS 44")
    answer = client.post("/api/v1/signalements", headers=bailleur, json=[signalement(reference)])
    assert answer.status_code == 200, answer.text
    runtime.tick()
    return keys


def letters(runtime: Runtime) -> list[Path]:
    return sorted(runtime.settings.resolved_outbox_dir.rglob("*.pdf"))


def token_of_letter(runtime: Runtime) -> str:
    """The token printed in the letter's text (the QR code carries the same link: tests/test_answer_letters.py)."""
    [pdf] = letters(runtime)
    text = "".join(page.extract_text() or "" for page in PdfReader(pdf).pages).replace("\n", "")
    match = LINK_RE.search(text)
    assert match, "no answer link in the letter"
    return match.group(1)


def csrf(page: str) -> str:
    match = CSRF_RE.search(page)
    assert match, "no CSRF token in the page"
    return match.group(1)


def checked(client: TestClient, token: str, answer: str = "R-1") -> str:
    """Opens the link and passes the check; returns the CSRF token of the session."""
    page = client.get(f"/r/{token}")
    assert page.status_code == 200, page.text
    token_csrf = csrf(page.text)
    done = client.post(f"/r/{token}", data={"csrf_token": token_csrf, "reponse": answer}, follow_redirects=False)
    assert done.status_code == 303, done.text
    return token_csrf
