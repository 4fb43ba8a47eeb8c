"""Whole numbers in paths and query strings must fit the database's integers (identifiers are 32-bit on PostgreSQL),
and dates must lie between DAY_FLOOR and DAY_CEILING.

Without this, `/api/v1/taches/4902955883` reached PostgreSQL and failed there ("integer out of range": a 500), and
`jour=0001-01-01` or a period ending in year 9999 overflowed the date arithmetic (a 500); now each is a 422 naming
the field, like every other invalid value, on every route at once. Pages parse their dates with `bounded_day`;
request bodies declare theirs as `BodyDay` or `BodyMoment` (a response's `date`, a key's `dernier_jour`...).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from fastapi import HTTPException, Request
from fastapi.dependencies.models import Dependant
from pydantic import AfterValidator

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
# No date the service handles lies outside (procedures, facts, the audit log): beyond, date arithmetic overflows.
DAY_FLOOR, DAY_CEILING = date(1990, 1, 1), date(2100, 12, 31)
DAY_OUT_OF_BOUNDS = f"date hors limites : entre le {DAY_FLOOR:%d/%m/%Y} et le {DAY_CEILING:%d/%m/%Y}"


def bounded_day(text: str) -> date:
    """An ISO date between DAY_FLOOR and DAY_CEILING; ValueError (with the French reason) otherwise."""
    day = date.fromisoformat(text.strip())
    if not DAY_FLOOR <= day <= DAY_CEILING:
        raise ValueError(DAY_OUT_OF_BOUNDS)
    return day


def whole_number(text: str, digits: int = 9) -> int | None:
    """A non-negative whole number written in ASCII digits (at most `digits` of them), else None. `str.isdigit()`
    alone also accepts « ² » and other Unicode digits, which `int()` then refuses (a 500) or reads as another
    number."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= digits else None


_Day = TypeVar("_Day", bound=date)


def _bounded(value: _Day) -> _Day:
    """A body's date or date-time between DAY_FLOOR and DAY_CEILING: a 422 naming its field otherwise."""
    day = value.date() if isinstance(value, datetime) else value
    if not DAY_FLOOR <= day <= DAY_CEILING:
        raise ValueError(DAY_OUT_OF_BOUNDS)
    return value


BodyDay = Annotated[date, AfterValidator(_bounded)]
BodyMoment = Annotated[datetime | date, AfterValidator(_bounded)]


def _kind(annotation: Any) -> str | None:
    """"int", "date" (a date or a date-time) or None, for a parameter's annotation (`X | None` too)."""
    kinds = get_args(annotation) if get_origin(annotation) in (Union, UnionType) else (annotation,)
    if int in kinds:
        return "int"
    if date in kinds or datetime in kinds:
        return "date"
    return None


def _int_params(dependant: Dependant) -> Iterator[tuple[str, str, str]]:
    """(alias, where, kind) of every int or date path or query parameter of the route and its dependencies."""
    for where, fields in (("path", dependant.path_params), ("query", dependant.query_params)):
        for field in fields:
            kind = _kind(field.field_info.annotation)
            if kind is not None:
                yield field.alias, where, kind
    for sub in dependant.dependencies:
        yield from _int_params(sub)


def _day_error(raw: str) -> str | None:
    try:
        day = datetime.fromisoformat(raw.strip()).date()
    except ValueError:
        return None  # not a date at all: FastAPI's validation says so
    return None if DAY_FLOOR <= day <= DAY_CEILING else DAY_OUT_OF_BOUNDS


def reject_out_of_range_ints(request: Request) -> None:
    """An app-wide dependency: 422 for an int parameter outside the 32-bit range or a date outside DAY_FLOOR and
    DAY_CEILING (other values: FastAPI's own)."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    errors = []
    for alias, where, kind in _int_params(dependant):
        raw = (request.path_params if where == "path" else request.query_params).get(alias)
        if kind == "date":
            if raw is not None and (reason := _day_error(str(raw))) is not None:
                errors.append({"champ": alias, "motif": reason})
            continue
        try:
            value = int(str(raw).strip()) if raw is not None else None
        except ValueError:
            continue  # not a number at all: FastAPI's validation says so
        if value is not None and not INT_MIN <= value <= INT_MAX:
            errors.append({"champ": alias, "motif": f"nombre hors limites : au plus {INT_MAX}"})
    if errors:
        raise HTTPException(status_code=422, detail=errors)
