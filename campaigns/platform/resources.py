"""Where the files read at run time live: inside the installed package, or in the checkout during development.

A wheel carries everything (docs/installation.md, "From a wheel"): the campaign presets and Alembic
scripts are package data of `campaigns`; the message templates, the DSFR assets, the communes of the code officiel
géographique (npm's `@etalab/decoupage-administratif`) and the DejaVu fonts are copied
into `campaigns/_assets/` by the build (setup.py), from `templates/`, npm's `web/node_modules` and Debian's
fonts-dejavu-core. A checkout has no `_assets/` and reads the same files where set-up put them.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
ASSETS_DIR = PACKAGE_DIR / "_assets"
CHECKOUT_DIR = PACKAGE_DIR.parent

SYSTEM_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
DSFR_IN_CHECKOUT = CHECKOUT_DIR / "web" / "node_modules" / "@gouvfr" / "dsfr" / "dist"
COG_IN_CHECKOUT = CHECKOUT_DIR / "web" / "node_modules" / "@etalab" / "decoupage-administratif" / "data"


def presets_dir() -> Path:
    """Campaign presets, referent rules and the communes list (package data)."""
    return PACKAGE_DIR / "presets"


def migrations_dir() -> Path:
    """Alembic's env.py and versions (package data)."""
    return PACKAGE_DIR / "migrations"


def _bundled_or(bundled: Path, fallback: Path) -> Path:
    return bundled if bundled.is_dir() else fallback


def message_templates_dir() -> Path:
    """Letter, SMS and e-mail templates (templates/ in the checkout)."""
    return _bundled_or(ASSETS_DIR / "templates", CHECKOUT_DIR / "templates")


def dsfr_dir() -> Path:
    """The Système de design de l'État's built files, served under /dsfr."""
    return _bundled_or(ASSETS_DIR / "dsfr", DSFR_IN_CHECKOUT)


def font_dir() -> Path:
    """DejaVu Sans (regular and bold), embedded in letters and round sheets."""
    return _bundled_or(ASSETS_DIR / "fonts", SYSTEM_FONT_DIR)


def cog_communes_file() -> Path:
    """The communes of the code officiel géographique with their postcodes (Etalab's `data/communes.json`)."""
    return _bundled_or(ASSETS_DIR / "cog", COG_IN_CHECKOUT) / "communes.json"
