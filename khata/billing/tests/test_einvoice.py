"""EN 16931 e-invoices: CII and UBL pass the XSD and the schematron, and carry the same totals."""

from __future__ import annotations

import dataclasses
import io
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest
from lxml import etree
from pypdf import PdfReader

from khata.billing.einvoice import (
    CAC,
    CBC,
    RAM,
    TYPE_CREDIT_NOTE,
    EInvoice,
    EInvoiceError,
    ELine,
    EParty,
    EPayment,
    cii_xml,
    einvoice_build_checked,
    einvoice_check,
    einvoice_make,
    facturx_pdf,
    line_net,
    stylesheet_compile_seconds,
    tax_id_check,
    ubl_xml,
)

SELLER_IN = EParty(
    name="Khata Studio",
    legal_name="Khata Studio Private Limited",
    country="IN",
    tax_id="27AAPFU0939F1ZV",
    address_lines=("14 Linking Road", "Bandra West"),
    city="Mumbai",
    postcode="400050",
    email="billing@khata.example",
)
BUYER_IN = EParty(
    name="Asha Textiles",
    country="IN",
    tax_id="29AAGCB7383J1Z4",
    address_lines=("2 MG Road",),
    city="Bengaluru",
    postcode="560001",
    email="accounts@asha.example",
)
SELLER_EU = EParty(
    name="Khata Europe",
    legal_name="Khata Europe GmbH",
    country="DE",
    tax_id="DE136695976",
    address_lines=("Torstraße 1",),
    city="Berlin",
    postcode="10119",
    email="billing@khata.example",
)
BUYER_EU = EParty(
    name="Atelier Lumière SARL",
    country="FR",
    tax_id="FR40303265045",
    address_lines=("5 rue de la Paix",),
    city="Paris",
    postcode="75002",
)

# Three tax rates (18 %, 5 %, 0 %), fractional quantities and a line discount.
LINE_SPECS = [
    ("Design hours", Decimal("12.5"), "HUR", Decimal("1850.00"), Decimal("1250.00"), "S", Decimal("18")),
    ("Printed brochures", Decimal("300"), "C62", Decimal("42.75"), Decimal("0"), "S", Decimal("5")),
    ("Export of services", Decimal("3"), "DAY", Decimal("9999.99"), Decimal("500.00"), "Z", Decimal("0")),
    ("Copy editing", Decimal("1.75"), "HUR", Decimal("1333.33"), Decimal("0"), "S", Decimal("18")),
]


def _lines(currency: str, scale: Decimal = Decimal(1)) -> tuple[ELine, ...]:
    lines = []
    for number, (description, quantity, unit, price, discount, category, rate) in enumerate(
        LINE_SPECS, start=1
    ):
        if currency == "JPY":
            price, discount = price.quantize(Decimal(1)), discount.quantize(Decimal(1))
        price, discount = price * scale, discount * scale
        lines.append(
            ELine(
                id=str(number),
                description=description,
                quantity=quantity,
                unit_code=unit,
                unit_price=price,
                discount=discount,
                tax_category=category,
                tax_rate=rate,
                net=line_net(quantity=quantity, unit_price=price, discount=discount, currency=currency),
            )
        )
    return tuple(lines)


def _invoice(currency: str = "INR", *, credit: bool = False, prepaid: Decimal = Decimal("0")) -> EInvoice:
    indian = currency == "INR"
    scale = Decimal("0.01") if currency in {"EUR", "USD"} else Decimal(1)
    return einvoice_make(
        number="CN-2026-0007" if credit else "INV-2026-0042",
        type_code=TYPE_CREDIT_NOTE if credit else "380",
        issue_date=date(2026, 11, 27),
        due_date=date(2026, 12, 27),
        currency=currency,
        seller=SELLER_IN if indian else SELLER_EU,
        buyer=BUYER_IN if indian else BUYER_EU,
        lines=_lines(currency, scale),
        prepaid=prepaid,
        payment_terms="Net 30 days",
        payment=(
            EPayment(account_id="50200012345678", bank_id="HDFC0000123", account_name="Khata Studio")
            if indian
            else EPayment(account_id="DE89 3704 0044 0532 0130 00", bank_id="DEUTDEFF500")
        ),
        buyer_reference="ASHA-MKT",
        order_reference="PO-881",
        preceding_number="INV-2026-0042" if credit else "",
        preceding_date=date(2026, 11, 1) if credit else None,
        note="Thank you for your business.",
    )


