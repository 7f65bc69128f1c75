"""The staff pages of briefs: the head's template editor (AMs read it), sending a brief from a project,
and a brief's questions and answers with its files. Each view parses input, calls one service or
selector and renders; a submission with errors answers 400 and changes nothing."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khata.clients.models import Contact
from khata.core.forms import apply_service_errors
from khata.core.uploads import file_download
from khata.people.decorators import signed_in_user, staff_required
from khata.people.models import User
from khata.plans.policies import can_edit_project
from khata.plans.selectors import project_get_for
from khata.production import services
from khata.production.brief_forms import QuestionForm, SendForm, TemplateForm, service_label
from khata.production.brief_selectors import (
    brief_answer_file_get_for,
    brief_page_for,
    brief_question_get_for,
    brief_template_get_for,
    brief_template_questions,
    brief_templates_for,
)
from khata.production.models import BriefAnswer, BriefQuestion, BriefTemplate
from khata.production.policies import can_edit_brief_templates, can_view_brief_templates
from khata.production.selectors import brief_get_for


def _reader(request: HttpRequest) -> User:
    """Someone who may read the templates (heads and AMs), else 403."""
    user = signed_in_user(request)
    if not can_view_brief_templates(user):
        raise PermissionDenied
    return user


def _editor(request: HttpRequest) -> User:
    """The head, who edits the templates, else 403."""
    user = signed_in_user(request)
    if not can_edit_brief_templates(user):
        raise PermissionDenied
    return user


# ---------- the template editor ----------


@staff_required
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    user = _reader(request)
    groups = brief_templates_for(user)
    for group in groups:
        group.label = service_label(group.service)
    groups.sort(key=lambda group: group.label.lower())
    return render(
        request,
        "production/briefs/templates.html",
        {"groups": groups, "can_edit": can_edit_brief_templates(user)},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def template_create(request: HttpRequest) -> HttpResponse:
    user = _editor(request)
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = services.brief_template_create(by=user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The brief template is created: add its questions."))
            return redirect("briefs:template", pk=template.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "production/briefs/template_form.html", {"form": form}, status=status)


def _template_page(
    request: HttpRequest,
    template: BriefTemplate,
    *,
    template_form: TemplateForm | None = None,
    question_form: QuestionForm | None = None,
    errors: list[str] | None = None,
) -> HttpResponse:
    user = signed_in_user(request)
    invalid = template_form is not None or question_form is not None or bool(errors)
    context = {
        "template": template,
        "service": service_label(template.service),
        "questions": brief_template_questions(template),
        "can_edit": can_edit_brief_templates(user),
        "template_form": template_form
        or TemplateForm(
            initial={"name": template.name, "service": template.service, "active": template.active},
            current_service=template.service,
        ),
        "question_form": question_form or QuestionForm(),
        "errors": errors or [],
    }
    return render(request, "production/briefs/template.html", context, status=400 if invalid else 200)


@staff_required
@require_http_methods(["GET", "POST"])
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The template's questions; the head renames it or takes it out of use here (POST)."""
    user = _reader(request)
    template = brief_template_get_for(user, pk)
    if request.method == "GET":
        return _template_page(request, template)
    user = _editor(request)
    form = TemplateForm(request.POST, current_service=template.service)
    if form.is_valid():
        try:
            services.brief_template_update(template=template, by=user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The brief template is saved."))
            return redirect("briefs:template", pk=template.pk)
    return _template_page(request, template, template_form=form)


@staff_required
@require_POST
def question_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = _editor(request)
    template = brief_template_get_for(user, pk)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.brief_question_add(template=template, by=user, **form.service_values())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The question is added."))
            return redirect("briefs:template", pk=template.pk)
    return _template_page(request, template, question_form=form)


def _question_form_page(
    request: HttpRequest, question: BriefQuestion, form: QuestionForm, *, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "production/briefs/question_form.html",
        {"question": question, "template": question.template, "form": form},
        status=status,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _editor(request)
    question = brief_question_get_for(user, pk)
    if request.method == "GET":
        form = QuestionForm(
            initial={
                "text": question.text,
                "kind": question.kind,
                "choices": "\n".join(question.choices),
                "required": question.required,
            }
        )
        return _question_form_page(request, question, form)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.brief_question_update(question=question, by=user, **form.service_values())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The question is saved."))
            return redirect("briefs:template", pk=question.template_id)
    return _question_form_page(request, question, form, status=400)


@staff_required
@require_POST
def question_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = _editor(request)
    question = brief_question_get_for(user, pk)
    try:
        services.brief_question_remove(question=question, by=user)
    except ValidationError as error:
        return _template_page(request, question.template, errors=error.messages)
    messages.success(request, _("The question is removed."))
    return redirect("briefs:template", pk=question.template_id)


@staff_required
@require_POST
def question_move(request: HttpRequest, pk: int) -> HttpResponse:
    user = _editor(request)
    question = brief_question_get_for(user, pk)
    direction = request.POST.get("direction")
    if direction not in {"up", "down"}:
        return _template_page(request, question.template, errors=[_("Move a question up or down.")])
    services.brief_question_move(question=question, by=user, up=direction == "up")
    return redirect("briefs:template", pk=question.template_id)


# ---------- sending a brief and reading it ----------


@staff_required
@require_http_methods(["GET", "POST"])
def brief_send(request: HttpRequest, project_pk: int) -> HttpResponse:
    """The AM picks a template and a contact of the client who signs in to the portal."""
    user = signed_in_user(request)
    project = project_get_for(user, project_pk)
    if not can_edit_project(user, project):
        raise PermissionDenied
    contacts = Contact.objects.filter(
        client_id=project.client_id, portal_access=True, user__isnull=False
    ).order_by("full_name", "id")
    only = list(contacts[:2])
    form = SendForm(
        request.POST or None,
        initial={"contact": only[0].pk} if len(only) == 1 else None,
        templates=BriefTemplate.objects.filter(active=True).order_by("service", "name", "id"),
        contacts=contacts,
    )
    if request.method == "POST" and form.is_valid():
        try:
            brief = services.brief_send(
                project=project,
                template=form.cleaned_data["template"],
                contact=form.cleaned_data["contact"],
                by=user,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The brief is sent: the contact will find it in the portal."))
            return redirect("briefs:detail", pk=brief.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "production/briefs/send.html",
        {"project": project, "form": form, "has_contacts": bool(only)},
        status=status,
    )


@staff_required
@require_GET
def brief_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A brief's questions and the client's answers, for the people who run the project."""
    user = signed_in_user(request)
    brief = brief_get_for(user, pk)
    return render(
        request,
        "production/briefs/detail.html",
        {"brief": brief, "page": brief_page_for(brief), "project": brief.project},
    )


def answer_file_response(answer: BriefAnswer) -> HttpResponse:
    """A file answer as a download: never shown inline, whatever its name says."""
    # A FileResponse streams; the view guards are typed for plain responses, as in the task views.
    return cast(HttpResponse, file_download(answer.file, answer.file.name or "", "application/octet-stream"))


@staff_required
@require_GET
def answer_file(request: HttpRequest, pk: int, answer_pk: int) -> HttpResponse:
    user = signed_in_user(request)
    return answer_file_response(brief_answer_file_get_for(user, pk, answer_pk))
