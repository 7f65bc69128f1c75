"""Survey pages: the public answer page of a signed link, and the staff list of surveys.

``/s/<token>/`` needs no sign-in: the token is the credential. An unknown token answers 404; a link
already used or expired shows a page that says so (status 410) and records nothing. One address may
open only so many links a minute (429 beyond). The page speaks
the contact's language.
"""

from __future__ import annotations

import time
from typing import Any

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from khata.care.models import Survey
from khata.care.selectors import survey_list_for
from khata.care.survey_scheduling import _language_of
from khata.care.surveys import (
    SCORE_RANGE,
    SurveyError,
    survey_answer,
    survey_by_token,
    survey_refusal,
)
from khata.care.views import staff_page
from khata.clients.selectors import client_scope
from khata.core.forms import apply_service_errors
from khata.core.keyset import keyset_paginate
from khata.people.decorators import signed_in_user

PAGE_SIZE = 50
RATE_PER_MINUTE = 30


class SurveyAnswerForm(forms.Form):
    """The score (radio buttons over the survey's range) and an optional why."""

    score = forms.TypedChoiceField(label=_("Score"), coerce=int, widget=forms.RadioSelect)
    why = forms.CharField(
        label=_("Why did you give this score?"),
        required=False,
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, survey: Survey, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        low, high = SCORE_RANGE[Survey.Kind(survey.kind)]
        score = self.fields["score"]
        assert isinstance(score, forms.TypedChoiceField)
        score.choices = [(value, str(value)) for value in range(low, high + 1)]
        score.error_messages["required"] = _("Choose a score.")
        score.error_messages["invalid_choice"] = _("Choose a score from the scale.")


def survey_question(survey: Survey) -> str:
    if survey.kind == Survey.Kind.NPS:
        return str(_("How likely are you to recommend us to a friend or colleague?"))
    return str(_("How satisfied are you with our work?"))


def survey_scale(survey: Survey) -> tuple[str, str]:
    if survey.kind == Survey.Kind.NPS:
        return str(_("0 = not at all likely")), str(_("10 = extremely likely"))
    return str(_("1 = very dissatisfied")), str(_("5 = very satisfied"))


def answer_context(survey: Survey, form: SurveyAnswerForm) -> dict[str, Any]:
    low_label, high_label = survey_scale(survey)
    return {
        "survey": survey,
        "form": form,
        "question": survey_question(survey),
        "low_label": low_label,
        "high_label": high_label,
    }


def _too_many(request: HttpRequest) -> bool:
    """Whether this address has opened more survey links this minute than a person would.

    Counted in the shared cache (the database cache: every process sees the same count), so that
    guessing tokens is slow; ``KHATA_SURVEY_RATE_PER_MINUTE`` (30) per address.
    """
    limit = int(getattr(settings, "KHATA_SURVEY_RATE_PER_MINUTE", RATE_PER_MINUTE))
    minute = int(time.time() // 60)
    key = f"khata:survey-link:{request.META.get('REMOTE_ADDR', '')}:{minute}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between the two calls
        return False
    return count > limit


@require_http_methods(["GET", "POST"])
def survey_public(request: HttpRequest, token: str) -> HttpResponse:
    """Answer a survey from the emailed link, once, before it expires."""
    if _too_many(request):
        return render(request, "429.html", status=429)
    survey = survey_by_token(token)
    if survey is None:
        raise Http404
    with translation.override(_language_of(survey.contact)):
        refusal = survey_refusal(survey)
        if refusal:
            return render(
                request, "care/survey_closed.html", {"survey": survey, "message": refusal}, status=410
            )
        form = SurveyAnswerForm(request.POST or None, survey=survey)
        if request.method == "POST" and form.is_valid():
            try:
                survey_answer(survey=survey, score=form.cleaned_data["score"], why=form.cleaned_data["why"])
            except SurveyError as error:
                if "survey" in error.message_dict:
                    message = error.message_dict["survey"][0]
                    return render(
                        request, "care/survey_closed.html", {"survey": survey, "message": message}, status=410
                    )
                apply_service_errors(form, error)
            else:
                return render(request, "care/survey_thanks.html", {"survey": survey})
        status = 400 if form.errors else 200
        return render(request, "care/survey_public.html", answer_context(survey, form), status=status)


@staff_page
@require_GET
def survey_list(request: HttpRequest) -> HttpResponse:
    """The surveys of the user's clients, newest first, with their score and follow-up."""
    user = signed_in_user(request)
    if client_scope(user) is None:
        raise PermissionDenied
    page = keyset_paginate(
        survey_list_for(user),
        keys=["sent_at", "id"],
        descending=True,
        cursor=request.GET.get("cursor") or None,
        size=PAGE_SIZE,
    )
    return render(
        request,
        "care/surveys.html",
        {
            "page": page,
            "rows": page.items,
            "next_query": f"?cursor={page.next_cursor}" if page.next_cursor else "",
            "prev_query": f"?cursor={page.prev_cursor}" if page.prev_cursor else "",
        },
    )
