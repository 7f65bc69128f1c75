"""An invoice as its files: the PDF on the agency's letterhead, Factur-X (PDF/A-3 + CII) and UBL.

``invoice_einvoice`` maps an issued invoice or credit note onto ``einvoice.EInvoice``: the seller is
the agency (``core.agency``), the buyer the client (legal name, tax id, country, billing address),
the per-rate tax groups come from ``services.totals_of`` so the files carry exactly the totals the
invoice stored. A credit note is type 381 and names the invoice it corrects (BT-25/BT-26).

A draft prints as a PDF with the DRAFT mark; it has no e-invoice (no number, nothing to exchange),
so ``invoice_facturx`` and ``invoice_ubl`` refuse it with ``EInvoiceError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from khata.billing.einvoice import (
    EXEMPTION_REASONS,
    TYPE_CREDIT_NOTE,
    TYPE_INVOICE,
    EInvoice,
    EInvoiceError,
    ELine,
    EParty,
    EPayment,
    ETax,
    einvoice_build_checked,
    facturx_pdf,
)
from khata.billing.models import Invoice, InvoiceLine
from khata.billing.services import TaxGroup, totals_of
from khata.core.agency import agency_get
from khata.core.models import Agency
from khata.core.money import from_minor, number_format
from khata.core.pdf import pdf_render
from khata.core.uploads import filename_safe
from khata.core.words import amount_in_words
from khata.documents.pdf import pdf_language

TEMPLATE = "billing/pdf/invoice.html"
_GSTIN = re.compile(r"^\d{2}[A-Z0-9]{13}$")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
_IFSC = re.compile(r"\b[A-Z]{4}0[A-Z0-9]{6}\b")
_BIC = re.compile(r"\b(?:BIC|SWIFT)[:\s]*([A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?)\b")
_ACCOUNT = re.compile(r"(?:A/c|Account|Acct)[^\d\n]*(\d[\d ]{5,30}\d)", re.IGNORECASE)
_POSTCODE = re.compile(r"\b\d{4,6}\b")


# --- the e-invoice ------------------------------------------------------------------------------


def _lines_of(invoice: Invoice) -> list[InvoiceLine]:
    return list(invoice.lines.order_by("position", "id"))


def _address(text: str) -> tuple[tuple[str, ...], str, str]:
    """A typed address as (street lines, city, postcode): the last line is the city with its code."""
    rows = [row.strip().rstrip(",") for row in text.splitlines() if row.strip()]
    if len(rows) < 2:
        return tuple(rows), "", ""
    *street, last = rows
    found = _POSTCODE.search(last)
    postcode = found.group(0) if found else ""
    city = _POSTCODE.sub("", last).strip(" ,-–") if found else last
    return tuple(street[:2]), city, postcode


def agency_country(agency: Agency) -> str:
    """The seller's country: an EU VAT number's prefix, India for a GSTIN, else the setting."""
    tax_id = agency.tax_id.strip().upper()
    if tax_id and not _GSTIN.match(tax_id) and tax_id[:2].isalpha():
        return "GR" if tax_id[:2] == "EL" else tax_id[:2]
    return str(getattr(settings, "KHATA_AGENCY_COUNTRY", "IN"))


def agency_payment(agency: Agency) -> EPayment | None:
    """Where to pay, read from the agency's typed bank details: an IBAN (+ BIC) or an account + IFSC."""
    details = agency.bank_details or ""
    iban = _IBAN.search(details.upper())
    if iban:
        bic = _BIC.search(details.upper())
        return EPayment(account_id=iban.group(0).replace(" ", ""), bank_id=bic.group(1) if bic else "")
    account = _ACCOUNT.search(details)
    if account:
        ifsc = _IFSC.search(details.upper())
        return EPayment(account_id=account.group(1).replace(" ", ""), bank_id=ifsc.group(0) if ifsc else "")
    return None


def _seller(agency: Agency) -> EParty:
    street, city, postcode = _address(agency.address)
    return EParty(
        name=agency.name,
        legal_name=agency.legal_name,
        country=agency_country(agency),
        tax_id=agency.tax_id.strip(),
        address_lines=street,
        city=city,
        postcode=postcode,
        email=agency.email,
    )


def _buyer(invoice: Invoice) -> EParty:
    client = invoice.client
    street, city, postcode = _address(client.billing_address)
    return EParty(
        name=client.display_name,
        legal_name=client.legal_name,
        country=client.country,
        tax_id=client.tax_id.strip(),
        address_lines=street,
        city=city,
        postcode=postcode,
    )


def _eline(line: InvoiceLine, index: int, currency: str) -> ELine:
    return ELine(
        id=str(index),
        description=line.description,
        quantity=Decimal(line.quantity_milli) / 1000,
        unit_price=from_minor(line.unit_price_minor, currency),
        net=from_minor(line.net_minor, currency),
        tax_category=line.tax_category,
        tax_rate=Decimal(line.tax_rate_bp) / 100,
        unit_code=line.unit_code,
        discount=from_minor(line.discount_minor, currency),
    )


def _etax(group: TaxGroup, currency: str) -> ETax:
    return ETax(
        category=group.category,
        rate=Decimal(group.rate_bp) / 100,
        basis=from_minor(group.net_minor, currency),
        amount=from_minor(group.tax_minor, currency),
        exemption_reason=EXEMPTION_REASONS.get(group.category, "")
        if group.category not in {"S", "Z"}
        else "",
    )


