"""The head's care settings pages: SLA hours per severity, reason codes and root causes.

Staff only (a client contact gets 404, as for what is not theirs); staff other than the head get 403.
The forms parse what was typed; ``care.configuration`` decides and writes. A refused change shows the
error beside its field and stores nothing.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from khata.care.configuration import (
    can_configure_care,
    care_label_add,
    care_label_update,
    sla_policy_update,
    survey_settings_get,
    survey_settings_update,
)
from khata.care.models import (
    SURVEY_EXPIRY_MAX,
    SURVEY_EXPIRY_MIN,
    SURVEY_TRIGGERS,
    FollowUp,
    Labelled,
    ReasonCode,
    RootCause,
    Severity,
    SlaPolicy,
    SurveySend,
    SurveySettings,
)
from khata.care.views import staff_page
from khata.core.forms import apply_service_errors
from khata.people.decorators import signed_in_user
from khata.people.models import User

# The two tables a head extends, by the URL's word for them.
LABELS: dict[str, type[Labelled]] = {"reasons": ReasonCode, "root-causes": RootCause}


def _head(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if not can_configure_care(user):
        raise PermissionDenied
    return user


class SlaForm(forms.Form):
    """Two fields per severity: first response and resolution, in working hours."""

    def __init__(self, *args: Any, policies: list[SlaPolicy], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.policies = policies
        for policy in policies:
            self.fields[f"{policy.severity}_first_response_hours"] = forms.IntegerField(
                label=gettext_lazy("First response"),
                initial=policy.first_response_hours,
                widget=forms.NumberInput(attrs={"min": 1, "step": 1, "inputmode": "numeric"}),
            )
            self.fields[f"{policy.severity}_resolution_hours"] = forms.IntegerField(
                label=gettext_lazy("Resolution"),
                initial=policy.resolution_hours,
                widget=forms.NumberInput(attrs={"min": 1, "step": 1, "inputmode": "numeric"}),
            )

    def rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        labels = dict(Severity.choices)
        return [
            (
                str(labels.get(policy.severity, policy.severity)),
                self[f"{policy.severity}_first_response_hours"],
                self[f"{policy.severity}_resolution_hours"],
            )
            for policy in self.policies
        ]

    def hours(self) -> dict[str, tuple[object, object]]:
        data = self.cleaned_data
        return {
            policy.severity: (
                data.get(f"{policy.severity}_first_response_hours"),
                data.get(f"{policy.severity}_resolution_hours"),
            )
            for policy in self.policies
        }


class LabelAddForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)


class LabelEditForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    active = forms.BooleanField(label=gettext_lazy("In use"), required=False)


def _policies() -> list[SlaPolicy]:
    order = {value: n for n, value in enumerate(Severity.values)}
    return sorted(SlaPolicy.objects.all(), key=lambda policy: order.get(policy.severity, 99))


@staff_page
@require_http_methods(["GET", "POST"])
def care_settings_sla(request: HttpRequest) -> HttpResponse:
    """The SLA hours of each severity, edited together; a refused change stores nothing."""
    user = _head(request)
    policies = _policies()
    if request.method == "GET":
        form = SlaForm(policies=policies)
        return render(request, "care/settings_sla.html", {"form": form})
    form = SlaForm(request.POST, policies=policies)
    if form.is_valid():
        try:
            changed = sla_policy_update(by=user, hours=form.hours())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if changed:
                messages.success(
                    request, _("The SLA hours are saved. New claims get them; open ones keep theirs.")
                )
            return redirect("care:settings_sla")
    return render(request, "care/settings_sla.html", {"form": form}, status=400)


def _model(kind: str) -> type[Labelled]:
    model = LABELS.get(kind)
    if model is None:
        raise Http404
    return model


def _labels_page(
    request: HttpRequest,
    kind: str,
    *,
    add_form: LabelAddForm | None = None,
    failed: tuple[int, LabelEditForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    model = _model(kind)
    rows = []
    for row in model._default_manager.order_by("-active", "position", "name"):
        if failed is not None and failed[0] == row.pk:
            rows.append((row, failed[1]))
        else:
            rows.append(
                (row, LabelEditForm(initial={"name": row.label, "active": row.active}, prefix=f"row{row.pk}"))
            )
    titles = {"reasons": _("Claim reasons"), "root-causes": _("Root causes")}
    context = {
        "kind": kind,
        "title": titles[kind],
        "rows": rows,
        "add_form": add_form or LabelAddForm(),
    }
    return render(request, "care/settings_labels.html", context, status=status)


@staff_page
@require_http_methods(["GET", "POST"])
def care_settings_labels(request: HttpRequest, kind: str) -> HttpResponse:
    """The reasons or root causes: the list with each row's name and switch, and a form to add one."""
    user = _head(request)
    model = _model(kind)
    if request.method == "GET":
        return _labels_page(request, kind)
    form = LabelAddForm(request.POST)
    if form.is_valid():
        try:
            row = care_label_add(by=user, model=model, name=form.cleaned_data["name"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s is added.") % {"name": row.label})
            return redirect("care:settings_labels", kind=kind)
    return _labels_page(request, kind, add_form=form, status=400)


@staff_page
@require_POST
def care_settings_label_edit(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Rename one reason or root cause, or switch it off or on."""
    user = _head(request)
    model = _model(kind)
    row = get_object_or_404(model, pk=pk)
    form = LabelEditForm(request.POST, prefix=f"row{row.pk}")
    if form.is_valid():
        name = form.cleaned_data["name"]
        if name == row.label:
            name = row.name  # the shown (translated) name of a shipped row: keep the stored one
        try:
            care_label_update(by=user, row=row, name=name, active=form.cleaned_data["active"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, _("%(name)s is saved.") % {"name": model._default_manager.get(pk=pk).label}
            )
            return redirect(f"{reverse('care:settings_labels', kwargs={'kind': kind})}#row-{pk}")
    return _labels_page(request, kind, failed=(row.pk, form), status=400)


# ---------- surveys ----------

BAD_SEND = {
    "required": gettext_lazy("Choose NPS, CSAT or no survey."),
    "invalid_choice": gettext_lazy("Choose NPS, CSAT or no survey."),
}
BAD_DAYS = {
    "required": gettext_lazy("Give a whole number of days."),
    "invalid": gettext_lazy("Give a whole number of days."),
}


def _send_field(label: Any, help_text: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, help_text=help_text, choices=SurveySend.choices, error_messages=BAD_SEND
    )


class SurveySettingsForm(forms.Form):
    """Which questionnaire each event sends, the link's life and the follow-up; it only parses:
    ``survey_settings_update`` checks the values and decides what is stored."""

    act_accepted = _send_field(
        gettext_lazy("After an act is accepted"),
        gettext_lazy("The contact who accepted it."),
    )
    claim_closed = _send_field(
        gettext_lazy("After a claim is closed"),
        gettext_lazy("The contact who filed it, else the client's decision makers."),
    )
    quarterly = _send_field(
        gettext_lazy("Every quarter"),
        gettext_lazy("The decision makers of each active client."),
    )
    expiry_days = forms.IntegerField(
        label=gettext_lazy("The link works for (days)"),
        error_messages=BAD_DAYS,
        widget=forms.NumberInput(
            attrs={"min": SURVEY_EXPIRY_MIN, "max": SURVEY_EXPIRY_MAX, "step": 1, "inputmode": "numeric"}
        ),
    )
    follow_up = forms.ChoiceField(
        label=gettext_lazy("A low score opens"),
        choices=[
            (FollowUp.CLAIM.value, gettext_lazy("A claim, with its SLA clock")),
            (FollowUp.TASK.value, gettext_lazy("A task for the client's AM")),
        ],
        widget=forms.RadioSelect(attrs={"class": "checkbox-list"}),
        error_messages={
            "required": gettext_lazy("Choose a claim or a task for the AM."),
            "invalid_choice": gettext_lazy("Choose a claim or a task for the AM."),
        },
    )

    def __init__(self, *args: Any, config: SurveySettings, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                **{trigger: getattr(config, trigger) for trigger in SURVEY_TRIGGERS},
                "expiry_days": config.expiry_days,
                "follow_up": config.follow_up,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["expiry_days"].help_text = _(
            "From %(min)d to %(max)d days. Links already sent keep their expiry."
        ) % {"min": SURVEY_EXPIRY_MIN, "max": SURVEY_EXPIRY_MAX}
        self.fields["follow_up"].help_text = _(
            "A detractor (NPS 0–6) or a CSAT of 1–2. A task goes on the project the survey is about, or "
            "the client's latest one; a client without a project gets a claim."
        )

    def trigger_fields(self) -> list[forms.BoundField]:
        return [self[trigger] for trigger in SURVEY_TRIGGERS]

    def values(self) -> dict[str, object]:
        return dict(self.cleaned_data)


def _surveys_page(
    request: HttpRequest, form: SurveySettingsForm, config: SurveySettings, *, status: int = 200
) -> HttpResponse:
    return render(request, "care/settings_surveys.html", {"form": form, "config": config}, status=status)


@staff_page
@require_http_methods(["GET", "POST"])
def care_settings_surveys(request: HttpRequest) -> HttpResponse:
    """Which events send which survey, how long a link works and what a low score opens."""
    user = _head(request)
    config = survey_settings_get()
    if request.method == "GET":
        return _surveys_page(request, SurveySettingsForm(config=config), config)
    form = SurveySettingsForm(request.POST, config=config)
    if form.is_valid():
        try:
            changed = survey_settings_update(by=user, **form.values())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if changed:
                messages.success(
                    request, _("The survey settings are saved. Surveys sent from now on follow them.")
                )
            return redirect("care:settings_surveys")
    return _surveys_page(request, form, config, status=400)
