"""The receivables page: what clients owe, by how late, and how well each client pays.

The aging report groups the open balances by client, by account manager or by currency (``?by=``),
as of today or another day (``?on=2026-11-30``); every row is one currency, and the totals are one
row per currency, since amounts in different currencies are never added. A second tab shows each
client's days sales outstanding and on-time payment rate. The report downloads as CSV.

The head and finance see every client; an AM the clients they own or back up (the selectors scope
by the asking user); a specialist, who sees no billing, and a client contact get 403. A ``by`` or
a date the page does not understand is answered with a message beside the field and no rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from khata.billing.policies import can_read_receivables
from khata.billing.selectors import (
    AgingRow,
    GroupBy,
    aging_csv,
    aging_for,
    payer_list_for,
)
from khata.core.money import money_format
from khata.people.decorators import signed_in_user, staff_required
from khata.people.models import User

GROUPS: list[tuple[GroupBy, Any]] = [
    ("client", gettext_lazy("By client")),
    ("owner", gettext_lazy("By account manager")),
    ("currency", gettext_lazy("By currency")),
]
# DSO and the on-time rate look back this many days.
WINDOW_DAYS = 90


def _reader(request: HttpRequest) -> User:
    """The head, finance and account managers read receivables (an AM only their clients')."""
    user = signed_in_user(request)
    if not can_read_receivables(user):
        raise PermissionDenied
    return user


class ReceivablesForm(forms.Form):
    """The report's two choices, read from the query string."""

    by = forms.ChoiceField(
        label=gettext_lazy("Group by"),
        choices=[(key, label) for key, label in GROUPS],
        error_messages={"invalid_choice": gettext_lazy("Choose client, account manager or currency.")},
    )
    on = forms.DateField(
        label=gettext_lazy("As of"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("Give the date as YYYY-MM-DD, for example 2026-11-30.")},
    )

    def __init__(self, data: Mapping[str, str]) -> None:
        super().__init__({"by": data.get("by", "") or "client", "on": data.get("on", "").strip()})

    @property
    def group_by(self) -> GroupBy:
        value: GroupBy = self.cleaned_data["by"]
        return value

    def day(self) -> dt.date:
        on: dt.date | None = self.cleaned_data.get("on")
        return on or timezone.localdate()

    def params(self, **extra: str) -> str:
        """The query string of this report (``?by=owner&on=…``), for the tabs and the CSV link."""
        values = {"by": str(self.data["by"]), "on": str(self.data["on"])} | extra
        return "?" + urlencode({name: value for name, value in values.items() if value})


ROW_LIMIT = 300


@dataclass
class ReportRow:
    """An aging row as the page shows it, with the link to the client's overdue invoices and its sums
    written out (a page of 300 rows has 1,800 of them; formatted in the template they cost most of
    the page)."""

    row: AgingRow
    url: str = ""
    amounts: list[str] = field(default_factory=list)  # per bucket; "" for nothing in it
    total: str = ""

    @property
    def overdue(self) -> int:
        """Everything past its due date, in the row's currency."""
        return self.row.total - self.row.current


def _report_rows(rows: list[AgingRow], group_by: GroupBy) -> list[ReportRow]:
    money = money_format
    base = reverse("billing:list") if group_by == "client" else ""
    return [
        ReportRow(
            row=row,
            url=f"{base}?{urlencode({'client': row.key, 'state': 'overdue'})}"
            if base and row.key is not None
            else "",
            amounts=[money(amount, row.currency) if amount else "" for amount in row.buckets()],
            total=money(row.total, row.currency),
        )
        for row in rows
    ]


def _tabs(form: ReceivablesForm) -> list[tuple[str, Any, str]]:
    """(key, label, address) of each tab; the chosen day carries over when it reads as a date."""
    day = {"on": str(form.data["on"])} if form.data["on"] and "on" not in form.errors else {}
    aging = reverse("billing:receivables")
    tabs = [(key, label, f"{aging}?{urlencode({'by': key} | day)}") for key, label in GROUPS]
    payers_url = reverse("billing:receivables_payers") + (f"?{urlencode(day)}" if day else "")
    return [*tabs, ("payers", gettext_lazy("Paying on time"), payers_url)]


@staff_required
@require_GET
def receivables(request: HttpRequest) -> HttpResponse:
    """The aging report, grouped as asked, with one totals row per currency."""
    user = _reader(request)
    if request.GET.get("format") == "csv":
        return _csv(request, user)
    form = ReceivablesForm(request.GET)
    context: dict[str, Any] = {"form": form, "groups": GROUPS, "tab": "aging", "rows": [], "totals": []}
    if form.is_valid():
        found = aging_for(user, today=form.day(), group_by=form.group_by)
        rows = [row for row in found if not row.is_total]
        context |= {
            # A page of thousands of rows is read by no one and costs seconds to draw: the page shows
            # the first rows, the totals count them all, and the CSV has every row.
            "rows": _report_rows(rows[:ROW_LIMIT], form.group_by),
            "rows_hidden": max(len(rows) - ROW_LIMIT, 0),
            "totals": _report_rows([row for row in found if row.is_total], form.group_by),
            "group_by": form.group_by,
            "day": form.day(),
            "tab": form.group_by,
            "csv_query": form.params(),
        }
    context["tabs"] = _tabs(form)
    return render(request, "billing/receivables.html", context)


@staff_required
@require_GET
def receivables_csv(request: HttpRequest) -> HttpResponse:
    """The aging report as a CSV file, UTF-8 with a byte order mark so spreadsheets read names right."""
    return _csv(request, _reader(request))


def _csv(request: HttpRequest, user: User) -> HttpResponse:
    form = ReceivablesForm(request.GET)
    if not form.is_valid():
        errors = [str(error) for field_errors in form.errors.values() for error in field_errors]
        return HttpResponse("\n".join(errors), status=400, content_type="text/plain; charset=utf-8")
    day = form.day()
    rows = aging_for(user, today=day, group_by=form.group_by)
    response = HttpResponse("\ufeff" + aging_csv(rows), content_type="text/csv; charset=utf-8")
    filename = f"receivables-by-{form.group_by}-{day.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required
@require_GET
def payers(request: HttpRequest) -> HttpResponse:
    """Days sales outstanding and the on-time payment rate of each client."""
    user = _reader(request)
    form = ReceivablesForm({"on": request.GET.get("on", "")})
    context: dict[str, Any] = {"form": form, "groups": GROUPS, "tab": "payers", "rows": []}
    if form.is_valid():
        listing = payer_list_for(user, today=form.day(), days=WINDOW_DAYS)
        context |= {
            "rows": listing.rows,
            "everyone": listing.everyone,
            "day": form.day(),
            "days": WINDOW_DAYS,
        }
    context["tabs"] = _tabs(form)
    return render(request, "billing/receivables_payers.html", context)
