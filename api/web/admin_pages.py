"""« Administration » for administrators: partners, their API keys (shown once at creation, revocable) and the web
accounts with their roles. A pilot's administrator (DDETS/DRIHL, Département) manages every partner; another
partner's administrator manages its own keys and accounts only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import RuntimeDep
from api.int_bounds import DAY_OUT_OF_BOUNDS, bounded_day
from api.web.auth import ROLE_LABELS
from api.web.campaign_access import AdminDep, CampaignUser
from api.web.templating import render
from api.web.worker_access import flash, pop_flash, sentence
from campaigns.accounts.admin import change_role, check_not_self, enable_user, get_user, list_users
from campaigns.accounts.partners import (
    add_partner,
    get_partner,
    issue_key,
    key_expiry,
    list_keys,
    list_partners,
    revoke_key,
)
from campaigns.accounts.users import add_user, disable_user
from campaigns.locale.labels import PARTNER_KINDS
from campaigns.models import PartnerKind, UserRole
from campaigns.platform.errors import NotFoundError, ValidationError

router = APIRouter(include_in_schema=False)

KIND_LABELS = PARTNER_KINDS
_NEW_KEY = "new_key"
CONFIRMED = "oui"


def _confirmation(request: Request, **context: Any) -> HTMLResponse:
    """The confirmation step of a destructive action (api/web/templates/confirmation.html)."""
    return render(request, "confirmation.html", {"back_label": "Annuler et revenir", "fields": {}, **context})


def _not_found(request: Request) -> HTMLResponse:
    return render(request, "erreur.html", {"title": "Page introuvable", "message": (
        "Ce partenaire n'existe pas, ou vous ne pouvez administrer que votre propre structure.")}, status_code=404)


def _may_manage(admin: CampaignUser, partner_id: int) -> bool:
    return admin.pilot or admin.partner_id == partner_id


@router.get("/administration", response_class=HTMLResponse)
def partners_page(request: Request, admin: AdminDep, runtime: RuntimeDep) -> Response:
    if not admin.pilot:
        return RedirectResponse(f"/administration/partenaires/{admin.partner_id}", status_code=303)
    with runtime.session_factory() as session:
        partners = list_partners(session)
        return render(request, "admin/partenaires.html", {
            "user": admin, "partners": partners, "kinds": KIND_LABELS, "errors": {}, "values": {},
            "notice": pop_flash(request)})


@router.post("/administration", response_class=HTMLResponse)
def create_partner(request: Request, admin: AdminDep, runtime: RuntimeDep,  # noqa: PLR0917 - one per form field
                   nom: Annotated[str, Form()] = "", type_: Annotated[str, Form(alias="type")] = "",
                   telephone: Annotated[str, Form()] = "", adresse: Annotated[str, Form()] = "") -> Response:
    if not admin.pilot:
        return _not_found(request)
    values = {"nom": nom, "type": type_, "telephone": telephone, "adresse": adresse}
    errors: dict[str, str] = {}
    if not nom.strip():
        errors["nom"] = "Saisissez le nom du partenaire, par exemple « ADIL 44 »."
    if type_ not in {k.value for k in PartnerKind}:
        errors["type"] = "Choisissez le type du partenaire dans la liste."
    if not errors:
        try:
            with runtime.session_factory.begin() as session:
                partner = add_partner(session, name=nom, kind=type_, now=runtime.clock(),
                                      contact_phone=telephone.strip() or None, contact_address=adresse.strip() or None)
                partner_id = partner.id
        except ValidationError as exc:
            errors["nom"] = sentence(str(exc))
    if errors:
        with runtime.session_factory() as session:
            return render(request, "admin/partenaires.html", {
                "user": admin, "partners": list_partners(session), "kinds": KIND_LABELS, "errors": errors,
                "values": values, "notice": None}, status_code=400)
    flash(request, "success", f"Partenaire « {nom.strip()} » créé. Créez-lui une clé d'API ou des comptes ci-dessous.")
    return RedirectResponse(f"/administration/partenaires/{partner_id}", status_code=303)


def _partner_context(runtime: RuntimeDep, admin: CampaignUser, partner_id: int) -> dict[str, Any]:
    with runtime.session_factory() as session:
        partner = get_partner(session, partner_id)
        return {"user": admin, "partner": partner, "kind": KIND_LABELS.get(partner.kind, partner.kind),
                "keys": list_keys(session, partner_id), "accounts": list_users(session, partner_id=partner_id),
                "roles": {r.value: ROLE_LABELS[r] for r in UserRole}, "errors": {}, "values": {}, "new_key": None,
                "key_errors": {}, "key_values": {}}


@router.get("/administration/partenaires/{partner_id}", response_class=HTMLResponse)
def partner_page(request: Request, partner_id: int, admin: AdminDep, runtime: RuntimeDep) -> HTMLResponse:
    if not _may_manage(admin, partner_id):
        return _not_found(request)
    try:
        context = _partner_context(runtime, admin, partner_id)
    except NotFoundError:
        return _not_found(request)
    return render(request, "admin/partenaire.html", {**context, "notice": pop_flash(request),
                                                     "new_key": _pop_new_key(request, partner_id)})


@router.post("/administration/partenaires/{partner_id}/cles", response_class=HTMLResponse)
def create_key(request: Request, partner_id: int, admin: AdminDep, runtime: RuntimeDep,
               dernier_jour: Annotated[str, Form()] = "") -> Response:
    if not _may_manage(admin, partner_id):
        return _not_found(request)
    try:
        context = _partner_context(runtime, admin, partner_id)
    except NotFoundError:
        return _not_found(request)
    try:
        last_day = bounded_day(dernier_jour) if dernier_jour.strip() else None
        expires_at = key_expiry(last_day, now=runtime.clock())
    except ValueError as exc:  # campaigns' ValidationError is a ValueError too
        readable = isinstance(exc, ValidationError) or str(exc) == DAY_OUT_OF_BOUNDS
        message = str(exc) if readable else "date illisible : JJ/MM/AAAA attendu"
        return render(request, "admin/partenaire.html", {**context, "notice": None,
                      "key_errors": {"dernier_jour": message}, "key_values": {"dernier_jour": dernier_jour}},
                      status_code=422)
    with runtime.session_factory.begin() as session:
        key = issue_key(session, partner=get_partner(session, partner_id), now=runtime.clock(), expires_at=expires_at)
    # POST-redirect-GET: the key rides in the session once and is forgotten when shown, so a reload of the page
    # that shows it creates no other key and shows it no more (never in a URL, never stored in clear).
    request.session[_NEW_KEY] = {"partner_id": partner_id, "key": key}
    return RedirectResponse(f"/administration/partenaires/{partner_id}#nouvelle-cle", status_code=303)


def _pop_new_key(request: Request, partner_id: int) -> str | None:
    held = request.session.pop(_NEW_KEY, None)
    if isinstance(held, dict) and held.get("partner_id") == partner_id and isinstance(held.get("key"), str):
        return str(held["key"])
    return None


@router.post("/administration/partenaires/{partner_id}/cles/{key_id}/revoquer")
def revoke(request: Request, partner_id: int, key_id: int, admin: AdminDep,  # noqa: PLR0917 - path and form
           runtime: RuntimeDep,
           confirmation: Annotated[str, Form()] = "") -> Response:
    if not _may_manage(admin, partner_id):
        return _not_found(request)
    back = f"/administration/partenaires/{partner_id}"
    if confirmation != CONFIRMED:
        with runtime.session_factory() as session:
            found = next((k for k in list_keys(session, partner_id) if k.id == key_id and not k.revoked_at), None)
            if found is None:
                return _not_found(request)
            prefix = found.prefix
        return _confirmation(
            request, title="Révoquer une clé d'API", question=f"Révoquer la clé « {prefix}… » ?",
            consequences=["Les logiciels qui l'utilisent ne pourront plus appeler l'API, dès maintenant.",
                          "Une clé révoquée ne peut pas être réactivée : il faudra en créer une nouvelle."],
            action=f"{back}/cles/{key_id}/revoquer", confirm="Révoquer la clé", back=back)
    try:
        with runtime.session_factory.begin() as session:
            api_key = revoke_key(session, key_id=key_id, partner_id=partner_id, now=runtime.clock())
            prefix = api_key.prefix
    except NotFoundError:
        return _not_found(request)
    flash(request, "success", f"Clé « {prefix}… » révoquée : elle ne donne plus accès à l'API.")
    return RedirectResponse(f"/administration/partenaires/{partner_id}", status_code=303)


@router.post("/administration/partenaires/{partner_id}/comptes", response_class=HTMLResponse)
def create_account(request: Request, partner_id: int, admin: AdminDep,  # noqa: PLR0917 - one per form field
                   runtime: RuntimeDep, email: Annotated[str, Form()] = "", nom: Annotated[str, Form()] = "",
                   role: Annotated[str, Form()] = "", mot_de_passe: Annotated[str, Form()] = "") -> Response:
    if not _may_manage(admin, partner_id):
        return _not_found(request)
    errors: dict[str, str] = {}
    try:
        with runtime.session_factory.begin() as session:
            add_user(session, email=email, display_name=nom, password=mot_de_passe,
                     partner=get_partner(session, partner_id), role=role, now=runtime.clock())
    except NotFoundError:
        return _not_found(request)
    except ValidationError as exc:
        message = sentence(str(exc))
        field = ("email" if "adresse" in message or "compte existe" in message else "nom" if "nom" in message
                 else "role" if "rôle" in message else "mot_de_passe")
        errors[field] = message
    if errors:
        context = _partner_context(runtime, admin, partner_id)
        return render(request, "admin/partenaire.html", {
            **context, "errors": errors, "values": {"email": email, "nom": nom, "role": role}, "notice": None},
            status_code=400)
    flash(request, "success", f"Compte créé pour {email.strip().lower()} : transmettez-lui son mot de passe "
                              "par un autre moyen que l'adresse électronique.")
    return RedirectResponse(f"/administration/partenaires/{partner_id}", status_code=303)


@router.post("/administration/partenaires/{partner_id}/comptes/{user_id}")
def update_account(request: Request, partner_id: int, user_id: int, admin: AdminDep,  # noqa: PLR0917
                   runtime: RuntimeDep, action: Annotated[str, Form()] = "",
                   role: Annotated[str, Form()] = "", confirmation: Annotated[str, Form()] = "") -> Response:
    if not _may_manage(admin, partner_id):
        return _not_found(request)
    if action == "desactiver" and confirmation != CONFIRMED:
        back = f"/administration/partenaires/{partner_id}"
        try:
            with runtime.session_factory() as session:
                email = get_user(session, user_id, partner_id=partner_id).email
        except NotFoundError:
            return _not_found(request)
        return _confirmation(
            request, title="Désactiver un compte", question=f"Désactiver le compte {email} ?",
            consequences=["Ses sessions ouvertes sont fermées et il ne peut plus se connecter.",
                          "Ses tâches et son historique sont conservés ; vous pourrez le réactiver."],
            action=f"{back}/comptes/{user_id}", fields={"action": "desactiver"}, confirm="Désactiver le compte",
            back=back)
    try:
        with runtime.session_factory.begin() as session:
            account = get_user(session, user_id, partner_id=partner_id)
            check_not_self(account, admin.user.id)
            if action == "role":
                change_role(session, user=account, role=role, now=runtime.clock())
                text = f"Rôle de {account.email} : {ROLE_LABELS[UserRole(account.role)]}."
            elif action == "desactiver":
                disable_user(session, user=account, now=runtime.clock())
                text = f"Compte {account.email} désactivé : ses sessions ouvertes sont fermées."
            elif action == "reactiver":
                enable_user(session, user=account)
                text = f"Compte {account.email} réactivé."
            else:
                raise ValidationError("action inconnue")
    except NotFoundError:
        return _not_found(request)
    except ValidationError as exc:
        flash(request, "error", sentence(str(exc)))
        return RedirectResponse(f"/administration/partenaires/{partner_id}", status_code=303)
    flash(request, "success", text)
    return RedirectResponse(f"/administration/partenaires/{partner_id}", status_code=303)
