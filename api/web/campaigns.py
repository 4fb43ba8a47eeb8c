"""« Campagnes »: the list, a new campaign from a preset, a campaign's page (its steps, what blocks activation, who
changed what), the edit form, and activate / pause / resume / end."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError as SchemaError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import RuntimeDep
from api.web.campaign_access import CampaignUser, CampaignUserDep, PilotDep
from api.web.campaign_form import errors_by_field, form_choices, form_rows, read_form
from api.web.campaign_history import history as campaign_history
from api.web.template_editor import template_name
from api.web.templating import render
from api.web.worker_access import flash, pop_flash, sentence
from campaigns.campaign.access import get_visible_campaign, visible_campaigns
from campaigns.campaign.alerts import alerts
from campaigns.campaign.communes import CommuneChoice
from campaigns.campaign.config import CampaignSpec, spec_of
from campaigns.campaign.edits import save_campaign
from campaigns.campaign.issues import CampaignInvalidError, issues_from_pydantic
from campaigns.campaign.lifecycle import activate, end, pause, resume
from campaigns.campaign.presets import get_preset, presets
from campaigns.campaign.validation import check_campaign
from campaigns.locale.labels import plural
from campaigns.locale.text import normalise_text
from campaigns.models import Campaign, CampaignChange, CampaignStatus, Partner
from campaigns.planning.authority import own_campaigns
from campaigns.platform.errors import NotFoundError, ValidationError

router = APIRouter(include_in_schema=False)

BADGES = {"brouillon": "new", "active": "success", "en_pause": "warning", "terminee": "info"}


def campaign_not_found(request: Request) -> HTMLResponse:
    return render(request, "erreur.html", {"title": "Page introuvable", "message": (
        "Cette campagne n'existe pas, ou votre structure n'en est ni propriétaire ni l'opérateur délégué.")},
        status_code=404)


def summary(session: Session, campaign: Campaign) -> dict[str, Any]:
    """The campaign as the pages show it: its schema, status and partners' names."""
    names = dict(session.execute(select(Partner.id, Partner.name)).all())
    return {"id": campaign.id, "spec": spec_of(session, campaign).model_dump(mode="json"), "status": campaign.status,
            "status_label": CampaignStatus(campaign.status).label, "badge": BADGES[campaign.status],
            "owner": names[campaign.owner_partner_id],
            "delegate": names.get(campaign.delegate_partner_id or 0)}


@router.get("/campagnes", response_class=HTMLResponse)
def campaigns_list(request: Request, user: CampaignUserDep, runtime: RuntimeDep) -> HTMLResponse:
    with runtime.session_factory() as session:
        rows = [summary(session, c) for c in visible_campaigns(session, partner_id=user.partner_id)]
        # Service-wide alerts are the pilots'; a partner's, about its own campaigns' contacts (rule 1).
        found = alerts(session, now=runtime.clock(),
                       campaign_ids=None if user.pilot else own_campaigns(session, user.partner_id))
    return render(request, "campagnes/liste.html", {"user": user, "campaigns": rows, "alerts": found,
                                                     "notice": pop_flash(request)})


@router.get("/campagnes/nouvelle", response_class=HTMLResponse)
def new_campaign_page(request: Request, user: PilotDep, runtime: RuntimeDep) -> HTMLResponse:
    with runtime.session_factory() as session:
        partners = [p.name for p in session.scalars(select(Partner).order_by(Partner.name))]
    return render(request, "campagnes/nouvelle.html", {
        "user": user, "presets": presets(), "partners": partners, "errors": {},
        "values": {"modele": "", "name": "", "owner": user.user.partner_name, "delegate": ""}})


