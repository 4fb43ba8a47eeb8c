"""Sixth red-team review (docs/security.md): partners, accounts and pilots with valid credentials attacking through
the HTTP API and the pages only.

Each test marked xfail (strict) is a finding that works today: the test performs the attack and asserts the safe
behaviour, so it fails now and passes once the finding is fixed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from tests.security.authority_world import World, world

__all__ = ["world"]


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


def _draft_letter_pdf(client: TestClient, key: dict[str, str], html_body: str) -> int:
    answer = client.post("/api/v1/modeles/courrier/etape_impaye/apercu", headers=key,
                         params={"format": "pdf", "stade": "impaye"},
                         json={"objet": "Votre loyer", "html": f"<p>Bonjour,</p>{html_body}"})
    return answer.status_code


def test_a_letter_templates_image_never_reads_a_file_of_the_server(world: World, tmp_path: Path) -> None:
    """Severity: medium. A template author (a pilot's key, or an `operateur` account through
    `/modeles/{canal}/{modele}/apercu.pdf`) reaches the server's file system.

    Attack: `POST /api/v1/modeles/courrier/etape_impaye/apercu?format=pdf` with `<img src="/some/path.png">` in the
    letter's HTML. fpdf2's `write_html` opens the path on the API's disk and embeds the image in the PDF answered
    (200), and the same template, once published, prints it in every household's letter; a path that exists but is
    no image (`/etc/passwd`) answers otherwise than one that does not exist: a map of the server's files. Safe: a
    template's image (any `<img>` whose source is not an image the service ships) is refused with a 422 naming the
    template, as other template errors are."""
    secret = tmp_path / "cachet-interne.png"
    secret.write_bytes(_png())
    # Today: 200, a PDF carrying the server's file.
    assert _draft_letter_pdf(world.client, world.state, f'<img src="{secret}" width="40">') == 422


@pytest.mark.parametrize("source", ["/etc/passwd", "/nowhere/at/all.png", "http://127.0.0.1:9/x.png"])
def test_a_letter_templates_bad_image_is_a_french_422_never_a_500(world: World, source: str) -> None:
    """Severity: low. Bad values: never a 500.

    Request: the draft preview of a letter with `<img src="…">` pointing to a file that is no image, a file that does
    not exist, or a private address (fpdf2's resource policy refuses it): each raises inside fpdf2 and answers 500,
    and the three raise different exceptions (UnidentifiedImageError, FileNotFoundError, FPDFResourceAccessError)
    that the logs tell apart. Safe: one French 422 on the template."""
    client = TestClient(world.client.app, raise_server_exceptions=False)
    # Today: 500.
    assert _draft_letter_pdf(client, world.state, f'<img src="{source}">') == 422
