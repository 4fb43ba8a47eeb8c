"""Template versions: every sent message points to the exact text it was rendered from, and records the variant it
was asked in and the one it used (a fallback is never silent), and whom a notice to the social services went to."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.messages.composing import Composed
from campaigns.messages.notices import record_recipients
from campaigns.messages.rendering import Rendered
from campaigns.models import ChannelKind, Dispatch, TemplateVersion
from campaigns.platform.dialect import insert_ignoring_conflicts
from campaigns.platform.memo import memoised


def content_hash(sources: dict[str, str]) -> str:
    return hashlib.sha256(orjson.dumps(sources, option=orjson.OPT_SORT_KEYS)).hexdigest()


def record_version(session: Session, *, channel: str, slug: str, rendered: Rendered, now: datetime) -> int:
    """The id of this exact variant text, created at its first use (concurrent first uses agree)."""
    digest = content_hash(rendered.sources)

    def where() -> tuple[Any, ...]:  # built only when queried (most contacts find the id memoised)
        return (TemplateVersion.channel == channel, TemplateVersion.slug == slug,
                TemplateVersion.locale == rendered.locale, TemplateVersion.falc == rendered.falc,
                TemplateVersion.content_hash == digest)

    # A version found stored is committed and never changes: its id is read once per batch of deliveries.
    found = memoised(("template_version", channel, slug, rendered.locale, rendered.falc, digest),
                     lambda: session.scalar(select(TemplateVersion.id).where(*where())), keep_none=False)
    if found is not None:
        return found
    session.execute(
        insert_ignoring_conflicts(session, TemplateVersion, ["channel", "slug", "locale", "falc", "content_hash"])
        .values(channel=channel, slug=slug, locale=rendered.locale, falc=rendered.falc, content_hash=digest,
                sources=rendered.sources, created_at=now)
    )
    return session.scalars(select(TemplateVersion.id).where(*where())).one()


def record_composed(session: Session, dispatch: Dispatch, composed: Composed, *, now: datetime) -> None:
    """What the dispatch is about to send: its template version, the variant asked and used, its structures."""
    if composed.rendered is not None and dispatch.template:
        dispatch.template_version_id = record_version(
            session, channel=dispatch.channel, slug=dispatch.template, rendered=composed.rendered, now=now
        )
        dispatch.rendered_locale = composed.rendered.locale
        dispatch.rendered_falc = composed.rendered.falc
        dispatch.template_fallback = composed.rendered.fallback
        dispatch.requested_locale, dispatch.requested_falc = composed.asked or (None, None)
    if composed.structures:
        record_recipients(session, dispatch.id, composed.structures)
    case = composed.source_case
    if case is not None:
        # Which case it was written with (its purge erases what the message left), and where a letter or a visit
        # goes: a returned letter invalidates this address, whatever the case says by then.
        dispatch.sent_case_id = case.id
        moved = composed.moved_to
        if moved is not None and dispatch.channel == ChannelKind.COURRIER:
            dispatch.sent_adresse, dispatch.sent_code_postal = moved.street, moved.postcode
            dispatch.sent_commune = moved.commune
        elif dispatch.channel in (ChannelKind.COURRIER, ChannelKind.VISITE) and case.adresse:
            dispatch.sent_adresse, dispatch.sent_code_postal = case.adresse, case.code_postal
            dispatch.sent_commune = case.commune
