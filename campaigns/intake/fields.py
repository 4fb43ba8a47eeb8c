"""Signalement fields: parsing and validation of one pushed row, with French error messages."""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from campaigns.intake import household_facts as facts
from campaigns.intake.bounds import AMOUNT_CEILING, AMOUNT_OUT_OF_BOUNDS, bound_errors, is_placeholder_surname
from campaigns.linkage.names import split_full_name
from campaigns.locale.formats import read_date_fr
from campaigns.locale.text import ascii_fold
from campaigns.models.stages import Stage

# FIELDS, all the column names in the partners' documented order, is defined with the parsers below.
REQUIRED: frozenset[str] = frozenset({"reference", "stade", "nom", "commune"})
# Columns a CSV file must have. A file without a surname column is still read: each of its rows is then refused
# for its missing surname, with its line (a surname is required on every row, docs/security.md). The first name is
# optional (partners' files and FEBRL have rows without one): a row without it is kept with a warning
# (`FIRST_NAME_MISSING`), a file without its column too ("NOM Prénom" in one field, campaigns.linkage.names).
REQUIRED_COLUMNS: frozenset[str] = REQUIRED - {"nom"}


@dataclasses.dataclass(frozen=True, slots=True)
class RowError:
    """One refused value. `reason` is French and never quotes personal data (only codes such as the stade)."""

    row_number: int
    field: str
    reason: str
    warning: bool = False  # the value was dropped and the row kept (`DROPPABLE`)


# Identifying fields a row can do without: an unreadable value is dropped with a warning, the row is kept (a birth
# date out of its bounds, campaigns/intake/bounds.py, still refuses the row: it was read, and is wrong).
DROPPABLE: frozenset[str] = frozenset({"prenom", "telephone", "email", "date_naissance", "date_naissance_cotitulaire",
                                       "mandataire_telephone"})
_DROPPED = " : valeur ignorée, la ligne est gardée sans ce champ"
# A row without a first name is kept: it is linked on the other fields (a missing first name is neutral,
# campaigns/linkage/levels.py) and its letters are addressed to the surname (campaigns/messages/address_block.py).
FIRST_NAME_MISSING = "prénom absent : la ligne est gardée sans prénom"
_FIRST_NAME_PLACEHOLDER = "valeur de remplissage (X, INCONNU, NC…) et non un prénom"


@dataclasses.dataclass(frozen=True, slots=True)
class SignalementRow:
    row_number: int
    reference: str
    stade: Stage
    date_stade: date | None
    parc: str | None
    nom: str | None
    prenom: str | None
    date_naissance: date | None
    nom_cotitulaire: str | None
    prenom_cotitulaire: str | None
    date_naissance_cotitulaire: date | None
    adresse: str | None
    complement_adresse: str | None
    code_postal: str | None
    commune: str
    telephone: str | None
    email: str | None
    montant_dette: Decimal | None
    loyer_mensuel: Decimal | None
    date_premier_impaye: date | None
    allocataire: str | None
    numero_allocataire: str | None
    date_audience: date | None
    langue: str
    falc: bool
    motif_cloture: str | None
    # The household facts the sources route on (campaigns/intake/household_facts.py); absent: unknown.
    enfants_a_charge: int | None = None
    ages_enfants: str | None = None  # "3,7,15"
    aide_logement: str | None = None  # alf, als, apl, aucune, inconnu
    versement_aide_logement: str | None = None  # menage, bailleur
    mesure_protection: str | None = None
    mandataire_nom: str | None = None
    mandataire_adresse: str | None = None
    mandataire_code_postal: str | None = None
    mandataire_commune: str | None = None
    mandataire_telephone: str | None = None
    referent_connu: str | None = None
    injoignable: bool = False
    bailleur: str | None = None  # the landlord a State's or Département's row names


class _InvalidError(Exception):
    """A refused value; the single argument is the French reason."""


_Parser = Callable[[object], object]

