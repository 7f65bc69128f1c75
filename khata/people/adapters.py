from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse

from khata.people.models import User


class AccountAdapter(DefaultAccountAdapter):
    """The agency invites its people: nobody signs themselves up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        user = request.user
        if isinstance(user, User) and user.is_contact:
            return reverse("portal:home")
        return super().get_login_redirect_url(request)
