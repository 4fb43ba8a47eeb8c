"""Templates written by the campaign owner (DDETS, Département keys): draft, preview, checks, publish as a new
version, history (campaigns/messages/stored.py; docs/campaigns.md). Published versions override the files of the
code for the caller's own campaigns."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from api.deps import CallerDep, RuntimeDep
from campaigns.locale.clock import local_date
from campaigns.messages import stored
from campaigns.messages.addressees import preview_recipient
from campaigns.models import Partner, StoredTemplate
from campaigns.models.stages import OPEN_STAGES, Stage

router = APIRouter(prefix="/api/v1/modeles", tags=["modèles de messages"])

Canal = Annotated[str, Path(pattern=r"^(courrier|sms|email)$", description="courrier, sms ou email")]
Slug = Annotated[str, Path(pattern=r"^[a-z0-9_]{1,100}$", description="Nom du modèle")]
Locale = Annotated[str, Query(pattern=r"^[a-z]{2,3}$")]


class Parts(BaseModel):
    """The parts of a variant: `objet` and `html` for a letter, `texte` for an SMS, all three for an e-mail."""

    objet: str | None = Field(default=None, max_length=stored.MAX_SOURCE)
    html: str | None = Field(default=None, max_length=stored.MAX_SOURCE)
    texte: str | None = Field(default=None, max_length=stored.MAX_SOURCE)

    def files(self) -> dict[str, str]:
        named = {"subject": self.objet, "html_body": self.html, "body": self.texte}
        return {name: value for name, value in named.items() if value is not None}


def _parts(files: dict[str, str]) -> dict[str, str]:
    names = {"subject": "objet", "html_body": "html", "body": "texte"}
    return {names[name]: value for name, value in files.items()}


def _version(row: StoredTemplate) -> dict[str, Any]:
    return {"version": row.version, "auteur": row.author, "publie_le": stored.when_fr(row.published_at)
            if row.published_at else None, "parties": _parts(row.files)}


def _refused(exc: stored.TemplateEditError) -> HTTPException:
    return HTTPException(status_code=422, detail=[{"champ": "modele", "motif": str(exc)}])


def _partner(runtime: RuntimeDep, partner_id: int) -> Partner:
    with runtime.session_factory() as session:
        partner = session.get_one(Partner, partner_id)
        session.expunge(partner)
        return partner


def author_of(caller_name: str) -> str:
    return f"clé d'API de {caller_name}"


@router.get("", summary="Les modèles que le porteur de campagne peut modifier")
def list_templates(*, caller: CallerDep, runtime: RuntimeDep) -> dict[str, Any]:
    with runtime.session_factory() as session:
        mine = set(session.execute(select(StoredTemplate.channel, StoredTemplate.slug).where(
            StoredTemplate.owner_partner_id == caller.partner_id, StoredTemplate.version.is_not(None))).all())
    return {"modeles": [{"canal": channel, "modele": slug, "modifie": (channel, slug) in mine}
                        for channel, slug in stored.editable_slugs()]}


@router.get("/{canal}/{modele}", summary="Un modèle : texte en vigueur, brouillon, blocs obligatoires, versions")
def show_template(*, caller: CallerDep, runtime: RuntimeDep, canal: Canal, modele: Slug, langue: Locale = "fr",
                  falc: bool = False) -> dict[str, Any]:
    variant = stored.Variant(canal, modele, langue, falc)
    if (canal, modele) not in stored.editable_slugs():
        raise HTTPException(status_code=404, detail=f"modèle inconnu : {canal}/{modele}")
    with runtime.session_factory() as session:
        draft = stored.draft_of(session, caller.partner_id, variant)
        return {
            "canal": canal, "modele": modele, "langue": langue, "falc": falc,
            "en_vigueur": _parts(stored.current_sources(session, caller.partner_id, variant)),
            "brouillon": None if draft is None else {"auteur": draft.author, "parties": _parts(draft.files),
                                                      "modifie_le": stored.when_fr(draft.updated_at)},
            "blocs_obligatoires": stored.mandatory_blocks(variant),
            "versions": [_version(row) for row in stored.versions_of(session, caller.partner_id, variant)],
        }


@router.post("/{canal}/{modele}/brouillon", summary="Enregistrer le brouillon (les envois n'en tiennent pas compte)")
def save_draft(*, caller: CallerDep, runtime: RuntimeDep, canal: Canal, modele: Slug, parts: Parts,
               langue: Locale = "fr", falc: bool = False) -> dict[str, Any]:
    variant = stored.Variant(canal, modele, langue, falc)
    try:
        with runtime.session_factory.begin() as session:
            draft = stored.save_draft(session, caller.partner_id, variant, parts.files(),
                                      author=author_of(caller.name), now=runtime.clock())
            return {"brouillon": {"auteur": draft.author, "parties": _parts(draft.files)}}
    except stored.TemplateEditError as exc:
        raise _refused(exc) from None


@router.post("/{canal}/{modele}/apercu", summary="Aperçu d'un texte (PDF d'un courrier, SMS, e-mail) et vérifications",
             responses={200: {"content": {"application/pdf": {}, "application/json": {}}}})
def preview_draft(*, caller: CallerDep, runtime: RuntimeDep, canal: Canal, modele: Slug, parts: Parts,
                  langue: Locale = "fr", falc: bool = False, stade: Stage = Stage.COMMANDEMENT_DE_PAYER,
                  format: Annotated[str, Query(pattern=r"^(pdf|json)$")] = "json") -> Any:
    if stade not in OPEN_STAGES:
        raise HTTPException(status_code=422, detail=[{"champ": "stade", "motif": "stade de procédure ouvert attendu"}])
    partner = _partner(runtime, caller.partner_id)
    try:
        found = stored.review(stored.Variant(canal, modele, langue, falc), parts.files(), stage=stade,
                              sender=partner.name, phone=partner.contact_phone, now=runtime.clock())
    except stored.TemplateEditError as exc:
        raise _refused(exc) from None
    if format == "pdf" and canal == "courrier":
        pdf = runtime.letter_pdf(
            sender_name=partner.name, sender_lines=(partner.contact_address or "").splitlines(),
            recipient=preview_recipient(modele), subject=found.rendered.subject,
            html_body=found.rendered.html_body, letter_date=local_date(runtime.clock()), reference="EXEMPLE-0001",
            font_size=14 if falc else 11, locale=langue)
        return Response(pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="brouillon-{modele}-{langue}.pdf"'})
    return review_json(found)


def review_json(found: stored.Review) -> dict[str, Any]:
    rendered = found.rendered
    answer: dict[str, Any] = {
        "objet": rendered.subject, "texte": rendered.body, "html": rendered.html_body,
        "blocs_manquants": list(found.missing_blocks),
        "falc": [{"regle": i.rule, "ligne": i.line, "extrait": i.excerpt, "message": i.message} for i in found.falc],
    }
    if found.sms is not None:
        answer |= {"texte": found.sms_text, "encodage": found.sms.encoding, "segments": found.sms.segments,
                   "caracteres": found.sms.characters, "hors_gsm": list(found.sms.non_gsm)}
    return answer


@router.post("/{canal}/{modele}/publier", summary="Publier le brouillon comme nouvelle version")
def publish(*, caller: CallerDep, runtime: RuntimeDep, canal: Canal, modele: Slug, langue: Locale = "fr",
            falc: bool = False) -> dict[str, Any]:
    partner = _partner(runtime, caller.partner_id)
    try:
        with runtime.session_factory.begin() as session:
            row = stored.publish(session, caller.partner_id, stored.Variant(canal, modele, langue, falc),
                                 author=author_of(caller.name), sender=partner.name, phone=partner.contact_phone,
                                 now=runtime.clock())
            return _version(row)
    except stored.TemplateEditError as exc:
        raise _refused(exc) from None