@router.post("/campagnes/nouvelle", response_class=HTMLResponse)
def new_campaign(request: Request, user: PilotDep, runtime: RuntimeDep,  # noqa: PLR0917 - one per form field
                 modele: Annotated[str, Form()] = "", name: Annotated[str, Form()] = "",
                 owner: Annotated[str, Form()] = "", delegate: Annotated[str, Form()] = "") -> Response:
    values = {"modele": modele, "name": name.strip(), "owner": owner, "delegate": delegate}
    errors: dict[str, str] = {}
    try:
        preset = get_preset(modele)
    except NotFoundError:
        errors["modele"] = "Choisissez un modèle de campagne dans la liste."
    if not name.strip():
        errors["name"] = "Donnez un nom à la campagne, par exemple « ADIL 44 — aller-vers 2027 »."
    if not errors:
        try:
            with runtime.session_factory.begin() as session:
                spec = preset.spec(name=name.strip(), owner=owner, delegate=delegate or None)
                campaign = save_campaign(session, spec, campaign=None, actor=user.actor, now=runtime.clock()).campaign
                campaign_id = campaign.id
        except CampaignInvalidError as exc:
            errors = {i.field if i.field in ("name", "owner", "delegate") else "modele": i.text for i in exc.issues}
    if errors:
        with runtime.session_factory() as session:
            partners = [p.name for p in session.scalars(select(Partner).order_by(Partner.name))]
        return render(request, "campagnes/nouvelle.html", {"user": user, "presets": presets(), "partners": partners,
                                                            "errors": errors, "values": values}, status_code=400)
    flash(request, "success", f"Brouillon créé à partir du modèle « {preset.title} » : vérifiez-le et adaptez-le.")
    return RedirectResponse(f"/campagnes/{campaign_id}/modifier", status_code=303)


@router.get("/campagnes/{campaign_id}", response_class=HTMLResponse)
def campaign_page(request: Request, campaign_id: int, user: CampaignUserDep, runtime: RuntimeDep) -> HTMLResponse:
    with runtime.session_factory() as session:
        try:
            campaign = get_visible_campaign(session, campaign_id, partner_id=user.partner_id)
        except NotFoundError:
            return campaign_not_found(request)
        issues = []
        if campaign.status != CampaignStatus.TERMINEE:
            issues = check_campaign(session, spec_of(session, campaign), campaign_id=campaign.id, running=True)
        history = session.scalars(select(CampaignChange).where(CampaignChange.campaign_id == campaign.id)
                                  .order_by(CampaignChange.id.desc())).all()
        context = {"user": user, "campaign": summary(session, campaign), "issues": issues,
                   "history": campaign_history(history), "template_name": template_name,
                   "notice": pop_flash(request), "choices": form_choices(session, runtime.coordination_rules)}
    return render(request, "campagnes/fiche.html", context)


@router.get("/campagnes/{campaign_id}/modifier", response_class=HTMLResponse)
def edit_page(request: Request, campaign_id: int, user: PilotDep, runtime: RuntimeDep) -> HTMLResponse:
    with runtime.session_factory() as session:
        try:
            campaign = get_visible_campaign(session, campaign_id, partner_id=user.partner_id)
        except NotFoundError:
            return campaign_not_found(request)
        data = spec_of(session, campaign).model_dump(mode="json")
        return _form(request, session, runtime, user, campaign, data, None, {}, notice=pop_flash(request))


def _form(request: Request, session: Session, runtime: RuntimeDep, user: PilotDep,  # noqa: PLR0917
          campaign: Campaign, data: dict[str, Any], origins: list[str] | None, errors: dict[str, str],
          notice: dict[str, str] | None = None, status_code: int = 200) -> HTMLResponse:
    choices = form_choices(session, runtime.coordination_rules)
    chosen = {normalise_text(c): c for c in data.get("territory", {}).get("communes", [])}
    listed = {c.key for communes in choices["communes"].values() for c in communes}
    # A commune of a YAML file or of an earlier list stays shown (and kept) even if no case names it any more.
    if extra := [CommuneChoice(name, "") for key, name in sorted(chosen.items()) if key not in listed]:
        choices["communes"][""] = extra
    return render(request, "campagnes/formulaire.html", {
        "user": user, "campaign": summary(session, campaign), "data": data, "rows": form_rows(data, origins),
        "chosen_communes": set(chosen), "errors": errors, "choices": choices, "notice": notice,
    }, status_code=status_code)


