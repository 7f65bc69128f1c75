"""Links to many objects of one kind, at the cost of one URL lookup."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse

_MARK = 2_147_483_647


def url_by_id(name: str) -> Callable[[int], str]:
    """``reverse(name, args=[pk])`` for many primary keys: the pattern is reversed once and only the id
    varies (a list page links every row; ``reverse`` per row cost a tenth of a millisecond each)."""
    head, _mark, tail = reverse(name, args=[_MARK]).rpartition(str(_MARK))
    return lambda pk: f"{head}{pk}{tail}"