CASES = [
    pytest.param("INR", False, Decimal("0"), id="INR-invoice"),
    pytest.param("INR", True, Decimal("0"), id="INR-credit-note"),
    pytest.param("EUR", False, Decimal("100.00"), id="EUR-invoice-prepaid"),
    pytest.param("EUR", True, Decimal("0"), id="EUR-credit-note"),
    pytest.param("USD", False, Decimal("0"), id="USD-invoice"),
    pytest.param("JPY", False, Decimal("5000"), id="JPY-invoice-prepaid"),
    pytest.param("JPY", True, Decimal("0"), id="JPY-credit-note"),
]


def _cii_totals(xml: bytes) -> dict[str, Decimal]:
    root = etree.fromstring(xml)
    ns = {"ram": RAM}
    base = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:"

    def value(path: str) -> Decimal:
        found = root.xpath(f"string({path})", namespaces=ns)
        return Decimal(str(found) or "0")

    totals = {
        "line_total": value(base + "LineTotalAmount"),
        "tax_basis_total": value(base + "TaxBasisTotalAmount"),
        "tax_total": value(base + "TaxTotalAmount"),
        "grand_total": value(base + "GrandTotalAmount"),
        "prepaid": value(base + "TotalPrepaidAmount"),
        "due_amount": value(base + "DuePayableAmount"),
    }
    for tax in root.xpath("//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", namespaces=ns):
        rate = Decimal(tax.findtext("ram:RateApplicablePercent", namespaces=ns))
        totals[f"tax {tax.findtext('ram:CategoryCode', namespaces=ns)} {rate.normalize()}"] = Decimal(
            tax.findtext("ram:CalculatedAmount", namespaces=ns)
        )
    return totals


def _ubl_totals(xml: bytes) -> dict[str, Decimal]:
    root = etree.fromstring(xml)
    ns = {"cac": CAC, "cbc": CBC}

    def value(path: str) -> Decimal:
        found = root.xpath(f"string({path})", namespaces=ns)
        return Decimal(str(found) or "0")

    totals = {
        "line_total": value("cac:LegalMonetaryTotal/cbc:LineExtensionAmount"),
        "tax_basis_total": value("cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount"),
        "tax_total": value("cac:TaxTotal/cbc:TaxAmount"),
        "grand_total": value("cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount"),
        "prepaid": value("cac:LegalMonetaryTotal/cbc:PrepaidAmount"),
        "due_amount": value("cac:LegalMonetaryTotal/cbc:PayableAmount"),
    }
    for sub in root.xpath("cac:TaxTotal/cac:TaxSubtotal", namespaces=ns):
        rate = Decimal(sub.findtext("cac:TaxCategory/cbc:Percent", namespaces=ns))
        totals[f"tax {sub.findtext('cac:TaxCategory/cbc:ID', namespaces=ns)} {rate.normalize()}"] = Decimal(
            sub.findtext("cbc:TaxAmount", namespaces=ns)
        )
    return totals


def _expected(invoice: EInvoice) -> dict[str, Decimal]:
    totals = {
        "line_total": invoice.line_total,
        "tax_basis_total": invoice.tax_basis_total,
        "tax_total": invoice.tax_total,
        "grand_total": invoice.grand_total,
        "prepaid": invoice.prepaid,
        "due_amount": invoice.due_amount,
    }
    for tax in invoice.taxes:
        totals[f"tax {tax.category} {tax.rate.normalize()}"] = tax.amount
    return totals


