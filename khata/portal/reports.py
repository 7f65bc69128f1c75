"""The client's status reports in the portal: the published reports of its own company's projects.

A draft, or another company's report, answers 404; the panel on the project page comes from
``khata.production.reports.portal_reports_panel``.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from khata.people.decorators import signed_in_user
from khata.people.policies import is_staff_user
from khata.portal.selectors import portal_contact_get_for
from khata.production.reports import report_get_for, report_sections


@require_GET
@login_required
def report(request: HttpRequest, statusreport_pk: int) -> HttpResponse:
    """One published report as the client reads it."""
    if is_staff_user(request.user):
        return redirect("insights:today")
    user = signed_in_user(request)
    contact = portal_contact_get_for(user)
    found = report_get_for(user, statusreport_pk)
    return render(
        request,
        "portal/reports/detail.html",
        {
            "contact": contact,
            "client": contact.client,
            "report": found,
            "project": found.project,
            "sections": report_sections(found, for_client=True),
            "portal": True,
        },
    )
