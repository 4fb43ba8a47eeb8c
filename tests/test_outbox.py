"""Outbox adapter writes real artefacts once per key; letter PDFs are A4, embed fonts and fit the window."""

from __future__ import annotations

import email
import email.policy
import io
import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path

import pytest
from pypdf import PdfReader

from campaigns.messages.rendering import list_templates, render
from campaigns.platform.ports import OutboundMessage, PermanentChannelError, Recipient
from channels.letter.pdf import (
    ADDRESS_H_MM,
    ADDRESS_W_MM,
    ADDRESS_X_MM,
    ADDRESS_Y_MM,
    WINDOW_X_MM,
    WINDOW_Y_MM,
    AddressBlockError,
    build_letter_pdf,
)
from channels.outbox import OutboxChannel

MM = 72 / 25.4
CONTEXT: dict[str, object] = {
    "telephone_contact": "02 61 91 00 44",
    "fin_treve": "31 mars 2027",
    "destinataire": "Madame Aïcha Benali",
    "expediteur": "ADIL de la Loire-Atlantique",
    "stade": "assignation",
    "stade_libelle": "assignation au tribunal",
    "commune": "Nantes",
    "montant_dette": Decimal("2345.50"),
    "date_audience": date(2027, 1, 14),
    "date_envoi": date(2026, 11, 25),
    "reference": "DOS-2026-00042",
}
RECIPIENT = Recipient(
    display_name="Madame Aïcha Benali",
    address_lines=("Appartement 12, escalier B", "14 rue des Olivettes", "44000 NANTES"),
    phone="+33612345678",
    email="aicha.benali@example.org",
)
SENDER_LINES = ("Service prévention des expulsions", "6 rue René Viviani", "44200 Nantes", "02 40 00 00 00")


def _message(
    channel: str, slug: str, *, key: str = "dispatch-1", recipient: Recipient = RECIPIENT
) -> OutboundMessage:
    rendered = render(channel, slug, locale="fr", falc=False, context=CONTEXT)
    return OutboundMessage(
        idempotency_key=key,
        channel=channel,
        recipient=recipient,
        sender_name="ADIL de la Loire-Atlantique",
        subject=rendered.subject,
        body=rendered.body,
        html_body=rendered.html_body,
        metadata={
            "date": "2026-11-25",
            "reference": "DOS-2026-00042",
            "sender_lines": "\n".join(SENDER_LINES),
        },
    )


def _journal(root: Path) -> list[dict[str, str]]:
    path = root / "journal.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _letter(slug: str = "information_etat", *, falc: bool = False) -> tuple[bytes, str]:
    rendered = render("courrier", slug, locale="fr", falc=falc, context=CONTEXT)
    pdf = build_letter_pdf(
        sender_name="ADIL de la Loire-Atlantique",
        sender_lines=SENDER_LINES,
        recipient=RECIPIENT,
        subject=rendered.subject,
        html_body=rendered.html_body,
        letter_date=date(2026, 11, 25),
        reference="DOS-2026-00042",
        font_size=14 if falc else 11,
    )
    return pdf, rendered.subject


