"""Opaque handles for the contacts a partner reads (docs/security.md, rule 1).

A contact's row number comes from one counter for the whole service, in the order the tick plans households: two of
a partner's contacts compared by number would tell which household existed before its push. The case view and the
NPAI route name a contact by a handle instead: the contact's number and its reader's, encrypted as one AES block
under a key derived from the blind index key. It is stable (the same contact reads the same handle), opens only for
the partner it was issued to, and its order says nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from sqlalchemy.orm import Session

from campaigns.crypto.columns import keyring_for

_LAYOUT = struct.Struct(">QII")  # contact number, reader partner, check word
_CHECK = 0x43484E45  # "CHNE": a handle that decrypts to anything else was not issued here
_HANDLE = re.compile(r"[0-9a-f]{32}")
HANDLE_PATTERN = r"^[0-9a-f]{32}$"


def _cipher(session: Session) -> Cipher[modes.ECB]:
    keyring = keyring_for(session.get_bind().dialect)
    key = hmac.new(keyring.blind_index_key, b"chaine contact handles v1", hashlib.sha256).digest()
    # One block, never repeated for two contacts: ECB is the block cipher itself, as a keyed permutation.
    return Cipher(algorithms.AES(key), modes.ECB())  # noqa: S305


def contact_handle(session: Session, contact_id: int, reader_id: int) -> str:
    """The handle of contact `contact_id` as partner `reader_id` reads it."""
    encryptor = _cipher(session).encryptor()
    return (encryptor.update(_LAYOUT.pack(contact_id, reader_id, _CHECK)) + encryptor.finalize()).hex()


def contact_of(session: Session, handle: str, reader_id: int) -> int | None:
    """The contact a handle names, when it was issued to `reader_id`; None for anything else."""
    if not _HANDLE.fullmatch(handle):
        return None
    decryptor = _cipher(session).decryptor()
    contact_id, issued_to, check = _LAYOUT.unpack(decryptor.update(bytes.fromhex(handle)) + decryptor.finalize())
    return contact_id if check == _CHECK and issued_to == reader_id else None
