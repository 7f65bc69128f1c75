"""The client's invoices in the portal: who reaches them (another company's answers 404 on every
route, a draft is never there), what is due and overdue on top, the invoice page with its payments
and credit notes, the files read back (PDF text, Factur-X XML, UBL), the portal home's section, the
project panel, and a list that costs the same with 3 or 30 invoices."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from facturx import get_xml_from_pdf
from lxml import etree

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
from khata.people.models import User
from khata.plans.models import Project
from khata.plans.services import project_create

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"


@pytest.fixture(autouse=True)
def agency(admin: User) -> None:
    agency_update(
        by=admin,
        name="Khata Studio",
        legal_name="Khata Studio Private Limited",
        address="14 Linking Road\nBandra West\nMumbai 400050",
        tax_id="27AAPFU0939F1ZV",
        email="billing@khata.example",
    )


def _billed(client: Client) -> Client:
    client.tax_id = "29AAGCB7383J1Z4" if client.country == "IN" else ""
    client.billing_address = "2 MG Road\nBengaluru 560001"
    client.save()
    return client


def _issued(
    finance: User,
    client: Client,
    *,
    description: str,
    price: int,
    late: int = 0,
    project: Project | None = None,
    issue: bool = True,
) -> Invoice:
    """An invoice for one line at 18 % tax, due ``late`` days before today (negative: not yet due)."""
    due = TODAY - dt.timedelta(days=late)
    invoice = invoice_create(
        by=finance, client=client, issue_date=due - dt.timedelta(days=15), due_date=due, project=project
    )
    invoice_line_add(invoice=invoice, by=finance, description=description, unit_price_minor=price)
    if not issue:
        return invoice
    return invoice_issue(invoice=invoice, by=finance)


@pytest.fixture
def billed_a(client_a: Client) -> Client:
    return _billed(client_a)


@pytest.fixture
def overdue(finance: User, billed_a: Client) -> Invoice:
    """₹1,000 + 18 % = ₹1,180, due 12 days ago, ₹400 paid."""
    invoice = _issued(finance, billed_a, description="Keyword research", price=100000, late=12)
    payment_record(invoice=invoice, by=finance, amount_minor=40000, received_on=TODAY - dt.timedelta(days=3))
    invoice.refresh_from_db()
    return invoice


@pytest.fixture
def due(finance: User, billed_a: Client) -> Invoice:
    """₹500 + 18 % = ₹590, due in 10 days."""
    return _issued(finance, billed_a, description="Landing page copy", price=50000, late=-10)


@pytest.fixture
def paid(finance: User, billed_a: Client) -> Invoice:
    invoice = _issued(finance, billed_a, description="Site audit", price=20000, late=30)
    payment_record(
        invoice=invoice, by=finance, amount_minor=invoice.total_minor, received_on=invoice.due_date
    )
    invoice.refresh_from_db()
    return invoice


@pytest.fixture
def draft(finance: User, billed_a: Client) -> Invoice:
    return _issued(finance, billed_a, description="Secret draft work", price=7000, issue=False)


@pytest.fixture
def theirs(finance: User, client_b: Client) -> Invoice:
    return _issued(finance, _billed(client_b), description="Borealis hidden work", price=90000, late=5)


def _as(user: User) -> HttpClient:
    http = HttpClient()
    http.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return http


# --- who reaches what ---------------------------------------------------------------------------

ROUTES = ["portal:invoice", "portal:invoice_pdf", "portal:invoice_facturx", "portal:invoice_ubl"]


@pytest.mark.parametrize("name", ROUTES)
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("admin", 302),
        ("am", 302),
        ("finance", 302),
        ("specialist", 302),
        ("contact_a", 200),
        ("contact_b", 404),
    ],
)
def test_the_invoice_routes_permission_matrix(
    http_as: Any, overdue: Invoice, name: str, persona: str, expected: int
) -> None:
    before = list(Invoice.objects.order_by("pk").values())
    response = http_as(persona).get(reverse(name, args=[overdue.pk]))
    assert response.status_code == expected
    if expected == 302:
        target = "/accounts/login/" if persona == "anonymous" else reverse("insights:today")
        assert response["Location"].startswith(target)
    if expected != 200:
        assert overdue.number.encode() not in response.content
    assert list(Invoice.objects.order_by("pk").values()) == before


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 302), ("am", 302), ("finance", 302), ("contact_a", 200), ("contact_b", 200)],
)
def test_the_invoices_list_permission_matrix(
    http_as: Any, overdue: Invoice, persona: str, expected: int
) -> None:
    response = http_as(persona).get(reverse("portal:invoices"))
    assert response.status_code == expected
    assert (overdue.number in response.content.decode()) is (persona == "contact_a")


@pytest.mark.parametrize("name", ROUTES)
def test_another_companys_invoice_is_404_on_every_route_and_method(
    contact_a: User, theirs: Invoice, name: str
) -> None:
    http = _as(contact_a)
    url = reverse(name, args=[theirs.pk])
    for method in ("get", "post", "put", "delete"):
        response = getattr(http, method)(url)
        assert response.status_code in (404, 405), (method, response.status_code)
        assert b"Borealis" not in response.content
    assert http.get(url).status_code == 404
    assert "Borealis hidden work" not in http.get(reverse("portal:invoices")).content.decode()


@pytest.mark.parametrize("name", ROUTES)
def test_a_draft_is_never_in_the_portal(contact_a: User, draft: Invoice, name: str) -> None:
    http = _as(contact_a)
    assert http.get(reverse(name, args=[draft.pk])).status_code == 404
    assert "Secret draft work" not in http.get(reverse("portal:invoices")).content.decode()


# --- the list and the page ----------------------------------------------------------------------


def test_what_is_overdue_and_due_comes_first_then_what_is_settled(
    contact_a: User, overdue: Invoice, due: Invoice, paid: Invoice, finance: User
) -> None:
    credit = credit_note_issue(invoice=due, by=finance, reason="Fewer pages", amount_minor=10000)
    response = _as(contact_a).get(reverse("portal:invoices"))
    assert response.status_code == 200
    [late] = response.context["overdue"]
    assert (late.invoice, late.balance_minor, late.days_late) == (overdue, 78000, 12)
    [soon] = response.context["due"]
    assert (soon.invoice, soon.balance_minor, soon.days_late) == (due, 49000, 0)
    assert [invoice.pk for invoice in response.context["settled"]] == [credit.pk, paid.pk]
    page = response.content.decode()
    assert page.index(overdue.number) < page.index(due.number) < page.index(paid.number)
    assert "₹780.00" in page and "12 days late" in page
    assert "₹490.00" in page


def test_the_invoice_page_shows_lines_totals_payments_balance_and_credit_notes(
    contact_a: User, overdue: Invoice, finance: User
) -> None:
    credit = credit_note_issue(invoice=overdue, by=finance, reason="Goodwill", amount_minor=11800)
    response = _as(contact_a).get(reverse("portal:invoice", args=[overdue.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        overdue.number,
        "Keyword research",
        "Tax 18% on ₹1,000.00",
        "₹180.00",
        "₹1,180.00",  # the total
        "Payments received",
        "₹400.00",  # the payment
        "₹662.00",  # the balance: 1,180 − 400 − 118
        "12 days late",
        credit.number,
    ):
        assert text in page, text
    note = _as(contact_a).get(reverse("portal:invoice", args=[credit.pk])).content.decode()
    assert f"invoice {overdue.number}" in note and "Goodwill" in note


# --- the files ----------------------------------------------------------------------------------


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    assert shutil.which("pdftotext"), "poppler-utils is missing: make system-deps"
    path = tmp_path / "invoice.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return " ".join(done.stdout.decode().split())


def _attachment(response: Any, filename: str, content_type: str) -> bytes:
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    return bytes(response.content)


def test_the_pdf_reads_back_the_number_and_the_balance(
    contact_a: User, overdue: Invoice, tmp_path: Path
) -> None:
    stem = overdue.number.replace("/", "-")
    body = _attachment(
        _as(contact_a).get(reverse("portal:invoice_pdf", args=[overdue.pk])), f"{stem}.pdf", "application/pdf"
    )
    text = _pdf_text(body, tmp_path)
    assert overdue.number in text
    assert "780.00" in text  # what is left to pay


def test_the_pdf_prints_in_the_language_asked(contact_a: User, overdue: Invoice, tmp_path: Path) -> None:
    response = _as(contact_a).get(reverse("portal:invoice_pdf", args=[overdue.pk]), {"lang": "ru"})
    text = _pdf_text(
        _attachment(response, f"{overdue.number.replace('/', '-')}.pdf", "application/pdf"), tmp_path
    )
    # Russian number and date formats (Babel), whatever the compiled catalogue holds
    assert "780,00" in text and "ноября" in text


def test_the_facturx_pdf_carries_the_invoice_xml(contact_a: User, overdue: Invoice) -> None:
    stem = overdue.number.replace("/", "-")
    body = _attachment(
        _as(contact_a).get(reverse("portal:invoice_facturx", args=[overdue.pk])),
        f"{stem}-facturx.pdf",
        "application/pdf",
    )
    _name, xml = get_xml_from_pdf(io.BytesIO(body), check_xsd=False)
    assert overdue.number.encode() in xml


def test_the_ubl_parses_with_the_number_and_the_total(contact_a: User, overdue: Invoice) -> None:
    stem = overdue.number.replace("/", "-")
    body = _attachment(
        _as(contact_a).get(reverse("portal:invoice_ubl", args=[overdue.pk])), f"{stem}.xml", "application/xml"
    )
    root = etree.fromstring(body)
    assert etree.QName(root).namespace == UBL_INVOICE
    assert root.findtext(f"{{{CBC}}}ID") == overdue.number
    assert root.xpath("string(//cbc:PayableAmount)", namespaces={"cbc": CBC}) == "780.00"


# --- the home's section and the project panel ---------------------------------------------------


def test_the_home_lists_the_invoices_to_pay(
    contact_a: User, overdue: Invoice, due: Invoice, paid: Invoice
) -> None:
    response = _as(contact_a).get(reverse("portal:home"))
    assert response.status_code == 200
    [section] = [card for card in response.context["home"].sections if card.key == "invoices"]
    assert section.total == 2
    assert [item["url"] for item in section.items] == [
        reverse("portal:invoice", args=[overdue.pk]),
        reverse("portal:invoice", args=[due.pk]),
    ]
    page = response.content.decode()
    assert f"{overdue.number} · ₹780.00 to pay" in page
    assert "overdue by 12 days" in page
    assert reverse("portal:invoices") in page  # the way to every invoice


def test_the_home_says_when_nothing_is_to_pay(contact_a: User, paid: Invoice) -> None:
    response = _as(contact_a).get(reverse("portal:home"))
    assert "No invoice waits for payment." in response.content.decode()


def test_the_project_page_shows_its_invoices(
    contact_a: User, billed_a: Client, am: User, finance: User, overdue: Invoice
) -> None:
    project = project_create(client=billed_a, by=am, name="Spring campaign", services="SEO")
    billed = _issued(finance, billed_a, description="Campaign set-up", price=30000, project=project)
    response = _as(contact_a).get(reverse("portal:project", args=[project.pk]))
    page = response.content.decode()
    assert billed.number in page and overdue.number not in page
    bare = project_create(client=billed_a, by=am, name="Quiet project", services="SEO")
    assert (
        'id="panel-invoices"'
        not in _as(contact_a).get(reverse("portal:project", args=[bare.pk])).content.decode()
    )


# --- the cost -----------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_costs_the_same_with_3_or_30_invoices(
    contact_a: User, finance: User, billed_a: Client, count: int, django_assert_num_queries: Any
) -> None:
    for n in range(count):
        invoice = _issued(finance, billed_a, description=f"Work {n}", price=1000 + n, late=n - count // 2)
        if n % 3 == 0:
            payment_record(invoice=invoice, by=finance, amount_minor=invoice.total_minor, received_on=TODAY)
    http = _as(contact_a)
    # session, user, contact; the open invoices and one page of the settled ones, each after the scope
    with django_assert_num_queries(7):
        response = http.get(reverse("portal:invoices"))
    assert response.status_code == 200
    shown = len(response.context["overdue"]) + len(response.context["due"]) + len(response.context["settled"])
    assert shown == count


@pytest.mark.parametrize("count", [3, 30])
def test_the_invoice_page_costs_the_same_with_3_or_30_lines_and_payments(
    contact_a: User, finance: User, billed_a: Client, count: int, django_assert_num_queries: Any
) -> None:
    invoice = invoice_create(by=finance, client=billed_a, due_date=TODAY + dt.timedelta(days=5))
    for n in range(count):
        invoice_line_add(invoice=invoice, by=finance, description=f"Work {n}", unit_price_minor=10000 + n)
    invoice = invoice_issue(invoice=invoice, by=finance)
    for n in range(count):
        payment_record(invoice=invoice, by=finance, amount_minor=100, received_on=TODAY, reference=f"UTR {n}")
    credit_note_issue(invoice=invoice, by=finance, reason="Goodwill", amount_minor=100)
    http = _as(contact_a)
    # session, user, contact; the invoice, its lines, its payments and its credit notes, the reads
    # scoped by the contact's client (``client_scope``)
    with django_assert_num_queries(9):
        response = http.get(reverse("portal:invoice", args=[invoice.pk]))
    assert response.status_code == 200
    assert len(response.context["lines"]) == count and len(response.context["payments"]) == count
