"""An auditor of the evaluation's JSON report (docs/security.md E5): every published figure that adds up to another
(a line and its total, the groups of a park, bailleur, stage or territory split and the whole, a park × step grid
and its margins, the same figure in two tables, a partner's own households and every partner's) is a linear
equation; the hidden cells ("< 5", "secret") are the unknowns. A hidden cell is recovered when the equations fix
its value, whatever the others: that is every difference of published totals, and every combination of them,
tried at once (Gaussian elimination over the rationals). The others' part of a partner's own view (every partner's
households minus its own) is an unknown too, recovered when small."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

Ref = tuple[str, int, str]  # (table, line, column), or ("autres", 0, column) for the others' part
Term = tuple[int, Ref]
HIDDEN = ("< 5", "secret")
PARTITIONS = ("taux_bailleur", "taux_parc", "taux_stade", "taux_territoire")


class Audit:
    def __init__(self, report: dict[str, Any]) -> None:
        self.sections: dict[str, list[dict[str, Any]]] = {k: v["lignes"] for k, v in report["sections"].items()}
        self.equations: list[list[Term]] = []

    def value(self, ref: Ref) -> object:
        table, line, column = ref
        if table == "autres":
            return "autres"
        return self.sections[table][line][column]

    def find(self, table: str, column: str, value: str) -> int | None:
        return next((i for i, line in enumerate(self.sections.get(table, [])) if line.get(column) == value), None)

    def add(self, terms: list[Term]) -> None:
        """Σ terms = 0, kept when every cell is a count or a hidden count."""
        if all(isinstance(self.value(r), int) or self.value(r) in (*HIDDEN, "autres") for _c, r in terms):
            self.equations.append(terms)

    def split(self, parts: list[Ref], total: Ref) -> None:
        self.add([*((1, p) for p in parts), (-1, total)])


def _relations(audit: Audit) -> None:
    s = audit.sections
    whole = [("synthese", 0, c) for c in ("menages", "repondants")]
    for table in PARTITIONS:
        for total in whole:
            audit.split([(table, i, total[2]) for i in range(len(s.get(table, [])))], total)
    for i, line in enumerate(s.get("courriers_par_menage", [])):
        buckets = [f"menages_{k}" for k in range(5)]
        audit.split([("courriers_par_menage", i, b) for b in [*buckets, "menages_5_plus"]],
                    ("courriers_par_menage", i, "menages"))
        if line["menages_5_plus"] == 0:
            audit.add([*((k, ("courriers_par_menage", i, b)) for k, b in enumerate(buckets)),
                       (-1, ("courriers_par_menage", i, "courriers"))])
    if "courriers_par_menage" in s:
        audit.split([("courriers_par_menage", i, "menages") for i in range(len(s["courriers_par_menage"]))],
                    whole[0])
    for i, line in enumerate(s.get("taux_canal", [])):
        rows = [j for j, r in enumerate(s.get("taux_canal_bailleur", [])) if r["canal"] == line["valeur"]]
        for column in ("menages", "repondants"):
            audit.split([("taux_canal_bailleur", j, column) for j in rows], ("taux_canal", i, column))
    modes = s.get("modes_de_contact", [])
    for parc in {r["parc"] for r in modes}:
        rows = [j for j, r in enumerate(modes) if r["parc"] == parc]
        audit.split([("modes_de_contact", j, "menages") for j in rows], ("modes_de_contact", rows[0], "total"))
        found = audit.find("taux_parc", "valeur", parc)
        if found is not None:
            audit.split([("modes_de_contact", rows[0], "total")], ("taux_parc", found, "repondants"))
    for step in {r["mode"] for r in modes}:
        found = audit.find("taux_etape", "valeur", step)
        if found is not None:
            audit.split([("modes_de_contact", j, "menages") for j, r in enumerate(modes) if r["mode"] == step],
                        ("taux_etape", found, "repondants"))
    letters = audit.find("taux_canal", "valeur", "courrier")
    funnel = s.get("entonnoir", [])
    for i, line in enumerate(funnel):
        found = audit.find("taux_stade", "valeur", line["stade"])
        if found is not None:
            audit.split([("entonnoir", i, "contactes")], ("taux_stade", found, "menages"))
            audit.split([("entonnoir", i, "repondants")], ("taux_stade", found, "repondants"))
    if letters is not None and funnel:
        audit.split([("entonnoir", i, "courrier") for i in range(len(funnel))], ("taux_canal", letters, "menages"))
    npai = s.get("npai", [])
    if npai:
        for column in ("courriers", "npai"):
            audit.split([("npai", i, column) for i in range(len(npai) - 1)], ("npai", len(npai) - 1, column))
    same = {"Ménages contactés, tous canaux": ("taux_parc", "menages", whole[0]),
            "Ménages ayant répondu": ("taux_parc", "repondants", whole[1]),
            "Nombre de courriers transmis": ("npai", "courriers", None),
            "Courriers revenus « n'habite pas à l'adresse indiquée » (NPAI)": ("npai", "npai", None)}
    for i, line in enumerate(s.get("indicateurs_charte", [])):
        if not all(isinstance(line[c], int) or line[c] in HIDDEN for c in ("parc_prive", "parc_public", "total")):
            continue
        audit.add([(1, ("indicateurs_charte", i, "parc_prive")), (1, ("indicateurs_charte", i, "parc_public")),
                   (1, ("autres", i, "indicateur")), (-1, ("indicateurs_charte", i, "total"))])
        table, column, total_ref = same.get(line["indicateur"], ("", "", None))
        for parc, label in (("parc_prive", "parc privé"), ("parc_public", "parc social")):
            found = audit.find(table, "valeur" if table != "npai" else "parc", label)
            if found is not None:
                audit.split([("indicateurs_charte", i, parc)], (table, found, column))
        if total_ref is not None:
            audit.split([("indicateurs_charte", i, "total")], total_ref)
    for table, label_column, total_label in (("en_cours", "etat", "total"),
                                             ("clotures", "motif", "total des dossiers clôturés")):
        lines = s.get(table, [])
        end = audit.find(table, label_column, total_label)
        if end is not None:
            audit.split([(table, i, "menages") for i in range(end)], (table, end, "menages"))
            if end + 1 < len(lines):
                audit.split([(table, i, "menages") for i in range(end + 1, len(lines))], (table, end, "menages"))
    _mobile_team(audit)
    synthesis = s.get("synthese", [])
    if len(synthesis) == 2:  # a partner's own households and every partner's: the others' part is unknown
        for column in ("menages", "repondants"):
            audit.split([("synthese", 0, column), ("autres", 1, column)], ("synthese", 1, column))


def _mobile_team(audit: Audit) -> None:
    """The mobile team's summary: its « dont » lines add up to their totals, which are those of the tables
    clotures and en_cours; its accompanied lines are lines of those tables too; the gap is a difference."""
    table = "synthese_equipe_mobile"
    lines = audit.sections.get(table, [])
    same = {"dossiers clôturés sur la période": ("clotures", "motif", "total des dossiers clôturés"),
            "dossiers en cours, premier contact dans la période": ("en_cours", "etat", "total"),
            "ménages accompagnés : réponse enregistrée avant la clôture":
                ("clotures", "motif", "dont : avaient répondu avant la clôture"),
            "dont : ménages accompagnés (ont répondu)": ("en_cours", "etat", "ont répondu")}
    for i, line in enumerate(lines):
        if line["indicateur"].startswith("dont :"):
            continue
        parts = []
        for j in range(i + 1, len(lines)):
            if not lines[j]["indicateur"].startswith("dont :"):
                break
            parts.append((table, j, "nombre"))
        if parts:
            audit.split(parts, (table, i, "nombre"))
    for i, line in enumerate(lines):
        other, column, label = same.get(line["indicateur"], ("", "", ""))
        found = audit.find(other, column, label)
        if found is not None:
            audit.split([(table, i, "nombre")], (other, found, "menages"))
    gap = audit.find(table, "indicateur", "écart entre les ménages accompagnés et les motifs de clôture")
    answered = audit.find(table, "indicateur", "ménages accompagnés : réponse enregistrée avant la clôture")
    contacted = audit.find(table, "indicateur", "dont : le ménage a pris contact (d'après le motif de clôture)")
    if gap is not None and answered is not None and contacted is not None:
        audit.add([(1, (table, answered, "nombre")), (-1, (table, contacted, "nombre")), (-1, (table, gap, "nombre"))])


def recovered_cells(report: dict[str, Any]) -> list[tuple[Ref, Fraction]]:
    """The hidden cells (and small parts of others) that the published figures fix, with their values."""
    audit = Audit(report)
    _relations(audit)
    unknowns: list[Ref] = sorted({r for eq in audit.equations for _c, r in eq
                                  if not isinstance(audit.value(r), int)})
    column = {r: j for j, r in enumerate(unknowns)}
    matrix: list[list[Fraction]] = []
    for equation in audit.equations:
        row = [Fraction(0)] * (len(unknowns) + 1)
        for coefficient, ref in equation:
            known = audit.value(ref)
            if isinstance(known, int):
                row[-1] -= coefficient * known
            else:
                row[column[ref]] += coefficient
        matrix.append(row)
    pivot_row = 0
    for j in range(len(unknowns)):
        found = next((i for i in range(pivot_row, len(matrix)) if matrix[i][j] != 0), None)
        if found is None:
            continue
        matrix[pivot_row], matrix[found] = matrix[found], matrix[pivot_row]
        lead = matrix[pivot_row][j]
        matrix[pivot_row] = [x / lead for x in matrix[pivot_row]]
        for i in range(len(matrix)):
            if i != pivot_row and matrix[i][j] != 0:
                factor = matrix[i][j]
                matrix[i] = [a - factor * b for a, b in zip(matrix[i], matrix[pivot_row], strict=True)]
        pivot_row += 1
    recovered: list[tuple[Ref, Fraction]] = []
    for row in matrix[:pivot_row]:
        nonzero = [j for j, x in enumerate(row[:-1]) if x != 0]
        if len(nonzero) == 1:
            ref, value = unknowns[nonzero[0]], row[-1]
            if ref[0] != "autres" or (ref[2] != "indicateur" and 0 < value < 5):
                recovered.append((ref, value))
    return recovered
