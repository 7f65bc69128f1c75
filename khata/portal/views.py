"""The client portal: what a client contact sees of their own company.

Staff who open the portal land on their Today board, unless they preview it as a contact.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khata.clients.services import ClientError, contact_profile_update
from khata.core.boards import board_cards, portal_project_page
from khata.core.forms import apply_service_errors
from khata.people.decorators import signed_in_user
from khata.people.models import User
from khata.people.policies import is_staff_user
from khata.plans.forms import DecisionForm, RequestForm, apply_plan_errors
from khata.plans.models import Approval, PlanVersion
from khata.plans.policies import approver_contact, can_approve_plan, can_decide_plan
from khata.plans.selectors import (
    plan_item_get_for,
    plan_version_get_for,
    plan_version_page_data,
    plan_versions_for,
    portal_project_list_for,
    project_get_for,
)
from khata.plans.services import client_item_request, item_decide, plan_approve
from khata.portal.forms import ProfileForm
from khata.portal.selectors import (
    portal_contact_get_for,
    portal_home_for,
    portal_preview_contact_get_for,
)
from khata.production.selectors import progress_by_project

# Each panel other domains add to the portal project page shows at most this many rows.
PANEL_LIMIT = 8


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
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("portal:profile")
    return render(
        request, "portal/profile.html", {"contact": contact, "client": contact.client, "form": form}
    )


# ---------- projects and their work plans ----------


def _plan_page(
    request: HttpRequest,
    version: PlanVersion,
    *,
    failed: tuple[int, DecisionForm] | None = None,
    request_form: RequestForm | None = None,
) -> HttpResponse:
    """A proposed (or past) plan version as the client sees it; an approver answers it here."""
    user = signed_in_user(request)
    contact = portal_contact_get_for(user)
    versions = list(plan_versions_for(version.project, user=user))
    data = plan_version_page_data(version, versions)
    can_decide = can_decide_plan(user, version)
    rows = [
        (item, failed[1] if failed and failed[0] == item.pk else DecisionForm(prefix=f"item{item.pk}"))
        for item in data["items"]
    ]
    context = data | {
        "contact": contact,
        "client": contact.client,
        "project": version.project,
        "version": version,
        "versions": versions,
        "rows": rows,
        "currency": contact.client.currency,
        "can_decide": can_decide,
        "can_approve": can_approve_plan(user, version, Approval.Side.CLIENT),
        "request_form": request_form or RequestForm(prefix="request"),
        "is_approver": approver_contact(user, version.project) is not None,
    }
    invalid = failed is not None or request_form is not None
    return render(request, "portal/plan.html", context, status=400 if invalid else 200)


@require_GET
@login_required
def projects(request: HttpRequest) -> HttpResponse:
    """The contact's company's projects with their stage and the latest plan put before them."""
    if is_staff_user(request.user):
        return redirect("insights:today")
    user = signed_in_user(request)
    contact = portal_contact_get_for(user)
    found = portal_project_list_for(user)
    progress = progress_by_project([project.pk for project in found])
    return render(
        request,
        "portal/projects.html",
        {
            "contact": contact,
            "client": contact.client,
            "projects": found,
            "rows": [(project, progress.get(project.pk)) for project in found],
        },
    )


@require_GET
@login_required
def project(request: HttpRequest, project_pk: int) -> HttpResponse:
    if is_staff_user(request.user):
        return redirect("insights:today")
    user = signed_in_user(request)
    contact = portal_contact_get_for(user)
    found = project_get_for(user, project_pk)
    return render(
        request,
        "portal/project.html",
        {
            "contact": contact,
            "client": contact.client,
            "project": found,
            "versions": list(plan_versions_for(found, user=user)),
            "panels": board_cards(portal_project_page, found, user, limit=PANEL_LIMIT),
        },
    )


@require_GET
@login_required
def plan(request: HttpRequest, planversion_pk: int) -> HttpResponse:
    if is_staff_user(request.user):
        return redirect("insights:today")
    user = signed_in_user(request)
    portal_contact_get_for(user)
    return _plan_page(request, plan_version_get_for(user, planversion_pk))


def _deciding(request: HttpRequest, version: PlanVersion) -> User:
    """The approver answering this version, or 403 for anyone else who may read it."""
    user = signed_in_user(request)
    portal_contact_get_for(user)
    if not can_decide_plan(user, version):
        raise PermissionDenied
    return user


@require_POST
@login_required
def plan_item_decide(request: HttpRequest, planitem_pk: int) -> HttpResponse:
    """The approver accepts, counters or rejects one item."""
    item = plan_item_get_for(signed_in_user(request), planitem_pk)
    version = item.version
    user = _deciding(request, version)
    form = DecisionForm(request.POST, prefix=f"item{item.pk}")
    if form.is_valid():
        try:
            item_decide(item=item, by=user, **form.service_values(version.project.client.currency))
        except ValidationError as error:
            apply_plan_errors(form, error)
        else:
            messages.success(request, _("Your answer is saved."))
            return redirect("portal:plan", planversion_pk=version.pk)
    return _plan_page(request, version, failed=(item.pk, form))


@require_POST
@login_required
def plan_request(request: HttpRequest, planversion_pk: int) -> HttpResponse:
    """The approver asks for something the plan lacks."""
    version = plan_version_get_for(signed_in_user(request), planversion_pk)
    user = _deciding(request, version)
    form = RequestForm(request.POST, prefix="request")
    if form.is_valid():
        try:
            client_item_request(
                version=version, by=user, **form.service_values(version.project.client.currency)
            )
        except ValidationError as error:
            apply_plan_errors(form, error)
        else:
            messages.success(request, _("Your request is sent to your account manager."))
            return redirect("portal:plan", planversion_pk=version.pk)
    return _plan_page(request, version, request_form=form)


@require_POST
@login_required
def plan_approve_client(request: HttpRequest, planversion_pk: int) -> HttpResponse:
    """The approver approves the version for the client."""
    user = signed_in_user(request)
    version = plan_version_get_for(user, planversion_pk)
    portal_contact_get_for(user)
    if approver_contact(user, version.project) is None:
        raise PermissionDenied
    try:
        plan_approve(version=version, by=user, side=Approval.Side.CLIENT)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("portal:plan", planversion_pk=version.pk)
    messages.success(request, _("You approved this plan for your company."))
    return redirect("portal:plan", planversion_pk=version.pk)
