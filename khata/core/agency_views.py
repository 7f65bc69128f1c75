"""The head's page for the agency's details, the logo behind it and a preview of the letterhead."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from khata.core.agency import agency_get, agency_update
from khata.core.agency_forms import AgencyForm
from khata.core.forms import apply_service_errors
from khata.core.pdf import pdf_render
from khata.people.decorators import signed_in_user, staff_required
from khata.people.models import User


def _head(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if not user.is_head:
        raise PermissionDenied
    return user


@staff_required
@require_http_methods(["GET", "POST"])
def agency_settings(request: HttpRequest) -> HttpResponse:
    """The head edits the agency's name, details, logo and colour; a refused change stores nothing."""
    user = _head(request)
    agency = agency_get(request)
    if request.method == "GET":
        return render(request, "core/agency.html", {"form": AgencyForm(instance=agency), "agency": agency})
    # The form works on a copy: the stored row changes only through the service.
    form = AgencyForm(request.POST, request.FILES, instance=agency_get())
    if form.is_valid():
        try:
            agency_update(
                by=user,
                logo=form.cleaned_data["logo"] or None,
                logo_remove=form.cleaned_data["logo_remove"],
                **form.values(),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The agency's details are saved."))
            return redirect("settings:agency")
    return render(request, "core/agency.html", {"form": form, "agency": agency_get()}, status=400)


@staff_required
@require_GET
def agency_logo(request: HttpRequest) -> HttpResponse:
    """The logo, for the settings page; staff only, never by its stored path."""
    agency = agency_get(request)
    if not agency.logo or not agency.logo_content_type:
        raise Http404
    response = FileResponse(agency.logo.open("rb"), content_type=agency.logo_content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-cache"
    # A FileResponse streams; the view guards are typed for plain responses, as in the task views.
    return cast(HttpResponse, response)


@staff_required
@require_GET
def letterhead_preview(request: HttpRequest) -> HttpResponse:
    """A sample document on the letterhead, in the head's language, to check how it prints."""
    _head(request)
    language = translation.get_language() or "en"
    pdf = pdf_render(
        template="pdf/sample.html",
        context={
            "on": timezone.localdate(),
            "paragraphs": [_("This is how the agency's documents print: contracts, acts and reports.")],
            "agency": agency_get(request),
        },
        language=language,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="letterhead.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
