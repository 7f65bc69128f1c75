"""The staff invoice pages: the list, a new draft (by hand or from accepted acts), an invoice's page
with its lines, payments, credit notes and history, every action of its life, and its files.

Each view parses input, calls one service or selector and renders. The head and finance see every
invoice, an AM the invoices of the clients they own or back up; a specialist and a client contact
get 403 (the portal is the contact's). An invoice the user may not see answers 404, the same as one
that does not exist. A write the user's role may not make answers 403; a change the service refuses
(an issued invoice edited, an over-payment) shows its reason beside the field with status 400 and
changes nothing. Every action is a plain POST that redirects back to the invoice with a message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khata.billing import services
from khata.billing.display import list_rows
from khata.billing.documents import invoice_facturx, invoice_filename, invoice_pdf, invoice_ubl
from khata.billing.einvoice import EInvoiceError
from khata.billing.forms import (
    CreditForm,
    FromActsForm,
    FromPlanForm,
    InvoiceFilterForm,
    InvoiceForm,
    LineForm,
    PaymentForm,
    VoidForm,
    apply_billing_errors,
    state_row,
)
from khata.billing.models import Invoice, InvoiceLine, Payment
from khata.billing.policies import can_bill_client, can_record_payment
from khata.billing.selectors import (
    act_invoice_for,
    client_requires_accepted_act_for,
    client_unbilled_acts_for,
    invoice_events_for,
    invoice_get_for,
    invoice_rows_for,
    project_plan_items_to_bill_for,
)
from khata.clients.models import Client
from khata.clients.selectors import client_visible_to
from khata.core.keyset import keyset_paginate
from khata.core.models import Event
from khata.core.money import from_minor, number_format, to_minor
from khata.documents.pdf import pdf_language
from khata.documents.selectors import document_visible_to
from khata.people.decorators import signed_in_user, staff_required
from khata.people.models import User
from khata.plans.selectors import project_visible_to

View = Callable[..., HttpResponse]
PAGE_SIZE = 50
HISTORY_SIZE = 50
BILLERS = {User.Role.HEAD, User.Role.AM, User.Role.FINANCE}


def billing_page(view: View) -> View:
    """Staff who work with invoices: anonymous → sign in; a contact or a specialist → 403."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if signed_in_user(request).role not in BILLERS:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return staff_required(guarded)


def _query(params: dict[str, str], **extra: str | None) -> str:
    values = params | {name: value for name, value in extra.items() if value}
    return "?" + urlencode(values) if values else "?"


def _messages_of(error: Exception) -> list[str]:
    found = getattr(error, "messages", None)
    return [str(message) for message in found] if found else [str(error)]


def _form_errors(form: Form) -> list[str]:
    return [
        f"{form.fields[name].label}: {message}" if name in form.fields else str(message)
        for name, found in form.errors.items()
        for message in found
    ]


# ---------- the list ----------


@billing_page
@require_GET
def invoice_list(request: HttpRequest) -> HttpResponse:
    """Every invoice and credit note the user sees, newest first, narrowed by the filters."""
    user = signed_in_user(request)
    form = InvoiceFilterForm(request.GET, user=user)
    context: dict[str, Any] = {"form": form, "rows": [], "page": None}
    if form.is_valid():
        today = timezone.localdate()
        page = keyset_paginate(
            form.apply(invoice_rows_for(user), today=today),
            keys=["issue_date", "id"],
            descending=True,
            cursor=request.GET.get("cursor") or None,
            size=PAGE_SIZE,
        )
        params = form.params()
        context |= {
            "page": page,
            "rows": list_rows(page.items, today),
            "next_query": _query(params, cursor=page.next_cursor) if page.next_cursor else "",
            "prev_query": _query(params, cursor=page.prev_cursor) if page.prev_cursor else "",
        }
    return render(request, "billing/list.html", context)


# ---------- a new draft ----------


def _invoice_form(
    user: User, data: Any = None, *, initial: dict[str, Any] | None = None, invoice: Invoice | None = None
) -> InvoiceForm:
    return InvoiceForm(
        data,
        initial=initial,
        clients=client_visible_to(user),
        projects=project_visible_to(user),
        contracts=document_visible_to(user),
        invoice=invoice,
    )


