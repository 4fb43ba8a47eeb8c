"""Rules every page template keeps (issue 19): tables scroll inside a focusable, named region (RGAA, axe's
scrollable-region-focusable), and a button or link with an icon always shows its text beside it."""

from __future__ import annotations

import re
from pathlib import Path

from api.web.templating import TEMPLATES_DIR

TEMPLATES = sorted(TEMPLATES_DIR.rglob("*.html"))
# The header's tools (user name, sign-out) are drawn by the DSFR with their text beside the icon.
_HEADER_TOOLS = {Path("base.html")}


def _relative(path: Path) -> Path:
    return path.relative_to(TEMPLATES_DIR)


def test_every_table_scrolls_in_a_focusable_region_named_by_its_caption() -> None:
    checked = 0
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        containers = re.findall(r'<div class="fr-table__container"([^>]*)>', text)
        for attributes in containers:
            assert 'tabindex="0"' in attributes and 'role="region"' in attributes, (_relative(path), attributes)
            label = re.search(r'aria-labelledby="([^"]+)"', attributes)
            assert label is not None, (_relative(path), attributes)
            assert f'<caption id="{label[1]}">' in text, (_relative(path), label[1])
            checked += 1
    assert checked >= 20  # the project's tables, not an empty glob


def test_icons_are_only_ever_beside_a_visible_text() -> None:
    checked = 0
    for path in TEMPLATES:
        if _relative(path) in _HEADER_TOOLS:
            continue
        for tag in re.finditer(r"<(a|button)\b([^>]*)>(.*?)</\1>", path.read_text(encoding="utf-8"), re.S):
            classes = re.search(r'class="([^"]*)"', tag[2])
            if classes is None or "fr-icon-" not in classes[1] or "fr-btn" not in classes[1].split():
                continue
            checked += 1
            assert "fr-btn--icon-left" in classes[1] or "fr-btn--icon-right" in classes[1], (_relative(path), tag[0])
            assert re.sub(r"<[^>]+>|\{[{%#].*?[}%#]\}", "", tag[3]).strip() or "{{" in tag[3], tag[0]
    assert checked >= 3


def test_a_group_of_buttons_with_icons_places_them_beside_the_text() -> None:
    """In a DSFR fr-btns-group the group, not the button, sets the icon's place: without it, icon only."""
    checked = 0
    for path in TEMPLATES:
        if _relative(path) in _HEADER_TOOLS:
            continue
        for group in re.finditer(r'<ul class="(fr-btns-group[^"]*)"[^>]*>(.*?)</ul>', path.read_text(encoding="utf-8"),
                                 re.S):
            if "fr-icon-" in group[2]:
                checked += 1
                assert "fr-btns-group--icon-left" in group[1] or "fr-btns-group--icon-right" in group[1], (
                    _relative(path), group[1])
    assert checked >= 3
