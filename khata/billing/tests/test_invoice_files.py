"""An invoice's files: the PDF reads back what it bills; Factur-X and UBL pass every EN 16931 check."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import statistics
import subprocess
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdf
import pytest
from facturx import get_xml_from_pdf
from lxml import etree

from khata.billing.documents import (
    agency_payment,
    invoice_einvoice,
    invoice_facturx,
    invoice_filename,
    invoice_pdf,
    invoice_ubl,
)
from khata.billing.einvoice import CAC, CBC, RAM, TYPE_CREDIT_NOTE, EInvoiceError, einvoice_check
from khata.billing.models import Invoice
from khata.billing.services import (
    credit_note_issue,
    invoice_create,
    invoice_issue,
    invoice_line_add,
    payment_record,
)
from khata.clients.models import Client
from khata.core.agency import agency_update
from khata.core.words import amount_in_words
from khata.people.models import User

pytestmark = pytest.mark.django_db

HINDI_LINE = "वेबसाइट डिज़ाइन और कीवर्ड अनुसंधान — श्रीमती क्षमा"
LINES: list[dict[str, Any]] = [
    # 12.5 h × ₹1,850.00 − ₹1,250.00 = ₹21,875.00 at 18 %
    {
        "description": "Design hours",
        "quantity_milli": 12_500,
        "unit_code": "HUR",
        "unit_price_minor": 1_850_00,
        "discount_minor": 1_250_00,
        "tax_rate_bp": 1800,
    },
    # 300 × ₹42.75 = ₹12,825.00 at 5 %
    {
        "description": "Printed brochures",
        "quantity_milli": 300_000,
        "unit_price_minor": 42_75,
        "tax_rate_bp": 500,
    },
    # 1.75 h × ₹1,333.33 = ₹2,333.33 at 18 %
    {
        "description": "Copy editing",
        "quantity_milli": 1_750,
        "unit_code": "HUR",
        "unit_price_minor": 1_333_33,
        "tax_rate_bp": 1800,
    },
]


@pytest.fixture(autouse=True)
def agency(admin: User) -> None:
    agency_update(
        by=admin,
        name="Khata Studio",
        legal_name="Khata Studio Private Limited",
        address="14 Linking Road\nBandra West\nMumbai 400050",
        tax_id="27AAPFU0939F1ZV",
        email="billing@khata.example",
        bank_details="HDFC Bank, Bandra West\nA/c 50100012345678\nIFSC HDFC0000123",
        terms="Payment within 15 days by bank transfer.",
    )


@pytest.fixture
def billed_client(client_a: Client) -> Client:
    client_a.tax_id = "29AAGCB7383J1Z4"
    client_a.billing_address = "2 MG Road\nBengaluru 560001"
    client_a.save()
    return client_a


def _draft(finance: User, client: Client, lines: list[dict[str, Any]]) -> Invoice:
    invoice = invoice_create(
        by=finance, client=client, issue_date=dt.date(2026, 11, 2), buyer_reference="PO-4471"
    )
    for values in lines:
        invoice_line_add(invoice=invoice, by=finance, **values)
    return invoice


@pytest.fixture
def issued(finance: User, billed_client: Client) -> Invoice:
    return invoice_issue(invoice=_draft(finance, billed_client, LINES), by=finance)


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's text as poppler reads it, every run of spaces made one."""
    assert shutil.which("pdftotext"), "poppler-utils is missing: make system-deps"
    path = tmp_path / "invoice.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return " ".join(done.stdout.decode().split())


def _expected(invoice: Invoice) -> dict[str, Decimal]:
    return {
        "net": Decimal(invoice.net_minor) / 100,
        "tax": Decimal(invoice.tax_minor) / 100,
        "total": Decimal(invoice.total_minor) / 100,
        "paid": Decimal(invoice.amount_paid_minor) / 100,
    }


