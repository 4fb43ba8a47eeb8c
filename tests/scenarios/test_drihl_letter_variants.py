"""The DRIHL of Seine-Saint-Denis's letter at the commandement de payer (docs/domain.md §2.2 M07; 003 L3925–3928),
through the HTTP API and the command line only: the DRIHL starts its campaign from the preset
`drihl_93_commandement`, pushes six households of both parks and every debt band, `chaine envoyer` prints the
letters, and each letter (read back with pdftotext, as the addressee reads it) carries its household's variant:
five types of letter by debt band and park, the 3 000 to 7 000 € band sent to the ADIL."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.conftest import Clock
from tests.scenarios.service import service

DRIHL = "DRIHL de Seine-Saint-Denis"
PRIVATE = "Votre propriétaire vous a fait remettre un commandement de payer"
SOCIAL = "Votre bailleur social peut saisir le juge dans deux mois"
ADIL = "Pour une dette comprise entre 3 000 et 7 000 €, nous vous encourageons à consulter l’Agence départementale"
HIGH = "Votre dette de loyer dépasse 7 000 €."
# Street, park, debt, the variant's opening words, and those that must not be there.
HOUSEHOLDS = {
    "CDP-93-0001": ("3 rue Jean Jaurès", "prive", "1 250,00", PRIVATE, (ADIL, HIGH, SOCIAL)),
    "CDP-93-0002": ("18 avenue Paul Vaillant-Couturier", "prive", "4 500,00", PRIVATE, (HIGH, SOCIAL)),
    "CDP-93-0003": ("7 allée des Tilleuls", "social", "2 980,00", SOCIAL, (ADIL, HIGH, PRIVATE)),
    "CDP-93-0004": ("41 rue de la République", "social", "6 999,99", SOCIAL, (HIGH, PRIVATE)),
    "CDP-93-0005": ("2 place de la Mairie", "social", "12 400,00", HIGH, (ADIL, PRIVATE, SOCIAL)),
    "CDP-93-0006": ("95 boulevard Lénine", "prive", "", PRIVATE, (ADIL, HIGH, SOCIAL)),  # debt not known
}
SUBJECTS = {PRIVATE: "Commandement de payer : agissez avec votre propriétaire pendant le délai",
            SOCIAL: "Votre bailleur social peut saisir le juge : agissez dans les deux mois",
            HIGH: "Votre dette dépasse 7 000 € : demandez dès maintenant l’aide d’un travailleur social"}
ADIL_SUBJECT = "Votre dette est de 3 000 à 7 000 € : l’ADIL vous conseille gratuitement"


def _row(reference: str, street: str, parc: str, debt: str, i: int) -> dict[str, Any]:
    return {"reference": reference, "stade": "commandement_de_payer", "date_stade": "02/03/2026", "parc": parc,
            "nom": f"Diallo{'abcdef'[i]}", "prenom": "Awa", "adresse": street, "code_postal": "93000",
            "commune": "Bobigny", "montant_dette": debt}


def _text(pdf: Path) -> str:
    done = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True)
    return " ".join(done.stdout.replace("\u00a0", " ").split())


def test_each_household_gets_its_drihl_letter_variant(tmp_path: Path, clock: Clock) -> None:
    clock.now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    with service(tmp_path, clock) as s:
        s.partner(DRIHL, "etat", "--telephone", "01 41 60 66 00")
        created = s.post(DRIHL, "/api/v1/campagnes/modeles/drihl_93_commandement",
                         {"nom": "Courrier de la DRIHL au commandement de payer"}, expected=201)
        s.post(DRIHL, f"/api/v1/campagnes/{created['id']}/activer", {})
        rows = [_row(reference, street, parc, debt, i)
                for i, (reference, (street, parc, debt, _v, _n)) in enumerate(HOUSEHOLDS.items())]
        assert s.push(DRIHL, rows)["crees"] == len(rows)
        s.send(datetime(2026, 3, 3, 9, 0, tzinfo=UTC))

        letters = [_text(pdf) for pdf in sorted((tmp_path / "outbox" / "courrier").rglob("*.pdf"))]
        assert len(letters) == len(HOUSEHOLDS), letters
        for reference, (street, _parc, debt, opening, absent) in HOUSEHOLDS.items():
            mine = [text for text in letters if street.upper() in text.upper()]
            assert len(mine) == 1, (reference, street)
            text = mine[0]
            assert f"référence {reference}" in text and opening in text, (reference, text)
            for other in absent:
                assert other not in text, (reference, other)
            band_adil = ADIL not in absent and opening != HIGH
            assert (ADIL in text) == band_adil, reference
            assert (ADIL_SUBJECT if band_adil else SUBJECTS[opening]) in text, (reference, text[:400])
            if debt:
                assert f"{debt} €" in text, (reference, debt)
            else:
                assert "montant de la dette qui nous a été signalé" not in text
            assert DRIHL in text and "Bobigny".upper() in text.upper()
