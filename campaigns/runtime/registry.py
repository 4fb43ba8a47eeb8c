"""Which adapter serves which channel: the only place where embedded, test and production differ for channels."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from campaigns.platform.ports import Channel
from campaigns.platform.settings import Settings
from campaigns.queues.routing import open_dispatch_task
from channels.call_tasks import QueueTaskChannel
from channels.email_smtp import SmtpEmailChannel
from channels.outbox import OutboxChannel
from channels.sms_twilio import TwilioSmsChannel


def _sms(settings: Settings) -> Channel:
    if settings.sms_provider == "outbox":
        return OutboxChannel(settings.resolved_outbox_dir, "sms")
    if settings.sms_provider != "twilio":
        raise ValueError(f"CHAINE_SMS_PROVIDER: outbox or twilio, not {settings.sms_provider!r}")
    return TwilioSmsChannel(
        settings.twilio_account_sid,
        settings.twilio_auth_token.get_secret_value(),
        messaging_service_sid=settings.twilio_messaging_service_sid or None,
        from_number=None if settings.twilio_messaging_service_sid else settings.twilio_from_number,
        status_callback=settings.public_base_url.rstrip("/") + "/api/v1/twilio/statut",
        max_segments=settings.sms_max_segments,
        timeout=settings.twilio_timeout_seconds,
        base_url=settings.twilio_api_base_url or None,
    )


def _email(settings: Settings) -> Channel:
    if settings.email_provider == "outbox":
        return OutboxChannel(settings.resolved_outbox_dir, "email")
    if settings.email_provider != "smtp":
        raise ValueError(f"CHAINE_EMAIL_PROVIDER: outbox or smtp, not {settings.email_provider!r}")
    return SmtpEmailChannel(
        settings.smtp_host,
        settings.smtp_port,
        from_address=settings.smtp_from,
        username=settings.smtp_username or None,
        password=settings.smtp_password.get_secret_value() or None,
        start_tls=settings.smtp_start_tls,
    )


def _open_task(session: Session, dispatch_id: int, kind: str, now: datetime) -> None:
    open_dispatch_task(session, dispatch_id=dispatch_id, kind=kind, now=now)


def build_channels(settings: Settings, session_factory: sessionmaker[Session]) -> dict[str, Channel]:
    return {
        "courrier": OutboxChannel(settings.resolved_outbox_dir, "courrier"),
        "sms": _sms(settings),
        "email": _email(settings),
        "appel": QueueTaskChannel(session_factory, "appel", _open_task),
        "visite": QueueTaskChannel(session_factory, "visite", _open_task),
    }
