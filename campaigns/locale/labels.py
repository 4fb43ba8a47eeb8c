"""The French words users read for the codes the service stores: channels, contact statuses and reasons, task kinds,
statuses and outcomes, languages, partner kinds, parks and procedure stages, with their plurals (docs/architecture.md).

One table per concept, keyed by the stored value (this layer imports nothing of the models): pages, reports,
letters, alerts and the command line all read their words here, so that one thing has one name everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Term:
    """A French noun with its plural, and the short form used where the context already says what it is."""

    one: str
    many: str
    short: str = ""

    @property
    def brief(self) -> str:
        return self.short or self.one

    def count(self, n: int) -> str:
        """« 0 courrier », « 1 courrier », « 2 courriers »: French takes the singular below 2."""
        return f"{n} {self.one if abs(n) < 2 else self.many}"


def plural(n: int, one: str, many: str) -> str:
    """`n` with the right form of its noun: plural("dossier", "dossiers") -> « 1 dossier », « 3 dossiers »."""
    return Term(one, many).count(n)


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def word(table: dict[str, str], code: str | None, *, missing: str = "") -> str:
    """The label of `code` in `table`; an unknown code is shown readably rather than failing a page."""
    if code is None:
        return missing
    return table.get(code, code.replace("_", " "))


CHANNELS: dict[str, Term] = {
    "courrier": Term("courrier", "courriers"),
    "sms": Term("SMS", "SMS"),
    "email": Term("e-mail", "e-mails"),
    "appel": Term("appel", "appels"),
    "visite": Term("visite à domicile", "visites à domicile", short="visite"),
}
# How a household's answer came in, beyond the outbound channels (responses recorded by partners and workers).
ANSWER_CHANNELS: dict[str, Term] = {
    **CHANNELS,
    "accueil": Term("accueil", "accueils"),
    # The household answered through the link of its letter, SMS or e-mail (campaigns/answers).
    "lien": Term("lien de réponse", "liens de réponse", short="lien"),
    "autre": Term("autre", "autres"),
}

# Contacts (planned rows) and why they were not sent.
CONTACT_STATUSES = {
    "planned": "planifié", "queued": "pris en charge", "sending": "en cours d'envoi", "delivered": "envoyé",
    "temporary_failure": "échec temporaire (nouvel essai prévu)", "permanent_failure": "échec définitif",
    "returned": "revenu (NPAI)", "cancelled": "annulé", "skipped": "non envoyé",
}
CONTACT_STATUSES_PLURAL = {
    "planned": "planifiés", "queued": "pris en charge", "sending": "en cours d'envoi", "delivered": "envoyés",
    "temporary_failure": "échecs temporaires (nouvel essai prévu)", "permanent_failure": "échecs définitifs",
    "returned": "revenus (NPAI)", "cancelled": "annulés", "skipped": "non envoyés",
}
CONTACT_REASONS = {
    "duplicate": "regroupé ou supprimé par la coordination", "responded": "le ménage a répondu",
    "responded_other_campaign": "le ménage a répondu à une autre campagne",
    "opted_out": "le ménage a répondu STOP", "no_channel": "coordonnées manquantes ou invalides",
    "cap_reached": "plafond de contacts atteint", "stage_changed": "le ménage a changé de stade",
    "closed": "dossier clôturé", "quiet_hours": "attend les heures d'envoi", "provider_error": "erreur du prestataire",
    "max_attempts": "trop d'essais en échec", "campaign_ended": "campagne terminée",
    "campaign_paused": "campagne en pause", "campaign_edited": "étape retirée par une modification",
    "template_missing": "modèle introuvable", "print_cutoff": "attend le lot d'impression du jour",
    "condition_not_met": "condition de l'étape non remplie", "experiment_arm": "étape d'un autre bras de l'expérience",
}

TASK_KINDS = {
    "appel": "Appel",
    "visite": "Visite",
    "recherche": "Recherche du ménage",
    "dsf_contact": "DSF : premier contact",
    "dsf_relance": "DSF : seconde proposition",
    "dsf_ccapex": "DSF : données à la CCAPEX",
    "dsf_transmission": "DSF : transmission au juge",
}
IMPORT_STATUSES = {"pending": "en attente", "running": "en cours", "done": "terminé", "failed": "échoué"}
TASK_STATUSES = {
    "pending": "À prendre", "reserved": "Réservée", "in_progress": "En cours", "completed": "Terminée",
    "expired": "Expirée", "cancelled": "Annulée",
}
TASK_OUTCOMES = {
    "joint": "Ménage joint",
    "message_laisse": "Message laissé",
    "pas_de_reponse": "Pas de réponse",
    "faux_numero": "Faux numéro",
    "rendez_vous_fixe": "Rendez-vous fixé",
    "visite_realisee": "Visite réalisée",
    "absent": "Absent lors de la visite",
    "parti": "Ménage parti du logement",
    "refus": "Refus de l'accompagnement",
    "deja_accompagne": "Déjà accompagné par un autre service",
    "diagnostic_realise": "Diagnostic réalisé",
    "plan_apurement_signe": "Plan d'apurement signé",
    "fsl_demande": "Demande de FSL déposée",
    "protocole": "Protocole signé",
    "orientation": "Orienté vers un autre service",
    "npai": "N'habite pas à l'adresse indiquée (NPAI)",
}

# Languages a campaign may write in (no language is named by the sources: docs/domain.md §12), by ISO 639-1 code.
LANGUAGES = {"fr": "français", "en": "anglais", "ar": "arabe", "es": "espagnol", "pt": "portugais", "tr": "turc",
             "ro": "roumain", "ru": "russe", "zh": "chinois", "uk": "ukrainien"}


def language_name(code: str) -> str:
    """« arabe (ar) »; a code without a French name stays as it is: « wo (wo) »."""
    return f"{LANGUAGES.get(code, code)} ({code})"


PARTNER_KINDS = {
    "bailleur_social": "bailleur social", "bailleur_prive": "bailleur privé", "etat": "État (DDETS, DRIHL)",
    "departement": "Département", "caf": "CAF", "ccas": "CCAS", "adil": "ADIL", "association": "association",
}
PARKS = {"prive": "parc privé", "social": "parc social"}

# Legal stage names stay French: these are the words of the procedure.
STAGES = {
    "impaye": "impayé de loyer",
    "commandement_de_payer": "commandement de payer",
    "assignation": "assignation au tribunal",
    "jugement": "jugement",
    "commandement_de_quitter_les_lieux": "commandement de quitter les lieux",
    "requisition_force_publique": "réquisition du concours de la force publique",
    "octroi_force_publique": "octroi du concours de la force publique",
    "cloture": "dossier clôturé",
}
