"""What a closure reason means. Partners push `motif_cloture` as free text (kept by the closure facts with case and
spacing ignored, `campaigns.facts.closures.normalise_motif`); the mobile team's summary (Essonne, 004 L185–202)
needs what the reason says about the household: it never answered, it left or does not live at the address (NPAI),
or it took contact (accompanied, then debt cleared, oriented, rehoused, already followed, or stopped after adhering).

Rules are read on the folded text (accents, case and punctuation ignored: "Dette SOLDÉE" = "dette soldee"), in
order, the first that matches wins: a stated absence of contact first ("aucun contact", "injoignable"), then the
address (NPAI), then what only a household that took contact can have (an adhesion, an orientation, a debt cleared,
a rehousing), then a departure. A reason none of them recognises is counted apart ("non classé"), never guessed.
"""

from __future__ import annotations

import re
from enum import StrEnum

from campaigns.locale.text import normalise_text


class ClosureKind(StrEnum):
    NO_CONTACT = "sans_contact"
    NOT_AT_ADDRESS = "npai"
    CONTACTED = "contact"
    LEFT = "depart"
    UNCLASSIFIED = "non_classe"


# On normalise_text's output: upper case, no accent, every run of punctuation or space one space.
_NEGATION = r"(?:AUCUNE?|ABSENCE|SANS|PAS|JAMAIS|NI|NON|REFUS)"
_NOT = r"(?<!SANS )(?<!NON )(?<!PAS D )"  # « sans relogement », « non accompagné », « pas d'accompagnement »
_WORDS = r"(?:\w+ ){0,2}"
_PATTERNS: tuple[tuple[ClosureKind, tuple[str, ...]], ...] = (
    # « absence totale de contact », « aucun contact », « n'a jamais pris contact », « injoignable », « absent
    # lors des visites », « aucune réponse », « pas de nouvelles », « ne souhaite pas être contacté ».
    (ClosureKind.NO_CONTACT, (
        rf"\b{_NEGATION}\b(?: \w+){{0,3}} (?:CONTACTS?|CONTACTEE?S?|REPONSES?|REPONDU|NOUVELLES?|JOINTE?S?"
        r"|RENCONTREE?S?)\b",
        r"\b(?:NON )?INJOIGNABLES?\b|\bNON JOIGNABLES?\b|\bABSENTE?S?\b",
    )),
    # « n'habite pas (ou plus) à l'adresse indiquée », « NPAI », « inconnu à l'adresse », « adresse erronée »,
    # « courrier revenu », « pli non distribuable ».
    (ClosureKind.NOT_AT_ADDRESS, (
        r"\bNPAI\b|\bN HABITE (?:PAS|PLUS)\b|\bINCONNUE?S? A L ADRESSE\b|\bDESTINATAIRE INCONNUE?\b",
        r"\bADRESSE (?:ERRONEE|INCORRECTE|INEXACTE|INCONNUE|INVALIDE|FAUSSE)\b|\bNON DISTRIBUABLE\b",
        r"\bCOURRIERS? (?:REVENUS?|RETOURNES?)\b|\bNE (?:RESIDE|VIT|DEMEURE) (?:PAS|PLUS)\b",
    )),
    # What only a household that took contact can have: « n'a pas souhaité poursuivre après adhésion », « refus de
    # l'accompagnement », « dette soldée avant l'audience », « plan d'apurement », « orienté vers la MDS », « relais
    # CCAS », « déjà suivi en ASLL », « fin d'accompagnement », « relogé avant expulsion », « surendettement ».
    (ClosureKind.CONTACTED, (
        r"\bADHE(?:SION|RE|RENT|RER)\b|\bPOURSUIVRE\b|\bSOUHAITE PAS\b|\bPAS SOUHAITE\b",
        r"\bREFUSE?E?S?\b (?:DE |D )?(?:L )?(?:ACCOMPAGNEMENT|AIDE|SUIVI|MESURE|PROPOSITION|DIAGNOSTIC)\b",
        rf"{_NOT}\bACCOMPAGNE(?:E|S|ES|MENT)?\b|\bDEJA {_WORDS}(?:SUIVIE?S?|CONNUE?S?)\b|\bFIN D[UE]? SUIVI\b",
        r"\bASLL\b|\b(?:RE)?ORIENTE?E?S?\b|\b(?:RE)?ORIENTATIONS?\b|\bRELAIS\b",
        rf"\bDETTES? {_WORDS}(?:SOLDEE?S?|REGLEE?S?|APUREE?S?|REMBOURSEE?S?|RESORBEE?S?|PAYEE?S?|EPONGEE?S?)\b",
        rf"\b(?:SOLDE|REGLEMENT|APUREMENT|REMBOURSEMENT|PAIEMENT) {_WORDS}(?:DETTES?|ARRIERES?|IMPAYES?)\b",
        rf"\bPLAN D APUREMENT\b|\bPROTOCOLE\b|\bFSL\b|\bSURENDETTEMENT\b|{_NOT}\bRELOGE(?:S|E|ES|MENT)?\b",
    )),
    # « a quitté volontairement le logement », « départ volontaire », « déménagé », « parti », « a rendu les clés ».
    (ClosureKind.LEFT, (
        r"\bQUITTE(?:S|E|ES|R)?\b|\bDEPARTS?\b|\bPARTIE?S?\b|\bDEMENAGE(?:S|E|ES|MENT)?\b",
        r"\bABANDON (?:DU|DES) (?:LOGEMENT|LIEUX)\b|\bRENDU LES CLES\b|\bRESTITUTION DES CLES\b",
    )),
)
_RULES = tuple((kind, re.compile("|".join(patterns))) for kind, patterns in _PATTERNS)


def closure_kind(motif: str | None) -> ClosureKind:
    """What the closure reason says about the household (see the module's rules)."""
    text = normalise_text(motif)
    for kind, pattern in _RULES:
        if pattern.search(text):
            return kind
    return ClosureKind.UNCLASSIFIED
