"""The dissatisfaction analysis page: Pareto charts of reasons and root causes, tables by client,
service, specialist and month, answer times, NPS and CSAT trends, and each table as CSV.

The head of accounts reads the whole agency, an account manager their own clients; other staff get
403 and a client contact 404 (the portal is theirs). Bad filter input shows why and no rows.
"""

from __future__ import annotations

import csv
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from khata.care import analysis
from khata.care.forms import QuickSelect
from khata.care.views import staff_page
from khata.clients.models import Client
from khata.clients.selectors import client_visible_to
from khata.people.decorators import signed_in_user
from khata.people.models import Specialty, User


class _PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.email


class AnalysisFilterForm(forms.Form):
    """The period, client, account manager and service the analysis is narrowed to."""

    start = forms.DateField(
        label=_("Period from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=_("Period to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    client = forms.IntegerField(label=_("Client"), required=False, widget=QuickSelect)
    am = _PersonField(
        label=_("Account manager"),
        required=False,
        queryset=User.objects.none(),
        empty_label=_("All account managers"),
    )
    service = forms.ModelChoiceField(
        label=_("Service"), required=False, queryset=Specialty.objects.all(), empty_label=_("All services")
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        clients: QuerySet[Client] = client_visible_to(user).order_by("display_name", "id")
        entries: list[tuple[object, str]] = [
            ("", str(_("All clients"))),
            *clients.values_list("pk", "display_name"),
        ]
        self._client_ids = {pk for pk, _name in entries[1:]}
        widget = self.fields["client"].widget
        assert isinstance(widget, QuickSelect)
        widget.entries = entries
        ams = User.objects.filter(role=User.Role.AM, is_active=True)
        if user.role != User.Role.HEAD:
            ams = ams.filter(pk=user.pk)
        self.fields["am"].queryset = ams.order_by("full_name", "id")  # type: ignore[attr-defined]

    def clean_client(self) -> int | None:
        client: int | None = self.cleaned_data.get("client")
        if client is not None and client not in self._client_ids:
            raise forms.ValidationError(_("Choose one of your clients from the list."))
        return client

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end of the period comes before its start."))
        return data

    def filters(self) -> analysis.AnalysisFilter:
        data = self.cleaned_data
        return analysis.AnalysisFilter(
            start=data.get("start"),
            end=data.get("end"),
            client_id=data.get("client"),
            am_id=data["am"].pk if data.get("am") else None,
            service_id=data["service"].pk if data.get("service") else None,
        )


def _csv(table: analysis.Table) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="claims-analysis-{table.key}.csv"'
    writer = csv.writer(response)
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow(["" if cell is None else str(cell) for cell in row])
    return response


@staff_page
@require_GET
def claim_analysis(request: HttpRequest) -> HttpResponse:
    """The analysis of claims and low scores for the head (every client) or an AM (their own)."""
    user = signed_in_user(request)
    if not analysis.can_view_analysis(user):
        raise PermissionDenied
    form = AnalysisFilterForm(request.GET or None, user=user)
    result = None
    if not request.GET or form.is_valid():
        if not form.is_bound:
            form = AnalysisFilterForm({}, user=user)
            form.is_valid()
        result = analysis.analysis_for(user, form.filters())
    if request.GET.get("format") == "csv":
        key = request.GET.get("table", "")
        if result is None or key not in result.tables:
            raise Http404
        return _csv(result.tables[key])
    params = {k: v for k, v in request.GET.items() if k not in {"format", "table"} and v}
    context: dict[str, Any] = {
        "form": form,
        "result": result,
        "tables": [result.tables[key] for key in analysis.TABLE_KEYS] if result else [],
        "charts": result.charts if result else None,
        "query": urlencode(params),
    }
    return render(request, "care/analysis.html", context, status=200 if result else 400)
