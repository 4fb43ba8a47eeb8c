"""Uploaded CSV files, received, stored and read back in encrypted pieces: never whole in memory.

A file is spooled as it arrives (`UploadSpool`: each piece of `CHUNK_BYTES` encrypted into an anonymous temporary
file, the keyed hash and the size kept up to date), then copied piece by piece into `import_chunks` with its job;
the runner reads it back lazily (`file_pieces`), one piece in memory at a time. Jobs created before the pieces
existed keep their whole file in `imports.payload`: it is read from there.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from typing import IO, cast

from sqlalchemy import LargeBinary, bindparam, delete, insert, select
from sqlalchemy.orm import Session, sessionmaker

from campaigns.crypto.cipher import Keyring
from campaigns.crypto.columns import EncryptedBytes, KeyedDigest, keyring_for
from campaigns.models import ImportChunk, ImportJob

CHUNK_BYTES = 1 << 20
_CONTEXT = cast(EncryptedBytes, ImportChunk.__table__.c.data.type).context
_LENGTH = 4  # each encrypted piece is written to the spool after its length


class UploadTooLargeError(Exception):
    """More bytes than the limit: the caller answers 413 (API) or shows the limit (bailleur's page)."""


class UploadSpool:
    """A file received piece by piece: encrypted by pieces of `CHUNK_BYTES` into a temporary file that vanishes when
    closed, hashed with the blind index key and measured as it comes. Memory holds at most one piece."""

    def __init__(self, keyring: Keyring, *, limit: int | None = None) -> None:
        self._keyring = keyring
        self._limit = limit
        self._hasher = keyring.blind_hasher()
        self._pending = bytearray()
        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="chaine-upload-")  # noqa: SIM115 - closed by close()
        self.size = 0
        self.pieces = 0
        self.has_content = False  # a byte other than blanks: an empty or blank file is refused by the pages

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self._limit is not None and self.size > self._limit:
            raise UploadTooLargeError
        self._hasher.update(data)
        if not self.has_content and data.strip():
            self.has_content = True
        self._pending += data
        while len(self._pending) >= CHUNK_BYTES:
            self._spill(bytes(self._pending[:CHUNK_BYTES]))
            del self._pending[:CHUNK_BYTES]

    def _spill(self, piece: bytes) -> None:
        sealed = self._keyring.encrypt(piece, _CONTEXT)
        self._file.write(len(sealed).to_bytes(_LENGTH, "big") + sealed)
        self.pieces += 1

    def finish(self) -> KeyedDigest:
        """The file's blind index (`ImportJob.payload_index`); no more writes after it."""
        if self._pending or not self.pieces:
            self._spill(bytes(self._pending))
            self._pending = bytearray()
        self._file.flush()
        return KeyedDigest(self._hasher.hexdigest())

    def sealed_pieces(self) -> Iterator[bytes]:
        """The encrypted pieces, in order, read back from the temporary file."""
        self._file.seek(0)
        while header := self._file.read(_LENGTH):
            yield self._file.read(int.from_bytes(header, "big"))

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> UploadSpool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def spool_bytes(session: Session, data: bytes) -> UploadSpool:
    """A file already in memory (the command line, tests), spooled like an upload."""
    spool = UploadSpool(keyring_for(session.get_bind().dialect))
    view = memoryview(data)
    for start in range(0, len(view), CHUNK_BYTES):
        spool.write(bytes(view[start:start + CHUNK_BYTES]))
    return spool


def store_file(session: Session, job: ImportJob, spool: UploadSpool) -> None:
    """The spooled file's pieces as the job's, one statement each (a multi-row insert would hold them all)."""
    index = spool.finish()
    statement = insert(ImportChunk).values(import_id=bindparam("import_id"), position=bindparam("position"),
                                           data=bindparam("data", type_=LargeBinary))  # already encrypted
    for position, sealed in enumerate(spool.sealed_pieces()):
        session.execute(statement, {"import_id": job.id, "position": position, "data": sealed})
    job.payload_index = index


def file_pieces(session_factory: sessionmaker[Session], import_id: int) -> Callable[[], Iterator[bytes]]:
    """Opens the job's file (each call reads it from the start): plain pieces, read one by one in short
    transactions, so that a long import holds neither the file nor a transaction open while it reads."""

    def pieces() -> Iterator[bytes]:
        position = 0
        while True:
            with session_factory() as session:
                piece = session.scalar(select(ImportChunk.data).where(
                    ImportChunk.import_id == import_id, ImportChunk.position == position))
                if piece is None and position == 0:  # a job created before the pieces: its file is whole
                    piece = session.scalar(select(ImportJob.payload).where(ImportJob.id == import_id))
                    position = -1  # read once
            if not piece:
                return
            yield piece
            if position < 0:
                return
            position += 1

    return pieces


def drop_file(session: Session, job: ImportJob) -> None:
    """The file is personal data kept only while the job runs."""
    session.execute(delete(ImportChunk).where(ImportChunk.import_id == job.id))
    job.payload = None