def test_totals_follow_the_documented_rounding() -> None:
    invoice = _invoice("INR")
    # 12.5 h × 1850 − 1250 = 21875; 300 × 42.75 = 12825; 3 × 9999.99 − 500 = 29499.97;
    # 1.75 × 1333.33 = 2333.3275 → 2333.33
    assert [line.net for line in invoice.lines] == [
        Decimal("21875.00"),
        Decimal("12825.00"),
        Decimal("29499.97"),
        Decimal("2333.33"),
    ]
    taxes = {(tax.category, tax.rate): (tax.basis, tax.amount) for tax in invoice.taxes}
    assert taxes[("S", Decimal("18"))] == (Decimal("24208.33"), Decimal("4357.50"))  # 4357.4994 → 4357.50
    assert taxes[("S", Decimal("5"))] == (Decimal("12825.00"), Decimal("641.25"))
    assert taxes[("Z", Decimal("0"))] == (Decimal("29499.97"), Decimal("0.00"))
    assert invoice.tax_total == Decimal("4998.75")
    assert invoice.grand_total == Decimal("71532.05") == invoice.due_amount
    assert _invoice("JPY").lines[3].net == Decimal("2333")  # 1.75 × 1333 = 2332.75 → 2333, no decimals


@pytest.mark.parametrize(("currency", "credit", "prepaid"), CASES)
def test_cii_passes_xsd_and_en16931_and_reads_back(currency: str, credit: bool, prepaid: Decimal) -> None:
    invoice = _invoice(currency, credit=credit, prepaid=prepaid)
    xml = cii_xml(invoice)
    assert einvoice_check(xml, syntax="cii") == []
    assert _cii_totals(xml) == _expected(invoice)
    assert einvoice_build_checked(invoice, syntax="cii") == xml


@pytest.mark.parametrize(("currency", "credit", "prepaid"), CASES)
def test_ubl_passes_xsd_and_en16931_and_reads_back(currency: str, credit: bool, prepaid: Decimal) -> None:
    invoice = _invoice(currency, credit=credit, prepaid=prepaid)
    xml = ubl_xml(invoice)
    assert etree.QName(etree.fromstring(xml)).localname == ("CreditNote" if credit else "Invoice")
    assert einvoice_check(xml, syntax="ubl") == []
    assert _ubl_totals(xml) == _expected(invoice)


def test_other_tax_categories_pass() -> None:
    """Exempt and reverse-charge lines carry the exemption reason the rules ask for."""
    lines = (
        ELine(
            id="1",
            description="Training",
            quantity=Decimal(2),
            unit_price=Decimal("400"),
            net=Decimal("800.00"),
            tax_category="E",
        ),
        ELine(
            id="2",
            description="Consulting",
            quantity=Decimal(1),
            unit_price=Decimal("900"),
            net=Decimal("900.00"),
            tax_category="AE",
        ),
    )
    invoice = einvoice_make(
        number="INV-2026-0050",
        issue_date=date(2026, 11, 27),
        due_date=date(2026, 12, 27),
        currency="EUR",
        seller=SELLER_EU,
        buyer=BUYER_EU,
        lines=lines,
    )
    assert einvoice_check(cii_xml(invoice), syntax="cii") == []
    assert einvoice_check(ubl_xml(invoice), syntax="ubl") == []


def _rules(xml: bytes, syntax: str) -> set[str]:
    return {failure.rule for failure in einvoice_check(xml, syntax=syntax)}  # type: ignore[arg-type]