@router.post("/campagnes/{campaign_id}/modifier", response_class=HTMLResponse)
async def edit_campaign(request: Request, campaign_id: int, user: PilotDep, runtime: RuntimeDep) -> Response:
    form = await request.form()
    with runtime.session_factory() as session:
        try:
            campaign = get_visible_campaign(session, campaign_id, partner_id=user.partner_id)
        except NotFoundError:
            return campaign_not_found(request)
        posted = read_form(form, spec_of(session, campaign).model_dump(mode="json"))
        try:
            spec = CampaignSpec.model_validate(posted.data)
            result = save_campaign(session, spec, campaign=campaign, actor=user.actor, now=runtime.clock())
        except SchemaError as exc:
            issues = issues_from_pydantic(exc)
        except CampaignInvalidError as exc:
            issues = exc.issues
        except ValidationError as exc:
            flash(request, "error", sentence(str(exc)))
            return RedirectResponse(f"/campagnes/{campaign_id}", status_code=303)
        else:
            session.commit()
            flash(request, "success", _saved_notice(result.changes, result.replanned))
            return RedirectResponse(f"/campagnes/{campaign_id}", status_code=303)
        session.rollback()
        return _form(request, session, runtime, user, campaign, posted.data, posted.origins, errors_by_field(issues),
                     status_code=400)


def _saved_notice(changes: list[dict[str, Any]], replanned: dict[str, int]) -> str:
    if not changes:
        return "Aucune modification : la campagne est inchangée."
    text = f"Campagne enregistrée : {plural(len(changes), 'champ modifié', 'champs modifiés')}."
    if replanned:
        text += (" Contacts pas encore envoyés mis à jour : "
                 f"{plural(replanned.get('modifies', 0), 'modifié', 'modifiés')}, "
                 f"{plural(replanned.get('ajoutes', 0), 'ajouté', 'ajoutés')}, "
                 f"{plural(replanned.get('annules', 0), 'annulé', 'annulés')}.")
    return text


def _end_confirmation(request: Request, campaign_id: int, user: CampaignUser, runtime: RuntimeDep) -> Response:
    """Ending a campaign cannot be undone: a confirmation step first (a form, no JavaScript needed)."""
    try:
        with runtime.session_factory() as session:
            name = get_visible_campaign(session, campaign_id, partner_id=user.partner_id).name
    except NotFoundError:
        return campaign_not_found(request)
    back = f"/campagnes/{campaign_id}"
    return render(request, "confirmation.html", {
        "title": "Terminer la campagne", "question": f"Terminer la campagne « {name} » ?",
        "consequences": ["Les contacts encore prévus sont annulés : aucun courrier, SMS ni appel ne partira plus.",
                         "La campagne ne pourra plus être modifiée ni reprise."],
        "action": f"{back}/terminer", "fields": {}, "confirm": "Terminer la campagne", "back": back,
        "back_label": "Annuler et revenir à la campagne"})


@router.post("/campagnes/{campaign_id}/{action}", response_class=HTMLResponse)
async def move_campaign(request: Request, campaign_id: int, action: str, user: PilotDep,
                        runtime: RuntimeDep) -> Response:
    if action not in ("activer", "pause", "reprendre", "terminer"):
        return campaign_not_found(request)
    form = await request.form()
    now = runtime.clock()
    if action == "terminer" and form.get("confirmer") is None and form.get("confirmation") != "oui":
        return _end_confirmation(request, campaign_id, user, runtime)
    try:
        with runtime.session_factory.begin() as session:
            campaign = get_visible_campaign(session, campaign_id, partner_id=user.partner_id)
            if action == "activer":
                count = activate(session, campaign, actor=user.actor, now=now,
                                 enroll_current=form.get("inscrire") is not None)
                enrolled = plural(count, "ménage déjà à un stade couvert inscrit",
                                  "ménages déjà à un stade couvert inscrits")
                text = f"Campagne activée : {enrolled}."
            elif action == "pause":
                pause(session, campaign, actor=user.actor, now=now)
                text = "Campagne en pause : les contacts prévus attendent la reprise."
            elif action == "reprendre":
                count = resume(session, campaign, actor=user.actor, now=now)
                text = ("Campagne reprise : les contacts dus pendant la pause partent ; "
                        f"{plural(count, 'ménage inscrit', 'ménages inscrits')}.")
            else:
                count = end(session, campaign, actor=user.actor, now=now)
                text = f"Campagne terminée : {plural(count, 'contact prévu annulé', 'contacts prévus annulés')}."
    except NotFoundError:
        return campaign_not_found(request)
    except ValidationError as exc:
        flash(request, "error", sentence(str(exc)) if not isinstance(exc, CampaignInvalidError)
              else "La campagne ne peut pas être activée : corrigez les points listés sous « Avant activation ».")
        return RedirectResponse(f"/campagnes/{campaign_id}", status_code=303)
    flash(request, "success", text)
    return RedirectResponse(f"/campagnes/{campaign_id}", status_code=303)
