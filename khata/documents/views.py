"""The staff pages of documents."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def document_new(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    raise NotImplementedError