def _cii_totals(xml: bytes) -> dict[str, Decimal]:
    root = etree.fromstring(xml)
    base = "string(//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:{})"

    def value(name: str) -> Decimal:
        return Decimal(str(root.xpath(base.format(name), namespaces={"ram": RAM})) or "0")

    return {
        "net": value("TaxBasisTotalAmount"),
        "tax": value("TaxTotalAmount"),
        "total": value("GrandTotalAmount"),
        "paid": value("TotalPrepaidAmount"),
    }


def _ubl_totals(xml: bytes) -> dict[str, Decimal]:
    root = etree.fromstring(xml)

    def value(path: str) -> Decimal:
        return Decimal(str(root.xpath(f"string({path})", namespaces={"cac": CAC, "cbc": CBC})) or "0")

    return {
        "net": value("cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount"),
        "tax": value("cac:TaxTotal/cbc:TaxAmount"),
        "total": value("cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount"),
        "paid": value("cac:LegalMonetaryTotal/cbc:PrepaidAmount"),
    }


# --- the PDF ------------------------------------------------------------------------------------


def test_the_pdf_holds_number_client_lines_totals_and_words(issued: Invoice, tmp_path: Path) -> None:
    # Nets: 21,875.00 + 2,333.33 = 24,208.33 at 18 % (tax 4,357.50); 12,825.00 at 5 % (tax 641.25).
    assert (issued.net_minor, issued.tax_minor, issued.total_minor) == (37_033_33, 4_998_75, 42_032_08)

    text = pdf_text(invoice_pdf(issued, language="en"), tmp_path)

    assert issued.number.startswith("INV/2026/") and f"№ {issued.number}" in text
    assert "Acme Retail Private Limited" in text and "29AAGCB7383J1Z4" in text
    assert "Khata Studio" in text and "27AAPFU0939F1ZV" in text
    assert "PO-4471" in text
    for description in ("Design hours", "Printed brochures", "Copy editing"):
        assert description in text
    assert "12.5 h" in text and "300 ₹42.75" in text and "1.75 h" in text
    assert "−₹1,250.00" in text  # the discount
    assert "₹21,875.00" in text and "₹12,825.00" in text and "₹2,333.33" in text
    assert "Tax 18% on ₹24,208.33 ₹4,357.50" in text
    assert "Tax 5% on ₹12,825.00 ₹641.25" in text
    assert "Total ₹42,032.08" in text
    assert " ".join(amount_in_words(42_032_08, "INR", "en").split()) in text
    assert "Balance due ₹42,032.08" in text
    assert "A/c 50100012345678" in text and "Payment within 15 days" in text
    assert "DRAFT" not in text


def test_the_pdf_shows_what_is_paid_and_what_is_owed(issued: Invoice, finance: User, tmp_path: Path) -> None:
    payment_record(
        invoice=issued,
        by=finance,
        amount_minor=20_000_00,
        received_on=dt.date(2026, 11, 10),
        reference="UTR1",
    )
    issued.refresh_from_db()

    text = pdf_text(invoice_pdf(issued, language="en"), tmp_path)

    assert "Paid ₹20,000.00" in text
    assert "Balance due ₹22,032.08" in text


def test_a_hindi_pdf_holds_hindi_text_as_typed(finance: User, billed_client: Client, tmp_path: Path) -> None:
    invoice = invoice_issue(
        invoice=_draft(finance, billed_client, [{"description": HINDI_LINE, "unit_price_minor": 1_500_00}]),
        by=finance,
    )

    pdf = invoice_pdf(invoice, language="hi")

    text = pdf_text(pdf, tmp_path)
    assert HINDI_LINE in text
    assert " ".join(amount_in_words(invoice.total_minor, "INR", "hi").split()) in text
    assert invoice.number in text
    reader_text = " ".join(
        " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages).split()
    )
    assert HINDI_LINE in reader_text, reader_text