def _new_initial(request: HttpRequest, user: User) -> dict[str, Any]:
    """The client and project a link asks for (``?client=&project=``); the due date by the terms."""
    today = timezone.localdate()
    initial: dict[str, Any] = {"issue_date": today}
    client_pk, project_pk = request.GET.get("client", ""), request.GET.get("project", "")
    if project_pk.isdigit():
        project = project_visible_to(user).filter(pk=int(project_pk)).only("pk", "client_id").first()
        if project is not None:
            initial["project"] = project.pk
            client_pk = str(project.client_id)
    if client_pk.isdigit():
        client = client_visible_to(user).filter(pk=int(client_pk)).first()
        if client is not None:
            initial["client"] = client.pk
            initial["due_date"] = today + dt.timedelta(days=client.payment_terms_days)
    return initial


@billing_page
@require_http_methods(["GET", "POST"])
def invoice_new(request: HttpRequest) -> HttpResponse:
    """A new draft invoice typed by hand; its lines are added on its page."""
    user = signed_in_user(request)
    if request.method == "POST":
        form = _invoice_form(user, request.POST)
        if form.is_valid():
            client: Client = form.cleaned_data["client"]
            if not can_bill_client(user, client):
                raise PermissionDenied
            try:
                invoice = services.invoice_create(
                    by=user,
                    client=client,
                    due_date=form.cleaned_data.get("due_date"),
                    **form.service_values(),
                )
            except services.BillingError as error:
                apply_billing_errors(form, error)
            else:
                messages.success(request, _("The draft is saved: add its lines, then issue it."))
                return redirect("billing:detail", pk=invoice.pk)
        return render(request, "billing/form.html", {"form": form}, status=400)
    form = _invoice_form(user, initial=_new_initial(request, user))
    return render(request, "billing/form.html", {"form": form})


@billing_page
@require_http_methods(["GET", "POST"])
def invoice_from_acts(request: HttpRequest) -> HttpResponse:
    """A draft billing the client's accepted acts (``?client=``, or ``?act=`` to tick one)."""
    user = signed_in_user(request)
    source = request.POST if request.method == "POST" else request.GET
    client_pk, act_pk = source.get("client", ""), request.GET.get("act", "")
    clients = client_visible_to(user)
    client = None
    if act_pk.isdigit() and not client_pk:
        act = document_visible_to(user).filter(pk=int(act_pk)).only("client_id").first()
        client_pk = str(act.client_id) if act is not None else ""
    if client_pk.isdigit():
        client = clients.filter(pk=int(client_pk)).first()
    if client is None:
        choices = clients.order_by("display_name", "id").only("pk", "display_name")[:500]
        status = 400 if client_pk else 200
        return render(
            request, "billing/from_acts.html", {"clients": choices, "asked": client_pk}, status=status
        )
    if not can_bill_client(user, client):
        raise PermissionDenied
    acts = client_unbilled_acts_for(user, client)
    if request.method == "POST":
        form = FromActsForm(request.POST, acts=acts)
        if form.is_valid():
            data = form.cleaned_data
            try:
                invoice = services.invoice_from_acts(
                    by=user,
                    client=client,
                    acts=list(data["acts"]),
                    tax_rate_bp=int((data["tax_rate"] * 100).to_integral_value()),
                    issue_date=data["issue_date"],
                )
            except services.BillingError as error:
                apply_billing_errors(form, error)
            else:
                messages.success(
                    request, _("The draft bills the chosen acts: check its lines, then issue it.")
                )
                return redirect("billing:detail", pk=invoice.pk)
        context = {"form": form, "client": client, "acts": acts}
        return render(request, "billing/from_acts.html", context, status=400)
    initial: dict[str, Any] = {"issue_date": timezone.localdate(), "tax_rate": 18}
    billed_by = None
    if act_pk.isdigit():
        initial["acts"] = [int(act_pk)]
        billed_by = act_invoice_for(user, int(act_pk))
    form = FromActsForm(initial=initial, acts=acts)
    context = {"form": form, "client": client, "acts": acts, "billed_by": billed_by}
    return render(request, "billing/from_acts.html", context)


