"""The « courrier_id » a letter's sender reads for it (campaigns/crypto/handles.py), for tests that find the letter
in the database rather than in the sender's case view."""

from __future__ import annotations

from sqlalchemy import select

from campaigns.crypto.handles import contact_handle, contact_of
from campaigns.models import Campaign, Dispatch, Partner
from campaigns.runtime.root import Runtime


def sender_handle(runtime: Runtime, dispatch_id: int) -> str:
    with runtime.session_factory() as session:
        owner = session.scalars(select(Campaign.owner_partner_id).join(Dispatch, Dispatch.campaign_id == Campaign.id)
                                .where(Dispatch.id == dispatch_id)).one()
        return contact_handle(session, dispatch_id, owner)


def contact_number(runtime: Runtime, handle: str) -> int:
    """The row a partner's handle names, whichever partner read it (tests look the row up in the database)."""
    with runtime.session_factory() as session:
        for partner_id in session.scalars(select(Partner.id)):
            if (number := contact_of(session, handle, partner_id)) is not None:
                return number
    raise LookupError(handle)