def test_a_draft_prints_with_the_draft_mark_but_has_no_e_invoice(
    finance: User, billed_client: Client
) -> None:
    draft = _draft(finance, billed_client, LINES[:1])

    pdf = invoice_pdf(draft, language="en")

    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "DRAFT" in text and "Draft: no number yet" in text and "INV/" not in text
    assert invoice_filename(draft, "pdf") == f"draft-{draft.pk}.pdf"
    for make in (invoice_ubl, invoice_facturx, invoice_einvoice):
        with pytest.raises(EInvoiceError, match="A draft has no e-invoice"):
            make(draft)


def test_the_pdf_reads_the_invoice_in_a_fixed_number_of_queries(
    issued: Invoice, django_assert_num_queries: Any
) -> None:
    invoice = Invoice.objects.select_related("client", "credits", "project", "contract").get(pk=issued.pk)
    with django_assert_num_queries(2):  # the agency, the lines
        invoice_pdf(invoice, language="en")


# --- the e-invoices -----------------------------------------------------------------------------


def test_facturx_and_ubl_of_an_invoice_pass_every_check_with_the_same_totals(
    issued: Invoice, finance: User
) -> None:
    payment_record(invoice=issued, by=finance, amount_minor=10_000_00, received_on=dt.date(2026, 11, 5))
    issued.refresh_from_db()

    filename, cii = get_xml_from_pdf(invoice_facturx(issued), check_xsd=True)
    ubl = invoice_ubl(issued)

    assert filename == "factur-x.xml"
    assert einvoice_check(cii, syntax="cii") == []
    assert einvoice_check(ubl, syntax="ubl") == []
    assert _cii_totals(cii) == _expected(issued) == _ubl_totals(ubl)
    root = etree.fromstring(cii)
    rates = sorted(
        root.xpath(
            "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:RateApplicablePercent/text()",
            namespaces={"ram": RAM},
        )
    )
    assert rates == ["18", "5"]
    assert root.xpath("string(//ram:DuePayableAmount)", namespaces={"ram": RAM}) == "32032.08"
    assert (
        root.xpath(
            "string(//ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID)", namespaces={"ram": RAM}
        )
        == "HDFC0000123"
    )


def test_facturx_and_ubl_of_a_credit_note_point_at_the_invoice(issued: Invoice, finance: User) -> None:
    note = credit_note_issue(
        invoice=issued, by=finance, reason="Brochures reprinted at our cost", amount_minor=5_000_00
    )

    einvoice = invoice_einvoice(note)
    assert einvoice.type_code == TYPE_CREDIT_NOTE
    assert einvoice.preceding_number == issued.number
    _filename, cii = get_xml_from_pdf(invoice_facturx(note), check_xsd=True)
    ubl = invoice_ubl(note)

    assert einvoice_check(cii, syntax="cii") == []
    assert einvoice_check(ubl, syntax="ubl") == []
    assert _cii_totals(cii) == _expected(note) == _ubl_totals(ubl)
    assert _expected(note)["total"] == Decimal("5000.00")
    assert etree.fromstring(ubl).tag.endswith("}CreditNote")
    assert issued.number.encode() in ubl and issued.number.encode() in cii


def test_the_credit_note_pdf_names_the_invoice_and_the_reason(
    issued: Invoice, finance: User, tmp_path: Path
) -> None:
    note = credit_note_issue(
        invoice=issued, by=finance, reason="Brochures reprinted at our cost", amount_minor=5_000_00
    )

    text = pdf_text(invoice_pdf(note, language="en"), tmp_path)

    assert note.number.startswith("CRN/") and note.number in text
    assert "CREDIT NOTE" in text
    assert f"Corrects invoice {issued.number}" in text
    assert "Brochures reprinted at our cost" in text
    assert "Balance due" not in text


def test_the_bank_details_become_where_to_pay() -> None:
    from khata.core.models import Agency

    iban = agency_payment(
        Agency(bank_details="Sparkasse\nIBAN DE89 3704 0044 0532 0130 00\nBIC: DEUTDEFF500")
    )
    assert iban is not None and (iban.account_id, iban.bank_id) == ("DE89370400440532013000", "DEUTDEFF500")
    assert agency_payment(Agency(bank_details="Pay us in person")) is None


