"""The template editor (/modeles): the campaign owner writes its letters, SMS and e-mails in the browser.

Draft, preview (PDF for a letter, SMS text with its segments and the characters that break GSM-7, e-mail), the FALC
checker's findings and the mandatory blocks of the stage beside the text, publish as a new version, history of
versions with who and when (campaigns/messages/stored.py, docs/campaigns.md). Open to a pilot's administrators and
operators (api/access_rules.py); each partner edits its own templates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import RuntimeDep
from api.web.auth import WebUser, require_roles
from api.web.templating import render
from api.web.worker_access import flash, pop_flash
from campaigns.locale.clock import local_date
from campaigns.messages import stored
from campaigns.messages.addressees import preview_recipient
from campaigns.messages.rendering import CHANNEL_DIRS, parts_of, valid_locale
from campaigns.models import STRUCTURE_NOTICES, Partner, UserRole
from campaigns.models.stages import OPEN_STAGES, Stage

router = APIRouter(include_in_schema=False)
EditorDep = Annotated[WebUser, Depends(require_roles(UserRole.ADMIN, UserRole.OPERATEUR))]
CHANNEL_LABELS = {"courrier": "Courrier", "sms": "SMS", "email": "E-mail"}
# What each template is, in words (the code's names stay in the address only).
_NAMES = {"information_etat": "Information de l'État au ménage",
          "mise_a_disposition": "Proposition de rencontre (ADIL)",
          "courrier_bailleur": "Courrier au bailleur : observations pour le diagnostic", "relance": "Relance",
          **{slug: notice.title for slug, notice in STRUCTURE_NOTICES.items()}}
_FORM_FIELDS = {"subject": "objet", "html_body": "html", "body": "texte"}
# The live preview: as the text is typed, the same POST as the « Voir l'aperçu et les vérifications » button (the
# page works without it), whose answer's checks column replaces the page's; a status line tells screen readers.
_LIVE_PREVIEW_JS = """(() => {
  const form = document.getElementById("formulaire-modele");
  const column = document.getElementById("verifications");
  const status = document.getElementById("apercu-direct");
  if (!form || !column || !status) return;
  let timer = null;
  let sent = 0;
  const failed = "L'aperçu n'a pas pu être mis à jour : utilisez le bouton « Voir l'aperçu et les vérifications ».";
  const refresh = async () => {
    const ticket = ++sent;
    // getAttribute: the form's buttons are named "action", which hides the form's own `action` property.
    const answer = await fetch(form.getAttribute("action") + "/apercu", {method: "POST", body: new FormData(form),
                                                                         credentials: "same-origin"});
    const page = new DOMParser().parseFromString(await answer.text(), "text/html");
    if (ticket !== sent) return;
    const fresh = page.getElementById("verifications");
    if (!fresh) { status.textContent = failed; return; }
    column.replaceChildren(...Array.from(fresh.childNodes));
    const error = page.getElementById("erreur-modele");
    status.textContent = error ? "Aperçu impossible : " + error.querySelector("p").textContent : "Aperçu mis à jour.";
  };
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => refresh().catch(() => { status.textContent = failed; }), 600);
  });
})();
"""


def template_name(slug: str) -> str:
    """What a template is, in words: « Étape « assignation » », « Relance »; `etape_{stade}` is the household's."""
    if slug == "etape_{stade}":
        return "Message de l'étape, selon le stade du ménage"
    if slug.startswith("etape_") and slug.removeprefix("etape_") in {s.value for s in Stage}:
        return f"Étape « {Stage(slug.removeprefix('etape_')).label} »"
    return _NAMES.get(slug, slug.replace("_", " ").capitalize())