@billing_page
@require_http_methods(["GET", "POST"])
def invoice_from_plan(request: HttpRequest) -> HttpResponse:
    """A draft billing items of a project's agreed plan (``?project=``); items billed already are shown
    with the invoice or act that bills them, and cannot be ticked."""
    user = signed_in_user(request)
    source = request.POST if request.method == "POST" else request.GET
    project_pk = source.get("project", "")
    projects = project_visible_to(user)
    project = None
    if project_pk.isdigit():
        project = projects.select_related("client").filter(pk=int(project_pk)).first()
    if project is None:
        choices = projects.select_related("client").order_by("client__display_name", "name", "id")[:500]
        status = 400 if project_pk else 200
        context: dict[str, Any] = {"projects": choices, "asked": project_pk}
        return render(request, "billing/from_plan.html", context, status=status)
    if not can_bill_client(user, project.client):
        raise PermissionDenied
    plan = project_plan_items_to_bill_for(project)
    item_ids = [row.item.pk for row in plan.rows]
    requires_act = client_requires_accepted_act_for(project.client)
    context = {"project": project, "plan": plan, "requires_act": requires_act}
    if request.method == "POST":
        form = FromPlanForm(request.POST, item_ids=item_ids)
        if form.is_valid():
            data = form.cleaned_data
            try:
                invoice = services.invoice_from_plan_items(
                    by=user,
                    project=project,
                    plan_item_ids=data["plan_items"],
                    tax_rate_bp=int((data["tax_rate"] * 100).to_integral_value()),
                    issue_date=data["issue_date"],
                )
            except services.BillingError as error:
                apply_billing_errors(form, error)
            else:
                messages.success(
                    request, _("The draft bills the chosen plan items: check its lines, then issue it.")
                )
                return redirect("billing:detail", pk=invoice.pk)
        return render(request, "billing/from_plan.html", context | {"form": form}, status=400)
    initial: dict[str, Any] = {"issue_date": timezone.localdate(), "tax_rate": 18}
    form = FromPlanForm(initial=initial, item_ids=item_ids)
    return render(request, "billing/from_plan.html", context | {"form": form})


# ---------- the invoice's page ----------


@dataclass
class Actions:
    """What the viewer may do to the invoice now; each is one POST."""

    edit: bool = False
    issue: bool = False
    payment: bool = False
    credit: bool = False
    void: bool = False
    einvoice: bool = False

    @property
    def any_issued(self) -> bool:
        return self.payment or self.credit or self.void


def _actions(invoice: Invoice, user: User) -> Actions:
    bills = can_bill_client(user, invoice.client)
    issued_invoice = not invoice.is_draft and not invoice.is_credit_note
    return Actions(
        edit=bills and invoice.is_draft,
        issue=bills and invoice.is_draft,
        payment=issued_invoice and invoice.balance_minor > 0 and can_record_payment(user, invoice.client),
        credit=bills and issued_invoice and invoice.credited_minor < invoice.total_minor,
        void=bills
        and issued_invoice
        and not invoice.amount_paid_minor
        and invoice.credited_minor < invoice.total_minor,
        einvoice=not invoice.is_draft,
    )


def _rate(rate_bp: int) -> str:
    return number_format(Decimal(rate_bp) / 100, translation.get_language()) + "%"


@dataclass
class LineRow:
    """A line as the page shows it: the quantity and the tax rate written for people."""

    line: InvoiceLine
    quantity: str
    rate: str


@dataclass
class TaxRow:
    """One tax rate's net and tax under the lines; ``rate`` names a category without tax."""

    group: services.TaxGroup
    rate: str


@dataclass
class InvoicePage:
    """An invoice with what its page shows: lines, totals per rate, payments, credit notes, history."""

    invoice: Invoice
    lines: list[LineRow]
    totals: services.Totals
    taxes: list[TaxRow]
    payments: list[Payment]
    credit_notes: list[Invoice]
    events: list[Event] = field(default_factory=list)


def _page_of(invoice: Invoice) -> InvoicePage:
    """The rest of the invoice's page, read after ``invoice_get_for`` has let the user see it."""
    lines = list(invoice.lines.select_related("act").order_by("position", "id"))
    events = invoice_events_for(invoice, limit=HISTORY_SIZE)
    language = translation.get_language()
    totals = services.totals_of(lines)
    return InvoicePage(
        invoice=invoice,
        lines=[
            LineRow(
                line, number_format(Decimal(line.quantity_milli) / 1000, language), _rate(line.tax_rate_bp)
            )
            for line in lines
        ],
        totals=totals,
        taxes=[
            TaxRow(
                group,
                _rate(group.rate_bp)
                if group.category == InvoiceLine.TaxCategory.STANDARD
                else str(InvoiceLine.TaxCategory(group.category).label),
            )
            for group in totals.groups
        ],
        payments=list(invoice.payments.select_related("recorded_by").order_by("received_on", "id")),
        credit_notes=list(invoice.credit_notes.order_by("issue_date", "id")),
        events=events,
    )


