"""Column types that encrypt personal data on the way in and decrypt it on the way out, so ORM code is unchanged.

The keyring is bound to an engine (its dialect object, one per engine) by the composition root, so two runtimes of
one process (tests, rotation) each use their own keys. Encrypted columns cannot be compared in SQL (the same value
encrypts differently each time): look-ups go through a blind index column (`BlindIndex`), whose bound parameters
are the plain values and are hashed here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine, LargeBinary, String
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator

from campaigns.crypto.cipher import DataKeyError, Keyring

_T = TypeVar("_T")


_ATTRIBUTE = "_chaine_keyring"


class _LazyKeyring:
    """Loaded at first use: a process that never touches personal data never needs (nor generates) keys."""

    def __init__(self, load: Callable[[], Keyring]) -> None:
        self._load = load
        self._lock = threading.Lock()

    def get(self, dialect: Dialect) -> Keyring:
        with self._lock:
            current = dialect.__dict__.get(_ATTRIBUTE)
            if isinstance(current, Keyring):
                return current
            keyring = self._load()
            # From now on the dialect holds the keyring itself: one dict look-up per value.
            setattr(dialect, _ATTRIBUTE, keyring)
            return keyring


def bind_keyring(engine: Engine, load: Callable[[], Keyring] | Keyring) -> None:
    """The keys this engine encrypts and decrypts with (a keyring, or a function loading it when first needed).

    Held by the engine's dialect object (one per engine), which every type processor is handed."""
    setattr(engine.dialect, _ATTRIBUTE, load if isinstance(load, Keyring) else _LazyKeyring(load))


def keyring_for(dialect: Dialect) -> Keyring:
    holder = dialect.__dict__.get(_ATTRIBUTE)
    if isinstance(holder, Keyring):
        return holder
    if holder is None:
        raise DataKeyError("aucune clé de chiffrement n'est associée à cette base (moteur créé hors de Runtime)")
    return holder.get(dialect)  # type: ignore[no-any-return]


class EncryptedColumnError(TypeError):
    """SQL comparison on an encrypted column: it would silently match nothing."""


class _NoComparisonComparator(TypeDecorator.Comparator[Any]):
    def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
        if op in (operators.is_, operators.is_not) or (op in (operators.eq, operators.ne) and other == (None,)):
            return super().operate(op, *other, **kwargs)
        raise EncryptedColumnError(
            f"« {self.expr} » est chiffrée : elle ne peut être comparée en SQL que à NULL (utilisez son index aveugle)"
        )

    def reverse_operate(self, op: Any, other: Any, **kwargs: Any) -> Any:
        raise EncryptedColumnError(f"« {self.expr} » est chiffrée : elle ne peut pas être comparée en SQL")


class EncryptedValue(TypeDecorator[_T], Generic[_T]):
    """Stored as bytes: version, key id, nonce, AES-GCM ciphertext of the value's text, tag."""

    impl = LargeBinary
    cache_ok = True
    comparator_factory = _NoComparisonComparator

    def __init__(self, field: str) -> None:
        super().__init__()
        self.field = field
        self.context = field.encode()

    def encode(self, value: _T) -> bytes:
        raise NotImplementedError

    def decode(self, text: str) -> _T:
        raise NotImplementedError

    def process_bind_param(self, value: _T | None, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        # Intake's hot path (several values per pushed row): the keyring is read straight off the dialect.
        keyring = dialect.__dict__.get(_ATTRIBUTE)
        if keyring.__class__ is not Keyring:
            keyring = keyring_for(dialect)
        return keyring.encrypt(self.encode(value), self.context)

    def bulk_converter(self, dialect: Dialect) -> Callable[[_T | None], bytes | None]:
        """`process_bind_param` as a function of the value alone, the keyring read once: for the bulk paths that
        convert values themselves (COPY), several values a pushed row."""
        encrypt, encode, context = keyring_for(dialect).encrypt, self.encode, self.context

        def convert(value: _T | None) -> bytes | None:
            return None if value is None else encrypt(encode(value), context)
        return convert

    def process_result_value(self, value: Any, dialect: Dialect) -> _T | None:
        if value is None:
            return None
        # Linkage reads candidates' identity fields (about ten a candidate): the keyring straight off the dialect.
        keyring = dialect.__dict__.get(_ATTRIBUTE)
        if keyring.__class__ is not Keyring:
            keyring = keyring_for(dialect)
        return self.decode(keyring.decrypt(value if value.__class__ is bytes else bytes(value), self.context).decode())

    def reencrypt(self, stored: bytes, keyring: Keyring) -> bytes:
        """The same value under the keyring's current key (rotation)."""
        return keyring.encrypt(keyring.decrypt(stored, self.context), self.context)


class EncryptedText(EncryptedValue[str]):
    cache_ok = True

    def bulk_converter(self, dialect: Dialect) -> Callable[[str | None], bytes | None]:
        encrypt, context = keyring_for(dialect).encrypt, self.context

        def convert(value: str | None) -> bytes | None:
            return None if value is None else encrypt(value.encode(), context)
        return convert

    def encode(self, value: str) -> bytes:
        return value.encode()

    def decode(self, text: str) -> str:
        return text


class EncryptedBytes(EncryptedValue[bytes]):
    """Raw bytes (a stored import file, whatever its encoding): opened back as the same bytes."""

    cache_ok = True

    def encode(self, value: bytes) -> bytes:
        return bytes(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        return keyring_for(dialect).decrypt(bytes(value), self.context)


class EncryptedDate(EncryptedValue[date]):
    cache_ok = True

    def encode(self, value: date) -> bytes:
        return value.isoformat().encode()

    def decode(self, text: str) -> date:
        return date.fromisoformat(text)


class EncryptedDecimal(EncryptedValue[Decimal]):
    """Amounts in euros with cents, as the Numeric(12, 2) columns they replace."""

    cache_ok = True

    def encode(self, value: Decimal) -> bytes:
        return f"{Decimal(value):.2f}".encode()

    def decode(self, text: str) -> Decimal:
        return Decimal(text)


class KeyedDigest(str):
    """A blind index already computed (`Keyring.blind_hasher`, a file hashed as it was received): bound as it is."""

    __slots__ = ()


class BlindIndex(TypeDecorator[str]):
    """HMAC-SHA256 of a plain value: filled and queried with the plain value (text, or bytes for a stored file),
    or with a `KeyedDigest`; stored and read back as the hash."""

    impl = String(64)
    cache_ok = True

    def process_bind_param(self, value: str | bytes | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if isinstance(value, KeyedDigest):
            return str(value)
        if isinstance(value, bytes):
            return keyring_for(dialect).blind_index_bytes(value)
        return keyring_for(dialect).blind_index(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return value


def is_encrypted(type_: object) -> bool:
    return isinstance(type_, (EncryptedValue, BlindIndex))
