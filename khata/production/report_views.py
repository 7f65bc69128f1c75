"""The staff pages of status reports: prepare one, edit the draft, publish it, read it.

Each view parses input, calls one selector or service of ``khata.production.reports`` and renders.
A report the user may not see answers 404; a write the user may not make answers 403; bad input
shows its error with status 400 and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khata.core.forms import apply_service_errors
from khata.people.decorators import signed_in_user, staff_required
from khata.plans.selectors import project_get_for
from khata.production import reports
from khata.production.models import StatusReport


class ReportForm(forms.Form):
    """The AM's own words; the items kept come as ``keep`` checkboxes beside the form."""

    summary = forms.CharField(
        label=gettext_lazy("In your own words"),
        required=False,
        max_length=reports.SUMMARY_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy(
            "What the client should take from this period: progress, decisions, what comes next."
        ),
    )


def _site_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _preparing(request: HttpRequest, report: StatusReport) -> Any:
    """The user preparing this report, or 403 for anyone else who may read it."""
    user = signed_in_user(request)
    if not reports.can_prepare_report(user, report.project):
        raise PermissionDenied
    return user


def _edit_page(
    request: HttpRequest,
    report: StatusReport,
    *,
    form: ReportForm | None = None,
    errors: list[str] | None = None,
) -> HttpResponse:
    user = signed_in_user(request)
    context = {
        "report": report,
        "project": report.project,
        "sections": reports.report_sections(report, for_client=False),
        "hidden": report.sections.get("hidden", {}),
        "form": form or ReportForm(initial={"summary": report.summary}),
        "errors": errors or [],
        "recipients": reports.report_recipients(report.project),
        "can_prepare": reports.can_prepare_report(user, report.project),
    }
    invalid = form is not None or bool(errors)
    return render(request, "production/reports/edit.html", context, status=400 if invalid else 200)


@require_POST
@staff_required
def report_new(request: HttpRequest, project_pk: int) -> HttpResponse:
    """Prepare the project's next report from live data (or open the draft it already has)."""
    user = signed_in_user(request)
    project = project_get_for(user, project_pk)
    if not reports.can_prepare_report(user, project):
        raise PermissionDenied
    draft = reports.report_draft_of(project)
    if draft is not None:
        messages.info(request, _("This project already has a draft report: here it is."))
        return redirect("reports:edit", statusreport_pk=draft.pk)
    try:
        report = reports.report_draft(project=project, by=user)
    except reports.ReportError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("plans:detail", project.pk)
    messages.success(request, _("Report %(number)s is drafted from live data.") % {"number": report.number})
    return redirect("reports:edit", statusreport_pk=report.pk)


@require_GET
@staff_required
def report_detail(request: HttpRequest, statusreport_pk: int) -> HttpResponse:
    """A report as the client reads it; a draft also leads to its edit page."""
    user = signed_in_user(request)
    report = reports.report_get_for(user, statusreport_pk)
    return render(
        request,
        "production/reports/detail.html",
        {
            "report": report,
            "project": report.project,
            "sections": reports.report_sections(report, for_client=True),
            "can_prepare": reports.can_prepare_report(user, report.project),
        },
    )


@require_http_methods(["GET", "POST"])
@staff_required
def report_edit(request: HttpRequest, statusreport_pk: int) -> HttpResponse:
    """The draft: its sections with the items to keep, and the AM's own words."""
    report = reports.report_get_for(signed_in_user(request), statusreport_pk)
    if not report.is_draft:
        return redirect("reports:detail", statusreport_pk=report.pk)
    if request.method == "GET":
        return _edit_page(request, report)
    user = _preparing(request, report)
    form = ReportForm(request.POST)
    if form.is_valid():
        kept = set(request.POST.getlist("keep"))
        every = [item["key"] for section in reports.SECTIONS for item in report.sections.get(section, [])]
        try:
            reports.report_update(
                report=report,
                by=user,
                summary=form.cleaned_data["summary"],
                left_out=[key for key in every if key not in kept],
            )
        except reports.ReportError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The report is saved."))
            return redirect("reports:edit", statusreport_pk=report.pk)
    return _edit_page(request, report, form=form)


@require_POST
@staff_required
def report_refresh(request: HttpRequest, statusreport_pk: int) -> HttpResponse:
    """Take the draft's sections again from live data."""
    report = reports.report_get_for(signed_in_user(request), statusreport_pk)
    user = _preparing(request, report)
    try:
        reports.report_refresh(report=report, by=user)
    except reports.ReportError as error:
        return _edit_page(request, report, errors=error.messages)
    messages.success(request, _("The report is refreshed from live data."))
    return redirect("reports:edit", statusreport_pk=report.pk)


@require_http_methods(["GET", "POST"])
@staff_required
def report_publish(request: HttpRequest, statusreport_pk: int) -> HttpResponse:
    """Confirm, then publish: the client sees the report in the portal and gets it by email."""
    report = reports.report_get_for(signed_in_user(request), statusreport_pk)
    user = _preparing(request, report)
    if not report.is_draft:
        messages.info(request, _("This report is already published."))
        return redirect("reports:detail", statusreport_pk=report.pk)
    if request.method == "POST":
        try:
            reports.report_publish(report=report, by=user, site_url=_site_url(request))
        except reports.ReportError as error:
            return _edit_page(request, report, errors=error.messages)
        messages.success(request, _("The report is published and emailed to the client."))
        return redirect("reports:detail", statusreport_pk=report.pk)
    return render(
        request,
        "production/reports/publish.html",
        {
            "report": report,
            "project": report.project,
            "sections": reports.report_sections(report, for_client=True),
            "recipients": reports.report_recipients(report.project),
        },
    )
