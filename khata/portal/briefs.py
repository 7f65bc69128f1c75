"""Briefs in the portal: the contact a brief was sent to answers it here, saves and comes back, and
hands it in once every required question is answered. Only that contact reaches the brief; anyone
else, a colleague of the same company included, gets 404 (the AM chose whom to ask)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khata.core.forms import apply_service_errors
from khata.people.decorators import signed_in_user
from khata.people.policies import is_staff_user
from khata.portal.selectors import portal_contact_get_for
from khata.production.brief_forms import AnswersForm, answer_field_name
from khata.production.brief_selectors import brief_answer_file_get_for, brief_page_for
from khata.production.brief_views import answer_file_response
from khata.production.models import Brief
from khata.production.policies import can_answer_brief
from khata.production.selectors import brief_get_for
from khata.production.services import brief_answers_save, brief_submit


def _page(
    request: HttpRequest,
    brief: Brief,
    *,
    form: AnswersForm | None = None,
    errors: list[str] | None = None,
) -> HttpResponse:
    user = signed_in_user(request)
    contact = portal_contact_get_for(user)
    page = brief_page_for(brief)
    if form is None:
        initial = {
            answer_field_name(row.question): row.answer.value
            for row in page.rows
            if row.answer is not None and row.answer.value
        }
        form = AnswersForm(initial=initial, questions=[row.question for row in page.rows])
    rows = [(row, form[answer_field_name(row.question)]) for row in page.rows]
    invalid = form.is_bound or bool(errors)
    return render(
        request,
        "portal/briefs/brief.html",
        {
            "contact": contact,
            "client": contact.client,
            "brief": brief,
            "project": brief.project,
            "page": page,
            "form": form,
            "rows": rows,
            "can_answer": can_answer_brief(user, brief),
            "errors": errors or [],
        },
        status=400 if invalid else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def brief(request: HttpRequest, brief_pk: int) -> HttpResponse:
    """The brief's questions; the contact saves answers (POST), as often as they like."""
    if is_staff_user(request.user):
        return redirect("insights:today")
    user = signed_in_user(request)
    portal_contact_get_for(user)
    found = brief_get_for(user, brief_pk)
    if request.method == "GET":
        return _page(request, found)
    questions = [row.question for row in brief_page_for(found).rows]
    form = AnswersForm(request.POST, request.FILES, questions=questions)
    if form.is_valid():
        try:
            brief_answers_save(brief=found, by=user, values=form.values(), files=form.files_given())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Your answers are saved. You can come back and finish later."))
            return redirect("portal:brief", brief_pk=found.pk)
    return _page(request, found, form=form)


@require_POST
@login_required
def brief_hand_in(request: HttpRequest, brief_pk: int) -> HttpResponse:
    """The contact hands the brief in to the agency; only when every required answer is given."""
    if is_staff_user(request.user):
        return redirect("insights:today")
    user = signed_in_user(request)
    portal_contact_get_for(user)
    found = brief_get_for(user, brief_pk)
    try:
        brief_submit(brief=found, by=user)
    except ValidationError as error:
        return _page(request, found, errors=error.messages)
    messages.success(request, _("Thank you: the brief is handed in to your account manager."))
    return redirect("portal:brief", brief_pk=found.pk)


@require_GET
@login_required
def brief_file(request: HttpRequest, brief_pk: int, answer_pk: int) -> HttpResponse:
    """A file the contact attached to the brief, downloaded again."""
    if is_staff_user(request.user):
        return redirect("insights:today")
    user = signed_in_user(request)
    portal_contact_get_for(user)
    return answer_file_response(brief_answer_file_get_for(user, brief_pk, answer_pk))