@dataclass
class Editor:
    """What the editor page shows: the variant, the text in the form, and the findings of the last preview."""

    channel: str
    slug: str
    locale: str
    falc: bool
    stage: Stage
    files: dict[str, str]
    error: str | None = None
    review: stored.Review | None = None
    notice: dict[str, str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _variant(editor: Editor) -> stored.Variant:
    return stored.Variant(editor.channel, editor.slug, editor.locale, editor.falc)


def _unknown(request: Request, canal: str, modele: str) -> HTMLResponse | None:
    """The French 404 page when no template of that name exists for that channel."""
    if canal in CHANNEL_DIRS and (canal, modele) in stored.editable_slugs():
        return None
    return render(request, "erreur.html", {"title": "Page introuvable", "message": (
        "Ce modèle de message n'existe pas. Retrouvez les modèles modifiables sur la page « Modèles de messages ».")},
        status_code=404)


def _author(user: WebUser) -> str:
    return f"{user.display_name} ({user.partner_name})"


@router.get("/modeles/apercu-direct.js")
def live_preview_js() -> Response:
    """The editor's live preview, as a file of this site: the pages' security policy allows no inline script."""
    return Response(_LIVE_PREVIEW_JS, media_type="text/javascript; charset=utf-8",
                    headers={"Cache-Control": "max-age=3600"})


@router.get("/modeles", response_class=HTMLResponse)
def list_page(request: Request, user: EditorDep, runtime: RuntimeDep) -> HTMLResponse:
    with runtime.session_factory() as session:
        rows = []
        for channel, slug in stored.editable_slugs():
            versions = stored.versions_of(session, user.partner_id, stored.Variant(channel, slug, "fr", False))
            draft = stored.draft_of(session, user.partner_id, stored.Variant(channel, slug, "fr", False))
            rows.append({"channel": channel, "channel_label": CHANNEL_LABELS[channel], "slug": slug,
                         "name": template_name(slug), "version": versions[0].version if versions else None,
                         "draft": draft is not None})
    return render(request, "modeles/liste.html", {"user": user, "rows": rows, "notice": pop_flash(request)})


def _editor_page(request: Request, user: WebUser, runtime: RuntimeDep, editor: Editor, status: int = 200
                 ) -> HTMLResponse:
    variant = _variant(editor)
    with runtime.session_factory() as session:
        versions = stored.versions_of(session, user.partner_id, variant)
        draft = stored.draft_of(session, user.partner_id, variant)
        history = [{"version": v.version, "author": v.author, "when": stored.when_fr(v.published_at)}
                   for v in versions if v.published_at is not None]
        draft_info = None if draft is None else {"author": draft.author, "when": stored.when_fr(draft.updated_at)}
    parts = [{"name": _FORM_FIELDS[name], "label": stored.PART_LABELS[name], "value": editor.files.get(name, ""),
              "rows": 2 if name == "subject" else 18} for name in parts_of(editor.channel)]
    missing = set(editor.review.missing_blocks) if editor.review else set()
    blocks = [{"text": block, "missing": block in missing} for block in stored.mandatory_blocks(variant)]
    return render(request, "modeles/editeur.html", {
        "user": user, "e": editor, "name": template_name(editor.slug), "channel_label": CHANNEL_LABELS[editor.channel],
        "parts": parts, "blocks": blocks, "history": history, "draft": draft_info,
        "stages": sorted(OPEN_STAGES, key=lambda s: s.rank), "action": f"/modeles/{editor.channel}/{editor.slug}",
    }, status_code=status)


@router.get("/modeles/{canal}/{modele}", response_class=HTMLResponse)
def editor_page(request: Request, user: EditorDep, runtime: RuntimeDep, canal: str, modele: str, *,
                langue: str = "fr", falc: str = "non", stade: str = "") -> HTMLResponse:
    if (missing := _unknown(request, canal, modele)) is not None:
        return missing
    locale = langue if valid_locale(langue) else "fr"
    stage = Stage(stade) if stade in {s.value for s in OPEN_STAGES} else stored.stages_for(modele)[0]
    variant = stored.Variant(canal, modele, locale, falc == "oui")
    with runtime.session_factory() as session:
        draft = stored.draft_of(session, user.partner_id, variant)
        files = dict(draft.files) if draft else stored.current_sources(session, user.partner_id, variant)
    editor = Editor(canal, modele, locale, falc == "oui", stage, files, notice=pop_flash(request))
    return _editor_page(request, user, runtime, editor)


async def _posted(request: Request, canal: str, modele: str) -> tuple[Editor, str]:
    form = await request.form()

    def text(name: str) -> str:
        value = form.get(name)
        return value if isinstance(value, str) else ""

    locale = text("langue") if valid_locale(text("langue")) else "fr"
    stage = Stage(text("stade")) if text("stade") in {s.value for s in OPEN_STAGES} else stored.stages_for(modele)[0]
    files = {name: text(form_name) for name, form_name in _FORM_FIELDS.items() if name in parts_of(canal)}
    return Editor(canal, modele, locale, text("falc") == "oui", stage, files), text("action")


def _sender(runtime: RuntimeDep, user: WebUser) -> Partner:
    with runtime.session_factory() as session:
        partner = session.get_one(Partner, user.partner_id)
        session.expunge(partner)
        return partner


def _review(runtime: RuntimeDep, user: WebUser, editor: Editor) -> None:
    partner = _sender(runtime, user)
    try:
        editor.review = stored.review(_variant(editor), editor.files, stage=editor.stage, sender=partner.name,
                                      phone=partner.contact_phone, now=runtime.clock())
    except stored.TemplateEditError as exc:
        editor.error = str(exc)


def _back(editor: Editor) -> str:
    return (f"/modeles/{editor.channel}/{editor.slug}?langue={editor.locale}&falc={'oui' if editor.falc else 'non'}"
            f"&stade={editor.stage.value}")


@router.post("/modeles/{canal}/{modele}", response_model=None)
async def save_or_publish(request: Request, user: EditorDep, runtime: RuntimeDep, canal: str, modele: str
                          ) -> HTMLResponse | RedirectResponse:
    """"Enregistrer le brouillon" or "Publier": the text is saved as the draft first, publishing then checks it."""
    if (missing := _unknown(request, canal, modele)) is not None:
        return missing
    editor, action = await _posted(request, canal, modele)
    partner = _sender(runtime, user)
    try:
        with runtime.session_factory.begin() as session:
            stored.save_draft(session, user.partner_id, _variant(editor), editor.files, author=_author(user),
                              now=runtime.clock())
        if action == "publier":
            with runtime.session_factory.begin() as session:
                row = stored.publish(session, user.partner_id, _variant(editor), author=_author(user),
                                     sender=partner.name, phone=partner.contact_phone, now=runtime.clock())
                flash(request, "success", f"Version {row.version} publiée : les prochains envois l'utiliseront.")
        else:
            flash(request, "info", "Brouillon enregistré. Les envois utilisent toujours la version publiée.")
    except stored.TemplateEditError as exc:
        editor.error = str(exc)
        _review(runtime, user, editor)
        if editor.error is None:
            editor.error = str(exc)
        return _editor_page(request, user, runtime, editor, status=422)
    return RedirectResponse(_back(editor), status_code=303)


@router.post("/modeles/{canal}/{modele}/apercu", response_class=HTMLResponse)
async def preview_page(request: Request, user: EditorDep, runtime: RuntimeDep, canal: str, modele: str
                       ) -> HTMLResponse:
    """The text of the form rendered for the sample household, with the checkers' findings; nothing is saved."""
    if (missing := _unknown(request, canal, modele)) is not None:
        return missing
    editor, _ = await _posted(request, canal, modele)
    _review(runtime, user, editor)
    return _editor_page(request, user, runtime, editor, status=422 if editor.error else 200)


@router.post("/modeles/{canal}/{modele}/apercu.pdf", response_model=None)
async def preview_pdf(request: Request, user: EditorDep, runtime: RuntimeDep, canal: str, modele: str
                      ) -> Response:
    """The letter of the form as the PDF the sample addressee would get (opens in a new tab)."""
    if (missing := _unknown(request, canal, modele)) is not None:
        return missing
    editor, _ = await _posted(request, canal, modele)
    _review(runtime, user, editor)
    if editor.error or editor.review is None or canal != "courrier":
        editor.error = editor.error or "l'aperçu PDF n'existe que pour les courriers"
        return _editor_page(request, user, runtime, editor, status=422)
    partner = _sender(runtime, user)
    rendered = editor.review.rendered
    pdf = runtime.letter_pdf(
        sender_name=partner.name, sender_lines=(partner.contact_address or "").splitlines(),
        recipient=preview_recipient(modele), subject=rendered.subject, html_body=rendered.html_body,
        letter_date=local_date(runtime.clock()), reference="EXEMPLE-0001", font_size=14 if editor.falc else 11,
        locale=editor.locale)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="brouillon-{modele}-{editor.locale}.pdf"'})
