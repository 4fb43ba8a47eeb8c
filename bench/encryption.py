"""Cost per pushed row of encrypting its personal fields (and its phone's blind index), as intake's COPY path
applies it, and of decrypting them on read; and the cost of reading a linkage candidate, whose identity fields are
decrypted to be compared (campaigns/linkage/store.py `load_records`). Prints figures; not a timed test.

    .venv/bin/python bench/encryption.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import create_engine

from campaigns.crypto.cipher import generate_key
from campaigns.crypto.columns import EncryptedValue, bind_keyring
from campaigns.crypto.keys import load_keyring
from campaigns.linkage.blocking import RECORD_FIELDS
from campaigns.models import Case
from campaigns.platform.db import table_of
from campaigns.platform.settings import Settings

# A typical pushed row (as bench/generate.py makes them): names, CAF number, phone, address, birth date, debt and
# rent; e-mail, complement and co-holder on some rows.
TYPICAL = {"nom": "Benali", "prenom": "Aïcha", "numero_allocataire": "1234567", "telephone": "+33612345678",
           "adresse": "12 rue des Lilas", "date_naissance": date(1985, 3, 12), "montant_dette": Decimal("1234.56"),
           "loyer_mensuel": Decimal("520.00"), "email": None, "complement_adresse": None,
           "date_naissance_cotitulaire": None, "nom_cotitulaire": None, "prenom_cotitulaire": None,
           "telephone_index": "+33612345678"}
REPEATS = 7
FULL = {**TYPICAL, "email": "aicha.benali@exemple.fr", "complement_adresse": "Bât. B, appt 12",
        "date_naissance_cotitulaire": date(1983, 7, 1), "nom_cotitulaire": "Benali", "prenom_cotitulaire": "Karim"}
# What linkage reads of each candidate case: its identity fields (campaigns/linkage/blocking.py RECORD_FIELDS).
CANDIDATE = {name: value for name, value in TYPICAL.items() if name in RECORD_FIELDS}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    rows = parser.parse_args().rows
    engine = create_engine("sqlite://")
    bind_keyring(engine, load_keyring(Settings(data_keys=generate_key(), blind_index_key=generate_key())))
    dialect = engine.dialect
    table = table_of(Case)
    cases = (("typical row", TYPICAL), ("every field", FULL), ("linkage candidate, identity fields", CANDIDATE))
    for name, row in cases:
        encrypted = [n for n in row if row[n] is not None and isinstance(table.c[n].type, EncryptedValue)]
        label = f"{name} ({len(encrypted)} encrypted fields{' + phone index' if 'telephone_index' in row else ''})"
        processors = [(name, table.c[name].type) for name in row]
        stored = {name: kind.process_bind_param(row[name], dialect) for name, kind in processors}
        readers = [(name, kind) for name, kind in processors if isinstance(kind, EncryptedValue)]
        encrypt = _best(rows, lambda: {name: kind.process_bind_param(row[name], dialect)  # noqa: B023
                                       for name, kind in processors})  # noqa: B023
        decrypt = _best(rows, lambda: [kind.process_result_value(stored[name], dialect)  # noqa: B023
                                       for name, kind in readers])  # noqa: B023
        print(f"{label}: encrypt {encrypt:.1f} µs/row, decrypt {decrypt:.1f} µs/row")
    cipher, nonce = AESGCM(AESGCM.generate_key(bit_length=256)), bytes(12)
    bare = _best(rows, lambda: cipher.encrypt(nonce, b"+33612345678", b"telephone"))
    print(f"reference: one bare AES-GCM encryption {bare:.2f} µs (best of {REPEATS} runs of {rows}, CPU time)")


def _best(rows: int, work: Callable[[], object]) -> float:
    """Best of a few runs, in CPU µs per call: the machine is shared, the best run is the least disturbed."""
    timings = []
    for _ in range(REPEATS):
        start = time.process_time()
        for _ in range(rows):
            work()
        timings.append((time.process_time() - start) / rows * 1e6)
    return min(timings)


if __name__ == "__main__":
    main()
