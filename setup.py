"""Build hooks: the wheel carries the files read at run time that do not live inside the Python packages.

The message templates (templates/), the DSFR built by npm (web/node_modules/@gouvfr/dsfr/dist), the communes of the
code officiel géographique (npm's @etalab/decoupage-administratif, data/communes.json) and the DejaVu fonts
(Debian's fonts-dejavu-core) are copied into campaigns/_assets/ of the build, where campaigns/platform/resources.py
looks first (docs/installation.md). An sdist carries the same copy, so a wheel built from it needs none of the sources.
Everything else (presets, migrations, web page templates) is package data declared in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

ROOT = Path(__file__).resolve().parent
ASSETS = Path("campaigns") / "_assets"
DSFR_DIST = ROOT / "web" / "node_modules" / "@gouvfr" / "dsfr" / "dist"
COG_DATA = ROOT / "web" / "node_modules" / "@etalab" / "decoupage-administratif" / "data"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

# What the web pages and the DSFR stylesheets use (api/web/templates/base.html and the CSS url()s).
DSFR_FILES = ("dsfr.min.css", "dsfr.module.min.js", "dsfr.nomodule.min.js", "utility/icons/icons.min.css")
DSFR_DIRS = ("favicon", "fonts", "icons", "artwork")
FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")

SETUP_HINT = "lancez `bash scripts/setup.sh` (npm ci dans web/, paquet Debian fonts-dejavu-core)"


class MissingAssetError(SystemExit):
    def __init__(self, source: Path) -> None:
        super().__init__(f"Construction impossible : {source} est introuvable ; {SETUP_HINT}.")


def _need(source: Path) -> Path:
    if not source.exists():
        raise MissingAssetError(source)
    return source


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True)
    else:
        shutil.copy2(source, target)


def collect_assets(target: Path) -> None:
    """Fill `target` (a campaigns/_assets folder) from the checkout, or from the copy an sdist carries."""
    bundled = ROOT / ASSETS
    if not (ROOT / "templates").is_dir() and bundled.is_dir():
        _copy(bundled, target)  # an unpacked sdist: the assets came with it
        return
    sources = [(_need(ROOT / "templates"), target / "templates")]
    sources += [(_need(DSFR_DIST / name), target / "dsfr" / name) for name in (*DSFR_FILES, *DSFR_DIRS)]
    sources += [(_need(FONT_DIR / name), target / "fonts" / name) for name in FONTS]
    sources.append((_need(COG_DATA / "communes.json"), target / "cog" / "communes.json"))
    if target.exists():
        shutil.rmtree(target)
    for source, destination in sources:
        _copy(source, destination)


class BuildWithAssets(build_py):
    def run(self) -> None:
        super().run()
        if not self.editable_mode:  # an editable install reads the checkout itself
            collect_assets(Path(self.build_lib) / ASSETS)


class SdistWithAssets(sdist):
    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        collect_assets(Path(base_dir) / ASSETS)


setup(cmdclass={"build_py": BuildWithAssets, "sdist": SdistWithAssets})
