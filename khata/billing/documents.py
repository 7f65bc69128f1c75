"""An invoice as its files: the PDF on the agency's letterhead, Factur-X (PDF/A-3 + CII) and UBL.

``invoice_einvoice`` maps an issued invoice or credit note onto ``einvoice.EInvoice``: the seller is
the agency (``core.agency``: its country, and where to pay from its bank account fields, or from the
typed bank details of an agency that has not filled them in), the buyer the client (legal name, tax
id, country, billing address),
the per-rate tax groups come from ``services.totals_of`` so the files carry exactly the totals the
invoice stored. A credit note is type 381 and names the invoice it corrects (BT-25/BT-26).

A draft prints as a PDF with the DRAFT mark; it has no e-invoice (no number, nothing to exchange),
so ``invoice_facturx`` and ``invoice_ubl`` refuse it with ``EInvoiceError``. The Factur-X file is the
invoice's PDF rendered as PDF/A-3b by WeasyPrint, with the checked CII embedded by factur-x.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

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
FACTURX_VARIANT = "pdf/a-3b"  # Factur-X is a PDF/A-3 file with the XML attached
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
    """The seller's country as the head set it; without one, an EU VAT number's prefix, else India."""
    if agency.country.strip():
        return agency.country.strip().upper()
    tax_id = agency.tax_id.strip().upper()
    if tax_id and not _GSTIN.match(tax_id) and tax_id[:2].isalpha():
        return "GR" if tax_id[:2] == "EL" else tax_id[:2]
    return "IN"


def agency_payment(agency: Agency) -> EPayment | None:
    """Where to pay: the agency's bank account fields, else read from its typed bank details."""
    if agency.bank_account_number.strip():
        return EPayment(
            account_id=agency.bank_account_number.replace(" ", "").upper(),
            bank_id=agency.bank_code.strip().upper(),
            account_name=agency.bank_account_name.strip(),
        )
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
        payment_terms=payment_terms_text(invoice) if credited is None else "",
        payment=agency_payment(agency) if credited is None else None,
        buyer_reference=invoice.buyer_reference,
        preceding_number=credited.number if credited is not None else "",
        preceding_date=credited.issue_date if credited is not None else None,
        note=(invoice.reason if credited is not None else invoice.note).strip(),
    )


def payment_terms_text(invoice: Invoice) -> str:
    """The payment terms as the e-invoice states them (BT-20), in English like the rest of the file."""
    days = (invoice.due_date - invoice.issue_date).days
    if days <= 0:
        return f"Payable on receipt, by {invoice.due_date:%d %B %Y}. Quote {invoice.number} with the payment."
    return (
        f"Payable within {days} days of the issue date, by {invoice.due_date:%d %B %Y}. "
        f"Quote {invoice.number} with the payment."
    )


# --- the PDF ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrintedBank:
    """Where to pay, as the invoice prints it: the account in groups of four, the code named."""

    bank: str
    holder: str
    account: str
    account_label: str
    code: str
    code_label: str
    details: str  # anything else the head typed


def printed_bank(agency: Agency) -> PrintedBank | None:
    """The agency's bank account for the invoice, or None when only free text (or nothing) is known."""
    account = agency.bank_account_number.replace(" ", "").upper()
    if not account:
        return None
    is_iban = account[:2].isalpha()
    code = agency.bank_code.strip().upper()
    return PrintedBank(
        bank=agency.bank_name.strip(),
        holder=agency.bank_account_name.strip() or agency.legal_name or agency.name,
        account=" ".join(account[i : i + 4] for i in range(0, len(account), 4)) if is_iban else account,
        account_label=gettext("IBAN") if is_iban else gettext("Account number"),
        code=code,
        code_label=gettext("IFSC") if _IFSC.fullmatch(code) else gettext("BIC"),
        details=_other_details(agency, account, code),
    )


def _other_details(agency: Agency, account: str, code: str) -> str:
    """The typed bank details less the lines that repeat the bank, the account or the code."""
    repeats = [value.upper() for value in (account, code, agency.bank_name.strip()) if value]
    kept = [
        line
        for line in agency.bank_details.splitlines()
        if line.strip()
        and not any(value in line.upper().replace(" ", "") or value in line.upper() for value in repeats)
    ]
    return "\n".join(kept).strip()


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
    agency = agency_get()
    return {
        "agency": agency,
        "bank": printed_bank(agency),
        "terms_days": max((invoice.due_date - invoice.issue_date).days, 0),
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


def invoice_pdf(invoice: Invoice, *, language: str, variant: str | None = None) -> bytes:
    """The invoice or credit note as PDF bytes in ``language`` (en, hi or ru); a draft bears DRAFT.

    ``variant`` is WeasyPrint's PDF variant: ``"pdf/a-3b"`` for the base of a Factur-X file.
    """
    language = pdf_language(language, None)
    # Unit names are translated as the lines are built: build them in the PDF's language.
    with translation.override(language):
        context = invoice_pdf_context(invoice, language=language)
    return pdf_render(template=TEMPLATE, context=context, language=language, variant=variant)


def invoice_filename(invoice: Invoice, extension: str) -> str:
    """INV-2026-000001.pdf; a draft: draft-<id>.pdf."""
    stem = invoice.number.replace("/", "-") if invoice.number else f"draft-{invoice.pk}"
    return filename_safe(f"{stem}.{extension}")


def invoice_facturx(invoice: Invoice, *, language: str = "en") -> bytes:
    """The issued invoice's PDF with its checked CII embedded (Factur-X EN 16931)."""
    _refuse_draft(invoice)
    pdf = invoice_pdf(invoice, language=language, variant=FACTURX_VARIANT)
    return facturx_pdf(pdf, invoice_einvoice(invoice))


def invoice_ubl(invoice: Invoice) -> bytes:
    """The issued invoice (or credit note) as checked UBL 2.1 XML."""
    return einvoice_build_checked(invoice_einvoice(invoice), syntax="ubl")
