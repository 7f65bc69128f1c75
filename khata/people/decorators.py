"""View guards shared by the workspace pages.

Anonymous visitors are sent to sign in; a signed-in client contact opening a workspace page gets
403 (the portal is theirs). What an object route hides from someone is decided by the selectors,
which answer 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from khata.people.models import User
from khata.people.policies import is_staff_user

View = Callable[..., HttpResponse]


def staff_required(view: View) -> View:
    """Agency staff only: anonymous → sign-in page, anyone else → 403."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_staff_user(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(guarded)


def signed_in_user(request: HttpRequest) -> User:
    """The person behind a request that a guard has already let through."""
    user = request.user
    if not isinstance(user, User):
        raise Http404
    return user