@pytest.mark.parametrize("syntax", ["cii", "ubl"])
def test_inconsistent_totals_are_caught_by_the_named_rule(syntax: str) -> None:
    build = cii_xml if syntax == "cii" else ubl_xml
    invoice = _invoice("EUR")
    # The tax total is not the sum of the per-rate taxes (and the grand total follows it).
    wrong_tax = dataclasses.replace(
        invoice,
        tax_total=invoice.tax_total + 1,
        grand_total=invoice.grand_total + 1,
        due_amount=invoice.due_amount + 1,
    )
    assert "BR-CO-14" in _rules(build(wrong_tax), syntax)
    # The grand total is not basis + tax.
    wrong_grand = dataclasses.replace(
        invoice, grand_total=invoice.grand_total + 5, due_amount=invoice.due_amount + 5
    )
    assert "BR-CO-15" in _rules(build(wrong_grand), syntax)
    # The sum of line nets is not the line total.
    wrong_lines = dataclasses.replace(invoice, line_total=invoice.line_total - Decimal("0.01"))
    assert "BR-CO-10" in _rules(build(wrong_lines), syntax)
    # A per-rate tax that is not basis × rate.
    taxes = list(invoice.taxes)
    taxes[0] = dataclasses.replace(taxes[0], amount=taxes[0].amount + Decimal("3.00"))
    wrong_rate = dataclasses.replace(
        invoice,
        taxes=tuple(taxes),
        tax_total=invoice.tax_total + 3,
        grand_total=invoice.grand_total + 3,
        due_amount=invoice.due_amount + 3,
    )
    assert "BR-CO-17" in _rules(build(wrong_rate), syntax)
    # A line whose net is not quantity × price − discount: the rules do not see it, we do.
    lines = list(invoice.lines)
    lines[1] = dataclasses.replace(lines[1], unit_price=lines[1].unit_price + Decimal("0.01"))
    assert _rules(build(dataclasses.replace(invoice, lines=tuple(lines))), syntax) == {"KHATA-LINE-NET"}


def test_build_checked_refuses_a_broken_file_naming_the_rule() -> None:
    invoice = _invoice("EUR")
    broken = dataclasses.replace(invoice, tax_total=invoice.tax_total + 1)
    for syntax in ("cii", "ubl"):
        with pytest.raises(EInvoiceError, match="BR-CO-14") as caught:
            einvoice_build_checked(broken, syntax=syntax)
        assert "BR-CO-14" in {failure.rule for failure in caught.value.failures}


def test_a_cii_file_checked_as_ubl_is_refused_by_its_root() -> None:
    cii = cii_xml(_invoice("EUR"))
    ubl = ubl_xml(_invoice("EUR"))
    assert [failure.rule for failure in einvoice_check(cii, syntax="ubl")] == ["SYNTAX"]
    assert [failure.rule for failure in einvoice_check(ubl, syntax="cii")] == ["SYNTAX"]
    assert [failure.rule for failure in einvoice_check(b"<not xml", syntax="cii")] == ["XML"]


def test_an_xsd_error_is_reported_before_the_rules() -> None:
    xml = cii_xml(_invoice("EUR")).replace(b"<ram:TypeCode>380</ram:TypeCode>", b"<ram:Bogus>380</ram:Bogus>")
    assert {failure.rule for failure in einvoice_check(xml, syntax="cii")} == {"XSD"}


@pytest.mark.parametrize("credit", [False, True])
def test_facturx_pdf_embeds_the_same_xml(credit: bool) -> None:
    from facturx import get_xml_from_pdf
    from weasyprint import HTML

    invoice = _invoice("INR", credit=credit)
    pdf = HTML(string=f"<h1>{invoice.number}</h1><p>{invoice.grand_total} INR</p>").write_pdf(
        pdf_variant="pdf/a-3b"
    )
    assert pdf is not None
    result = facturx_pdf(pdf, invoice)
    filename, xml = get_xml_from_pdf(result, check_xsd=True)
    assert filename == "factur-x.xml"
    assert xml == cii_xml(invoice)
    assert _cii_totals(xml) == _expected(invoice)
    xmp = PdfReader(io.BytesIO(result)).xmp_metadata
    assert xmp is not None
    metadata = xmp.rdf_root.toxml()
    assert "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in metadata
    assert "pdfaid:part" in metadata


def test_facturx_pdf_refuses_a_broken_invoice() -> None:
    invoice = _invoice("INR")
    broken = dataclasses.replace(invoice, grand_total=invoice.grand_total + 1)
    with pytest.raises(EInvoiceError, match="BR-CO-15"):
        facturx_pdf(b"%PDF-1.7 not used", broken)