def test_a_twenty_line_invoice_renders_quickly(finance: User, billed_client: Client) -> None:
    lines = [{**LINES[index % 3], "description": f"Line {index + 1}"} for index in range(20)]
    invoice = invoice_issue(invoice=_draft(finance, billed_client, lines), by=finance)
    invoice_pdf(invoice, language="en")  # fonts and templates warm

    seconds = []
    for _ in range(10):
        started = time.perf_counter()
        invoice_pdf(invoice, language="en")
        seconds.append(time.perf_counter() - started)

    p50 = statistics.median(seconds)
    p95 = statistics.quantiles(seconds, n=20)[-1]
    print(f"\ninvoice_pdf, 20 lines: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
    assert p95 < 5


# --- the agency's country and bank account; PDF/A-3; Hindi and Russian read back ----------------


@pytest.fixture
def bank_account(admin: User) -> None:
    agency_update(
        by=admin,
        bank_name="HDFC Bank, Bandra West",
        bank_account_name="Khata Studio Private Limited",
        bank_account_number="50100012345678",
        bank_code="HDFC0000123",
        bank_details=(
            "HDFC Bank, Bandra West\nA/c 5010 0012 3456 78 · IFSC HDFC0000123\nUPI: khatastudio@hdfcbank"
        ),
    )


def test_the_pdf_prints_the_bank_account_and_the_payment_terms(
    issued: Invoice, bank_account: None, tmp_path: Path
) -> None:
    text = pdf_text(invoice_pdf(issued, language="en"), tmp_path)

    days = (issued.due_date - issued.issue_date).days
    assert f"Payable within {days} days of the issue date" in text
    assert f"Please quote {issued.number} as the payment reference" in text
    assert "PAY BY BANK TRANSFER TO" in text  # the role is printed in capitals
    assert "Bank HDFC Bank, Bandra West" in text
    assert "Account holder Khata Studio Private Limited" in text
    assert "Account number 50100012345678" in text and "IFSC HDFC0000123" in text
    assert "UPI: khatastudio@hdfcbank" in text
    assert "A/c" not in text  # the typed lines that repeat the account are left out


def test_an_iban_prints_in_groups_and_becomes_the_payment_account(
    issued: Invoice, admin: User, tmp_path: Path
) -> None:
    agency_update(
        by=admin,
        bank_name="Commerzbank",
        bank_account_name="",
        bank_account_number="DE89370400440532013000",
        bank_code="DEUTDEFF500",
    )

    text = pdf_text(invoice_pdf(issued, language="en"), tmp_path)
    _filename, cii = get_xml_from_pdf(invoice_facturx(issued), check_xsd=True)

    assert "IBAN DE89 3704 0044 0532 0130 00" in text and "BIC DEUTDEFF500" in text
    assert "Account holder Khata Studio Private Limited" in text  # the legal name when none is given
    root = etree.fromstring(cii)
    ns = {"ram": RAM}
    assert root.xpath("string(//ram:PayeePartyCreditorFinancialAccount/ram:IBANID)", namespaces=ns) == (
        "DE89370400440532013000"
    )
    assert root.xpath(
        "string(//ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID)", namespaces=ns
    ) == ("DEUTDEFF500")
    assert einvoice_check(cii, syntax="cii") == []


def test_the_bank_fields_come_before_the_typed_details(issued: Invoice, bank_account: None) -> None:
    einvoice = invoice_einvoice(issued)

    assert einvoice.payment is not None
    assert (einvoice.payment.account_id, einvoice.payment.bank_id, einvoice.payment.account_name) == (
        "50100012345678",
        "HDFC0000123",
        "Khata Studio Private Limited",
    )
    assert einvoice.payment_terms.startswith("Payable within")
    cii = invoice_ubl(issued)
    assert b"50100012345678" in cii and b"Payable within" in cii


def test_the_sellers_country_is_the_agencys(issued: Invoice, admin: User) -> None:
    from khata.billing.documents import agency_country
    from khata.core.models import Agency

    assert invoice_einvoice(issued).seller.country == "IN"
    agency_update(by=admin, country="DE", tax_id="DE136695976")
    assert invoice_einvoice(issued).seller.country == "DE"
    ubl = invoice_ubl(issued)
    assert einvoice_check(ubl, syntax="ubl") == []
    # An agency stored without a country still gets one: the VAT number's prefix, else India.
    assert agency_country(Agency(country="", tax_id="FR40303265045")) == "FR"
    assert agency_country(Agency(country="", tax_id="27AAPFU0939F1ZV")) == "IN"


def test_a_credit_note_asks_for_no_payment(
    issued: Invoice, finance: User, bank_account: None, tmp_path: Path
) -> None:
    note = credit_note_issue(invoice=issued, by=finance, reason="Brochures reprinted", amount_minor=1_000_00)

    text = pdf_text(invoice_pdf(note, language="en"), tmp_path)

    assert "PAYMENT TERMS" not in text and "PAY BY BANK TRANSFER" not in text
    assert invoice_einvoice(note).payment is None


def _xmp_values(pdf: bytes) -> str:
    xmp = pypdf.PdfReader(io.BytesIO(pdf)).xmp_metadata
    assert xmp is not None
    return str(xmp.rdf_root.toxml())


def test_facturx_is_a_pdf_a_3b_file_whose_xml_reads_back(issued: Invoice, bank_account: None) -> None:
    from facturx import get_facturx_xml_from_pdf

    base = invoice_pdf(issued, language="en", variant="pdf/a-3b")
    result = invoice_facturx(issued)

    for pdf in (base, result):
        reader = pypdf.PdfReader(io.BytesIO(pdf))
        xmp = reader.xmp_metadata
        assert xmp is not None
        part = xmp.rdf_root.getElementsByTagNameNS("http://www.aiim.org/pdfa/ns/id/", "part")
        conformance = xmp.rdf_root.getElementsByTagNameNS("http://www.aiim.org/pdfa/ns/id/", "conformance")
        values = _xmp_values(pdf)
        if part:  # as elements
            assert "".join(node.nodeValue or "" for node in part[0].childNodes) == "3"
            assert "".join(node.nodeValue or "" for node in conformance[0].childNodes) == "B"
        else:  # as attributes of rdf:Description
            assert 'pdfaid:part="3"' in values and 'pdfaid:conformance="B"' in values
    assert "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in _xmp_values(result)
    filename, xml = get_facturx_xml_from_pdf(result, check_xsd=True)
    assert filename == "factur-x.xml"
    assert einvoice_check(xml, syntax="cii") == []
    assert _cii_totals(xml) == _expected(issued)
    assert issued.number.encode() in xml


@pytest.mark.parametrize("language", ["hi", "ru"])
def test_hindi_and_russian_pdfs_read_back_number_client_totals_and_words(
    issued: Invoice, language: str, tmp_path: Path
) -> None:
    from django.utils import translation

    from khata.core.money import money_format

    pdf = invoice_pdf(issued, language=language)

    text = pdf_text(pdf, tmp_path)
    with translation.override(language):
        total = money_format(issued.total_minor, "INR", language)
        net = money_format(issued.net_minor, "INR", language)
    assert f"№ {issued.number}" in text
    assert "Acme Retail Private Limited" in text and "29AAGCB7383J1Z4" in text
    assert " ".join(total.split()) in text and " ".join(net.split()) in text
    assert " ".join(amount_in_words(issued.total_minor, "INR", language).split()) in text
    assert "Design hours" in text
    assert "Total" not in text and "Balance due" not in text  # the labels are translated
    reader = " ".join(
        " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages).split()
    )
    assert issued.number in reader
