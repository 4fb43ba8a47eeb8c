"""Text encoded twice (UTF-8 read as Windows-1252, saved again as UTF-8) is repaired with a row warning naming
its line and field; legitimate accented text, cp1252 and latin-1 files are left as written
(campaigns/intake/mojibake.py)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from campaigns.intake.csv_files import read_csv
from campaigns.intake.mojibake import REPAIRED, REPAIRED_KEY, repair_mapping, repaired
from campaigns.models import Case, Partner
from campaigns.runtime.root import Runtime
from tests.conftest import new_partner

# Names and places as French partners write them, and a few from elsewhere (« Ãlvaro » is not among them: a
# Portuguese name's capital Á read as Windows-1252 is its own mojibake, « Ã\x81lvaro »).
LEGITIMATE = ["Hélène", "Lefèvre", "Œuvre", "Maëlle", "Aïssatou", "N'Diaye", "Françoise", "Noël", "Jérôme",
              "Cécile", "ÉLODIE", "Ève-Marie", "Saint-Étienne", "Château-Thébaud", "Sébastien Müller", "Øystein",
              "Zoë", "Ñuñez", "Çelik", "Ångström", "12 rue de l'Église, bât. « B »", "Allô", "Âge d'or",
              "résidence « Les Pins »", "50 % à 100 €", "2ème étage", "Ã", "«Â»"]


def _garbled(text: str) -> str:
    return text.encode().decode("cp1252")


@pytest.mark.parametrize("text", LEGITIMATE)
def test_legitimate_text_is_never_repaired(text: str) -> None:
    assert repaired(text) is None


@pytest.mark.parametrize("text", [t for t in LEGITIMATE if not t.isascii() and "Ã" not in t and "Â" not in t])
def test_text_encoded_twice_is_repaired(text: str) -> None:
    assert repaired(_garbled(text)) == text
    assert repaired(_garbled(_garbled(text))) == text  # garbled twice: both round trips undone


def test_undefined_windows_1252_bytes_read_as_controls_are_repaired() -> None:
    # « Á » is C3 81; 0x81 has no Windows-1252 character: decoders that let it through give U+0081.
    assert repaired("Ã\x81lvaro") == "Álvaro"


def test_a_csv_file_encoded_twice_is_read_repaired_with_its_fields_named() -> None:
    text = "Référence;Stade;Nom;Prénom;Commune\nR-1;impaye;Lefèvre;Hélène;Nantes\nR-2;impaye;Martin;Jean;Rezé\n"
    content = read_csv(text.encode().decode("cp1252").encode())
    assert content.columns == ("reference", "stade", "nom", "prenom", "commune")
    rows = [row for _, row in content.rows]
    assert [(r["nom"], r["prenom"], r["commune"]) for r in rows] == [("Lefèvre", "Hélène", "Nantes"),
                                                                    ("Martin", "Jean", "Rezé")]
    assert [r.get(REPAIRED_KEY) for r in rows] == ["nom,prenom", "commune"]


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252", "latin-1"])
def test_files_in_one_encoding_are_read_as_written(encoding: str) -> None:
    names = ["Hélène Lefèvre", "Françoise Noël", "Jérôme Château", "Maëlle Aïssatou"]
    text = "reference;stade;nom;commune\n" + "".join(f"R-{i};impaye;{name};Rezé\n" for i, name in enumerate(names))
    rows = [row for _, row in read_csv(text.encode(encoding)).rows]
    assert [r["nom"] for r in rows] == names
    assert not any(REPAIRED_KEY in r for r in rows)


def test_a_json_row_encoded_twice_is_repaired() -> None:
    raw = {"reference": "R-1", "nom": _garbled("Lefèvre"), "montant_dette": 12, "prenom": "Hélène"}
    fixed, fields = repair_mapping(raw)
    assert (fixed["nom"], fixed["prenom"], fixed["montant_dette"], fields) == ("Lefèvre", "Hélène", 12, ["nom"])
    assert repair_mapping({"nom": "Lefèvre"}) == ({"nom": "Lefèvre"}, [])


def _row(reference: str, nom: str, prenom: str) -> dict[str, str]:
    return {"reference": reference, "stade": "impaye", "date_stade": "02/11/2026", "nom": nom, "prenom": prenom,
            "date_naissance": "12/03/1985", "adresse": "3 rue de la Paix", "code_postal": "44000",
            "commune": "Nantes", "telephone": "0612345678"}


def test_pushed_rows_encoded_twice_are_stored_repaired_with_a_warning(runtime: Runtime, client: TestClient) -> None:
    _, headers = new_partner(runtime, "Habitat 44", "bailleur_social")
    rows = [_row("R-1", _garbled("Lefèvre"), _garbled("Hélène")), _row("R-2", "Noël", "Françoise")]
    answer = client.post("/api/v1/signalements", json=rows, headers=headers).json()
    assert (answer["crees"], answer["rejetes"]) == (2, 0)
    assert [(r["ligne"], r["champ"], r["motif"]) for r in answer["rejets"]] == [(1, "nom", REPAIRED),
                                                                                (1, "prenom", REPAIRED)]
    header = ";".join(rows[0])
    data = "\n".join([header, *(";".join(r.values()) for r in [_row("R-3", "Lefèvre", "Hélène")]), ""])
    posted = client.post("/api/v1/signalements", content=_garbled(data).encode(),
                         headers=headers | {"Content-Type": "text/csv"})
    runtime.join_background(60)
    report = client.get(posted.headers["Location"], headers=headers).json()
    assert (report["crees"], report["rejetes"]) == (1, 0)
    assert [(r["ligne"], r["champ"], r["motif"]) for r in report["rejets"]] == [(2, "nom", REPAIRED),
                                                                                (2, "prenom", REPAIRED)]
    with runtime.session_factory() as session:
        cases = session.scalars(select(Case).join(Partner).where(Partner.name == "Habitat 44")).all()
        assert sorted((c.reference, c.nom, c.prenom) for c in cases) == [
            ("R-1", "Lefèvre", "Hélène"), ("R-2", "Noël", "Françoise"), ("R-3", "Lefèvre", "Hélène")]
