"""The client's invoices in the portal: what is due and overdue, each invoice's page, and its files.

A contact reads its own company's issued invoices and credit notes (``billing.selectors`` scopes
every read by the asking user): never a draft, and another company's invoice — its page or any of
its files — answers 404, the same as one that does not exist. The list puts what is still to pay
on top, the soonest due first, with the balance and how many days late; paid and credited invoices
and credit notes follow, newest first. An invoice downloads as a PDF (in English, Hindi or Russian),
as a Factur-X PDF and as UBL XML. The portal home's "Invoices to pay" and the project page's
invoices panel are registered here too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import get_language_info, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from khata.billing.documents import invoice_facturx, invoice_filename, invoice_pdf, invoice_ubl
from khata.billing.einvoice import EInvoiceError
from khata.billing.models import Invoice, InvoiceLine
from khata.billing.selectors import (
    invoice_get_for,
    invoice_list_for,
    invoice_open_list_for,
    invoice_settled_list_for,
)
from khata.billing.services import Totals, totals_of
from khata.clients.models import Contact
from khata.core.boards import Card, capped_count, register_portal_project_panel, register_portal_section
from khata.core.keyset import keyset_paginate
from khata.core.money import money_format
from khata.documents.pdf import pdf_language
from khata.people.decorators import signed_in_user
from khata.people.models import User
from khata.people.policies import AnyUser, is_contact_user, is_staff_user
from khata.plans.models import Project
from khata.portal.selectors import portal_contact_get_for

PAGE_SIZE = 30
# A company rarely has more open invoices than this; beyond it the list says how many more.
OPEN_LIMIT = 100


@dataclass
class OpenInvoice:
    """An invoice still to pay, as the client reads it: the balance and how late it is."""

    invoice: Invoice
    balance_minor: int
    days_late: int

    @property
    def overdue(self) -> bool:
        return self.days_late > 0


@dataclass
class PortalLine:
    """A line with its quantity and tax rate as numbers (the template formats them per language)."""

    line: InvoiceLine
    quantity: Decimal
    tax_rate: Decimal | None  # None: outside the scope of tax


def _lines(invoice: Invoice) -> list[PortalLine]:
    return [
        PortalLine(
            line=line,
            quantity=(Decimal(line.quantity_milli) / 1000).normalize(),
            tax_rate=None if line.tax_category == "O" else (Decimal(line.tax_rate_bp) / 100).normalize(),
        )
        for line in invoice.lines.order_by("position", "id")
    ]


@dataclass
class PortalTax:
    rate: Decimal | None  # None: outside the scope of tax
    net_minor: int
    tax_minor: int


def _tax_groups(totals: Totals) -> list[PortalTax]:
    return [
        PortalTax(
            rate=None if group.category == "O" else (Decimal(group.rate_bp) / 100).normalize(),
            net_minor=group.net_minor,
            tax_minor=group.tax_minor,
        )
        for group in totals.groups
    ]


def _open(invoice: Invoice, today: dt.date) -> OpenInvoice:
    return OpenInvoice(invoice, invoice.balance_minor, max((today - invoice.due_date).days, 0))


def _contact(request: HttpRequest) -> tuple[User, Contact]:
    user = signed_in_user(request)
    return user, portal_contact_get_for(user)


@require_GET
@login_required
def invoice_list(request: HttpRequest) -> HttpResponse:
    """What is due and overdue on top, then every other invoice and credit note, newest first."""
    if is_staff_user(request.user):
        return redirect("insights:today")
    user, contact = _contact(request)
    today = timezone.localdate()
    found = list(invoice_open_list_for(user)[: OPEN_LIMIT + 1])
    rows = [_open(invoice, today) for invoice in found[:OPEN_LIMIT]]
    page = keyset_paginate(
        invoice_settled_list_for(user),
        keys=["issue_date", "id"],
        descending=True,
        cursor=request.GET.get("cursor") or None,
        size=PAGE_SIZE,
    )
    return render(
        request,
        "portal/invoices/list.html",
        {
            "contact": contact,
            "client": contact.client,
            "overdue": [row for row in rows if row.overdue],
            "due": [row for row in rows if not row.overdue],
            "more_open": len(found) > OPEN_LIMIT,
            "page": page,
            "settled": page.items,
            "today": today,
            "next_query": f"?cursor={page.next_cursor}" if page.next_cursor else "",
            "prev_query": f"?cursor={page.prev_cursor}" if page.prev_cursor else "",
        },
    )


@require_GET
@login_required
def invoice(request: HttpRequest, invoice_pk: int) -> HttpResponse:
    """One invoice or credit note: its lines, totals, the payments received and what is left to pay."""
    if is_staff_user(request.user):
        return redirect("insights:today")
    user, contact = _contact(request)
    found = invoice_get_for(user, invoice_pk)
    today = timezone.localdate()
    lines = _lines(found)
    return render(
        request,
        "portal/invoices/detail.html",
        {
            "contact": contact,
            "client": contact.client,
            "invoice": found,
            "state": found.state(today),
            "open": _open(found, today) if found.balance_minor and not found.is_credit_note else None,
            "lines": lines,
            "tax_groups": _tax_groups(totals_of(item.line for item in lines)),
            "payments": list(found.payments.order_by("received_on", "id")),
            "credit_notes": list(invoice_list_for(user).filter(credits=found).order_by("issue_date", "id")),
            "languages": [
                (code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES
            ],
        },
    )


def _attachment(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@login_required
def invoice_pdf_download(request: HttpRequest, invoice_pk: int) -> HttpResponseBase:
    """The invoice as a PDF, in the reader's language unless ``?lang=`` asks for another."""
    if is_staff_user(request.user):
        return redirect("insights:today")
    user, _contact_row = _contact(request)
    found = invoice_get_for(user, invoice_pk)
    language = pdf_language(request.GET.get("lang"), translation.get_language())
    return _attachment(
        invoice_pdf(found, language=language), "application/pdf", invoice_filename(found, "pdf")
    )


