"""The HTML a template written by a campaign owner may use (docs/campaigns.md, "Templates written by the campaign
owner").

A letter's HTML is laid out by fpdf2 on the worker and the API; an e-mail's goes to the household's mail client.
Both accept only text structure: an `<img>` would make the renderer open a file of the server or an address of its
network (docs/security.md), a `<font>` could print below the large-print floor, a `<script>` or `<iframe>` has no
place in a message. Anything else is refused with the tag and line named, before a draft is previewed or published.
"""

from __future__ import annotations

from html.parser import HTMLParser

_TEXT_TAGS = frozenset({
    "p", "br", "strong", "b", "u", "ul", "ol", "li", "h1", "h2", "h3", "h4", "hr", "blockquote",
    "table", "thead", "tbody", "tr", "th", "td", "sup", "sub", "span", "div",
})
ALLOWED_TAGS: dict[str, frozenset[str]] = {
    "courrier": _TEXT_TAGS,
    # An e-mail is a whole document, and carries the household's answer link.
    "email": _TEXT_TAGS | {"html", "head", "meta", "title", "body", "a"},
}
# Attributes that fetch something or run a script; an e-mail may style its text, a letter is laid out by the service.
_FETCHING = frozenset({"src", "srcset", "background", "poster", "data", "formaction"})
REFUSED_ATTRIBUTES: dict[str, frozenset[str]] = {"courrier": _FETCHING | {"style"}, "email": _FETCHING}
# `href` goes to a web address, an e-mail address or a phone number, never a script.
_SAFE_SCHEMES = ("https://", "http://", "mailto:", "tel:")
# CSS that loads something (an image, a font, another sheet) from an address; a backslash could write « url( »
# with a CSS escape.
_FETCHING_CSS = ("url(", "@import", "image-set(", "expression(", "\\")


class _Tags(HTMLParser):
    def __init__(self, allowed: frozenset[str], refused_attributes: frozenset[str], *, source: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.allowed, self.refused_attributes, self.source = allowed, refused_attributes, source
        self.refused: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        if tag not in self.allowed:
            self.refused.append(f"balise <{tag}> interdite (ligne {line})")
            return
        for name, value in attrs:
            if name.startswith("on") or name in self.refused_attributes:
                self.refused.append(f"attribut « {name} » interdit sur <{tag}> (ligne {line})")
            elif name == "style" and any(word in (value or "").lower() for word in _FETCHING_CSS):
                self.refused.append(f"style qui charge une ressource sur <{tag}> (ligne {line})")
            elif name == "href" and not self.source and not (value or "").strip().lower().startswith(_SAFE_SCHEMES):
                self.refused.append(
                    f"lien « {value} » refusé (ligne {line}) : une adresse web, mailto: ou tel: seulement")

    handle_startendtag = handle_starttag


def refused_markup(channel: str, html: str, *, source: bool = False) -> list[str]:
    """What `html` uses that a `channel` template may not, in French; empty when it only structures text. With
    `source`, `html` is the template itself: every tag of every branch is checked, links' addresses (Jinja
    expressions there) when rendered."""
    allowed = ALLOWED_TAGS.get(channel)
    if allowed is None or not html:
        return []
    parser = _Tags(allowed, REFUSED_ATTRIBUTES[channel], source=source)
    parser.feed(html)
    parser.close()
    return parser.refused
