"""Field encryption at rest (AES-256-GCM with a key id prefix) and blind indexes (HMAC-SHA256) of personal data."""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# Stored value: FORMAT_VERSION (1 byte) | key id (4 bytes) | nonce (12 bytes) | ciphertext | GCM tag (16 bytes).
FORMAT_VERSION = 1
KEY_BYTES = 32
KEY_ID_BYTES = 4
NONCE_BYTES = 12
_HEADER = 1 + KEY_ID_BYTES + NONCE_BYTES
_NONCE_MASK = (1 << (8 * NONCE_BYTES)) - 1


class DataKeyError(RuntimeError):
    """A key is missing, malformed, or does not open a stored value (message in French, never the value)."""


def generate_key() -> str:
    """A new random 256-bit key, base64 (what CHAINE_DATA_KEYS and CHAINE_BLIND_INDEX_KEY hold)."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def decode_key(text: str, *, setting: str) -> bytes:
    """A base64 (standard or URL-safe) 256-bit key; DataKeyError naming the setting otherwise."""
    cleaned = text.strip()
    try:
        raw = base64.b64decode(cleaned.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise DataKeyError(f"{setting} : clé illisible, base64 attendu (générez-en une avec « chaine cles generer »)") \
            from None
    if len(raw) != KEY_BYTES:
        raise DataKeyError(f"{setting} : une clé doit faire {KEY_BYTES} octets ({len(raw)} octets lus)")
    return raw


def key_id(key: bytes) -> bytes:
    """Names a key inside each value without revealing it: the first bytes of its SHA-256."""
    return hashlib.sha256(b"chaine-data-key" + key).digest()[:KEY_ID_BYTES]


class _Nonces:
    """Nonces counting up from a random 96-bit start: unique within a process without a system call each, and
    between processes unless two random starts fall within a few billion of each other (odds ~2^-60). A forked
    child (Celery prefork workers) draws a new start: it must never reuse its parent's nonces."""

    def __init__(self) -> None:
        self._reseed()
        os.register_at_fork(after_in_child=self._reseed)

    def _reseed(self) -> None:
        self._start = int.from_bytes(os.urandom(NONCE_BYTES), "big")
        self._counter = itertools.count()  # next() is atomic under the GIL: threads never share a value

    def take(self) -> bytes:
        return ((self._start + next(self._counter)) & _NONCE_MASK).to_bytes(NONCE_BYTES, "big")


_NONCES = _Nonces()


@dataclass(frozen=True)
class Keyring:
    """Data keys in order (the first encrypts, every one decrypts) and the blind index key."""

    data_keys: Sequence[bytes]
    blind_index_key: bytes
    _ciphers: dict[bytes, AESGCM] = field(init=False, repr=False, compare=False)
    _current: tuple[bytes, AESGCM] = field(init=False, repr=False, compare=False)
    _prefix: bytes = field(init=False, repr=False, compare=False)
    _cipher: AESGCM = field(init=False, repr=False, compare=False)
    _blind: tuple[hashlib._Hash, hashlib._Hash] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.data_keys:
            raise DataKeyError("CHAINE_DATA_KEYS : aucune clé de chiffrement")
        ciphers = {key_id(k): AESGCM(k) for k in self.data_keys}
        if len(ciphers) != len(self.data_keys):
            raise DataKeyError("CHAINE_DATA_KEYS : la même clé figure deux fois")
        first = key_id(self.data_keys[0])
        object.__setattr__(self, "_ciphers", ciphers)
        object.__setattr__(self, "_current", (first, ciphers[first]))
        object.__setattr__(self, "_prefix", bytes((FORMAT_VERSION,)) + first)
        object.__setattr__(self, "_cipher", ciphers[first])
        # HMAC-SHA256 (RFC 2104) with its inner and outer states computed once: a third of hmac.new's cost per
        # value, on intake's hot path. The key (32 bytes) is shorter than the block, so it is only padded.
        padded = self.blind_index_key.ljust(64, b"\0")
        object.__setattr__(self, "_blind", (hashlib.sha256(bytes(b ^ 0x36 for b in padded)),
                                            hashlib.sha256(bytes(b ^ 0x5C for b in padded))))

    @property
    def current_key_id(self) -> bytes:
        return self._current[0]

    def encrypt(self, plaintext: bytes, context: bytes) -> bytes:
        """`context` (the column name) is authenticated: a value copied into another column does not open."""
        nonce = _NONCES.take()
        return self._prefix + nonce + self._cipher.encrypt(nonce, plaintext, context)

    def decrypt(self, stored: bytes, context: bytes) -> bytes:
        if len(stored) < _HEADER + 16 or stored[0] != FORMAT_VERSION:
            raise DataKeyError(f"valeur chiffrée illisible dans « {context.decode()} » (format inconnu)")
        cipher = self._ciphers.get(bytes(stored[1:1 + KEY_ID_BYTES]))
        if cipher is None:
            raise DataKeyError(
                f"valeur de « {context.decode()} » chiffrée avec une clé absente de CHAINE_DATA_KEYS "
                f"(identifiant {bytes(stored[1:1 + KEY_ID_BYTES]).hex()}) : ajoutez l'ancienne clé après la nouvelle"
            )
        try:
            return cipher.decrypt(bytes(stored[1 + KEY_ID_BYTES:_HEADER]), bytes(stored[_HEADER:]), context)
        except InvalidTag:
            raise DataKeyError(f"valeur chiffrée de « {context.decode()} » altérée ou clé erronée") from None

    def stored_key_id(self, stored: bytes) -> bytes:
        return bytes(stored[1:1 + KEY_ID_BYTES])

    def blind_index(self, value: str) -> str:
        """Equal values give equal indexes; without the key, an index says nothing about the value."""
        return self.blind_index_bytes(value.encode())

    def blind_key32(self, value: str) -> int:
        """The first 4 bytes of the HMAC of `value`, as a signed 32-bit integer: a compact keyed index (the linkage's
        blocking keys, campaigns/linkage/blocking.py) that a stolen database cannot test names against."""
        inner, outer = self._blind[0].copy(), self._blind[1].copy()
        inner.update(value.encode())
        outer.update(inner.digest())
        return int.from_bytes(outer.digest()[:4], "big", signed=True)

    def blind_index_bytes(self, value: bytes) -> str:
        """`blind_index` of raw bytes (a stored file): the index of a text is that of its UTF-8 bytes."""
        hasher = self.blind_hasher()
        hasher.update(value)
        return hasher.hexdigest()

    def blind_hasher(self) -> BlindHasher:
        """`blind_index_bytes` of a file read piece by piece: update() with each piece, then hexdigest()."""
        return BlindHasher(self._blind[0].copy(), self._blind[1].copy())


class BlindHasher:
    """The keyed hash of a file received in pieces (an upload streamed to storage): the same index as
    `Keyring.blind_index_bytes` of the whole file, without holding it."""

    __slots__ = ("_inner", "_outer")

    def __init__(self, inner: hashlib._Hash, outer: hashlib._Hash) -> None:
        self._inner, self._outer = inner, outer

    def update(self, piece: bytes) -> None:
        self._inner.update(piece)

    def hexdigest(self) -> str:
        outer = self._outer.copy()
        outer.update(self._inner.digest())
        return outer.hexdigest()
