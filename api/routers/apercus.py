"""Previews of letters (PDF), SMS (text, encoding, segments) and e-mails for a template and a sample household."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response

from api.deps import CallerDep, RuntimeDep
from campaigns.locale.clock import local_date
from campaigns.locale.sms_encoding import normalise_sms_typography, sms_info
from campaigns.messages.addressees import preview_recipient
from campaigns.messages.previews import preview
from campaigns.messages.rendering import Rendered, TemplateNotFoundError
from campaigns.models import Partner
from campaigns.models.stages import OPEN_STAGES, Stage

router = APIRouter(prefix="/api/v1/apercus", tags=["aperçus"])

Slug = Annotated[str, Query(pattern=r"^[a-z0-9_]{1,100}$", description="Nom du modèle")]
Locale = Annotated[str, Query(pattern=r"^[a-z]{2,3}$")]


def _render(channel: str, slug: str, *, stade: Stage, langue: str, falc: bool, caller_id: int, runtime: RuntimeDep
            ) -> tuple[Rendered, Partner]:
    if stade not in OPEN_STAGES:
        raise HTTPException(status_code=422, detail=[{"champ": "stade", "motif": "stade de procédure ouvert attendu"}])
    with runtime.session_factory() as session:
        partner = session.get_one(Partner, caller_id)
        session.expunge(partner)
    try:
        rendered = preview(channel, slug, stage=stade, locale=langue, falc=falc, sender=partner.name,
                           phone=partner.contact_phone, now=runtime.clock())
    except TemplateNotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    return rendered, partner


def _sender_lines(partner: Partner) -> list[str]:
    """The sender block as a real letter prints it: the partner's address and phone under its name."""
    lines = [line.strip() for line in (partner.contact_address or "").splitlines() if line.strip()]
    return lines + ([f"Tél. : {partner.contact_phone}"] if partner.contact_phone else [])


def _meta(rendered: Rendered) -> dict[str, Any]:
    return {"langue_utilisee": rendered.locale, "falc_utilise": rendered.falc, "repli": rendered.fallback,
            "modele": rendered.template_path}


@router.get("/courrier", summary="Aperçu d'un courrier (PDF)", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def preview_letter(*, caller: CallerDep, runtime: RuntimeDep, modele: Slug, stade: Stage = Stage.COMMANDEMENT_DE_PAYER,
                   langue: Locale = "fr", falc: bool = False) -> Response:
    rendered, partner = _render("courrier", modele, stade=stade, langue=langue, falc=falc, caller_id=caller.partner_id,
                                  runtime=runtime)
    pdf = runtime.letter_pdf(
        sender_name=partner.name, sender_lines=_sender_lines(partner), recipient=preview_recipient(modele),
        subject=rendered.subject, html_body=rendered.html_body, letter_date=local_date(runtime.clock()),
        reference="EXEMPLE-0001", font_size=14 if rendered.falc else 11,
    )
    headers = {"Content-Disposition": f'inline; filename="apercu-{modele}-{rendered.locale}.pdf"',
               "X-Chaine-Repli": "oui" if rendered.fallback else "non"}
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.get("/sms", summary="Aperçu d'un SMS : texte, jeu de caractères, nombre de segments")
def preview_sms(*, caller: CallerDep, runtime: RuntimeDep, modele: Slug, stade: Stage = Stage.COMMANDEMENT_DE_PAYER,
                langue: Locale = "fr", falc: bool = False) -> dict[str, Any]:
    rendered, _ = _render("sms", modele, stade=stade, langue=langue, falc=falc, caller_id=caller.partner_id,
                          runtime=runtime)
    text = normalise_sms_typography(rendered.body)
    info = sms_info(text)
    return {"texte": text, "encodage": info.encoding, "segments": info.segments, "caracteres": info.characters,
            "hors_gsm": list(info.non_gsm), **_meta(rendered)}


@router.get("/email", summary="Aperçu d'un e-mail : objet, texte et HTML")
def preview_email(*, caller: CallerDep, runtime: RuntimeDep, modele: Slug, stade: Stage = Stage.COMMANDEMENT_DE_PAYER,
                  langue: Locale = "fr", falc: bool = False) -> dict[str, Any]:
    rendered, _ = _render("email", modele, stade=stade, langue=langue, falc=falc, caller_id=caller.partner_id,
                          runtime=runtime)
    return {"objet": rendered.subject, "texte": rendered.body, "html": rendered.html_body, **_meta(rendered)}
