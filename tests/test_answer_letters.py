"""The letter's QR code, read back as a phone would (docs/web.md, « Le lien de réponse »): the PDF rendered to an
image by pdftoppm (poppler-utils), the code decoded by zxing-cpp, the link followed to the answer page."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfReader

from campaigns.runtime.root import Runtime
from channels.letter.answer_code import COLUMN_W_MM, LEFT_MM
from channels.letter.pdf import WINDOW_X_MM
from tests.answer_world import checked, letter_world, letters, token_of_letter

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm absent (poppler-utils)")


def scanned_links(pdf: Path, tmp_path: Path) -> list[str]:
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True)
    [image] = sorted(tmp_path.glob("page*.png"))
    return [code.text for code in zxingcpp.read_barcodes(Image.open(image))]


def test_the_printed_qr_code_opens_the_household_answer_page(sqlite_runtime: Runtime, tmp_path: Path) -> None:
    from api.app import create_app

    runtime = sqlite_runtime
    with TestClient(create_app(runtime)) as client:
        letter_world(runtime, client)
        [pdf] = letters(runtime)
        [link] = scanned_links(pdf, tmp_path)
        # The code holds the same short link as the text: CHAINE_PUBLIC_BASE_URL + /r/ + the 22-character token.
        assert link == f"{runtime.settings.public_base_url.rstrip('/')}/r/{token_of_letter(runtime)}"
        path = urlsplit(link).path
        page = client.get(path)
        assert page.status_code == 200 and "Répondre à votre courrier" in page.text
        checked(client, path.removeprefix("/r/"))
        assert "J'ai bien reçu ce courrier" in client.get(path).text.replace("&#39;", "'")


def test_the_code_stays_clear_of_the_address_window(sqlite_runtime: Runtime) -> None:
    from api.app import create_app

    with TestClient(create_app(sqlite_runtime)) as client:
        letter_world(sqlite_runtime, client)
    [pdf] = letters(sqlite_runtime)
    page = PdfReader(pdf).pages[0]
    images = list(page.images)
    assert len(images) == 1
    # The column it is drawn in ends before the window (the address-block checks of test_letter_texts.py hold too).
    assert LEFT_MM + COLUMN_W_MM < WINDOW_X_MM
