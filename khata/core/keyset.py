"""Keyset ("cursor") pagination for long lists.

A page is fetched by comparing the sort key with the last row seen, so page 400 costs what page 1
costs and nothing counts the whole table. The cursor is an opaque, URL-safe string holding that
key and the direction; a cursor that does not decode simply gives the first page (it only says
where to start, it grants nothing: the queryset has already been scoped to the user).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Model, Q, QuerySet


@dataclass(frozen=True)
class KeysetPage[T: Model]:
    """One page of rows and the cursors to its neighbours (``None`` at either end)."""

    items: list[T]
    next_cursor: str | None
    prev_cursor: str | None

    @property
    def has_other_pages(self) -> bool:
        return self.next_cursor is not None or self.prev_cursor is not None


def _encode_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if "t" in value:
            return dt.datetime.fromisoformat(str(value["t"]))
        if "d" in value:
            return dt.date.fromisoformat(str(value["d"]))
        raise ValueError("unknown cursor value")
    if value is None or isinstance(value, str | int | float):
        return value
    raise ValueError("unknown cursor value")


def cursor_encode(values: Sequence[Any], *, forward: bool) -> str:
    payload = json.dumps({"k": [_encode_value(v) for v in values], "f": forward}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def cursor_decode(cursor: str, *, width: int) -> tuple[list[Any], bool] | None:
    """The key values and direction of a cursor, or ``None`` when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        values = [_decode_value(v) for v in payload["k"]]
        forward = bool(payload["f"])
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError):
        return None
    if len(values) != width:
        return None
    return values, forward


def _beyond(keys: Sequence[str], values: Sequence[Any], *, greater: bool) -> Q:
    """Rows strictly after ``values`` in the lexicographic order of ``keys``."""
    lookup = "gt" if greater else "lt"
    condition = Q(pk__in=[])
    for index, key in enumerate(keys):
        step = Q(**{f"{key}__{lookup}": values[index]})
        for prior, prior_value in zip(keys[:index], values[:index], strict=True):
            step &= Q(**{prior: prior_value})
        condition |= step
    # The same rows, with a bound on the first key the planner can seek to in an index (without it a
    # deep page walks the index from the start).
    return Q(**{f"{keys[0]}__{lookup}e": values[0]}) & condition


def keyset_paginate[T: Model](
    queryset: QuerySet[T],
    *,
    keys: Sequence[str],
    descending: bool = False,
    cursor: str | None = None,
    size: int = 50,
) -> KeysetPage[T]:
    """One page of ``queryset`` ordered by ``keys`` (unique together; the last is usually ``id``).

    Keys are field or annotation names on the queryset and must not be NULL (coalesce them first).
    """
    decoded = cursor_decode(cursor, width=len(keys)) if cursor else None
    forward = decoded[1] if decoded else True
    # Walking backwards is the same walk over the reversed order, turned round at the end.
    walk_descending = descending if forward else not descending
    ordering = [F(key).desc() if walk_descending else F(key).asc() for key in keys]
    rows = queryset.order_by(*ordering)
    if decoded:
        rows = rows.filter(_beyond(keys, decoded[0], greater=not walk_descending))
    items = list(rows[: size + 1])
    more = len(items) > size
    items = items[:size]
    if not forward:
        items.reverse()

    def key_of(item: T) -> list[Any]:
        return [getattr(item, key) for key in keys]

    has_next = more if forward else decoded is not None
    has_prev = decoded is not None if forward else more
    return KeysetPage(
        items=items,
        next_cursor=cursor_encode(key_of(items[-1]), forward=True) if items and has_next else None,
        prev_cursor=cursor_encode(key_of(items[0]), forward=False) if items and has_prev else None,
    )
