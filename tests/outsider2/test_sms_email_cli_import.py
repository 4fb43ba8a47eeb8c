"""SMS and e-mails read by the household, a household without a phone, and the CLI import of a Windows-1252 file
pushed twice (api.md CSV files; campaigns.md conditions and `no_channel`)."""

from __future__ import annotations

import email
import re
from datetime import datetime, timedelta
from email.policy import default

from tests.outsider.world import World
from tests.outsider2.helpers import BAILLEUR, ENGLISH, setup_partners

CAMPAIGN = f"""
campaigns:
  - name: "Relance numérique du bailleur"
    owner: "{BAILLEUR}"
    stages: [commandement_de_payer]
    steps:
      - {{channel: email, template: relance}}
      - {{channel: sms, template: relance, delay_days: 1}}
"""

CSV = (
    "reference;stade;date_stade;parc;nom;prenom;date_naissance;nom_cotitulaire;prenom_cotitulaire;adresse;"
    "code_postal;commune;telephone;email;montant_dette\n"
    "CV-1;commandement_de_payer;20/11/2026;social;de Chaumont-Quitry;Hélène;03/03/1971;;;4 allée des Chênes;"
    "67100;Strasbourg;06 70 00 00 01;helene@example.org;1 234,56\n"
    "CV-2;commandement_de_payer;20/11/2026;social;Lefèvre;Gérard;04/04/1964;Lefèvre;Renée;5 allée des Chênes;"
    "67100;Strasbourg;;gerard@example.org;980\n"
)


def test_cli_import_twice_then_email_and_sms_in_french(world: World) -> None:
    setup_partners(world)
    world.load_campaigns(CAMPAIGN)
    path = world.data_dir / "impayes.csv"
    path.write_bytes(CSV.encode("cp1252"))
    first = world.cli("importer", str(path), "--partner", BAILLEUR).stdout
    again = world.cli("importer", str(path), "--partner", BAILLEUR).stdout
    assert "2" in first and not ENGLISH.search(first + again), (first, again)
    assert "inchang" in again.lower(), again
    # the CLI import runs on the real clock: send when its contacts fall due
    due = min(datetime.fromisoformat(c["prevu_le"]) for c in world.case(BAILLEUR, "CV-1").json()["contacts"])
    world.send(due + timedelta(minutes=5))
    world.send(due + timedelta(days=1, minutes=5))
    mails = [email.message_from_bytes(p.read_bytes(), policy=default) for p in world.emails()]
    assert len(mails) == 2, [m["To"] for m in mails]
    for mail in mails:
        subject = str(mail["Subject"])
        body = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        assert not ENGLISH.search(subject + body), subject + body
        assert "None" not in body and "{{" not in body
        assert "Ã" not in body and "Ã" not in subject, body
    sms = [p.read_text(encoding="utf-8") for p in world.sms()]
    assert len(sms) == 1, sms  # CV-2 has no phone
    assert "+33670000001" in sms[0] and "Ã" not in sms[0]
    contacts = world.case(BAILLEUR, "CV-2").json()["contacts"]
    [sms_step] = [c for c in contacts if c["canal"] == "sms"]
    assert sms_step["statut"] == "skipped" and sms_step["motif"] == "no_channel", sms_step


def test_cli_import_report_is_all_french(world: World) -> None:
    setup_partners(world)
    path = world.data_dir / "impayes.csv"
    path.write_bytes(CSV.encode("cp1252"))
    out = world.cli("importer", str(path), "--partner", BAILLEUR).stdout
    assert "2 créées" in out, out
    assert not re.search(r"\b(done|failed|running|pending)\b", out), out
