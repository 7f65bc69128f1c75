"""The registers of documents: every document, the acts the client has not accepted yet, and the
contracts coming to an end or to their last day to give notice.

Each view parses the query string, asks one selector and renders. A filter value the page does not
understand (a date "abc", an unknown status, a client the user does not see) is answered with a
message beside the field and no rows, never with everything and never with a 500.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.validators import RegexValidator
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from khata.clients.forms import client_filter_clean, client_filter_setup
from khata.core.keyset import keyset_paginate
from khata.documents.models import Behaviour, Document, DocumentKind
from khata.documents.policies import can_create_documents
from khata.documents.selectors import (
    CONTRACT_HORIZON_DAYS,
    ContractDate,
    RegistryFilters,
    contracts_coming_up_for,
    document_registry_for,
    unsigned_acts_for,
)
from khata.people.decorators import signed_in_user, staff_required
from khata.people.models import User
from khata.plans.selectors import project_visible_to

PAGE_SIZE = 50
HORIZONS = (7, 30, 60, 90)
CONTRACTS_SHOWN = 200


# ---------- the registry ----------


class RegistryForm(forms.Form):
    """The registry's filters, read from the query string; the choices come from the user's scope."""

    number = forms.CharField(
        label=gettext_lazy("Number"),
        required=False,
        max_length=16,
        validators=[
            RegexValidator(r"^[A-Za-z0-9/-]*$", gettext_lazy("A number holds only letters, digits, / and -."))
        ],
        widget=forms.TextInput(
            attrs={"placeholder": "ACT/2026", "autocomplete": "off", "spellcheck": "false"}
        ),
        error_messages={"max_length": gettext_lazy("A number has at most 16 characters.")},
    )
    kind = forms.TypedChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": gettext_lazy("Choose a kind of document from the list.")},
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Any status")), *Document.Status.choices],
        error_messages={"invalid_choice": gettext_lazy("Choose a status from the list.")},
    )
    behaviour = forms.ChoiceField(
        required=False,
        choices=[("", ""), *Behaviour.choices],
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": gettext_lazy("Choose a kind of document from the list.")},
    )
    client = forms.TypedChoiceField(
        label=gettext_lazy("Client"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": gettext_lazy("Choose one of your clients from the list.")},
    )
    project = forms.TypedChoiceField(
        label=gettext_lazy("Project"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": gettext_lazy("Choose a project of the chosen client.")},
    )
    date_from = forms.DateField(
        label=gettext_lazy("Dated from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("Give the date as YYYY-MM-DD, for example 2026-04-01.")},
    )
    date_to = forms.DateField(
        label=gettext_lazy("Dated to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("Give the date as YYYY-MM-DD, for example 2026-04-30.")},
    )
    FIELDS = (
        "kind",
        "status",
        "behaviour",
        "client",
        "client_name",
        "project",
        "date_from",
        "date_to",
        "number",
    )

    def __init__(self, data: QueryDict, *, user: User) -> None:
        kinds = list(DocumentKind.objects.order_by("position", "name").only("id", "code", "name"))
        values = {name: data.get(name, "") for name in self.FIELDS}
        # A link may name the kind by its code (?kind=contract); the form speaks in ids.
        codes = {k.code: str(k.pk) for k in kinds}
        values["kind"] = codes.get(values["kind"], values["kind"])
        super().__init__(values)
        self.fields["kind"].choices = [("", _("Any kind")), *((k.pk, k.label) for k in kinds)]  # type: ignore[attr-defined]
        client_filter_setup(self, values, user)
        # A project is picked among the chosen client's; a link may name a project alone (its page).
        client_id, project_id = data.get("client", ""), data.get("project", "")
        projects = project_visible_to(user).order_by("name", "id").only("id", "name")
        if client_id.isdigit():
            chosen = list(projects.filter(client_id=int(client_id)))
        elif project_id.isdigit():
            chosen = list(projects.filter(pk=int(project_id)))
        else:
            chosen = []
        self.fields["project"].choices = [("", _("Any project")), *((p.pk, p.name) for p in chosen)]  # type: ignore[attr-defined]
        if not chosen and not project_id:
            self.fields["project"].widget.attrs.update(
                disabled=True, title=_("Choose a client first to pick one of its projects.")
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start is not None and end is not None and end < start:
            self.add_error("date_to", _("The period ends before it starts."))
        client_filter_clean(self, cleaned)
        return cleaned

    def filters(self) -> RegistryFilters:
        data = self.cleaned_data
        return RegistryFilters(
            kind=data.get("kind"),
            status=data.get("status") or "",
            client=data.get("client"),
            client_name=data.get("client_name") or "",
            project=data.get("project"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            number=data.get("number") or "",
            behaviour=data.get("behaviour") or "",
        )

    def params(self) -> dict[str, str]:
        """The filters as the query string carries them (the links of the pager)."""
        return {name: str(self.data[name]).strip() for name in self.FIELDS if str(self.data[name]).strip()}

    @property
    def active(self) -> bool:
        return bool(self.params())


def _query(params: dict[str, str], **extra: str | None) -> str:
    values = params | {name: value for name, value in extra.items() if value}
    return "?" + urlencode(values) if values else "?"


@staff_required
@require_GET
def registry(request: HttpRequest) -> HttpResponse:
    """Every document the user sees, newest first, narrowed by the filters, a page at a time."""
    user = signed_in_user(request)
    form = RegistryForm(request.GET, user=user)
    context: dict[str, Any] = {
        "form": form,
        "tab": "registry",
        "can_create": can_create_documents(user),
        "documents": [],
        "page": None,
    }
    if form.is_valid():
        params = form.params()
        page = keyset_paginate(
            document_registry_for(user, form.filters()),
            keys=["date", "id"],
            descending=True,
            cursor=request.GET.get("cursor") or None,
            size=PAGE_SIZE,
        )
        context |= {
            "page": page,
            "documents": page.items,
            "next_query": _query(params, cursor=page.next_cursor) if page.next_cursor else "",
            "prev_query": _query(params, cursor=page.prev_cursor) if page.prev_cursor else "",
        }
    return render(request, "documents/registry/registry.html", context)


# ---------- the acts the client has not accepted yet ----------


@dataclass
class CurrencyTotal:
    currency: str
    amount_minor: int
    count: int
    disputed: int


class UnsignedForm(forms.Form):
    """The register's two filters: sent or disputed, and one client."""

    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[
            ("", gettext_lazy("Sent or disputed")),
            (Document.Status.SENT, gettext_lazy("Waiting for the client")),
            (Document.Status.DISPUTED, gettext_lazy("Disputed by the client")),
        ],
        error_messages={"invalid_choice": gettext_lazy("Choose a status from the list.")},
    )
    client = forms.TypedChoiceField(
        label=gettext_lazy("Client"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": gettext_lazy("Choose one of your clients from the list.")},
    )

    FIELDS = ("status", "client", "client_name")

    def __init__(self, data: QueryDict, *, user: User) -> None:
        values = {name: data.get(name, "") for name in self.FIELDS}
        super().__init__(values)
        client_filter_setup(self, values, user)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        client_filter_clean(self, cleaned)
        return cleaned

    def params(self) -> dict[str, str]:
        return {name: str(self.data[name]).strip() for name in self.FIELDS if str(self.data[name]).strip()}


def _currency_totals(acts: Any) -> list[CurrencyTotal]:
    """Totals are never added across currencies: one row per currency."""
    return [
        CurrencyTotal(
            currency=row["currency"],
            amount_minor=row["amount"] or 0,
            count=row["count"],
            disputed=row["disputed"],
        )
        for row in acts.order_by()
        .values("currency")
        .annotate(
            amount=Sum("amount_minor"),
            count=Count("id"),
            disputed=Count("id", filter=Q(status=Document.Status.DISPUTED)),
        )
        .order_by("currency")
    ]


@staff_required
@require_GET
def unsigned_acts(request: HttpRequest) -> HttpResponse:
    """Acts sent and not accepted yet, the longest waiting first, with totals per currency."""
    user = signed_in_user(request)
    form = UnsignedForm(request.GET, user=user)
    context: dict[str, Any] = {"tab": "unsigned", "form": form, "acts": [], "totals": [], "page": None}
    if form.is_valid():
        acts = unsigned_acts_for(user)
        if form.cleaned_data["status"]:
            acts = acts.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["client"] is not None:
            acts = acts.filter(client_id=form.cleaned_data["client"])
        elif form.cleaned_data.get("client_name"):
            acts = acts.filter(client__display_name__icontains=form.cleaned_data["client_name"])
        page = keyset_paginate(
            acts, keys=["sent_at", "id"], cursor=request.GET.get("cursor") or None, size=PAGE_SIZE
        )
        today = timezone.localdate()
        for act in page.items:
            act.age = act.age_days(today)  # type: ignore[attr-defined]
        params = form.params()
        context |= {
            "page": page,
            "acts": page.items,
            "totals": _currency_totals(acts),
            "next_query": _query(params, cursor=page.next_cursor) if page.next_cursor else "",
            "prev_query": _query(params, cursor=page.prev_cursor) if page.prev_cursor else "",
        }
    return render(request, "documents/registry/unsigned_acts.html", context)


# ---------- contracts coming up ----------


@dataclass
class ContractRow:
    """A contract's date that needs the AM, with the days left from today."""

    document: Document
    what: str
    on: dt.date
    days_left: int


def contract_rows(dates: list[ContractDate], today: dt.date) -> list[ContractRow]:
    return [ContractRow(item.document, item.what, item.on, (item.on - today).days) for item in dates]


@staff_required
@require_GET
def contracts(request: HttpRequest) -> HttpResponse:
    """Contracts in force ending, or reaching their last day to give notice, within N days."""
    user = signed_in_user(request)
    raw = request.GET.get("days", "")
    days = int(raw) if raw.isdigit() and int(raw) in HORIZONS else CONTRACT_HORIZON_DAYS
    notice = ""
    if raw and str(days) != raw:
        notice = _("Choose 7, 30, 60 or 90 days; showing the next %(days)s days.") % {"days": days}
    today = timezone.localdate()
    dates = contracts_coming_up_for(user, days=days, today=today, limit=CONTRACTS_SHOWN)
    return render(
        request,
        "documents/registry/contracts.html",
        {
            "tab": "contracts",
            "days": days,
            "horizons": HORIZONS,
            "notice": notice,
            "rows": contract_rows(dates, today),
            "limited": len(dates) >= CONTRACTS_SHOWN,
            "shown": CONTRACTS_SHOWN,
        },
    )