_TEXT_EXPECTED = "texte attendu (pas un nombre décimal, un booléen ni une liste)"
_DATE_FORMATS = "formats attendus JJ/MM/AAAA ou AAAA-MM-JJ"
_DATE_BAD_FORMAT = f"date invalide : {_DATE_FORMATS}"
_DATE_IMPOSSIBLE = f"date inexistante (jour ou mois hors calendrier) : {_DATE_FORMATS}"
_AMOUNT_FORMAT = "montant invalide : format attendu 1234,56 ou 1 234,56 € (virgule ou point décimal)"
_AMOUNT_NEGATIVE = "montant négatif refusé : un montant positif ou nul est attendu"
_PHONE_INVALID = (
    "numéro de téléphone invalide : format attendu 06 12 34 56 78, +33 6 12 34 56 78 "
    "ou numéro étranger avec indicatif (+ suivi de 8 à 15 chiffres)"
)
_MOTIF_MISSING = "motif de clôture obligatoire quand le stade est « cloture »"
_MOTIF_REFUSED = "motif de clôture accepté seulement quand le stade est « cloture »"
_NO_CHANNEL = ("aucun moyen de contact : il manque {} (une adresse postale avec son code postal, un téléphone ou "
               "un e-mail) ; si le ménage est connu injoignable, indiquez injoignable=oui")

