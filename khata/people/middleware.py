from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from khata.people.policies import needs_second_factor


class RequireTwoFactorMiddleware:
    """When the agency requires it, a head of accounts sets up TOTP before using Khata.

    Until they have, every page sends them to the TOTP activation page, except what they need to
    get there: the account and two-factor pages, the language switch, static files and the health
    check. API calls made with the session get 403 instead of a redirect.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and needs_second_factor(user, required_for_heads=settings.KHATA_REQUIRE_2FA_FOR_HEADS)
            and not self._exempt(request.path)
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            return self._refuse(request)
        return self.get_response(request)

    @staticmethod
    def _exempt(path: str) -> bool:
        exempt = (
            reverse("account_login").rsplit("login/", 1)[0],  # every allauth page, 2FA included
            "/" + settings.STATIC_URL.lstrip("/"),
            reverse("healthz"),
            reverse("people:set_language"),
        )
        return path.startswith(exempt)

    @staticmethod
    def _refuse(request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            message = _("Set up two-factor authentication before using Khata.")
            return JsonResponse({"detail": message}, status=403)
        target = reverse("mfa_activate_totp")
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        messages.warning(
            request, _("The agency asks heads of accounts to turn on two-factor authentication first.")
        )
        return HttpResponseRedirect(target)
