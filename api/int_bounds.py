"""Whole numbers in paths and query strings must fit the database's integers (identifiers are 32-bit on PostgreSQL).

Without this, `/api/v1/taches/4902955883` reached PostgreSQL and failed there ("integer out of range": a 500);
now it is a 422 naming the field, like every other invalid value, on every route and page at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import UnionType
from typing import Any, Union, get_args, get_origin

from fastapi import HTTPException, Request
from fastapi.dependencies.models import Dependant

INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def _is_int(annotation: Any) -> bool:
    if annotation is int:
        return True
    if get_origin(annotation) in (Union, UnionType):
        return int in get_args(annotation)
    return False


def _int_params(dependant: Dependant) -> Iterator[tuple[str, str]]:
    """(alias, where) of every int path or query parameter of the route and of its dependencies."""
    for field in dependant.path_params:
        if _is_int(field.field_info.annotation):
            yield field.alias, "path"
    for field in dependant.query_params:
        if _is_int(field.field_info.annotation):
            yield field.alias, "query"
    for sub in dependant.dependencies:
        yield from _int_params(sub)


def reject_out_of_range_ints(request: Request) -> None:
    """An app-wide dependency: 422 for an int parameter outside the 32-bit range (other values: FastAPI's own)."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    errors = []
    for alias, where in _int_params(dependant):
        raw = (request.path_params if where == "path" else request.query_params).get(alias)
        try:
            value = int(str(raw).strip()) if raw is not None else None
        except ValueError:
            continue  # not a number at all: FastAPI's validation says so
        if value is not None and not INT_MIN <= value <= INT_MAX:
            errors.append({"champ": alias, "motif": f"nombre hors limites : au plus {INT_MAX}"})
    if errors:
        raise HTTPException(status_code=422, detail=errors)