def _einvoice_refused(request: HttpRequest, found: Invoice) -> HttpResponseBase:
    # The file failed its own EN 16931 checks: say so rather than hand over a file that is wrong.
    messages.error(
        request,
        _("This e-invoice cannot be downloaded right now. Please ask your account manager for it."),
    )
    return redirect("portal:invoice", invoice_pk=found.pk)


@require_GET
@login_required
def invoice_facturx_download(request: HttpRequest, invoice_pk: int) -> HttpResponseBase:
    """The invoice's PDF with its e-invoice inside (Factur-X, EN 16931)."""
    if is_staff_user(request.user):
        return redirect("insights:today")
    user, _contact_row = _contact(request)
    found = invoice_get_for(user, invoice_pk)
    language = pdf_language(request.GET.get("lang"), translation.get_language())
    try:
        body = invoice_facturx(found, language=language)
    except EInvoiceError:
        return _einvoice_refused(request, found)
    stem = invoice_filename(found, "pdf").removesuffix(".pdf")
    return _attachment(body, "application/pdf", f"{stem}-facturx.pdf")


@require_GET
@login_required
def invoice_ubl_download(request: HttpRequest, invoice_pk: int) -> HttpResponseBase:
    """The invoice (or credit note) as UBL 2.1 XML, for the client's accounting software."""
    if is_staff_user(request.user):
        return redirect("insights:today")
    user, _contact_row = _contact(request)
    found = invoice_get_for(user, invoice_pk)
    try:
        body = invoice_ubl(found)
    except EInvoiceError:
        return _einvoice_refused(request, found)
    return _attachment(body, "application/xml", invoice_filename(found, "xml"))


# --- the portal home's section and the project page's panel ------------------------------------------


SECTION_SCAN = 40


def _when(row: OpenInvoice) -> str:
    if row.overdue:
        return ngettext("overdue by %(days)d day", "overdue by %(days)d days", row.days_late) % {
            "days": row.days_late
        }
    return _("due %(date)s") % {"date": date_format(row.invoice.due_date, "j M Y")}


def portal_invoices_to_pay(contact: Contact, *, limit: int = 10) -> Card:
    """The company's invoices with a balance, the soonest due first."""
    user = contact.user
    found = list(invoice_open_list_for(user)[:SECTION_SCAN]) if user is not None else []
    today = timezone.localdate()
    items = []
    for row in (_open(invoice, today) for invoice in found[:limit]):
        detail = [_when(row)]
        if row.invoice.project is not None:
            detail.append(row.invoice.project.name)
        items.append(
            {
                "title": _("%(number)s · %(balance)s to pay")
                % {
                    "number": row.invoice.number,
                    "balance": money_format(row.balance_minor, row.invoice.currency),
                },
                "detail": " · ".join(detail),
                "url": reverse("portal:invoice", args=[row.invoice.pk]),
                "action": _("See the invoice"),
            }
        )
    return Card(
        key="invoices",
        title=gettext_lazy("Invoices to pay"),
        template="portal/sections/list.html",
        items=items,
        total=len(found),
        capped=len(found) >= SECTION_SCAN,
        empty=gettext_lazy("No invoice waits for payment."),
        more_url=reverse("portal:invoices"),
    )


def portal_project_invoices_panel(project: Project, user: AnyUser, *, limit: int) -> Card | None:
    """The invoices and credit notes of this project the contact's company received; nothing when none."""
    if not is_contact_user(user):
        return None
    rows = invoice_list_for(user).filter(project=project).order_by("-issue_date", "-id")
    items = list(rows[:limit])
    if not items:
        return None
    total, capped = (len(items), False) if len(items) < limit else capped_count(rows)
    return Card(
        key="invoices",
        title=gettext_lazy("Invoices"),
        template="portal/invoices/_panel.html",
        items=items,
        total=total,
        capped=capped,
        more_url=reverse("portal:invoices") if total > len(items) else "",
    )


def register_invoice_boards() -> None:
    """Called once from ``PortalConfig.ready()``: replaces the placeholder "Invoices to pay"."""
    register_portal_section("invoices", portal_invoices_to_pay, order=40)
    register_portal_project_panel("invoices", portal_project_invoices_panel, order=60)