def _invoice_page(
    request: HttpRequest,
    pk: int | str,
    *,
    errors: list[str] | None = None,
    forms: dict[str, Form] | None = None,
    status: int = 200,
    title: str = "",
) -> HttpResponse:
    user = signed_in_user(request)
    invoice = invoice_get_for(user, pk)
    page = _page_of(invoice)
    chosen = forms or {}
    today = timezone.localdate()
    context = {
        "page": page,
        "invoice": invoice,
        "row": state_row(invoice, today),
        "actions": _actions(invoice, user),
        "errors": errors or [],
        "errors_title": title or _("Nothing was changed."),
        "today": today,
        "line_form": chosen.get("line") or LineForm(initial={"quantity": 1, "tax_rate": 18}),
        "payment_form": chosen.get("payment")
        or PaymentForm(initial={"received_on": today, "amount": _owed(invoice)}),
        "credit_form": chosen.get("credit") or CreditForm(),
        "void_form": chosen.get("void") or VoidForm(),
    }
    return render(request, "billing/detail.html", context, status=status)


def _owed(invoice: Invoice) -> Any:
    return from_minor(invoice.balance_minor, invoice.currency) if invoice.balance_minor else None


@billing_page
@require_GET
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One invoice or credit note: its facts, lines, payments, credit notes and history."""
    return _invoice_page(request, pk)


# ---------- actions ----------


def _biller_of(request: HttpRequest, pk: int | str) -> tuple[User, Invoice]:
    """The asking user and an invoice they may bill; 404 when unseen, 403 when they may not bill."""
    user = signed_in_user(request)
    invoice = invoice_get_for(user, pk)
    if not can_bill_client(user, invoice.client):
        raise PermissionDenied
    return user, invoice


def _action(
    request: HttpRequest,
    invoice: Invoice,
    user: User,
    *,
    form: Form | None,
    key: str,
    do: Callable[[dict[str, Any]], Any],
    done: Callable[[Any], str],
    anchor: str = "",
) -> HttpResponse:
    """Parse the action's form, call its service, and go back to the invoice with a message."""
    if form is not None and not form.is_valid():
        return _invoice_page(request, invoice.pk, errors=_form_errors(form), forms={key: form}, status=400)
    try:
        result = do(form.cleaned_data if form is not None else {})
    except services.BillingError as error:
        if form is not None:
            apply_billing_errors(form, error)
        return _invoice_page(
            request, invoice.pk, errors=_messages_of(error), forms={key: form} if form else None, status=400
        )
    messages.success(request, done(result))
    return redirect(reverse("billing:detail", args=[invoice.pk]) + anchor)


@billing_page
@require_http_methods(["GET", "POST"])
def invoice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft's header: dates, project, contract, reference and note."""
    user, invoice = _biller_of(request, pk)
    if request.method == "POST":
        form = _invoice_form(user, request.POST, invoice=invoice)
        if form.is_valid():
            values = form.service_values()
            values["due_date"] = form.cleaned_data.get("due_date") or values["issue_date"] + dt.timedelta(
                days=invoice.client.payment_terms_days
            )
            try:
                services.invoice_update(invoice=invoice, by=user, **values)
            except services.BillingError as error:
                apply_billing_errors(form, error)
            else:
                messages.success(request, _("The draft is saved."))
                return redirect("billing:detail", pk=invoice.pk)
        return render(request, "billing/form.html", {"form": form, "invoice": invoice}, status=400)
    if not invoice.is_draft:
        messages.warning(request, _("An issued invoice is never changed: correct it with a credit note."))
        return redirect("billing:detail", pk=invoice.pk)
    form = _invoice_form(user, initial=InvoiceForm.initial_for(invoice), invoice=invoice)
    return render(request, "billing/form.html", {"form": form, "invoice": invoice})


@billing_page
@require_POST
def invoice_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """Give the draft its number and freeze it."""
    user, invoice = _biller_of(request, pk)
    return _action(
        request,
        invoice,
        user,
        form=None,
        key="issue",
        do=lambda data: services.invoice_issue(invoice=invoice, by=user),
        done=lambda issued: _("Invoice %(number)s is issued.") % {"number": issued.number},
    )


@billing_page
@require_POST
def line_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A line on a draft."""
    user, invoice = _biller_of(request, pk)
    return _action(
        request,
        invoice,
        user,
        form=LineForm(request.POST),
        key="line",
        do=lambda data: services.invoice_line_add(
            invoice=invoice, by=user, **LineForm.values_of(data, invoice.currency)
        ),
        done=lambda line: _("The line is added."),
        anchor="#lines",
    )


def _line_of(request: HttpRequest, pk: int) -> tuple[User, InvoiceLine]:
    invoice_pk = InvoiceLine.objects.filter(pk=pk).values_list("invoice_id", flat=True).first()
    user, invoice = _biller_of(request, invoice_pk if invoice_pk is not None else "")
    line = InvoiceLine.objects.get(pk=pk)
    line.invoice = invoice
    return user, line


@billing_page
@require_http_methods(["GET", "POST"])
def line_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a line of a draft."""
    user, line = _line_of(request, pk)
    invoice = line.invoice
    if request.method == "POST":
        form = LineForm(request.POST)
        if form.is_valid():
            try:
                services.invoice_line_update(
                    line=line, by=user, **LineForm.values_of(form.cleaned_data, invoice.currency)
                )
            except services.BillingError as error:
                apply_billing_errors(form, error)
            else:
                messages.success(request, _("The line is saved."))
                return redirect(reverse("billing:detail", args=[invoice.pk]) + "#lines")
        context = {"form": form, "line": line, "invoice": invoice}
        return render(request, "billing/line_form.html", context, status=400)
    if not invoice.is_draft:
        messages.warning(request, _("An issued invoice is never changed: correct it with a credit note."))
        return redirect("billing:detail", pk=invoice.pk)
    form = LineForm(initial=LineForm.initial_for(line, invoice.currency))
    return render(request, "billing/line_form.html", {"form": form, "line": line, "invoice": invoice})