def _flat(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


@pytest.mark.parametrize(("slug", "falc"), [(s, f) for c, s, _, f in list_templates() if c == "courrier"])
def test_letter_pdf_is_print_ready(slug: str, falc: bool) -> None:
    pdf, subject = _letter(slug, falc=falc)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 1
    for page in reader.pages:
        box = page.mediabox
        assert (round(float(box.width), 2), round(float(box.height), 2)) == (595.28, 841.89)
    text = _flat("\n".join(page.extract_text() for page in reader.pages))
    assert _flat(subject) in text
    assert "44000 NANTES" in text
    assert "Le 25 novembre 2026" in text
    assert f"Page 1 / {len(reader.pages)}" in text
    assert b"/FontFile2" in pdf


@pytest.mark.parametrize("slug", [s for c, s, _, f in list_templates() if c == "courrier" and f])
def test_falc_letter_prints_nothing_below_14_pt(slug: str) -> None:
    pdf, _ = _letter(slug, falc=True)
    sizes: list[tuple[float, str]] = []
    for page in PdfReader(io.BytesIO(pdf)).pages:

        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
            x, top = (tm[4] + cm[4]) / MM, (841.89 - tm[5] - cm[5]) / MM
            # postal block: La Poste reads 8 to 12 pt
            in_window = x >= ADDRESS_X_MM and ADDRESS_Y_MM <= top <= ADDRESS_Y_MM + ADDRESS_H_MM
            if text.strip() and not in_window:
                sizes.append((size, text.strip()))

        page.extract_text(visitor_text=visit)
    assert any(text.startswith("Référence") for _, text in sizes)
    assert [(size, text) for size, text in sizes if size < 14] == []


def test_address_block_sits_in_the_window() -> None:
    pdf, _ = _letter()
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    height = float(page.mediabox.height)
    positions: dict[str, tuple[float, float]] = {}

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if text.strip():
            positions.setdefault(text.strip(), (tm[4] + cm[4], tm[5] + cm[5]))

    page.extract_text(visitor_text=visit)
    for line in (RECIPIENT.display_name, *RECIPIENT.address_lines):
        x, y = positions[line]
        top_mm = (height - y) / MM
        assert ADDRESS_X_MM <= x / MM < ADDRESS_X_MM + 2, line
        assert ADDRESS_Y_MM <= top_mm <= ADDRESS_Y_MM + ADDRESS_H_MM, line
        # The block stays inside the DL window (100 x 45 mm, 20 mm from the right edge, 45 mm from the top).
        assert x / MM > WINDOW_X_MM and top_mm >= WINDOW_Y_MM and ADDRESS_X_MM + ADDRESS_W_MM <= 190, line


def test_address_too_long_is_refused() -> None:
    crowded = Recipient(display_name="M. X", address_lines=tuple(f"ligne {i}" for i in range(6)))
    with pytest.raises(AddressBlockError):
        build_letter_pdf(
            sender_name="ADIL",
            sender_lines=(),
            recipient=crowded,
            subject="Objet",
            html_body="<p>Texte</p>",
            letter_date=date(2026, 11, 25),
            reference="R",
        )


def test_letter_written_once(tmp_path: Path) -> None:
    outbox = OutboxChannel(tmp_path, "courrier")
    message = _message("courrier", "mise_a_disposition")
    first = outbox.send(message)
    second = outbox.send(message)
    assert first == second
    assert first.status == "delivered"
    assert first.provider_ref.startswith("courrier/2026-11-25/")
    assert first.provider_ref.endswith(".pdf")
    assert "dispatch-1" not in first.provider_ref
    assert (tmp_path / first.provider_ref).read_bytes().startswith(b"%PDF-")
    assert _journal(tmp_path) == [
        {"key_hash": Path(first.provider_ref).stem, "channel": "courrier", "file": first.provider_ref}
    ]


def test_sms_written_once(tmp_path: Path) -> None:
    outbox = OutboxChannel(tmp_path, "sms")
    message = _message("sms", "relance")
    result = outbox.send(message)
    outbox.send(message)
    content = (tmp_path / result.provider_ref).read_text(encoding="utf-8")
    assert content == f"À : +33612345678\n\n{message.body}\n"
    assert len(_journal(tmp_path)) == 1


def test_email_written_once(tmp_path: Path) -> None:
    outbox = OutboxChannel(tmp_path, "email")
    message = _message("email", "relance")
    result = outbox.send(message)
    outbox.send(message)
    assert result.provider_ref.endswith(".eml")
    parsed = email.message_from_bytes(
        (tmp_path / result.provider_ref).read_bytes(), policy=email.policy.default
    )
    assert isinstance(parsed, EmailMessage)
    assert parsed["To"].addresses[0].addr_spec == "aicha.benali@example.org"
    assert parsed["From"].addresses[0].display_name == "ADIL de la Loire-Atlantique"
    assert parsed["From"].addresses[0].addr_spec == "noreply@chaine.invalid"
    assert parsed["Subject"] == message.subject
    plain = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    assert "DOS-2026-00042" in plain.get_content()
    assert "</p>" in html.get_content()
    assert len(_journal(tmp_path)) == 1


def test_distinct_keys_write_distinct_files(tmp_path: Path) -> None:
    outbox = OutboxChannel(tmp_path, "sms")
    refs = {outbox.send(_message("sms", "relance", key=f"dispatch-{i}")).provider_ref for i in range(3)}
    assert len(refs) == 3
    assert len(_journal(tmp_path)) == 3


@pytest.mark.parametrize(
    ("channel", "slug", "recipient"),
    [
        ("sms", "relance", Recipient(display_name="X", address_lines=("1 rue A", "44000 NANTES"))),
        ("email", "relance", Recipient(display_name="X", phone="+33612345678")),
        ("courrier", "information_etat", Recipient(display_name="X", phone="+33612345678")),
    ],
)
def test_missing_contact_is_permanent(tmp_path: Path, channel: str, slug: str, recipient: Recipient) -> None:
    outbox = OutboxChannel(tmp_path, channel)
    with pytest.raises(PermanentChannelError, match="no_channel"):
        outbox.send(_message(channel, slug, recipient=recipient))
    assert _journal(tmp_path) == []


def test_date_is_required(tmp_path: Path) -> None:
    message = _message("sms", "relance")
    undated = OutboundMessage(
        idempotency_key=message.idempotency_key,
        channel="sms",
        recipient=message.recipient,
        sender_name=message.sender_name,
        body=message.body,
    )
    with pytest.raises(PermanentChannelError, match="date"):
        OutboxChannel(tmp_path, "sms").send(undated)


def _send_in_child(root: str, message: OutboundMessage) -> str:
    return OutboxChannel(Path(root), message.channel).send(message).provider_ref


def test_concurrent_processes_write_once(tmp_path: Path) -> None:
    message = _message("courrier", "information_etat")
    # spawn, not fork: a pytest-xdist worker has threads of earlier tests (servers, background jobs), and a child
    # forked while one of them holds a lock waits for it forever (CI hung there once the long files ran first).
    with ProcessPoolExecutor(max_workers=4, mp_context=multiprocessing.get_context("spawn")) as pool:
        refs = set(pool.map(_send_in_child, [str(tmp_path)] * 8, [message] * 8))
    assert len(refs) == 1
    assert len(_journal(tmp_path)) == 1
    assert not list(tmp_path.rglob(".tmp-*"))