_INVISIBLE_ONLY = "valeur vide : seulement des espaces ou des caractères invisibles"
_NO_LETTER = "aucune lettre : un prénom ou un nom s'écrit en lettres"
# Format characters that print nothing (soft hyphen, zero-width spaces and joiners, direction marks and overrides,
# byte order mark): dropped from every text, so that a value made of them only is seen as empty.
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
_DATE_FR = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})", re.ASCII)
_DATE_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_SPACES = " \u00a0\u202f"
_AMOUNT = re.compile(
    rf"(\d{{1,3}}(?:[{_SPACES}]\d{{3}})+|\d+)(?:[.,](\d+))?(?:[{_SPACES}]*(?:€|[eE][uU][rR]))?", re.ASCII
)
_PHONE_FR = re.compile(r"(?:0|\+33 ?|0033 ?)([1-9])[ .]?(\d\d)[ .]?(\d\d)[ .]?(\d\d)[ .]?(\d\d)", re.ASCII)
_PHONE_CHARS = re.compile(rf"\+?[0-9.\-/(){_SPACES}]+", re.ASCII)
_PHONE_SEPARATORS = str.maketrans("", "", f"+.-/(){_SPACES}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_LANGUAGE = re.compile(r"[a-z]{2,3}", re.ASCII)
_CENT = Decimal("0.01")

_STAGES = {stage.value: stage for stage in Stage}
_STAGE_CHOICES = ", ".join(_STAGES)
# JSON true/false and 1/0 too (True == 1 as a dict key).
_BOOLEANS: dict[object, bool] = dict.fromkeys(("oui", "o", "true", "1", True), True) | dict.fromkeys(
    ("non", "n", "false", "0", False), False
)
_ALLOCATAIRE_CODES: dict[object, str] = {key: "oui" if yes else "non" for key, yes in _BOOLEANS.items()}
_ALLOCATAIRE_CODES["inconnu"] = "inconnu"
_PARCS: dict[object, str] = {"social": "social", "prive": "prive", "privé": "prive"}


def _code(value: object) -> str:
    """A refused code, quoted in a message (cut short in case a column holds something else)."""
    # A NUL or control character would be refused by PostgreSQL in the stored rejection: shown as "�".
    text = "".join(char if char.isprintable() else "\ufffd" for char in str(value))
    return text if len(text) <= 30 else text[:29] + "…"


def _as_text(value: object) -> str:
    if isinstance(value, str):
        if "\x00" in value:  # PostgreSQL cannot store it: refused here, on its row, not by the database
            raise _InvalidError("caractère nul (0x00) interdit : le fichier est peut-être abîmé")
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise _InvalidError(_TEXT_EXPECTED)


def _text(max_length: int) -> _Parser:
    too_long = f"texte trop long : {max_length} caractères au plus"

    def parse(value: object) -> str:
        text = _as_text(value)
        if not text.isascii():  # invisible characters (zero-width, direction overrides) are dropped
            text = _INVISIBLE.sub("", text).strip()
            if not text:
                raise _InvalidError(_INVISIBLE_ONLY)
        if len(text) > max_length:
            raise _InvalidError(too_long)
        return text

    return parse


def _name(max_length: int) -> _Parser:
    """A first name or a co-holder's name: text with at least one letter (« 12 », « -1 » or a date is not a name)."""
    text = _text(max_length)

    def parse(value: object) -> str:
        name = str(text(value))
        if not any(char.isalpha() for char in name):
            raise _InvalidError(_NO_LETTER)
        return name

    return parse


def _date(value: object) -> date:
    if not isinstance(value, str):
        raise _InvalidError(_DATE_BAD_FORMAT)
    # Fast path for the usual JJ/MM/AAAA and AAAA-MM-JJ: the C ISO parser (it checks every digit).
    if len(value) == 10:
        iso = value if value[4] == "-" and value[7] == "-" else ""
        if value[2] == "/" and value[5] == "/":
            iso = f"{value[6:]}-{value[3:5]}-{value[:2]}"
        if iso:
            try:
                return date.fromisoformat(iso)
            except ValueError:
                pass  # The slow path below says what is wrong.
    match = _DATE_FR.fullmatch(value)
    if match is not None:
        day, month, year = match.groups()
    else:
        match = _DATE_ISO.fullmatch(value)
        if match is None:
            raise _InvalidError(_DATE_BAD_FORMAT)
        year, month, day = match.groups()
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise _InvalidError(_DATE_IMPOSSIBLE) from None


def _birth_date(value: object) -> date:
    """A birth date also as French spreadsheets and forms type it ("12 mars 1985", "12-03-1985", "1985-03-12
    00:00:00"): a birth date dropped is a household linked on less (issue 17). Other dates keep the two formats."""
    try:
        return _date(value)
    except _InvalidError:
        found = read_date_fr(value) if isinstance(value, str) else None
        if found is None:
            raise
        try:
            return date(*found)
        except ValueError:
            raise _InvalidError(_DATE_IMPOSSIBLE) from None


def _amount(value: object) -> Decimal:
    if isinstance(value, str):
        if value[0] in "-−":
            raise _InvalidError(_AMOUNT_NEGATIVE)
        match = _AMOUNT.fullmatch(value)
        if match is None:
            raise _InvalidError(_AMOUNT_FORMAT)
        units, cents = match.groups()
        if cents is None:
            cents = "00"
        elif len(cents) != 2:
            if len(cents) > 2:
                raise _InvalidError("montant invalide : deux décimales au plus")
            cents += "0"
        if len(units) > 3:
            units = "".join(units.split())  # Thousand separators: the regex allowed only spaces.
            if len(units.lstrip("0")) > 7:  # Checked on the digits: a 10,000-digit number is never converted.
                raise _InvalidError(AMOUNT_OUT_OF_BOUNDS)
        amount = Decimal(f"{units}.{cents}")  # Two decimal places already.
        if amount > AMOUNT_CEILING:
            raise _InvalidError(AMOUNT_OUT_OF_BOUNDS)
        return amount
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _InvalidError(_AMOUNT_FORMAT)
    if isinstance(value, float) and not math.isfinite(value):
        raise _InvalidError(_AMOUNT_FORMAT)
    if value < 0:
        raise _InvalidError(_AMOUNT_NEGATIVE)
    if value > AMOUNT_CEILING:  # Before any conversion: 1e300 or a 40-digit integer has no two-decimal form.
        raise _InvalidError(AMOUNT_OUT_OF_BOUNDS)
    amount = Decimal(repr(value) if isinstance(value, float) else value).quantize(_CENT, ROUND_HALF_UP)
    if amount > AMOUNT_CEILING:
        raise _InvalidError(AMOUNT_OUT_OF_BOUNDS)
    return amount


def _stage(value: object) -> Stage:
    stage = None
    if isinstance(value, str):
        stage = _STAGES.get(value.lower())
        if stage is None:  # Also take the French spelling of the names: "Commandement de payer", "impayé".
            folded = ascii_fold(value.lower())
            stage = _STAGES.get("_".join(folded.replace("-", " ").replace("'", " ").split()))
    if stage is None:
        raise _InvalidError(f"stade inconnu « {_code(value)} » : valeurs possibles {_STAGE_CHOICES}")
    return stage


def _choice(choices: Mapping[object, object], refusal: str) -> _Parser:
    """A parser of codes: case-insensitive text (or JSON scalar) looked up in `choices`."""

    def parse(value: object) -> object:
        try:
            return choices[value.lower() if isinstance(value, str) else value]
        except (KeyError, TypeError):  # TypeError: a list or an object.
            raise _InvalidError(refusal.format(_code(value))) from None

    return parse


def _postcode(value: object) -> str:
    postcode = "".join(_as_text(value).split())
    if len(postcode) != 5 or not (postcode.isascii() and postcode.isdigit()):
        raise _InvalidError("code postal invalide : 5 chiffres attendus (ex. 44000)")
    return postcode


def _phone(value: object) -> str:
    text = _as_text(value)
    match = _PHONE_FR.fullmatch(text)  # Fast path for the usual French spellings.
    if match is not None:
        return "+33" + "".join(match.groups())
    if _PHONE_CHARS.fullmatch(text) is None:
        raise _InvalidError(_PHONE_INVALID)
    digits = text.translate(_PHONE_SEPARATORS)
    if text[0] == "+":
        international = digits
    elif digits.startswith("00"):
        international = digits[2:]
    elif len(digits) == 10 and digits[0] == "0":
        international = "33" + digits[1:]
    elif len(digits) == 9 and digits[0] != "0":
        international = "33" + digits  # the leading 0 lost in a spreadsheet: "781032831"
    else:
        raise _InvalidError(_PHONE_INVALID)
    if not international.startswith("33"):
        if 8 <= len(international) <= 15:
            return "+" + international
        raise _InvalidError(_PHONE_INVALID)
    national = international[2:]
    if len(national) == 10 and national[0] == "0":  # "+33 (0)6 12 34 56 78"
        national = national[1:]
    if len(national) != 9 or national[0] == "0":
        raise _InvalidError(_PHONE_INVALID)
    return "+33" + national


def _email(value: object) -> str:
    text = _as_text(value)
    if _EMAIL.fullmatch(text) is None:
        raise _InvalidError("adresse e-mail invalide : format attendu nom@domaine.fr")
    if len(text) > 200:
        raise _InvalidError("adresse e-mail trop longue : 200 caractères au plus")
    return text.lower()


def _language(value: object) -> str:
    text = str(value).lower()
    if not isinstance(value, str) or _LANGUAGE.fullmatch(text) is None:
        raise _InvalidError(
            f"langue inconnue « {_code(value)} » : code ISO 639 de 2 ou 3 lettres attendu (ex. fr, en, ar)"
        )
    return text


_TEXT_100, _TEXT_200, _NAME_100 = _text(100), _text(200), _name(100)


# First names repeat (a few thousand make most rows): the check (~6 µs, a Unicode decomposition) is cached.
_placeholder_first_name = functools.lru_cache(maxsize=8_192)(is_placeholder_surname)


def _first_name(value: object) -> str:
    """A first name; « X », « INCONNU », « NC »... are what is written when it is not known (dropped, `DROPPABLE`):
    kept, they would agree with every other such row in the linkage."""
    text = str(_TEXT_100(value))  # invisible characters dropped; too long or invisible only: refused
    if _placeholder_first_name(text):
        raise _InvalidError(_FIRST_NAME_PLACEHOLDER)
    return text


def _fact(parse: Callable[[object], object]) -> _Parser:
    def parse_fact(value: object) -> object:
        try:
            return parse(value)
        except facts.FactError as exc:
            raise _InvalidError(exc.args[0]) from None

    return parse_fact


_PARC = _choice(_PARCS, "parc inconnu « {} » : valeurs possibles social, prive")
_ALLOCATAIRE = _choice(_ALLOCATAIRE_CODES, "valeur « {} » non reconnue : oui, non ou inconnu attendu")
_FALC = _choice(_BOOLEANS, "valeur « {} » non reconnue : oui ou non attendu")
_PARSERS: tuple[tuple[str, _Parser], ...] = (
    ("reference", _TEXT_100), ("stade", _stage), ("date_stade", _date), ("parc", _PARC),
    ("nom", _TEXT_100), ("prenom", _first_name), ("date_naissance", _birth_date),
    ("nom_cotitulaire", _NAME_100), ("prenom_cotitulaire", _NAME_100), ("date_naissance_cotitulaire", _birth_date),
    ("adresse", _TEXT_200), ("complement_adresse", _TEXT_200), ("code_postal", _postcode), ("commune", _TEXT_100),
    ("telephone", _phone), ("email", _email), ("montant_dette", _amount), ("loyer_mensuel", _amount),
    ("date_premier_impaye", _date), ("allocataire", _ALLOCATAIRE), ("numero_allocataire", _text(20)),
    ("date_audience", _date), ("langue", _language), ("falc", _FALC), ("motif_cloture", _TEXT_200),
    ("enfants_a_charge", _fact(facts.parse_children)), ("ages_enfants", _fact(facts.parse_children_ages)),
    ("aide_logement", _fact(facts.parse_benefit)), ("versement_aide_logement", _fact(facts.parse_benefit_payee)),
    ("mesure_protection", _fact(facts.parse_measure)), ("mandataire_nom", _TEXT_200),
    ("mandataire_adresse", _TEXT_200), ("mandataire_code_postal", _postcode), ("mandataire_commune", _TEXT_100),
    ("mandataire_telephone", _phone), ("referent_connu", _TEXT_200), ("injoignable", _FALC),
    ("bailleur", _TEXT_200),
)
FIELDS: tuple[str, ...] = tuple(name for name, _ in _PARSERS)

_POSITIONS = {name: position for position, name in enumerate(FIELDS)}
_INVALID = object()  # Marks a field whose value was refused (so it is not also reported as missing).
# Values with bounds of their meaning (campaigns/intake/bounds.py), checked once the row is parsed.
_BOUNDED = ("date_stade", "date_premier_impaye", "date_audience", "date_naissance", "date_naissance_cotitulaire",
            "nom")
# Rows are built field by field through the slot descriptors: the generated __init__ of a frozen
# dataclass (one object.__setattr__ per field) would take half the parsing time of a 100,000-row import.
_SET = {f.name: getattr(SignalementRow, f.name).__set__ for f in dataclasses.fields(SignalementRow)}
_SETTERS = tuple((name, parse, _SET[name], name in REQUIRED) for name, parse in _PARSERS)


# The columns the checks across fields read (`facts.cross_checks`, `facts.missing_channels`): a row's other values
# are not copied for them (a third of the columns, on every row).
_CHECKED_ACROSS = tuple(dict.fromkeys((*facts.FACT_FIELDS, *facts.CHANNEL_FIELDS)))

_FIRST_NAME_READ = "prénom absent : lu dans le champ nom, écrit « NOM Prénom » (nom en capitales)"


def _first_name_from_surname(
    raw: Mapping[str, object], row_number: int, warnings: list[RowError]
) -> Mapping[str, object]:
    """A row without prénom whose nom reads "NOM Prénom" (the surname in capitals): both fields filled from it,
    with a warning, rather than the row refused (issue 17, "Formats"; campaigns.linkage.names.split_full_name)."""
    prenom, nom = raw.get("prenom"), raw.get("nom")
    blank = prenom is None or (isinstance(prenom, str) and not prenom.strip())
    if not blank or not isinstance(nom, str):
        return raw
    surname, first = split_full_name(nom.strip(), None)
    if not first or not surname:
        return raw
    warnings.append(RowError(row_number, "prenom", _FIRST_NAME_READ, warning=True))
    return {**raw, "nom": surname, "prenom": first}


def parse_row(
    raw: Mapping[str, object], row_number: int, *, today: date, require_channel: bool = False
) -> tuple[SignalementRow | None, list[RowError]]:
    """Validate every field, collecting ALL errors of the row (not just the first).

    Keys not in FIELDS are ignored here. With `require_channel` (every push), a row with no usable channel is
    refused unless marked `injoignable`. Returns the row and its warnings (`DROPPABLE` fields dropped, each with
    `warning` set), or None and its errors in column order.
    """
    warnings: list[RowError] = []
    raw = _first_name_from_surname(raw, row_number, warnings)
    get = raw.get
    row: Any = object.__new__(SignalementRow)  # Filled below; only returned once every field is valid.
    _SET["row_number"](row, row_number)
    errors: list[RowError] = []
    for name, parse, set_field, required in _SETTERS:
        value = get(name)
        if isinstance(value, str):
            value = value.strip() or None
        if value is not None:
            try:
                value = parse(value)
            except _InvalidError as exc:
                if name in DROPPABLE:
                    value = None
                    warnings.append(RowError(row_number, name, exc.args[0] + _DROPPED, warning=True))
                else:
                    value = _INVALID
                    errors.append(RowError(row_number, name, exc.args[0]))
        elif required:
            errors.append(RowError(row_number, name, "champ obligatoire manquant"))
        set_field(row, value)
    stage, motif = row.stade, row.motif_cloture
    values = {name: getattr(row, name) for name in _BOUNDED}
    errors += [RowError(row_number, name, reason)
               for name, reason in bound_errors(values, today=today, closing=stage is Stage.CLOTURE)]
    if stage is Stage.CLOTURE and motif is None:
        errors.append(RowError(row_number, "motif_cloture", _MOTIF_MISSING))
    elif isinstance(stage, Stage) and stage is not Stage.CLOTURE and motif is not None:
        errors.append(RowError(row_number, "motif_cloture", _MOTIF_REFUSED))
    errors += _fact_errors(row, row_number, check_channels=require_channel and stage is not Stage.CLOTURE)
    if errors:
        errors += warnings  # a refused row lists every unreadable value, the droppable ones too
        errors.sort(key=lambda e: _POSITIONS[e.field])  # Column order, whatever the check that found them.
        return None, errors
    if row.prenom is None and not any(w.field == "prenom" for w in warnings):
        warnings.append(RowError(row_number, "prenom", FIRST_NAME_MISSING, warning=True))
    if row.langue is None:
        _SET["langue"](row, "fr")
    if row.falc is None:
        _SET["falc"](row, False)
    if row.injoignable is None:
        _SET["injoignable"](row, False)
    if row.enfants_a_charge is None and row.ages_enfants is not None:
        _SET["enfants_a_charge"](row, len(facts.children_ages(row.ages_enfants)))
    valid: SignalementRow = row
    return valid, warnings


def _fact_errors(row: Any, row_number: int, *, check_channels: bool) -> list[RowError]:
    """Checks across the household facts, then the channels: a row nobody can reach is refused, naming what is
    missing, unless the partner marks the household as known to be unreachable (`injoignable=oui`)."""
    values = {name: (None if (v := getattr(row, name)) is _INVALID else v) for name in _CHECKED_ACROSS}
    errors = [RowError(row_number, name, reason) for name, reason in facts.cross_checks(values)]
    invalid = {name for name in facts.CHANNEL_FIELDS if getattr(row, name) is _INVALID}
    missing = facts.missing_channels(values)
    if check_channels and missing and not invalid and row.injoignable is not True:
        errors.append(RowError(row_number, missing[0], _NO_CHANNEL.format(", ".join(missing))))
    return errors