@billing_page
@require_POST
def line_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user, line = _line_of(request, pk)
    invoice = line.invoice
    return _action(
        request,
        invoice,
        user,
        form=None,
        key="remove",
        do=lambda data: services.invoice_line_remove(line=line, by=user),
        done=lambda result: _("The line is removed."),
        anchor="#lines",
    )


@billing_page
@require_POST
def payment_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Money received against an issued invoice (finance and the head)."""
    user = signed_in_user(request)
    invoice = invoice_get_for(user, pk)
    if not can_record_payment(user, invoice.client):
        raise PermissionDenied
    return _action(
        request,
        invoice,
        user,
        form=PaymentForm(request.POST),
        key="payment",
        do=lambda data: services.payment_record(
            invoice=invoice,
            by=user,
            amount_minor=to_minor(data["amount"], invoice.currency),
            received_on=data["received_on"],
            method=data["method"],
            reference=data["reference"],
        ),
        done=lambda result: _("The payment is recorded."),
        anchor="#payments",
    )


@billing_page
@require_POST
def credit_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A credit note against an issued invoice, for part of it or all that is still owed."""
    user, invoice = _biller_of(request, pk)
    return _action(
        request,
        invoice,
        user,
        form=CreditForm(request.POST),
        key="credit",
        do=lambda data: services.credit_note_issue(
            invoice=invoice,
            by=user,
            reason=data["reason"],
            amount_minor=None if data["full"] else to_minor(data["amount"], invoice.currency),
        ),
        done=lambda note: _("Credit note %(number)s is issued.") % {"number": note.number},
        anchor="#credit-notes",
    )


@billing_page
@require_POST
def invoice_void(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel an unpaid issued invoice: a credit note for all of it."""
    user, invoice = _biller_of(request, pk)
    return _action(
        request,
        invoice,
        user,
        form=VoidForm(request.POST),
        key="void",
        do=lambda data: services.invoice_void(invoice=invoice, by=user, reason=data["reason"]),
        done=lambda note: (
            _("The invoice is void: credit note %(number)s cancels it.") % {"number": note.number}
        ),
        anchor="#credit-notes",
    )


# ---------- files ----------


def _download(body: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _file(
    request: HttpRequest, pk: int, make: Callable[[Invoice, str], tuple[bytes, str, str]]
) -> HttpResponse:
    """A file of an invoice the user sees; a file that fails its checks is a message on the page."""
    invoice = invoice_get_for(signed_in_user(request), pk)
    language = pdf_language(request.GET.get("lang"), translation.get_language())
    try:
        body, extension, content_type = make(invoice, language)
    except (EInvoiceError, services.BillingError) as error:
        return _invoice_page(
            request, invoice.pk, errors=_messages_of(error), status=409, title=_("This file cannot be made.")
        )
    return _download(body, invoice_filename(invoice, extension), content_type)


@billing_page
@require_GET
def invoice_pdf_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The invoice as PDF, in the reader's language or ``?lang=``; a draft bears DRAFT."""
    return _file(
        request, pk, lambda invoice, lang: (invoice_pdf(invoice, language=lang), "pdf", "application/pdf")
    )


@billing_page
@require_GET
def invoice_facturx_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The issued invoice's Factur-X PDF (PDF/A-3 with its checked CII XML)."""
    return _file(
        request,
        pk,
        lambda invoice, lang: (invoice_facturx(invoice, language=lang), "facturx.pdf", "application/pdf"),
    )


@billing_page
@require_GET
def invoice_ubl_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The issued invoice (or credit note) as checked UBL 2.1 XML."""
    return _file(request, pk, lambda invoice, lang: (invoice_ubl(invoice), "xml", "application/xml"))
