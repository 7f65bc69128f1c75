"""The client portal: what a client contact sees of their own company.

Staff who open the portal land on their Today board, unless they preview it as a contact.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from khata.clients.services import ClientError, contact_profile_update
from khata.people.decorators import signed_in_user
from khata.people.policies import is_staff_user
from khata.portal.forms import ProfileForm
from khata.portal.selectors import (
    portal_contact_get_for,
    portal_home_for,
    portal_preview_contact_get_for,
)


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    if is_staff_user(request.user):
        return redirect("insights:today")
    contact = portal_contact_get_for(request.user)
    return render(request, "portal/home.html", {"home": portal_home_for(contact), "preview": False})


@require_GET
@login_required
def preview(request: HttpRequest, contact_pk: int) -> HttpResponse:
    """The portal home exactly as one contact sees it, for the AM or head of that client. Read-only."""
    contact = portal_preview_contact_get_for(request.user, contact_pk)
    return render(request, "portal/home.html", {"home": portal_home_for(contact), "preview": True})


@require_http_methods(["GET", "POST"])
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """A contact's own name and language."""
    if is_staff_user(request.user):
        return redirect("insights:today")
    user = signed_in_user(request)
    contact = portal_contact_get_for(user)
    form = ProfileForm(
        request.POST or None,
        initial={"full_name": contact.full_name, "language": user.language or contact.language},
    )
    if request.method == "POST" and form.is_valid():
        try:
            contact_profile_update(contact=contact, by=user, **form.cleaned_data)
        except ClientError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("portal:profile")
    return render(
        request, "portal/profile.html", {"contact": contact, "client": contact.client, "form": form}
    )
