"""Templates written by a campaign owner structure text only (campaigns/messages/markup.py, docs/campaigns.md):
what would fetch a file or an address, or run a script, is refused with a French 422 naming the tag."""

from __future__ import annotations

import pytest

from tests.security.authority_world import World, world

__all__ = ["world"]


@pytest.mark.parametrize(("canal", "html", "named"), [
    ("courrier", '<p>Bonjour</p><iframe src="https://exemple.fr"></iframe>', "<iframe>"),
    ("courrier", '<p style="font-size:2pt">Bonjour</p>', "« style »"),
    ("courrier", '<p>Bonjour</p><font size="1">petit</font>', "<font>"),
    ("email", '<p>Bonjour <a href="javascript:alert(1)">ici</a></p>', "javascript:alert(1)"),
    ("email", '<p onclick="x()">Bonjour</p>', "« onclick »"),
    ("email", '<p>Bonjour</p><img src="https://traceur.exemple/pixel.gif">', "<img>"),
    # A branch the sample household does not render is checked all the same.
    ("email", '<p>Bonjour</p>{% if mandataire %}<img src="https://traceur.exemple/x.gif">{% endif %}', "<img>"),
    ("email", '<p style="background-image:url(https://traceur.exemple/{{ reference }}.gif)">Bonjour</p>',
     "style qui charge une ressource"),
])
def test_markup_that_fetches_or_runs_is_refused_by_name(world: World, canal: str, html: str, named: str) -> None:
    slug = "etape_impaye"
    parts = {"objet": "Votre loyer", "html": html} | ({"texte": "Bonjour"} if canal == "email" else {})
    answer = world.client.post(f"/api/v1/modeles/{canal}/{slug}/apercu", headers=world.state, json=parts,
                               params={"stade": "impaye"})
    assert answer.status_code == 422, answer.text
    assert named in answer.json()["detail"][0]["motif"]


def test_text_structure_and_the_answer_link_are_kept(world: World) -> None:
    html = ('<p>Bonjour,</p><ul><li><strong>Appelez</strong> le 01 02 03 04 05</li></ul>'
            '<p><a href="{{ lien_reponse }}">Répondre</a></p>')
    answer = world.client.post("/api/v1/modeles/email/etape_impaye/apercu", headers=world.state,
                               json={"objet": "Votre loyer", "html": html, "texte": "Bonjour"},
                               params={"stade": "impaye"})
    assert answer.status_code == 200, answer.text
    assert "https://" in answer.json()["html"]