def _refuse_draft(invoice: Invoice) -> None:
    if invoice.is_draft:
        raise EInvoiceError(gettext("A draft has no e-invoice: issue it first, then download its files."))


def invoice_einvoice(invoice: Invoice, *, agency: Agency | None = None) -> EInvoice:
    """The issued invoice or credit note as an EN 16931 e-invoice, with the totals it stored."""
    _refuse_draft(invoice)
    agency = agency or agency_get()
    cur = invoice.currency
    lines = _lines_of(invoice)
    totals = totals_of(lines)
    credited = invoice.credits if invoice.is_credit_note else None
    return EInvoice(
        number=invoice.number,
        issue_date=invoice.issue_date,
        currency=cur,
        seller=_seller(agency),
        buyer=_buyer(invoice),
        lines=tuple(_eline(line, index, cur) for index, line in enumerate(lines, start=1)),
        taxes=tuple(_etax(group, cur) for group in totals.groups),
        line_total=from_minor(totals.net_minor, cur),
        tax_basis_total=from_minor(totals.net_minor, cur),
        tax_total=from_minor(totals.tax_minor, cur),
        grand_total=from_minor(totals.total_minor, cur),
        prepaid=from_minor(invoice.amount_paid_minor, cur),
        due_amount=from_minor(totals.total_minor - invoice.amount_paid_minor, cur),
        type_code=TYPE_CREDIT_NOTE if credited is not None else TYPE_INVOICE,
        due_date=invoice.due_date,
        payment=agency_payment(agency),
        buyer_reference=invoice.buyer_reference,
        preceding_number=credited.number if credited is not None else "",
        preceding_date=credited.issue_date if credited is not None else None,
        note=(invoice.reason if credited is not None else invoice.note).strip(),
    )


# --- the PDF ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrintedInvoiceLine:
    """One line as printed: quantity and tax rate already in the reader's number format."""

    description: str
    quantity: str
    unit: str
    unit_price_minor: int
    discount_minor: int
    tax_rate: str
    net_minor: int


def _unit_label(code: str) -> str:
    """Hours and days are named; a plain count (C62, "one") needs no unit."""
    return {"HUR": gettext("h"), "DAY": gettext("days"), "C62": ""}.get(code, code)


def _rate(rate_bp: int, language: str) -> str:
    sign = "\u00a0%" if language == "ru" else "%"  # 18 % in Russian, 18% in English and Hindi
    return f"{number_format((Decimal(rate_bp) / 100).normalize(), language)}{sign}"


def invoice_pdf_context(invoice: Invoice, *, language: str) -> dict[str, Any]:
    """What the invoice's template prints; a draft shows totals computed from its lines."""
    cur = invoice.currency
    lines = _lines_of(invoice)
    totals = totals_of(lines)
    printed = [
        PrintedInvoiceLine(
            description=line.description,
            quantity=number_format((Decimal(line.quantity_milli) / 1000).normalize(), language),
            unit=_unit_label(line.unit_code),
            unit_price_minor=line.unit_price_minor,
            discount_minor=line.discount_minor,
            tax_rate=_rate(line.tax_rate_bp, language) if line.tax_category != "O" else "—",
            net_minor=line.net_minor,
        )
        for line in lines
    ]
    groups = [
        {"label": _rate(group.rate_bp, language), "category": group.category, "group": group}
        for group in totals.groups
    ]
    paid = invoice.amount_paid_minor
    return {
        "invoice": invoice,
        "client": invoice.client,
        "credited": invoice.credits if invoice.is_credit_note else None,
        "draft": invoice.is_draft,
        "currency": cur,
        "lines": printed,
        "any_discount": any(line.discount_minor for line in lines),
        "groups": groups,
        "totals": totals,
        "words": amount_in_words(totals.total_minor, cur, language),
        "paid_minor": paid,
        "balance_minor": max(totals.total_minor - paid - invoice.credited_minor, 0),
    }


def invoice_pdf(invoice: Invoice, *, language: str) -> bytes:
    """The invoice or credit note as PDF bytes in ``language`` (en, hi or ru); a draft bears DRAFT."""
    language = pdf_language(language, None)
    # Unit names are translated as the lines are built: build them in the PDF's language.
    with translation.override(language):
        context = invoice_pdf_context(invoice, language=language)
    return pdf_render(template=TEMPLATE, context=context, language=language)


def invoice_filename(invoice: Invoice, extension: str) -> str:
    """INV-2026-000001.pdf; a draft: draft-<id>.pdf."""
    stem = invoice.number.replace("/", "-") if invoice.number else f"draft-{invoice.pk}"
    return filename_safe(f"{stem}.{extension}")


def invoice_facturx(invoice: Invoice, *, language: str = "en") -> bytes:
    """The issued invoice's PDF with its checked CII embedded (Factur-X EN 16931)."""
    _refuse_draft(invoice)
    return facturx_pdf(invoice_pdf(invoice, language=language), invoice_einvoice(invoice))


def invoice_ubl(invoice: Invoice) -> bytes:
    """The issued invoice (or credit note) as checked UBL 2.1 XML."""
    return einvoice_build_checked(invoice_einvoice(invoice), syntax="ubl")
