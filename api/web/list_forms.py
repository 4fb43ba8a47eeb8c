"""What a list page was asked: its filters (codes from a list, safe in an address), the page number, and the search
typed by a person (names and references: personal data, read from a POST form only, never from the address)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from api.web.timeline_labels import stage_choices
from campaigns.platform.paging import QUERY_MAX_LENGTH

MAX_PAGE = 1_000_000


@dataclass(frozen=True, slots=True)
class ListRequest:
    search: str = ""
    page: int = 1
    # Filter name -> the chosen code ("" for none), as the form sends them back.
    filters: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def chosen(self, name: str) -> str | None:
        """The filter's code, None when none is chosen (or the choice was refused)."""
        return self.filters.get(name) or None

    @property
    def address_query(self) -> str:
        """The filters as an address's query (`stade=jugement`): codes only, never the search."""
        return "&".join(f"{name}={value}" for name, value in self.filters.items() if value)


def read_list(*, search: str = "", page: str = "1", filters: Mapping[str, tuple[str, Mapping[str, str]]],
              messages: Mapping[str, str] | None = None) -> ListRequest:
    """`filters`: name -> (the value sent, the allowed codes); an unknown code is refused with its message."""
    errors: dict[str, str] = {}
    chosen: dict[str, str] = {}
    for name, (sent, allowed) in filters.items():
        value = sent.strip()
        if value and value not in allowed:
            errors[name] = (messages or {}).get(name, "Choix inconnu : choisissez une valeur de la liste.")
            value = ""
        chosen[name] = value
    search = " ".join(search.split())
    if len(search) > QUERY_MAX_LENGTH:
        errors["recherche"] = f"Recherche : {QUERY_MAX_LENGTH} caractères au plus."
        search = ""
    page = page.strip()
    number = int(page) if page.isascii() and page.isdigit() and len(page) <= len(str(MAX_PAGE)) else 1
    return ListRequest(search=search, page=min(max(number, 1), MAX_PAGE), filters=chosen, errors=errors)


STAGE_MESSAGE = {"stade": "Stade inconnu : choisissez un stade de la liste."}


def stage_list(stade: str, *, search: str = "", page: str = "1") -> ListRequest:
    """A households list filtered by stage (the pilots' « Ménages », the bailleur's « Mes ménages »)."""
    return read_list(search=search, page=page, filters={"stade": (stade, stage_choices())}, messages=STAGE_MESSAGE)
