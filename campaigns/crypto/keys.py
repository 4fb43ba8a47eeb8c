"""Where the data keys come from: CHAINE_DATA_KEYS and CHAINE_BLIND_INDEX_KEY; in embedded mode (no broker) a pair
generated once into <data_dir>/data_keys (0600) when they are not set; production refuses to run without them."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from pathlib import Path

from campaigns.crypto.cipher import DataKeyError, Keyring, decode_key, generate_key
from campaigns.platform.settings import Settings

KEYS_FILE = "data_keys"
_HOW_TO = ("générez-les avec « chaine cles generer » et gardez-les hors de la base (coffre de secrets) : "
           "sans elles, les données personnelles chiffrées sont perdues")


def split_keys(text: str) -> list[str]:
    """CHAINE_DATA_KEYS: base64 keys separated by commas or spaces (or a JSON list), newest first."""
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            items = json.loads(stripped)
        except json.JSONDecodeError:
            raise DataKeyError("CHAINE_DATA_KEYS : liste JSON illisible") from None
        return [str(item) for item in items]
    return [part for part in stripped.replace(",", " ").split() if part]


def require_production_keys(settings: Settings) -> None:
    """Production (a broker is configured) never generates keys: both must be given."""
    if settings.eager:
        return
    missing = [name for name, value in (("CHAINE_DATA_KEYS", settings.data_keys),
                                        ("CHAINE_BLIND_INDEX_KEY", settings.blind_index_key))
               if not value.get_secret_value().strip()]
    if missing:
        raise DataKeyError(f"{' et '.join(missing)} {'absente' if len(missing) == 1 else 'absentes'} : "
                           f"en production, {_HOW_TO}.")


def load_keyring(settings: Settings) -> Keyring:
    data, blind = settings.data_keys.get_secret_value().strip(), settings.blind_index_key.get_secret_value().strip()
    if not (data and blind):
        require_production_keys(settings)
        stored = _embedded_keys(settings.data_dir / KEYS_FILE)
        data = data or stored["data_keys"]
        blind = blind or stored["blind_index_key"]
    keys = [decode_key(k, setting="CHAINE_DATA_KEYS") for k in split_keys(data)]
    return Keyring(data_keys=keys, blind_index_key=decode_key(blind, setting="CHAINE_BLIND_INDEX_KEY"))


def _embedded_keys(path: Path) -> dict[str, str]:
    if not path.exists():
        _create_keys_file(path)
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        return {"data_keys": str(stored["data_keys"]), "blind_index_key": str(stored["blind_index_key"])}
    except (json.JSONDecodeError, KeyError, TypeError):
        raise DataKeyError(f"{path} : fichier de clés illisible ; ne le supprimez pas si la base contient des "
                           "données (elles seraient perdues), restaurez-le depuis une sauvegarde") from None


def _create_keys_file(path: Path) -> None:
    """Written to a private temporary file, then linked into place: concurrent processes agree on one pair."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{KEYS_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump({"data_keys": generate_key(), "blind_index_key": generate_key()}, handle)
            handle.write("\n")
        with contextlib.suppress(FileExistsError):  # another process was first: keep its keys
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
