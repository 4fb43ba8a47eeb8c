"""The access rules of every route and page, in one table: which API key roles or which signed-in roles may call
it, or why it is public. api.access applies it on every request; a route missing here stops the application."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from api.roles import ApiRole
from campaigns.models import UserRole

RouteKey = tuple[str, str]
# Static files under a mount have no method of their own.
MOUNT = "MOUNT"


class Audience(StrEnum):
    PUBLIC = "public"  # no sign-in: the rule says why
    API = "api"  # a partner's API key (Authorization: Bearer) with one of the rule's roles
    PAGE = "page"  # a signed-in person (session cookie) with one of the rule's roles


@dataclass(frozen=True, slots=True)
class Rule:
    audience: Audience
    api_roles: frozenset[ApiRole] = frozenset()
    page_roles: frozenset[UserRole] = frozenset()
    # Pages: only the accounts of a pilot partner (DDETS/DRIHL, Département), e.g. to create or edit a campaign.
    pilot_only: bool = False
    reason: str = ""

    def allows_key(self, role: ApiRole) -> bool:
        return self.audience is Audience.PUBLIC or (self.audience is Audience.API and role in self.api_roles)

    def allows_user(self, role: UserRole, *, pilot: bool) -> bool:
        if self.audience is Audience.PUBLIC:
            return True
        return self.audience is Audience.PAGE and role in self.page_roles and (pilot or not self.pilot_only)


def public(reason: str) -> Rule:
    """Open to anyone: only what holds no personal data, or authenticates otherwise (a provider's signature)."""
    if not reason.strip():
        raise ValueError("a public route says why it needs no sign-in")
    return Rule(Audience.PUBLIC, reason=reason)


def api(*roles: ApiRole) -> Rule:
    if not roles:
        raise ValueError("an API rule names at least one role")
    return Rule(Audience.API, api_roles=frozenset(roles))


def page(*roles: UserRole, pilot_only: bool = False) -> Rule:
    if not roles:
        raise ValueError("a page rule names at least one role")
    return Rule(Audience.PAGE, page_roles=frozenset(roles), pilot_only=pilot_only)


PILOT, BAILLEUR, STRUCTURE = ApiRole.PILOT, ApiRole.BAILLEUR, ApiRole.STRUCTURE
ADMIN, OPERATOR, LANDLORD = UserRole.ADMIN, UserRole.OPERATEUR, UserRole.BAILLEUR
WORKER, SUPERVISOR, EVALUATOR = UserRole.AGENT, UserRole.SUPERVISEUR, UserRole.EVALUATEUR

# Every partner: its own cases, imports, responses and returned letters, its own queue (a campaign's calls go to
# the owner's queue when the household has no referent), the campaigns it owns or runs by delegation.
EVERY_KEY = api(PILOT, BAILLEUR, STRUCTURE)
PILOTS = api(PILOT)
SIGNED_IN = page(*UserRole)
WORKERS = page(WORKER, SUPERVISOR)
CAMPAIGN_PAGES = page(ADMIN, OPERATOR)
CAMPAIGN_EDITING = page(ADMIN, OPERATOR, pilot_only=True)
ADMINISTRATION = page(ADMIN)
# The coordination's households, a campaign's contacts and tasks with every household's name: the pilots' accounts.
COORDINATION = page(ADMIN, OPERATOR, pilot_only=True)
EVALUATION = page(EVALUATOR, ADMIN)
# A bailleur reads its own evaluation on the page (its own households, docs/security.md E2); the files stay the
# evaluators' and administrators', as the API's exports stay the pilots'.
OWN_EVALUATION = page(EVALUATOR, ADMIN, LANDLORD)
NO_DATA = "aucune donnée personnelle"

RULES: dict[RouteKey, Rule] = {
    # Service, documentation, assets.
    ("GET", "/api/v1/sante"): public(f"le service répond ; {NO_DATA}"),
    ("GET", "/api/v1/sante/pret"): public(f"la base et le courtier répondent ; {NO_DATA}"),
    # Aggregates only; authenticated by its own bearer token (CHAINE_METRICS_TOKEN), 404 when none is set.
    ("GET", "/metrics"): public(f"métriques Prometheus, protégées par leur propre jeton ; {NO_DATA}"),
    ("GET", "/openapi.json"): public(f"description de l'API ; {NO_DATA}"),
    ("GET", "/docs"): public(f"documentation de l'API ; {NO_DATA}"),
    ("GET", "/docs/oauth2-redirect"): public(f"page technique de la documentation ; {NO_DATA}"),
    ("GET", "/redoc"): public(f"documentation de l'API ; {NO_DATA}"),
    (MOUNT, "/dsfr"): public(f"feuilles de style, scripts et polices du DSFR ; {NO_DATA}"),
    ("GET", "/evaluation/graphiques.css"): public(f"feuille de style des graphiques ; {NO_DATA}"),
    ("GET", "/modeles/apercu-direct.js"): public(f"script de l'aperçu en direct de l'éditeur de modèles ; {NO_DATA}"),
    # Twilio's callbacks carry no key: each is authenticated by its X-Twilio-Signature, or refused (403).
    ("POST", "/api/v1/twilio/statut"): public("rappel de Twilio, authentifié par sa signature"),
    ("POST", "/api/v1/twilio/entrant"): public("SMS reçu, transmis par Twilio et authentifié par sa signature"),
    # Signing in and out.
    ("GET", "/connexion"): public("formulaire de connexion"),
    ("POST", "/connexion"): public("connexion (jeton CSRF exigé)"),
    ("POST", "/deconnexion"): public("fermer sa session (jeton CSRF exigé)"),
    ("GET", "/"): SIGNED_IN,
    # The household's answer link (api/web/answer_pages.py): its token is the key, and nothing personal shows
    # before the light check; every POST carries the CSRF token.
    ("GET", "/r/{token}"): public("lien de réponse du ménage ; rien de personnel avant la vérification"),
    ("POST", "/r/{token}"): public("vérification du lien de réponse (jeton CSRF exigé, essais limités)"),
    **{("POST", f"/r/{{token}}/{action}"): public("réponse du ménage après vérification (jeton CSRF exigé)")
       for action in ("recu", "rappel", "telephone", "code", "adresse", "accompagnement", "sms")},
    # Pushes, cases, imports, responses: the caller's own only (another partner's reference answers 404).
    ("POST", "/api/v1/signalements"): EVERY_KEY,
    ("GET", "/api/v1/signalements/{reference}"): EVERY_KEY,
    ("GET", "/api/v1/imports/{import_id}"): EVERY_KEY,
    ("GET", "/api/v1/imports/{import_id}/rejets.csv"): EVERY_KEY,
    ("POST", "/api/v1/reponses"): EVERY_KEY,
    ("POST", "/api/v1/npai"): EVERY_KEY,
    # The caller's own queue and workers (another structure's task answers 404).
    ("GET", "/api/v1/taches"): EVERY_KEY,
    ("GET", "/api/v1/taches/resultats"): EVERY_KEY,
    ("GET", "/api/v1/taches/bilan"): EVERY_KEY,
    ("GET", "/api/v1/taches/tournee"): EVERY_KEY,
    ("GET", "/api/v1/taches/{task_id}"): EVERY_KEY,
    ("POST", "/api/v1/taches/{task_id}/reserver"): EVERY_KEY,
    ("POST", "/api/v1/taches/{task_id}/liberer"): EVERY_KEY,
    ("POST", "/api/v1/taches/{task_id}/terminer"): EVERY_KEY,
    ("GET", "/api/v1/agents"): EVERY_KEY,
    # The answer link (docs/web.md): the caller's own call-back hours, and the addresses households proposed that it
    # checks (another partner's proposal answers 404).
    ("GET", "/api/v1/horaires"): EVERY_KEY,
    ("PUT", "/api/v1/horaires"): EVERY_KEY,
    ("GET", "/api/v1/adresses-proposees"): EVERY_KEY,
    ("POST", "/api/v1/adresses-proposees/{proposal_id}/accepter"): EVERY_KEY,
    ("POST", "/api/v1/adresses-proposees/{proposal_id}/refuser"): EVERY_KEY,
    ("POST", "/api/v1/agents"): EVERY_KEY,
    # A worker of the caller's structure only (another's answers 404).
    ("GET", "/api/v1/agents/{agent_id}/agenda.ics"): EVERY_KEY,
    # Notices to the social services (M24): the structures they are addressed to and their sender; never a
    # landlord (they name a mandataire, and the landlord must not learn which services follow its tenant).
    ("GET", "/api/v1/notifications"): api(PILOT, STRUCTURE),
    # Campaigns: the pilots create, edit and move them; others read those they own or run by delegation.
    ("PUT", "/api/v1/campagnes"): PILOTS,
    ("GET", "/api/v1/campagnes"): EVERY_KEY,
    ("POST", "/api/v1/campagnes"): PILOTS,
    ("GET", "/api/v1/campagnes/modeles"): EVERY_KEY,
    ("POST", "/api/v1/campagnes/modeles/{preset_id}"): PILOTS,
    ("GET", "/api/v1/campagnes/{campaign_id}"): EVERY_KEY,
    ("PUT", "/api/v1/campagnes/{campaign_id}"): PILOTS,
    ("POST", "/api/v1/campagnes/{campaign_id}/activer"): PILOTS,
    ("POST", "/api/v1/campagnes/{campaign_id}/pause"): PILOTS,
    ("POST", "/api/v1/campagnes/{campaign_id}/reprendre"): PILOTS,
    ("POST", "/api/v1/campagnes/{campaign_id}/terminer"): PILOTS,
    ("GET", "/api/v1/campagnes/{campaign_id}/apercu"): EVERY_KEY,
    ("GET", "/api/v1/campagnes/{campaign_id}/apercu/courrier"): EVERY_KEY,
    ("GET", "/api/v1/campagnes/{campaign_id}/simulation"): EVERY_KEY,
    ("GET", "/api/v1/campagnes/{campaign_id}/supervision"): EVERY_KEY,
    ("GET", "/api/v1/campagnes/{campaign_id}/historique"): EVERY_KEY,
    ("GET", "/api/v1/apercus/courrier"): EVERY_KEY,
    ("GET", "/api/v1/apercus/sms"): EVERY_KEY,
    ("GET", "/api/v1/apercus/email"): EVERY_KEY,
    # Templates written by the campaign owner: the pilots (DDETS/DRIHL, Département) write their own.
    ("GET", "/api/v1/modeles"): PILOTS,
    ("GET", "/api/v1/modeles/{canal}/{modele}"): PILOTS,
    ("POST", "/api/v1/modeles/{canal}/{modele}/brouillon"): PILOTS,
    ("POST", "/api/v1/modeles/{canal}/{modele}/apercu"): PILOTS,
    ("POST", "/api/v1/modeles/{canal}/{modele}/publier"): PILOTS,
    ("GET", "/api/v1/simulation"): PILOTS,
    # The pilots' coordination: referents, record linkage, partners and keys, the audit log.
    ("POST", "/api/v1/attributions"): PILOTS,
    ("POST", "/api/v1/attributions/referents-connus"): PILOTS,
    ("GET", "/api/v1/rapprochements"): PILOTS,
    ("POST", "/api/v1/rapprochements/{review_id}/accepter"): PILOTS,
    ("POST", "/api/v1/rapprochements/{review_id}/rejeter"): PILOTS,
    ("GET", "/api/v1/fusions"): PILOTS,
    ("POST", "/api/v1/fusions/{merge_id}/annuler"): PILOTS,
    ("GET", "/api/v1/admin/menages.csv"): PILOTS,
    ("GET", "/api/v1/admin/partenaires"): PILOTS,
    ("POST", "/api/v1/admin/partenaires"): PILOTS,
    ("GET", "/api/v1/admin/partenaires/{partner_id}/cles"): PILOTS,
    ("POST", "/api/v1/admin/partenaires/{partner_id}/cles"): PILOTS,
    ("POST", "/api/v1/admin/partenaires/{partner_id}/cles/{key_id}/revoquer"): PILOTS,
    ("GET", "/api/v1/journal"): PILOTS,
    # Evaluation: aggregates; a bailleur reads its own stock only, the exports are the pilots'.
    ("GET", "/api/v1/evaluation"): api(PILOT, BAILLEUR),
    ("GET", "/api/v1/evaluation/export.csv"): PILOTS,
    ("GET", "/api/v1/evaluation/export.xlsx"): PILOTS,
    ("GET", "/api/v1/evaluation/bailleurs"): PILOTS,
    # Social workers' pages: their structure's queue; the team page is the supervisors'.
    ("GET", "/mes-taches"): WORKERS,
    ("GET", "/mes-taches/{task_id:int}"): WORKERS,
    ("POST", "/mes-taches/{task_id:int}/prendre"): WORKERS,
    ("POST", "/mes-taches/{task_id:int}/rendre"): WORKERS,
    ("POST", "/mes-taches/{task_id:int}/terminer"): WORKERS,
    ("GET", "/mes-taches/tournee"): WORKERS,
    ("GET", "/mes-taches/tournee.pdf"): WORKERS,
    # The signed-in worker's own calendar: no worker id in the address.
    ("GET", "/mes-taches/agenda.ics"): WORKERS,
    ("GET", "/adresses-proposees"): WORKERS,
    ("POST", "/adresses-proposees/{proposal_id:int}/{decision}"): WORKERS,
    ("GET", "/equipe"): page(SUPERVISOR),
    ("POST", "/equipe/reaffecter"): page(SUPERVISOR),
    # A bailleur's pages: its own imports, their reports and rejected rows, and a CSV push (docs/security.md rule 1).
    ("GET", "/mes-imports"): page(LANDLORD),
    ("POST", "/mes-imports"): page(LANDLORD),
    ("GET", "/mes-imports/{import_id:int}"): page(LANDLORD),
    ("GET", "/mes-imports/{import_id:int}/rejets.csv"): page(LANDLORD),
    # A bailleur's households: its own cases only (docs/security.md rule 1), each page reached by the number of its own
    # case (never the household's); the search, names and references, is sent by POST.
    ("GET", "/mes-menages"): page(LANDLORD),
    ("POST", "/mes-menages"): page(LANDLORD),
    ("GET", "/mes-menages/{case_id:int}"): page(LANDLORD),
    # The households for the pilots, searched by POST; a worker's household page (a household of its queue only).
    ("GET", "/menages"): COORDINATION,
    ("POST", "/menages"): COORDINATION,
    ("GET", "/menages/{household_id:int}"): COORDINATION,
    ("GET", "/mes-taches/{task_id:int}/menage"): WORKERS,
    # Campaign pages: the pilots' administrators and operators edit; other partners' read those they own or run.
    ("GET", "/campagnes"): CAMPAIGN_PAGES,
    ("GET", "/campagnes/nouvelle"): CAMPAIGN_EDITING,
    ("POST", "/campagnes/nouvelle"): CAMPAIGN_EDITING,
    ("GET", "/campagnes/{campaign_id}"): CAMPAIGN_PAGES,
    ("GET", "/campagnes/{campaign_id}/modifier"): CAMPAIGN_EDITING,
    ("POST", "/campagnes/{campaign_id}/modifier"): CAMPAIGN_EDITING,
    ("POST", "/campagnes/{campaign_id}/{action}"): CAMPAIGN_EDITING,
    ("GET", "/campagnes/{campaign_id}/apercu"): CAMPAIGN_PAGES,
    ("GET", "/campagnes/{campaign_id}/apercu/courrier"): CAMPAIGN_PAGES,
    ("GET", "/campagnes/{campaign_id}/simulation"): CAMPAIGN_PAGES,
    ("GET", "/campagnes/{campaign_id}/supervision"): CAMPAIGN_PAGES,
    # A campaign's contacts and tasks with the households' names, searched by POST: its pilots only.
    ("GET", "/campagnes/{campaign_id}/contacts"): COORDINATION,
    ("POST", "/campagnes/{campaign_id}/contacts"): COORDINATION,
    ("GET", "/campagnes/{campaign_id}/taches"): COORDINATION,
    ("POST", "/campagnes/{campaign_id}/taches"): COORDINATION,
    # Template editor: a pilot's administrators and operators write their partner's letters, SMS and e-mails.
    ("GET", "/modeles"): CAMPAIGN_EDITING,
    ("GET", "/modeles/{canal}/{modele}"): CAMPAIGN_EDITING,
    ("POST", "/modeles/{canal}/{modele}"): CAMPAIGN_EDITING,
    ("POST", "/modeles/{canal}/{modele}/apercu"): CAMPAIGN_EDITING,
    ("POST", "/modeles/{canal}/{modele}/apercu.pdf"): CAMPAIGN_EDITING,
    # Administration: a pilot's administrator every partner, another administrator its own partner only.
    ("GET", "/administration"): ADMINISTRATION,
    ("POST", "/administration"): ADMINISTRATION,
    ("GET", "/administration/partenaires/{partner_id}"): ADMINISTRATION,
    ("POST", "/administration/partenaires/{partner_id}/cles"): ADMINISTRATION,
    ("POST", "/administration/partenaires/{partner_id}/cles/{key_id}/revoquer"): ADMINISTRATION,
    ("POST", "/administration/partenaires/{partner_id}/comptes"): ADMINISTRATION,
    ("POST", "/administration/partenaires/{partner_id}/comptes/{user_id}"): ADMINISTRATION,
    # Evaluation page: aggregates only (small cells hidden), for evaluators and administrators, and a bailleur's
    # accounts for its own households.
    ("GET", "/evaluation"): OWN_EVALUATION,
    ("GET", "/evaluation/export.csv"): EVALUATION,
    ("GET", "/evaluation/export.xlsx"): EVALUATION,
}
