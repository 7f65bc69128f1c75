from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.views import APIView


class KhataCursorPagination(CursorPagination):
    """Keyset pagination: page 10,000 costs what page 1 costs, and no COUNT(*) on big tables.

    A cursor that was tampered with or belongs to another ordering is bad input: 400, never 500.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"
    invalid_cursor_message = str(_("Invalid cursor."))

    def decode_cursor(self, request: Request) -> Cursor | None:
        try:
            cursor = super().decode_cursor(request)
        except NotFound as error:
            raise ValidationError({self.cursor_query_param: [self.invalid_cursor_message]}) from error
        except UnicodeDecodeError as error:  # base64 of non-ASCII bytes
            raise ValidationError({self.cursor_query_param: [self.invalid_cursor_message]}) from error
        if cursor is not None and "\x00" in str(cursor.position or ""):
            raise ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})
        return cursor

    def paginate_queryset(
        self, queryset: QuerySet[Any] | Sequence[Any], request: Request, view: APIView | None = None
    ) -> list[Any] | None:
        try:
            return super().paginate_queryset(queryset, request, view)
        except (ValueError, TypeError, OverflowError, DjangoValidationError, DataError) as error:
            # The cursor's position does not fit the ordering field (a date where an id was expected).
            raise ValidationError({self.cursor_query_param: [self.invalid_cursor_message]}) from error
