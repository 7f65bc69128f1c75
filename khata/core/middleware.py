from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation


class UserLanguageMiddleware:
    """A signed-in person's chosen language wins over the browser's Accept-Language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if language and translation.check_for_language(language):
            # Only for this request: the thread goes back to its language afterwards.
            with translation.override(language):
                request.LANGUAGE_CODE = language
                response = self.get_response(request)
                response.headers.setdefault("Content-Language", language)
            return response
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