@pytest.mark.parametrize(
    ("country", "value", "valid"),
    [
        ("IN", "27AAPFU0939F1ZV", True),
        ("IN", "27AAPFU0939F1ZX", False),  # check character
        ("IN", "27AAPFU0939F1Z", False),  # length
        ("DE", "DE136695976", True),
        ("DE", "DE136695977", False),
        ("FR", "FR40303265045", True),
        ("FR", "DE136695976", False),  # another country's number
        ("GR", "EL094259216", True),
        ("US", "12-3456789", True),  # not checked outside India and the EU
        ("IN", "", True),
    ],
)
def test_tax_id_check(country: str, value: str, valid: bool) -> None:
    assert (tax_id_check(country, value) is None) is valid


def test_build_checked_refuses_a_wrong_tax_id() -> None:
    invoice = dataclasses.replace(
        _invoice("INR"), buyer=dataclasses.replace(BUYER_IN, tax_id="29AAGCB7383J1Z5")
    )
    with pytest.raises(EInvoiceError, match="KHATA-BUYER-TAX-ID"):
        einvoice_build_checked(invoice, syntax="ubl")


def test_check_time_after_one_compile() -> None:
    """Each stylesheet compiles once per process; a check afterwards takes milliseconds."""
    for syntax, build in (("cii", cii_xml), ("ubl", ubl_xml)):
        xml = build(_invoice("INR"))
        einvoice_check(xml, syntax=syntax)  # type: ignore[arg-type]
        started = time.perf_counter()
        for _ in range(20):
            assert einvoice_check(xml, syntax=syntax) == []  # type: ignore[arg-type]
        per_check = (time.perf_counter() - started) / 20
        print(
            f"{syntax}: compile {stylesheet_compile_seconds()[syntax]:.2f} s, check {per_check * 1000:.1f} ms"
        )
        assert per_check < 0.5
    assert set(stylesheet_compile_seconds()) == {"cii", "ubl"}


def test_outside_scope_and_non_latin_text_pass() -> None:
    """A line outside the scope of tax carries no rate; Hindi and Russian text travel unharmed."""
    lines = (
        ELine(
            id="1",
            description="वेबसाइट डिज़ाइन — дизайн сайта",
            quantity=Decimal(4),
            unit_code="HUR",
            unit_price=Decimal("2500"),
            net=Decimal("10000.00"),
            tax_category="O",
        ),
    )
    invoice = einvoice_make(
        number="INV-2026-0051",
        issue_date=date(2026, 11, 27),
        due_date=date(2026, 12, 12),
        currency="INR",
        seller=SELLER_IN,
        buyer=dataclasses.replace(BUYER_IN, name="ООО «Ромашка»", country="RU", tax_id="", city="Москва"),
        lines=lines,
    )
    for syntax, build in (("cii", cii_xml), ("ubl", ubl_xml)):
        xml = einvoice_build_checked(invoice, syntax=syntax)  # type: ignore[arg-type]
        assert xml == build(invoice)
        assert "वेबसाइट डिज़ाइन — дизайн сайта" in xml.decode()


def test_a_file_with_a_doctype_is_refused() -> None:
    xml = cii_xml(_invoice("EUR")).replace(
        b"?>\n", b'?>\n<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n', 1
    )
    assert [failure.rule for failure in einvoice_check(xml, syntax="cii")] == ["XML"]


def test_checks_from_several_threads_agree() -> None:
    """The background worker may check from threads: one Saxon processor, used one check at a time."""
    good = ubl_xml(_invoice("USD"))
    bad = cii_xml(dataclasses.replace(_invoice("USD"), line_total=Decimal("1.00")))
    jobs = [(good, "ubl"), (bad, "cii")] * 8
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda job: _rules(*job), jobs))
    assert results[0::2] == [set()] * 8
    assert all("BR-CO-10" in rules for rules in results[1::2])
