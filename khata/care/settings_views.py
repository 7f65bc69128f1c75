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

from khata.care.configuration import can_configure_care, care_label_add, care_label_update, sla_policy_update
from khata.care.models import Labelled, ReasonCode, RootCause, Severity, SlaPolicy
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
