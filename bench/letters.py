"""Letters/s for single PDF letters (standard, FALC, Arabic), a print batch, and a WeasyPrint baseline.

Each letter is its own document, rendered one after the other on one core, to different households (so
font subsets vary). "first" is a kind's first letter: fonts parsed (first kind only) and subsets built.
"delivery" is the letter bench/delivery.py sends: the information_etat model as rendered, with an answer link (its
QR code) for each household.
Run: .venv/bin/python bench/letters.py [--letters 200] [--batch 500] [--kinds standard,falc,arabic,delivery]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from campaigns.messages.rendering import list_templates, render  # noqa: E402
from campaigns.platform.ports import Recipient  # noqa: E402
from channels.letter.batches import BatchLetter, assemble_batch  # noqa: E402
from channels.letter.pdf import build_letter_pdf  # noqa: E402

DAY = date(2026, 11, 25)
SENDER = "ADIL de la Loire-Atlantique"
SENDER_LINES = ("Service prévention des expulsions", "6 rue René Viviani", "44200 Nantes", "02 40 00 00 00")
NAMES = (
    "Madame Aïcha Benali", "Monsieur Jean-Noël Lefèvre", "Madame Zofia Wąsowska", "Monsieur Şükrü Yılmaz",
    "Madame Nguyễn Thị Hương", "Monsieur Loïc Le Guellec", "Madame Ana Muñoz García", "Monsieur Kévin Durand",
)  # fmt: skip
CONTEXT: dict[str, object] = {
    "telephone_contact": "02 61 91 00 44",
    "fin_treve": "31 mars 2027",
    "destinataire": "Madame Aïcha Benali",
    "expediteur": SENDER,
    "stade": "assignation",
    "stade_libelle": "assignation au tribunal",
    "commune": "Nantes",
    "montant_dette": Decimal("2345.50"),
    "date_audience": date(2027, 1, 14),
    "date_envoi": DAY,
    "reference": "DOS-2026-00042",
}
# Brings the standard letter from ~1.2 to ~1.5 pages of text.
EXTRA_FR = (
    "<p><strong>Vos droits pendant la procédure</strong><br>Vous pouvez être accompagné gratuitement par un "
    "travailleur social, demander l’aide juridictionnelle pour être assisté d’un avocat, et saisir la commission "
    "de surendettement si vos dettes dépassent vos ressources. Conservez tous les courriers reçus : ils vous seront "
    "demandés lors de vos démarches, en particulier le commandement de payer et l’assignation.</p>"
    "<p><strong>Après l’audience</strong><br>Le jugement vous sera signifié par un commissaire de justice. Lisez-le "
    "attentivement : il peut vous accorder des délais de paiement. Si vous les respectez, le bail n’est pas résilié. "
    "En cas de difficulté nouvelle, prévenez sans attendre votre bailleur et les services qui vous accompagnent.</p>"
)
AR_BODY = (
    "<p>السيدة، السيد،</p>"
    "<p>تم إبلاغ مصالح الدولة بوجود إجراء قضائي بسبب إيجارات غير مدفوعة يخص مسكنكم في نانت. وصل هذا الإجراء إلى "
    "المرحلة التالية: <strong>الاستدعاء إلى المحكمة</strong>. يشرح لكم هذا الخطاب معنى ذلك ومن يمكنه مساعدتكم.</p>"
    "<p>المبلغ المصرح به هو <strong>2\u202f345,50\u00a0€</strong>. إذا بدا لكم غير صحيح، "
    "أخبروا المالك والمصالح المذكورة أدناه.</p>"
    "<p>الجلسة محددة يوم 14 يناير 2027. من المهم جدا أن تحضروا أو أن يمثلكم محام.</p>"
    "<ul><li>المصالح الاجتماعية في بلديتكم</li><li>الوكالة الإقليمية للإعلام حول السكن (ADIL)</li>"
    "<li>المالك، للاتفاق على جدول تسديد</li></ul>"
    "<p>اتصلوا بنا على الرقم 02 61 91 00 44 واذكروا المرجع DOS-2026-00042.</p>"
) * 2
# A real Arabic template, when the repository has it: two dense pages mixing Arabic and French terms.
AR_TEMPLATE = ("courrier", "etape_assignation", "ar", False)
GLOSSARY = (
    ("ADIL", "Agence départementale pour l’information sur le logement."),
    ("CCAS", "Centre communal d’action sociale, à la mairie."),
    ("FSL", "Fonds de solidarité pour le logement : il aide à payer les dettes de loyer."),
)


def _recipient(i: int) -> Recipient:
    return Recipient(
        display_name=NAMES[i % len(NAMES)],
        address_lines=(f"Appartement {i % 90 + 1}, escalier B", f"{i % 200 + 1} rue des Olivettes", "44000 NANTES"),
    )


def _answer_link(i: int) -> str:
    # The shape of campaigns/links/tokens.py's links: 22 characters of URL-safe base64 after /r/.
    token = base64.urlsafe_b64encode(hashlib.sha256(f"lien-{i}".encode()).digest()[:16]).decode().rstrip("=")
    return f"https://chaine.example.fr/r/{token}"


def _letter_maker(kind: str) -> Callable[[int], bytes]:
    rendered = render("courrier", "information_etat", locale="fr", falc=kind == "falc", context=CONTEXT)
    body = {"standard": rendered.html_body + EXTRA_FR, "falc": rendered.html_body, "arabic": AR_BODY,
            "delivery": rendered.html_body}.get(kind, "")  # fmt: skip
    subject = "إجراء قضائي بسبب إيجارات غير مدفوعة" if kind == "arabic" else rendered.subject
    if kind == "ar-model":
        rendered = render("courrier", AR_TEMPLATE[1], locale="ar", falc=False, context=CONTEXT)
        body, subject = rendered.html_body, rendered.subject

    def make(i: int) -> bytes:
        return build_letter_pdf(
            sender_name=SENDER,
            sender_lines=SENDER_LINES,
            recipient=_recipient(i),
            subject=subject,
            html_body=body,
            letter_date=DAY,
            reference=f"DOS-2026-{i:05d}",
            font_size=14 if kind == "falc" else 11,
            locale="ar" if kind in ("arabic", "ar-model") else "fr",
            glossary=GLOSSARY if kind == "falc" else (),
            link_url=_answer_link(i) if kind == "delivery" else None,
        )

    return make


def _pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def bench_single(kind: str, n: int) -> None:
    make = _letter_maker(kind)
    start = time.perf_counter()
    first = make(0)
    cold = time.perf_counter() - start
    timings = []
    out = [first]
    cpu_start = time.process_time()
    for i in range(1, n):
        t0 = time.perf_counter()
        out.append(make(i))
        timings.append(time.perf_counter() - t0)
    cpu = time.process_time() - cpu_start
    size = statistics.mean(len(pdf) for pdf in out) / 1024
    # CPU time is the one-core figure; wall time also counts whatever else runs on the machine.
    print(
        f"{kind:9s} N={n}: {len(timings) / cpu:6.1f} letters/s CPU, {len(timings) / sum(timings):6.1f} wall"
        f" (median {statistics.median(timings) * 1000:.1f} ms, first {cold * 1000:.0f} ms),"
        f" {_pages(first)} pages, {size:.0f} KiB/letter"
    )


def bench_batch(n: int) -> None:
    make = _letter_maker("standard")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        batch = []
        for i in range(n):  # distinct letters, rendered beforehand: only the assembly is timed
            path = folder / f"{i}.pdf"
            path.write_bytes(make(i))
            batch.append(BatchLetter(dispatch_id=i + 1, pdf_path=path, reference=f"DOS-2026-{i:05d}", pages=None))
        start = time.perf_counter()
        result = assemble_batch(batch, folder / "out", partner_slug="adil-44", day=DAY)
        elapsed = time.perf_counter() - start
        parts = sum(p.stat().st_size for p in folder.glob("*.pdf")) / 2**20
        print(
            f"batch     N={n}: {n / elapsed:6.1f} letters/s ({elapsed:.1f} s), {result.pages} pages,"
            f" {result.pdf_path.stat().st_size / 2**20:.1f} MiB (the letters alone: {parts:.1f} MiB)"
        )


def bench_weasyprint(n: int) -> None:
    try:
        from weasyprint import HTML  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except (ImportError, OSError) as exc:
        print(f"WeasyPrint baseline: not installable here ({type(exc).__name__}: {exc})")
        return
    rendered = render("courrier", "information_etat", locale="fr", falc=False, context=CONTEXT)
    css = (
        "@page { size: A4; margin: 20mm; @bottom-center { content: 'Page ' counter(page) ' / ' counter(pages);"
        " font: 9pt 'DejaVu Sans'; color: #505050 } }"
        "body { font: 11pt/1.3 'DejaVu Sans' } .address { position: absolute; top: 35mm; left: 90mm;"
        " width: 85mm; height: 33mm; font-size: 10.5pt } .date { margin: 78mm 0 0 90mm }"
    )

    def make(i: int) -> bytes:
        recipient = _recipient(i)
        address = "<br>".join((recipient.display_name, *recipient.address_lines))
        html = (
            f"<html><head><style>{css}</style></head><body><b>{SENDER}</b><br>{'<br>'.join(SENDER_LINES)}"
            f"<div class='address'>{address}</div><div class='date'>Le 25 novembre 2026</div>"
            f"<p><b>Objet : {rendered.subject}</b><br>Référence : DOS-2026-{i:05d}</p>"
            f"{rendered.html_body}{EXTRA_FR}</body></html>"
        )
        pdf = HTML(string=html).write_pdf()
        assert pdf is not None
        return bytes(pdf)

    make(0)
    start = time.perf_counter()
    for i in range(1, n + 1):
        make(i)
    elapsed = time.perf_counter() - start
    print(f"WeasyPrint N={n}: {n / elapsed:6.1f} letters/s (same standard letter, HTML/CSS layout)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=200)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--weasyprint", type=int, default=50, help="letters for the baseline (it is slow)")
    parser.add_argument(
        "--kinds", default="standard,falc,arabic", help="single letters: standard, falc, arabic, delivery"
    )
    args = parser.parse_args()
    for kind in args.kinds.split(","):
        bench_single(kind, args.letters)
    if AR_TEMPLATE in list_templates() and "arabic" in args.kinds.split(","):
        bench_single("ar-model", max(args.letters // 4, 2))
    if args.batch:
        bench_batch(args.batch)
    if args.weasyprint:
        bench_weasyprint(args.weasyprint)


if __name__ == "__main__":
    main()
