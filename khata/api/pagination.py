from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from khata.core.keyset import cursor_decode, keyset_paginate


class KhataCursorPagination(CursorPagination):
    """Keyset pagination on the whole ordering: page 10,000 costs what page 1 costs, no COUNT(*).

    The cursor holds every key of the ordering (for example the issue date *and* the id), so a list
    where thousands of rows share a date walks each row exactly once; the ordering filter always
    ends the ordering with the id. A cursor that was tampered with or belongs to another ordering is
    bad input: 400, never 500.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"
    invalid_cursor_message = str(_("Invalid cursor."))

    def _refuse(self) -> ValidationError:
        return ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})

    def paginate_queryset(
        self, queryset: QuerySet[Any] | Sequence[Any], request: Request, view: APIView | None = None
    ) -> list[Any] | None:
        assert isinstance(queryset, QuerySet) and view is not None
        size = self.get_page_size(request)
        if not size:
            return None
        self.request = request
        self._base = request.build_absolute_uri()
        ordering: tuple[str, ...] = tuple(self.get_ordering(request, queryset, view))
        keys = [field.lstrip("-") for field in ordering]
        descending = ordering[0].startswith("-")
        if any(field.startswith("-") != descending for field in ordering):
            raise ValueError(f"the keys of a keyset ordering run one way: {ordering}")
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor is not None:
            decoded = cursor_decode(cursor, width=len(keys))
            if decoded is None or any("\x00" in value for value in decoded[0] if isinstance(value, str)):
                raise self._refuse()
        try:
            page = keyset_paginate(queryset, keys=keys, descending=descending, cursor=cursor, size=size)
        except (ValueError, TypeError, OverflowError, DjangoValidationError, DataError) as error:
            # The cursor's key does not fit the ordering's fields (a date where an id was expected).
            raise self._refuse() from error
        self._next = page.next_cursor
        self._previous = page.prev_cursor
        return page.items

    def _link(self, cursor: str | None) -> str | None:
        return replace_query_param(self._base, self.cursor_query_param, cursor) if cursor else None

    def get_next_link(self) -> str | None:
        return self._link(self._next)

    def get_previous_link(self) -> str | None:
        return self._link(self._previous)
