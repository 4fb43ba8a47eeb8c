"""The rules a campaign must follow before it is saved or run, each explained in French with its field.

Checked on top of the schema (campaign_config.CampaignSpec): partners and templates exist, every language the
campaign writes in has its template, SMS and e-mails have sending hours, no step can fall after the hearing, and two
running campaigns never both send the regulatory letter of a stage on one territory.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.accounts.partners import find_partner_by_name
from campaigns.campaign.communes import commune_postcodes
from campaigns.campaign.config import CampaignSpec
from campaigns.campaign.issues import CampaignIssue, step_field
from campaigns.locale.labels import CHANNELS, language_name, plural
from campaigns.locale.text import normalise_text
from campaigns.messages.rendering import CHANNEL_DIRS, fallback_candidates, list_templates
from campaigns.models import STRUCTURE_NOTICES, Campaign, CampaignStatus, ChannelKind, Partner
from campaigns.models.stages import Stage

# The hearing is set at least two months after the assignation (loi du 6 juillet 1989, art. 24;
# docs/domain.md §2.2): a step later than this after the household enters the assignation stage may arrive after
# the hearing.
HEARING_MIN_DAYS = 60
RUNNING = (CampaignStatus.ACTIVE.value, CampaignStatus.EN_PAUSE.value)
CHANNEL_LABELS = {code: term.brief for code, term in CHANNELS.items()}


def template_slugs(step_template: str, stages: Iterable[Stage]) -> list[tuple[Stage | None, str]]:
    """The templates a step uses: one per stage when it names "etape_{stade}", else the one it names."""
    if "{stade}" in step_template:
        return [(stage, step_template.replace("{stade}", stage.value)) for stage in stages]
    return [(None, step_template)]


def check_campaign(session: Session, spec: CampaignSpec, *, campaign_id: int | None,
                   running: bool) -> list[CampaignIssue]:
    """Every reason to refuse `spec` (empty: it is fine). `running`: also check it against the other running
    campaigns (at activation, or when a running campaign is edited)."""
    issues = _partners(session, spec) + _name(session, spec, campaign_id)
    available = set(list_templates())
    for index in range(len(spec.steps)):
        issues += _step(spec, index, available)
    if running:
        issues += regulatory_conflicts(session, spec, campaign_id=campaign_id)
    return issues


def _partners(session: Session, spec: CampaignSpec) -> list[CampaignIssue]:
    issues = []
    if find_partner_by_name(session, spec.owner) is None:
        issues.append(CampaignIssue("owner", f"aucun partenaire ne s'appelle « {spec.owner} » : choisissez-le dans "
                                             "la liste, ou créez-le d'abord dans l'administration"))
    if spec.delegate:
        if find_partner_by_name(session, spec.delegate) is None:
            issues.append(CampaignIssue("delegate", f"aucun partenaire ne s'appelle « {spec.delegate} »"))
        elif spec.delegate == spec.owner:
            issues.append(CampaignIssue("delegate", "le propriétaire ne peut pas se déléguer sa propre campagne : "
                                                    "choisissez un autre partenaire (ADIL, association) ou aucun"))
    return issues


def _name(session: Session, spec: CampaignSpec, campaign_id: int | None) -> list[CampaignIssue]:
    other = session.scalar(select(Campaign.id).where(Campaign.name == spec.name.strip()))
    if other is not None and other != campaign_id:
        return [CampaignIssue("name", f"une autre campagne s'appelle déjà « {spec.name} » : choisissez un autre nom")]
    return []


def _step(spec: CampaignSpec, index: int, available: set[tuple[str, str, str, bool]]) -> list[CampaignIssue]:
    step = spec.steps[index]
    issues: list[CampaignIssue] = []
    channel = step.channel.value
    label = CHANNEL_LABELS[channel]
    if step.template and channel in CHANNEL_DIRS:
        issues += _templates(spec, index, available)
    if channel in (ChannelKind.SMS, ChannelKind.EMAIL) and spec.sending_hours is None:
        issues.append(CampaignIssue(step_field(index, "channel"), (
            f"un {label} ne part que pendant les heures d'envoi de la campagne, et elle n'en a pas : cochez au moins "
            "un jour d'envoi et indiquez les heures de début et de fin")))
    if step.regulatory and channel != ChannelKind.COURRIER:
        issues.append(CampaignIssue(step_field(index, "regulatory"), (
            f"seul un courrier peut être réglementaire (la lettre de l'État à un stade), pas un {label}")))
    if step.dsf and Stage.ASSIGNATION not in spec.stages:
        issues.append(CampaignIssue(step_field(index, "dsf"), (
            "la chaîne DSF s'ouvre au stade de l'assignation, que la campagne ne couvre pas : cochez ce stade ou "
            "décochez « Chaîne DSF »")))
    if Stage.ASSIGNATION in spec.stages:
        days = days_after_entry(spec, index)
        if days > HEARING_MIN_DAYS:
            issues.append(CampaignIssue(step_field(index, "delay_days"), (
                f"au stade de l'assignation, cette étape part {plural(days, 'jour', 'jours')} après l'entrée du ménage "
                "dans le stade ; "
                f"or l'audience peut avoir lieu dès deux mois ({HEARING_MIN_DAYS} jours) après l'assignation : "
                "elle arriverait après l'audience. Raccourcissez le délai ou retirez le stade de l'assignation")))
    return issues


def days_after_entry(spec: CampaignSpec, index: int) -> int:
    """Days from the household's entry into the stage to this step (delays from the previous step add up)."""
    total = 0
    for step in spec.steps[: index + 1]:
        total = step.delay_days if step.delay_from == "stage_entry" else total + step.delay_days
    return total


