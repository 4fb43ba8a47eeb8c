"""Twilio webhooks: delivery receipts and inbound SMS, both signed (X-Twilio-Signature) or refused."""

from __future__ import annotations

from typing import Annotated
from xml.sax.saxutils import escape

from fastapi import APIRouter, Header, HTTPException, Request
from fastapi.responses import Response

from api.auditing import ProviderAuditDep
from api.deps import RuntimeDep
from campaigns.delivery.sms_events import apply_delivery_status, first_delivery, record_inbound
from channels.sms_twilio import french_mobile_e164, is_stop_keyword, map_twilio_status, verify_twilio_signature

router = APIRouter(prefix="/api/v1/twilio", tags=["twilio"])

STOP_ACK = "Vous ne recevrez plus de SMS de la part des services de prévention des expulsions."


async def _signed_form(request: Request, runtime: RuntimeDep, signature: str | None) -> dict[str, str]:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    # Twilio signs the public URL it called, which a proxy in front of us may have rewritten.
    url = runtime.settings.public_base_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    token = runtime.settings.twilio_auth_token.get_secret_value()
    if not token or not signature or not verify_twilio_signature(token, url, form, signature):
        raise HTTPException(status_code=403, detail="signature Twilio absente ou invalide")
    return form


def _twiml(message: str | None) -> Response:
    body = f"<Message>{escape(message)}</Message>" if message else ""
    return Response(f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>',
                    media_type="application/xml")


@router.post("/statut", summary="Accusé de livraison d'un SMS (rappel Twilio)")
async def status_callback(
    request: Request, runtime: RuntimeDep,
    signature: Annotated[str | None, Header(alias="X-Twilio-Signature")] = None,
) -> Response:
    form = await _signed_form(request, runtime, signature)
    try:
        status = map_twilio_status(form.get("MessageStatus", ""))
    except ValueError:
        raise HTTPException(status_code=422, detail="statut Twilio inconnu") from None
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    with runtime.session_factory.begin() as session:
        if first_delivery(session, key=f"statut:{sid}:{status}:{form.get('ErrorCode', '')}", now=runtime.clock()):
            apply_delivery_status(session, provider_ref=sid, status=status,
                                  error_code=form.get("ErrorCode") or None, now=runtime.clock())
    return Response(status_code=204)


@router.post("/entrant", summary="SMS reçu d'un ménage (réponse ou STOP)")
async def inbound_sms(
    request: Request, runtime: RuntimeDep, audit: ProviderAuditDep,
    signature: Annotated[str | None, Header(alias="X-Twilio-Signature")] = None,
) -> Response:
    form = await _signed_form(request, runtime, signature)
    phone = french_mobile_e164(form.get("From"))
    if phone is None:
        return _twiml(None)
    sid = form.get("MessageSid") or form.get("SmsSid")
    with runtime.session_factory.begin() as session:
        if sid and not first_delivery(session, key=f"entrant:{sid}", now=runtime.clock()):
            return _twiml(None)  # already handled (and acknowledged) when Twilio first delivered it
        outcome = record_inbound(session, phone=phone, is_stop=is_stop_keyword(form.get("Body", "")),
                                 now=runtime.clock())
        audit.change(session, outcome.households, now=runtime.clock())
    return _twiml(STOP_ACK if outcome.acknowledge_stop else None)
