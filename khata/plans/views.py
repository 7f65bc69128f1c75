"""The staff pages of projects and their work plans: the portfolio, the project page and its forms.

Each view parses input, asks one selector or service, and renders. A project the user may not see
answers 404; a write the user may not make answers 403; a refused move (``PlanError``) answers 400
with its messages next to the fields, and changes nothing. Client contacts get 403 here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khata.clients.selectors import client_visible_to
from khata.core.boards import board_cards, project_page
from khata.people.decorators import signed_in_user, staff_required
from khata.people.policies import can_manage_accounts
from khata.plans import selectors, services
from khata.plans.forms import (
    DeclineForm,
    ItemForm,
    NoteForm,
    ProjectForm,
    StageForm,
    apply_plan_errors,
)
from khata.plans.models import Approval, ClientRequest, PlanItem, PlanVersion, Project
from khata.plans.policies import can_approve_plan, can_edit_project
from khata.plans.status import project_status


def _editable_project(request: HttpRequest, pk: int) -> Project:
    """A project the user may see (else 404) and change (else 403)."""
    project = selectors.project_get_for(signed_in_user(request), pk)
    if not can_edit_project(signed_in_user(request), project):
        raise PermissionDenied
    return project


def _editable_version(request: HttpRequest, pk: int) -> PlanVersion:
    version = selectors.plan_version_get_for(signed_in_user(request), pk)
    if not can_edit_project(signed_in_user(request), version.project):
        raise PermissionDenied
    return version


def _editable_item(request: HttpRequest, pk: int) -> PlanItem:
    item = selectors.plan_item_get_for(signed_in_user(request), pk)
    if not can_edit_project(signed_in_user(request), item.version.project):
        raise PermissionDenied
    return item


def _render_form(
    request: HttpRequest, template: str, context: dict[str, Any], *, invalid: bool = False
) -> HttpResponse:
    # A submission with errors answers 400, so neither a person nor a script mistakes it for success.
    return render(request, template, context, status=400 if invalid else 200)


# ---------- the portfolio and the project page ----------

# Each panel other domains add to the project page shows at most this many rows.
PANEL_LIMIT = 8


@staff_required
@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    groups = selectors.project_portfolio_for(user)
    return render(
        request,
        "plans/list.html",
        {
            "main_groups": [group for group in groups if group.stage in selectors.MAIN_STAGES],
            "side_groups": [group for group in groups if group.stage in selectors.SIDE_STAGES],
            "total": sum(group.total for group in groups),
            "can_create": can_manage_accounts(user),
        },
    )


def _project_page(
    request: HttpRequest,
    project: Project,
    *,
    errors: list[str] | None = None,
    number: Any = None,
    stage_form: StageForm | None = None,
) -> HttpResponse:
    user = signed_in_user(request)
    page = selectors.project_page_for(user, project, number=number or request.GET.get("version"))
    version = page.version
    can_edit = can_edit_project(user, project)
    has_draft = any(v.status == PlanVersion.Status.DRAFT for v in page.versions)
    has_baseline = any(v.status == PlanVersion.Status.AGREED for v in page.versions)
    context = {
        "project": project,
        "page": page,
        "currency": project.client.currency,
        "can_edit": can_edit,
        "can_draft": can_edit and not has_draft,
        "can_change": can_edit and has_baseline and not has_draft,
        "can_approve": version is not None and can_approve_plan(user, version, Approval.Side.COMPANY),
        "note_form": NoteForm(),
        "stage_form": stage_form or StageForm(project=project),
        "status": project_status(project),
        "errors": errors or [],
        "panels": board_cards(project_page, project, user, limit=PANEL_LIMIT),
    }
    for client_request in page.requests:
        # One form per request, each with its own field names and ids.
        client_request.decline_form = DeclineForm(prefix=_decline_prefix(client_request.pk))  # type: ignore[attr-defined]
    invalid = bool(errors) or (stage_form is not None and stage_form.errors)
    return render(request, "plans/detail.html", context, status=400 if invalid else 200)


@staff_required
@require_GET
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _project_page(request, selectors.project_get_for(signed_in_user(request), pk))


def _refused(
    request: HttpRequest, project: Project, error: ValidationError, number: Any = None
) -> HttpResponse:
    return _project_page(request, project, errors=list(error.messages), number=number)


# ---------- project forms ----------


@staff_required
@require_http_methods(["GET", "POST"])
def project_create(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not can_manage_accounts(user):
        raise PermissionDenied
    clients = client_visible_to(user)
    if request.method == "POST":
        form = ProjectForm(request.POST, clients=clients)
        if form.is_valid():
            client = form.cleaned_data["client"]
            try:
                project = services.project_create(
                    client=client, by=user, **form.service_values(client.currency)
                )
            except ValidationError as error:
                apply_plan_errors(form, error)
            else:
                messages.success(request, _("Project %(name)s created.") % {"name": project.name})
                return redirect("plans:detail", pk=project.pk)
        return _render_form(request, "plans/project_form.html", {"form": form}, invalid=True)
    form = ProjectForm(clients=clients, initial={"client": request.GET.get("client"), "owner": user.pk})
    return _render_form(request, "plans/project_form.html", {"form": form})


@staff_required
@require_http_methods(["GET", "POST"])
def project_update(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    project = _editable_project(request, pk)
    if request.method == "POST":
        form = ProjectForm(request.POST)
        if form.is_valid():
            try:
                services.project_update(
                    project=project, by=user, **form.service_values(project.client.currency)
                )
            except ValidationError as error:
                apply_plan_errors(form, error)
            else:
                messages.success(request, _("Project saved."))
                return redirect("plans:detail", pk=project.pk)
        return _render_form(
            request, "plans/project_form.html", {"form": form, "project": project}, invalid=True
        )
    form = ProjectForm(initial=ProjectForm.initial_for(project))
    return _render_form(request, "plans/project_form.html", {"form": form, "project": project})


@staff_required
@require_POST
def project_stage(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the project to another stage; a gate's objection needs a reason."""
    project = _editable_project(request, pk)
    form = StageForm(request.POST)
    if form.is_valid():
        try:
            services.project_set_stage(
                project=project,
                by=signed_in_user(request),
                stage=form.cleaned_data["stage"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_plan_errors(form, error)
        else:
            project.refresh_from_db(fields=["stage"])
            messages.success(
                request, _("The project moved to %(stage)s.") % {"stage": project.get_stage_display()}
            )
            return redirect("plans:detail", pk=project.pk)
    return _project_page(request, project, stage_form=form)


# ---------- the client's requests ----------


def _decline_prefix(pk: int) -> str:
    return f"decline-{pk}"


def _answerable_request(request: HttpRequest, pk: int) -> ClientRequest:
    client_request = selectors.client_request_get_for(signed_in_user(request), pk)
    if not can_edit_project(signed_in_user(request), client_request.version.project):
        raise PermissionDenied
    return client_request


@staff_required
@require_http_methods(["GET", "POST"])
def request_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Answer a client's request with an item of the draft, the form prefilled from the request."""
    client_request = _answerable_request(request, pk)
    project = client_request.version.project
    currency = project.client.currency
    draft = PlanVersion.objects.filter(project=project, status=PlanVersion.Status.DRAFT).first()
    context: dict[str, Any] = {
        "version": draft or client_request.version,
        "project": project,
        "client_request": client_request,
    }
    if request.method == "POST":
        form = ItemForm(request.POST)
        if form.is_valid():
            try:
                item = services.client_request_add(
                    request=client_request, by=signed_in_user(request), **form.service_values(currency)
                )
            except ValidationError as error:
                apply_plan_errors(form, error)
            else:
                messages.success(request, _("The client's request is in the draft."))
                return redirect(_version_url(item.version))
        return _render_form(request, "plans/item_form.html", context | {"form": form}, invalid=True)
    form = ItemForm(initial=ItemForm.initial_from_request(client_request, currency))
    return _render_form(request, "plans/item_form.html", context | {"form": form})


@staff_required
@require_POST
def request_decline(request: HttpRequest, pk: int) -> HttpResponse:
    """Decline a client's request with a comment the client sees."""
    client_request = _answerable_request(request, pk)
    version = client_request.version
    form = DeclineForm(request.POST, prefix=_decline_prefix(client_request.pk))
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        services.client_request_decline(request=client_request, by=signed_in_user(request), comment=comment)
    except ValidationError as error:
        return _refused(request, version.project, error, number=version.number)
    messages.success(request, _("The request is declined; the client sees why."))
    return redirect(_version_url(version))


# ---------- versions ----------


@staff_required
@require_POST
def version_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A new draft, a copy of the latest version's items."""
    user = signed_in_user(request)
    project = _editable_project(request, pk)
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    latest = PlanVersion.objects.filter(project=project).order_by("-number").first()
    try:
        version = services.plan_version_create(project=project, by=user, based_on=latest, note=note)
    except ValidationError as error:
        return _refused(request, project, error)
    messages.success(request, _("Draft version %(number)s started.") % {"number": version.number})
    return redirect(_version_url(version))


@staff_required
@require_POST
def change_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the agreed plan: a new draft based on the baseline."""
    user = signed_in_user(request)
    project = _editable_project(request, pk)
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        version = services.plan_change_request(project=project, by=user, note=note)
    except ValidationError as error:
        return _refused(request, project, error)
    messages.success(request, _("Draft version %(number)s started.") % {"number": version.number})
    return redirect(_version_url(version))


def _version_url(version: PlanVersion) -> str:
    return f"{reverse('plans:detail', args=[version.project_id])}?version={version.number}"


@staff_required
@require_POST
def version_propose(request: HttpRequest, pk: int) -> HttpResponse:
    version = _editable_version(request, pk)
    try:
        services.plan_propose(version=version, by=signed_in_user(request))
    except ValidationError as error:
        return _refused(request, version.project, error, number=version.number)
    messages.success(request, _("Version %(number)s proposed to the client.") % {"number": version.number})
    return redirect(_version_url(version))


@staff_required
@require_POST
def version_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """The company side's approval."""
    version = _editable_version(request, pk)
    try:
        services.plan_approve(version=version, by=signed_in_user(request), side=Approval.Side.COMPANY)
    except ValidationError as error:
        return _refused(request, version.project, error, number=version.number)
    messages.success(request, _("Version %(number)s approved for the company.") % {"number": version.number})
    return redirect(_version_url(version))


# ---------- items of a draft ----------


@staff_required
@require_http_methods(["GET", "POST"])
def item_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    version = _editable_version(request, pk)
    currency = version.project.client.currency
    context: dict[str, Any] = {"version": version, "project": version.project}
    if request.method == "POST":
        form = ItemForm(request.POST)
        if form.is_valid():
            try:
                services.plan_item_add(version=version, by=user, **form.service_values(currency))
            except ValidationError as error:
                apply_plan_errors(form, error)
            else:
                messages.success(request, _("Item added."))
                return redirect(_version_url(version))
        return _render_form(request, "plans/item_form.html", context | {"form": form}, invalid=True)
    return _render_form(request, "plans/item_form.html", context | {"form": ItemForm()})


@staff_required
@require_http_methods(["GET", "POST"])
def item_update(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    item = _editable_item(request, pk)
    version = item.version
    currency = version.project.client.currency
    context: dict[str, Any] = {"version": version, "project": version.project, "item": item}
    if request.method == "POST":
        form = ItemForm(request.POST)
        if form.is_valid():
            try:
                services.plan_item_update(item=item, by=user, **form.service_values(currency))
            except ValidationError as error:
                apply_plan_errors(form, error)
            else:
                messages.success(request, _("Item saved."))
                return redirect(_version_url(version))
        return _render_form(request, "plans/item_form.html", context | {"form": form}, invalid=True)
    form = ItemForm(initial=ItemForm.initial_for(item, currency))
    return _render_form(request, "plans/item_form.html", context | {"form": form})


@staff_required
@require_POST
def item_remove(request: HttpRequest, pk: int) -> HttpResponse:
    item = _editable_item(request, pk)
    version = item.version
    try:
        services.plan_item_remove(item=item, by=signed_in_user(request))
    except ValidationError as error:
        return _refused(request, version.project, error, number=version.number)
    messages.success(request, _("Item removed."))
    return redirect(_version_url(version))