def _templates(spec: CampaignSpec, index: int, available: set[tuple[str, str, str, bool]]) -> list[CampaignIssue]:
    step = spec.steps[index]
    assert step.template is not None
    channel = step.channel.value
    label = CHANNEL_LABELS[channel]
    field = step_field(index, "template")
    issues: list[CampaignIssue] = []
    notice = STRUCTURE_NOTICES.get(step.template)
    if notice is not None and not set(spec.stages) <= notice.stages:
        stages = ", ".join(f"« {stage.label} »" for stage in sorted(notice.stages, key=lambda s: s.rank))
        issues.append(CampaignIssue(field, (
            f"le modèle « {step.template} » informe les services sociaux au stade {stages} seulement : retirez les "
            "autres stades de la campagne, ou faites-en une campagne à part")))
    for stage, slug in template_slugs(step.template, spec.stages):
        variants = {(loc, falc) for c, s, loc, falc in available if c == channel and s == slug}
        at_stage = f" au stade « {stage.label} »" if stage else ""
        if not variants:
            known = sorted({s for c, s, _loc, _falc in available if c == channel})
            issues.append(CampaignIssue(field, (
                f"aucun modèle de {label} « {slug} »{at_stage} ; modèles de {label} disponibles : "
                f"{', '.join(known)}")))
            continue
        if slug in STRUCTURE_NOTICES:
            continue  # written to the social services in French, whatever the household reads
        falc_needed = spec.falc == "toujours"
        # A language without its variant yet falls back (LANG_FALLBACK recorded, docs/campaigns.md): in the
        # configured order, else to French in the register the campaign asks (French FALC when FALC is required:
        # the register is never lowered silently).
        order = spec.fallback_order or ["fr_falc" if falc_needed else "fr"]
        missing = [lang for lang in spec.languages if not any(
            v in variants for v in fallback_candidates(lang, falc_needed, order))]
        if missing:
            register = " en FALC" if falc_needed else ""
            names = ", ".join(language_name(lang) for lang in missing)
            issues.append(CampaignIssue(field, (
                f"le modèle « {slug} »{at_stage} n'existe pas{register} en {names}, alors que la campagne écrit en "
                f"{', '.join(spec.languages)} : ajoutez la traduction, retirez cette langue de la campagne ou "
                "indiquez un ordre de repli (fallback_order)")))
    return issues


@dataclass(frozen=True, slots=True)
class _Scope:
    communes: set[str]
    postcodes: set[str]
    parc: set[str]
    allocataire: set[str]


def _overlap_places(a: _Scope, b: _Scope, known: dict[str, set[str]]) -> bool:
    if not (a.communes or a.postcodes) or not (b.communes or b.postcodes):
        return True  # an empty territory is everywhere
    if a.communes & b.communes:
        return True
    if any(p.startswith(q) or q.startswith(p) for p in a.postcodes for q in b.postcodes):
        return True
    for communes, postcodes in ((a.communes, b.postcodes), (b.communes, a.postcodes)):
        for commune in communes:
            codes = known.get(commune)
            # A commune whose postcode is unknown may lie anywhere: assume it overlaps, a letter too many is worse.
            if postcodes and (not codes or any(c.startswith(p) for c in codes for p in postcodes)):
                return True
    return False


def _overlap(a: _Scope, b: _Scope, known: dict[str, set[str]]) -> bool:
    # Two segments that name disjoint parks (or allocataire statuses) never reach the same household.
    if a.parc and b.parc and not a.parc & b.parc:
        return False
    if a.allocataire and b.allocataire and not a.allocataire & b.allocataire:
        return False
    return _overlap_places(a, b, known)


def _scope_of_spec(spec: CampaignSpec) -> _Scope:
    return _Scope({normalise_text(c) for c in spec.territory.communes}, set(spec.territory.postcodes),
                  set(spec.segment.parc), set(spec.segment.allocataire))


def _scope_of(campaign: Campaign) -> _Scope:
    segment = campaign.segment or {}
    return _Scope(set(campaign.communes), set(campaign.postcodes), set(segment.get("parc", [])),
                  set(segment.get("allocataire", [])))


def regulatory_conflicts(session: Session, spec: CampaignSpec, *, campaign_id: int | None) -> list[CampaignIssue]:
    """Two running campaigns sending the regulatory letter of the same stage on overlapping territories: the
    household would get both, since coordination never suppresses a regulatory letter."""
    mine = [(i, s) for i, s in enumerate(spec.steps) if s.regulatory and s.channel == ChannelKind.COURRIER]
    if not mine:
        return []
    others = session.execute(
        select(Campaign, Partner.name).join(Partner, Partner.id == Campaign.owner_partner_id)
        .where(Campaign.status.in_(RUNNING), Campaign.id != (campaign_id or 0)).order_by(Campaign.id)
    ).all()
    known = commune_postcodes(session) if others else {}
    scope = _scope_of_spec(spec)
    issues = []
    for index, _step in mine:
        for other, owner in others:
            if not any(s.regulatory and s.channel == ChannelKind.COURRIER for s in other.steps):
                continue
            shared = [st for st in spec.stages if st.value in other.stages]
            if not shared or not _overlap(scope, _scope_of(other), known):
                continue
            stages = ", ".join(f"« {st.label} »" for st in shared)
            issues.append(CampaignIssue(step_field(index, "regulatory"), (
                f"la campagne « {other.name} » ({owner}) envoie déjà le courrier réglementaire au stade {stages} sur "
                "un territoire qui recoupe celui-ci : le ménage recevrait deux courriers réglementaires, que la "
                "coordination ne fusionne jamais. Retirez ce stade, décochez « réglementaire » ou limitez le "
                "territoire")))
    return issues
