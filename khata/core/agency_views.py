"""The head's page for the agency's details, bank account, working calendar and holidays, the logo
behind it and a preview of the letterhead."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khata.core.agency import agency_get, agency_update, holiday_add, holiday_remove
from khata.core.agency_forms import AgencyForm, HolidayForm
from khata.core.forms import apply_service_errors
from khata.core.models import Holiday
from khata.core.pdf import pdf_render
from khata.people.decorators import signed_in_user, staff_required
from khata.people.models import User


def _head(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if not user.is_head:
        raise PermissionDenied
    return user


def _page(
    request: HttpRequest, form: AgencyForm, holiday_form: HolidayForm | None = None, *, status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "agency": form.instance,
        "holiday_form": holiday_form or HolidayForm(),
        "holidays": list(Holiday.objects.filter(date__gte=timezone.localdate().replace(month=1, day=1))[:60]),
    }
    return render(request, "core/agency.html", context, status=status)


@staff_required
@require_http_methods(["GET", "POST"])
def agency_settings(request: HttpRequest) -> HttpResponse:
    """The head edits the details, bank account, calendar and logo; a refused change stores nothing."""
    user = _head(request)
    if request.method == "GET":
        return _page(request, AgencyForm(instance=agency_get(request)))
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
    form.instance = agency_get()
    return _page(request, form, status=400)


@staff_required
@require_POST
def agency_holiday_add(request: HttpRequest) -> HttpResponse:
    """The head adds a day off; a day already taken or without a name is refused."""
    user = _head(request)
    holiday_form = HolidayForm(request.POST)
    if holiday_form.is_valid():
        try:
            holiday = holiday_add(by=user, **holiday_form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(holiday_form, error)
        else:
            messages.success(request, _("%(name)s is a holiday now.") % {"name": holiday.name})
            return redirect(f"{reverse('settings:agency')}#holidays")
    return _page(request, AgencyForm(instance=agency_get()), holiday_form, status=400)


@staff_required
@require_POST
def agency_holiday_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """The head removes a day off."""
    user = _head(request)
    holiday = get_object_or_404(Holiday, pk=pk)
    holiday_remove(by=user, holiday=holiday)
    messages.success(request, _("%(name)s is no longer a holiday.") % {"name": holiday.name})
    return redirect(f"{reverse('settings:agency')}#holidays")


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
