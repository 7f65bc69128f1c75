"""The contact's surveys in the portal: the open ones, answering one, and the home's waiting section.

A contact sees only the surveys sent to them (not a colleague's, not another company's: 404). An
answered or expired survey says so and takes no answer.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from khata.care.survey_views import SurveyAnswerForm, answer_context
from khata.care.surveys import (
    SurveyError,
    survey_answer,
    survey_get_for_contact,
    survey_open_for,
    survey_refusal,
)
from khata.clients.models import Contact
from khata.core.boards import Card, register_portal_section
from khata.core.forms import apply_service_errors
from khata.people.decorators import signed_in_user
from khata.people.policies import is_staff_user
from khata.portal.selectors import portal_contact_get_for

LIST_LIMIT = 50


@require_GET
@login_required
def survey_list(request: HttpRequest) -> HttpResponse:
    """The contact's surveys that wait for an answer."""
    if is_staff_user(request.user):
        return redirect("insights:today")
    user = signed_in_user(request)
    contact = portal_contact_get_for(user)
    surveys = list(survey_open_for(user).order_by("-sent_at", "-id")[:LIST_LIMIT])
    return render(
        request,
        "portal/surveys/list.html",
        {"contact": contact, "client": contact.client, "surveys": surveys},
    )


@require_http_methods(["GET", "POST"])
@login_required
def survey(request: HttpRequest, survey_pk: int) -> HttpResponse:
    """One survey with its form; the answer is taken once, before the survey expires."""
    if is_staff_user(request.user):
        return redirect("insights:today")
    user = signed_in_user(request)
    contact = portal_contact_get_for(user)
    found = survey_get_for_contact(user, survey_pk)
    if found is None:
        raise Http404
    form = SurveyAnswerForm(request.POST or None, survey=found)
    refusal = survey_refusal(found)
    if request.method == "POST" and not refusal and form.is_valid():
        try:
            survey_answer(
                survey=found,
                score=form.cleaned_data["score"],
                why=form.cleaned_data["why"],
                by=user,
                in_portal=True,
            )
        except SurveyError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Thank you! Your answer has been recorded."))
            return redirect("portal:surveys")
    elif request.method == "POST" and refusal:
        form.add_error(None, refusal)
    context = answer_context(found, form) | {"contact": contact, "client": contact.client, "refusal": refusal}
    return render(request, "portal/surveys/detail.html", context, status=400 if form.errors else 200)


def portal_surveys_waiting(contact: Contact, *, limit: int = 10) -> Card:
    """The home's "Surveys waiting for you": the contact's open surveys."""
    rows = (
        list(survey_open_for(contact.user).order_by("-sent_at", "-id")[: limit + 1]) if contact.user else []
    )
    items = [
        {
            "title": found.get_kind_display(),
            "detail": _("until %(date)s")
            % {"date": date_format(timezone.localtime(found.expires_at), "j M Y")},
            "url": reverse("portal:survey", args=[found.pk]),
            "action": _("Answer"),
        }
        for found in rows[:limit]
    ]
    return Card(
        key="surveys",
        title=gettext_lazy("Surveys waiting for you"),
        template="portal/sections/list.html",
        items=items,
        total=len(rows),
        empty=gettext_lazy("No survey waits for your answer."),
        more_url=reverse("portal:surveys") if len(rows) > limit else "",
    )


def register_survey_boards() -> None:
    """Called once from ``PortalConfig.ready()``."""
    register_portal_section("surveys", portal_surveys_waiting, order=50)
