"""The staff invoice pages: who opens and changes what, every form's refusals, the life of an invoice
through its pages (draft, lines, issue, payments, credit notes, void), its files read back, the
panels on the client and project pages, and a fixed number of queries on the list."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pypdf
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from khata.billing.models import Invoice, InvoiceLine, Payment
from khata.billing.services import (
    credit_note_issue,
    invoice_create,
    invoice_issue,
    invoice_line_add,
    payment_record,
)
from khata.clients.models import Client
from khata.core.agency import agency_update
from khata.core.models import Agency, Event
from khata.documents.models import Document
from khata.people.models import User
from khata.plans.models import Project

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "contact_a", "contact_b", "admin", "am", "other_am", "finance", "specialist"]
TODAY = timezone.localdate


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
def billed(client_a: Client) -> Client:
    client_a.tax_id = "29AAGCB7383J1Z4"
    client_a.billing_address = "2 MG Road\nBengaluru 560001"
    client_a.payment_terms_days = 15
    client_a.save()
    return client_a


def make_draft(by: User, client: Client, *, price: int = 10_000_00, **values: Any) -> Invoice:
    invoice = invoice_create(by=by, client=client, **values)
    invoice_line_add(invoice=invoice, by=by, description="Website audit", unit_price_minor=price)
    return invoice


@pytest.fixture
def draft(finance: User, billed: Client) -> Invoice:
    """₹10,000 + 18 % = ₹11,800."""
    return make_draft(finance, billed)


@pytest.fixture
def issued(finance: User, draft: Invoice) -> Invoice:
    return invoice_issue(invoice=draft, by=finance)


def snapshot(invoice: Invoice) -> tuple[Any, ...]:
    """What a refused request must leave as it was."""
    row = (
        Invoice.objects.filter(pk=invoice.pk)
        .values_list(
            "status", "number", "due_date", "note", "total_minor", "amount_paid_minor", "credited_minor"
        )
        .first()
    )
    return (
        row,
        Invoice.objects.count(),
        sorted(
            InvoiceLine.objects.values_list(
                "description", "quantity_milli", "unit_price_minor", "tax_rate_bp"
            )
        ),
        Payment.objects.count(),
        Event.objects.count(),
    )


def expect(response: Any, persona: str, allowed: dict[str, int], default: int = 404) -> None:
    """Anonymous → sign in; a contact or a specialist → 403; someone who does not see it → 404."""
    if persona == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        return
    if persona in {"contact_a", "contact_b", "specialist"}:
        assert response.status_code == 403, (persona, response.status_code)
        return
    assert response.status_code == allowed.get(persona, default), (persona, response.status_code)


def text_of(response: Any) -> str:
    return response.content.decode()


# --- who opens what -------------------------------------------------------------------------------

EVERY_BILLER = {"admin": 200, "am": 200, "other_am": 200, "finance": 200}
SEES_CLIENT_A = {"admin": 200, "am": 200, "finance": 200}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", ["list", "new", "from_acts", "detail", "edit", "line_edit", "pdf"])
def test_pages_answer_each_persona(http_as: Any, draft: Invoice, persona: str, page: str) -> None:
    line = draft.lines.get()
    url, allowed = {
        "list": (reverse("billing:list"), EVERY_BILLER),
        "new": (reverse("billing:new"), EVERY_BILLER),
        "from_acts": (reverse("billing:from_acts"), EVERY_BILLER),
        "detail": (reverse("billing:detail", args=[draft.pk]), SEES_CLIENT_A),
        "edit": (reverse("billing:edit", args=[draft.pk]), SEES_CLIENT_A),
        "line_edit": (reverse("billing:line_edit", args=[line.pk]), SEES_CLIENT_A),
        "pdf": (reverse("billing:pdf", args=[draft.pk]), SEES_CLIENT_A),
    }[page]
    expect(http_as(persona).get(url), persona, allowed)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", ["facturx", "ubl"])
def test_einvoice_downloads_answer_each_persona(
    http_as: Any, issued: Invoice, persona: str, page: str
) -> None:
    response = http_as(persona).get(reverse(f"billing:{page}", args=[issued.pk]))
    expect(response, persona, SEES_CLIENT_A)


def test_a_missing_invoice_answers_404(http_as: Any, admin: User) -> None:
    assert http_as("admin").get(reverse("billing:detail", args=[999_999])).status_code == 404
    assert http_as("admin").get(reverse("billing:line_edit", args=[999_999])).status_code == 404


# What each action answers: the AM of client A bills it but records no payment; finance does both.
ACTIONS: dict[str, tuple[str, dict[str, str], dict[str, int]]] = {
    "issue": ("draft", {}, {"admin": 302, "am": 302, "finance": 302}),
    "edit": (
        "draft",
        {"issue_date": "2026-11-01", "due_date": "2026-12-01"},
        {"admin": 302, "am": 302, "finance": 302},
    ),
    "line_add": (
        "draft",
        {
            "description": "More",
            "quantity": "1",
            "unit_code": "C62",
            "unit_price": "5",
            "tax_category": "S",
            "tax_rate": "18",
        },
        {"admin": 302, "am": 302, "finance": 302},
    ),
    "payment": (
        "issued",
        {"payment-amount": "100", "payment-received_on": "2026-11-02", "payment-method": "bank"},
        {"admin": 302, "am": 403, "finance": 302},
    ),
    "credit": (
        "issued",
        {"credit-amount": "100", "credit-reason": "Goodwill"},
        {"admin": 302, "am": 302, "finance": 302},
    ),
    "void": ("issued", {"void-reason": "Wrong client"}, {"admin": 302, "am": 302, "finance": 302}),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_actions_answer_each_persona_and_a_denied_one_changes_nothing(
    http_as: Any, finance: User, billed: Client, persona: str, action: str
) -> None:
    state, data, allowed = ACTIONS[action]
    invoice = make_draft(finance, billed, issue_date=dt.date(2026, 11, 1))
    if state == "issued":
        invoice = invoice_issue(invoice=invoice, by=finance)
    before = snapshot(invoice)
    response = http_as(persona).post(reverse(f"billing:{action}", args=[invoice.pk]), data)
    expect(response, persona, allowed)
    if response.status_code != 302 or persona == "anonymous":
        assert snapshot(invoice) == before


@pytest.mark.parametrize("persona", ["anonymous", "contact_a", "specialist", "other_am"])
def test_line_changes_are_denied_to_outsiders(http_as: Any, draft: Invoice, persona: str) -> None:
    line = draft.lines.get()
    before = snapshot(draft)
    edit = http_as(persona).post(reverse("billing:line_edit", args=[line.pk]), {"description": "Hacked"})
    remove = http_as(persona).post(reverse("billing:line_remove", args=[line.pk]))
    expect(edit, persona, {})
    expect(remove, persona, {})
    assert snapshot(draft) == before


# --- the list -------------------------------------------------------------------------------------


def test_the_list_shows_number_client_dates_total_balance_and_an_overdue_badge(
    http_as: Any, finance: User, billed: Client
) -> None:
    late = make_draft(
        finance, billed, issue_date=TODAY() - dt.timedelta(days=40), due_date=TODAY() - dt.timedelta(days=10)
    )
    late = invoice_issue(invoice=late, by=finance)
    html = text_of(http_as("finance").get(reverse("billing:list")))
    assert late.number in html and "Acme Retail" in html
    assert "₹11,800.00" in html
    assert "Overdue 10 days" in html and "badge--danger" in html


def test_an_am_sees_only_their_clients_invoices(
    http_as: Any, finance: User, billed: Client, client_b: Client
) -> None:
    mine = invoice_issue(invoice=make_draft(finance, billed), by=finance)
    theirs = invoice_issue(invoice=make_draft(finance, client_b), by=finance)
    html = text_of(http_as("am").get(reverse("billing:list")))
    assert mine.number in html and theirs.number not in html
    everything = text_of(http_as("admin").get(reverse("billing:list")))
    assert mine.number in everything and theirs.number in everything


@pytest.fixture
def states(finance: User, billed: Client) -> dict[str, Invoice]:
    """One invoice in each state."""
    today = TODAY()
    past: dict[str, Any] = {
        "issue_date": today - dt.timedelta(days=30),
        "due_date": today - dt.timedelta(days=5),
    }
    found = {"draft": make_draft(finance, billed)}
    found["issued"] = invoice_issue(invoice=make_draft(finance, billed), by=finance)
    found["partly_paid"] = invoice_issue(invoice=make_draft(finance, billed), by=finance)
    payment_record(invoice=found["partly_paid"], by=finance, amount_minor=100_00, received_on=today)
    found["paid"] = invoice_issue(invoice=make_draft(finance, billed), by=finance)
    payment_record(invoice=found["paid"], by=finance, amount_minor=11_800_00, received_on=today)
    found["overdue"] = invoice_issue(invoice=make_draft(finance, billed, **past), by=finance)
    found["credited"] = invoice_issue(invoice=make_draft(finance, billed), by=finance)
    found["note"] = credit_note_issue(invoice=found["credited"], by=finance, reason="Cancelled")
    return found


@pytest.mark.parametrize("state", ["draft", "issued", "partly_paid", "paid", "overdue", "credited"])
def test_the_state_filter_finds_exactly_the_invoices_in_that_state(
    http_as: Any, states: dict[str, Invoice], state: str
) -> None:
    response = http_as("finance").get(reverse("billing:list"), {"state": state})
    shown = {row.invoice.pk for row in response.context["rows"]}
    expected = {states[state].pk} | ({states["note"].pk} if state == "issued" else set())
    assert shown == expected
    for row in response.context["rows"]:
        assert row.state == state


def test_filters_by_client_name_kind_currency_period_and_number(
    http_as: Any, states: dict[str, Invoice], finance: User, client_b: Client
) -> None:
    usd = invoice_issue(invoice=make_draft(finance, client_b), by=finance)
    http = http_as("finance")

    def shown(**query: Any) -> set[int]:
        response = http.get(reverse("billing:list"), query)
        assert response.status_code == 200
        return {row.invoice.pk for row in response.context["rows"]}

    assert shown(client=client_b.pk) == {usd.pk}
    assert shown(currency="usd") == {usd.pk}
    assert shown(kind="credit") == {states["note"].pk}
    assert shown(number=states["paid"].number) == {states["paid"].pk}
    assert shown(number="CRN/") == {states["note"].pk}
    overdue = states["overdue"]
    assert shown(date_from=overdue.issue_date.isoformat(), date_to=overdue.issue_date.isoformat()) == {
        overdue.pk
    }


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"state": "lost"}, "state", "Choose a state from the list."),
        ({"kind": "receipt"}, "kind", "Choose invoice or credit note."),
        ({"currency": "rupees"}, "currency", "three-letter code"),
        ({"date_from": "yesterday"}, "date_from", "YYYY-MM-DD"),
        (
            {"date_from": "2026-05-01", "date_to": "2026-04-01"},
            "date_to",
            "The period ends before it starts.",
        ),
        ({"number": "INV 2026"}, "number", "only letters, digits"),
        ({"client": "abc"}, "client", "Choose one of your clients from the list."),
    ],
)
def test_a_bad_filter_value_is_named_beside_its_field_and_shows_no_rows(
    http_as: Any, states: dict[str, Invoice], query: dict[str, str], field: str, message: str
) -> None:
    response = http_as("finance").get(reverse("billing:list"), query)
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert message in " ".join(response.context["form"].errors[field])
    assert message.replace("'", "&#x27;") in text_of(response)


def _list_queries(http: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = http.get(reverse("billing:list"))
    assert response.status_code == 200
    return len(queries)


def test_the_list_costs_the_same_queries_for_3_or_30_rows(
    http_as: Any, finance: User, billed: Client, django_assert_num_queries: Any
) -> None:
    for _ in range(3):
        invoice_issue(invoice=make_draft(finance, billed), by=finance)
    http = http_as("finance")
    few = _list_queries(http)
    for _ in range(27):
        invoice_issue(invoice=make_draft(finance, billed), by=finance)
    with django_assert_num_queries(few):
        response = http.get(reverse("billing:list"))
    assert len(response.context["rows"]) == 30


def test_the_list_pages_by_keyset(http_as: Any, finance: User, billed: Client) -> None:
    for _ in range(52):
        Invoice.objects.create(client=billed, currency="INR", due_date=TODAY(), created_by=finance)
    http = http_as("finance")
    first = http.get(reverse("billing:list"))
    assert len(first.context["rows"]) == 50 and first.context["next_query"]
    second = http.get(reverse("billing:list") + first.context["next_query"])
    assert len(second.context["rows"]) == 2
    seen = {row.invoice.pk for row in first.context["rows"]} | {
        row.invoice.pk for row in second.context["rows"]
    }
    assert len(seen) == 52


# --- a new draft ----------------------------------------------------------------------------------


def test_a_new_invoice_is_prefilled_from_the_client_and_its_payment_terms(
    http_as: Any, billed: Client, project: Project
) -> None:
    form = http_as("am").get(reverse("billing:new"), {"client": billed.pk}).context["form"]
    assert form.initial["client"] == billed.pk
    assert form.initial["due_date"] == TODAY() + dt.timedelta(days=15)
    form = http_as("am").get(reverse("billing:new"), {"project": project.pk}).context["form"]
    assert form.initial["client"] == project.client_id and form.initial["project"] == project.pk


def test_a_new_draft_is_due_by_the_clients_terms(http_as: Any, billed: Client, am: User) -> None:
    response = http_as("am").post(
        reverse("billing:new"),
        {"client": billed.pk, "issue_date": "2026-11-02", "buyer_reference": "PO-1", "note": "Thanks"},
    )
    invoice = Invoice.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "billing:detail", args=[invoice.pk]
    )
    assert invoice.is_draft and invoice.currency == "INR" and invoice.created_by == am
    assert invoice.due_date == dt.date(2026, 11, 17) and invoice.buyer_reference == "PO-1"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"issue_date": "2026-11-02", "due_date": "2026-11-01"},
            "due_date",
            "The due date comes before the issue date.",
        ),
        ({"issue_date": "2 Nov"}, "issue_date", "YYYY-MM-DD"),
        ({"issue_date": ""}, "issue_date", "This field is required."),
        ({"issue_date": "2026-11-02", "client": "0"}, "client", "Select a valid choice"),
    ],
)
def test_a_bad_new_invoice_is_refused_beside_the_field(
    http_as: Any, billed: Client, data: dict[str, str], field: str, message: str
) -> None:
    events = Event.objects.count()
    response = http_as("am").post(reverse("billing:new"), {"client": billed.pk} | data)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not Invoice.objects.exists() and Event.objects.count() == events


def test_another_clients_project_is_refused(
    http_as: Any, admin: User, billed: Client, client_b: Client
) -> None:
    foreign = Project.objects.create(client=client_b, name="Borealis launch", owner=client_b.owner)
    response = http_as("admin").post(
        reverse("billing:new"), {"client": billed.pk, "project": foreign.pk, "issue_date": "2026-11-02"}
    )
    assert response.status_code == 400 and "project" in response.context["form"].errors
    assert not Invoice.objects.exists()


def test_an_am_cannot_bill_another_ams_client(http_as: Any, billed: Client) -> None:
    response = http_as("other_am").post(
        reverse("billing:new"), {"client": billed.pk, "issue_date": "2026-11-02"}
    )
    assert response.status_code == 400 and "client" in response.context["form"].errors
    assert not Invoice.objects.exists()


# --- from accepted acts ---------------------------------------------------------------------------


def test_a_draft_bills_the_clients_accepted_acts_once(
    http_as: Any, billed: Client, accepted_act: Document
) -> None:
    http = http_as("finance")
    page = http.get(reverse("billing:from_acts"), {"act": accepted_act.pk})
    assert page.context["client"] == billed and accepted_act.number in text_of(page)
    response = http.post(
        reverse("billing:from_acts"),
        {"client": billed.pk, "acts": [accepted_act.pk], "tax_rate": "18", "issue_date": "2026-12-31"},
    )
    invoice = Invoice.objects.get()
    assert response["Location"] == reverse("billing:detail", args=[invoice.pk])
    assert invoice.total_minor == 110_000_00 + 19_800_00 and invoice.lines.count() == 2
    again = http.get(reverse("billing:from_acts"), {"client": billed.pk})
    assert list(again.context["acts"]) == [] and "No accepted act waits for an invoice" in text_of(again)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"acts": []}, "acts"),
        ({"acts": ["999999"]}, "acts"),
        ({"tax_rate": "120"}, "tax_rate"),
        ({"issue_date": "soon"}, "issue_date"),
    ],
)
def test_bad_choices_of_acts_are_refused(
    http_as: Any, billed: Client, accepted_act: Document, data: dict[str, Any], field: str
) -> None:
    values = {
        "client": billed.pk,
        "acts": [accepted_act.pk],
        "tax_rate": "18",
        "issue_date": "2026-12-31",
    } | data
    response = http_as("finance").post(reverse("billing:from_acts"), values)
    assert response.status_code == 400 and field in response.context["form"].errors
    assert not Invoice.objects.exists()


def test_an_unknown_client_for_acts_is_a_clear_refusal(http_as: Any, billed: Client) -> None:
    response = http_as("other_am").get(reverse("billing:from_acts"), {"client": billed.pk})
    assert response.status_code == 400 and "Choose one of your clients" in text_of(response)


# --- a draft through its page ---------------------------------------------------------------------


def test_a_draft_is_built_edited_and_issued_through_its_page(http_as: Any, draft: Invoice) -> None:
    http = http_as("am")
    page = http.get(reverse("billing:detail", args=[draft.pk]))
    html = text_of(page)
    assert "DRAFT" in html and "Add a line" in html and "data-confirm" in html
    assert "Tax 18% on ₹10,000.00" in html
    response = http.post(
        reverse("billing:line_add", args=[draft.pk]),
        {
            "description": "Copywriting",
            "service": "copy",
            "quantity": "2.5",
            "unit_code": "HUR",
            "unit_price": "1200",
            "discount": "100",
            "tax_category": "S",
            "tax_rate": "5",
        },
    )
    assert response.status_code == 302
    line = draft.lines.get(description="Copywriting")
    assert (line.quantity_milli, line.unit_price_minor, line.discount_minor, line.tax_rate_bp) == (
        2500,
        1200_00,
        100_00,
        500,
    )
    assert line.net_minor == 2900_00
    edit = http.post(
        reverse("billing:line_edit", args=[line.pk]),
        {
            "description": "Copy",
            "quantity": "3",
            "unit_code": "HUR",
            "unit_price": "1000",
            "tax_category": "S",
            "tax_rate": "5",
        },
    )
    assert edit.status_code == 302
    line.refresh_from_db()
    assert line.description == "Copy" and line.net_minor == 3000_00
    header = http.post(
        reverse("billing:edit", args=[draft.pk]),
        {
            "issue_date": "2026-11-02",
            "due_date": "2026-11-30",
            "buyer_reference": "PO-9",
            "note": "Thank you",
        },
    )
    assert header.status_code == 302
    assert http.post(reverse("billing:line_remove", args=[line.pk])).status_code == 302
    assert not InvoiceLine.objects.filter(pk=line.pk).exists()
    issued = http.post(reverse("billing:issue", args=[draft.pk]))
    draft.refresh_from_db()
    assert issued.status_code == 302 and draft.number.startswith("INV/")
    assert draft.due_date == dt.date(2026, 11, 30) and draft.buyer_reference == "PO-9"
    page = text_of(http.get(reverse("billing:detail", args=[draft.pk])))
    assert draft.number in page and "Issue a credit note" in page
    assert "Add a line" not in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"description": ""}, "description", "This field is required."),
        ({"quantity": "0"}, "quantity", "greater than or equal to 0.001"),
        ({"unit_price": "-5"}, "unit_price", "greater than or equal to 0"),
        ({"unit_price": "abc"}, "unit_price", "Enter a number."),
        ({"discount": "500000"}, "discount", "The discount is larger than the line's amount."),
        ({"tax_rate": "150"}, "tax_rate", "less than or equal to 100"),
        (
            {"tax_category": "E", "tax_rate": "18"},
            "tax_rate",
            "Only the standard category has a tax rate above zero.",
        ),
        ({"tax_category": "X"}, "tax_category", "Select a valid choice"),
    ],
)
def test_a_bad_line_is_refused_beside_its_field_and_nothing_changes(
    http_as: Any, draft: Invoice, data: dict[str, str], field: str, message: str
) -> None:
    values = {
        "description": "Extra",
        "quantity": "1",
        "unit_code": "C62",
        "unit_price": "100",
        "tax_category": "S",
        "tax_rate": "18",
    }
    before = snapshot(draft)
    response = http_as("finance").post(reverse("billing:line_add", args=[draft.pk]), values | data)
    assert response.status_code == 400
    assert message in " ".join(response.context["line_form"].errors[field])
    assert snapshot(draft) == before
    line = draft.lines.get()
    response = http_as("finance").post(reverse("billing:line_edit", args=[line.pk]), values | data)
    assert response.status_code == 400 and message in " ".join(response.context["form"].errors[field])
    assert snapshot(draft) == before


def test_a_bad_header_is_refused(http_as: Any, draft: Invoice) -> None:
    before = snapshot(draft)
    response = http_as("finance").post(
        reverse("billing:edit", args=[draft.pk]), {"issue_date": "2026-11-10", "due_date": "2026-11-01"}
    )
    assert response.status_code == 400 and "due_date" in response.context["form"].errors
    assert snapshot(draft) == before


def test_an_invoice_without_lines_is_not_issued(http_as: Any, finance: User, billed: Client) -> None:
    empty = invoice_create(by=finance, client=billed)
    before = snapshot(empty)
    response = http_as("finance").post(reverse("billing:issue", args=[empty.pk]))
    assert response.status_code == 400 and "An invoice needs at least one line." in text_of(response)
    assert snapshot(empty) == before


# --- an issued invoice is frozen ------------------------------------------------------------------


def test_an_issued_invoice_cannot_be_changed_through_the_pages(http_as: Any, issued: Invoice) -> None:
    http = http_as("finance")
    line = issued.lines.get()
    before = snapshot(issued)
    edit_page = http.get(reverse("billing:edit", args=[issued.pk]))
    assert edit_page.status_code == 302
    refused = [
        http.post(reverse("billing:edit", args=[issued.pk]), {"issue_date": "2026-11-02", "note": "changed"}),
        http.post(
            reverse("billing:line_add", args=[issued.pk]),
            {
                "description": "More",
                "quantity": "1",
                "unit_code": "C62",
                "unit_price": "5",
                "tax_category": "S",
                "tax_rate": "18",
            },
        ),
        http.post(
            reverse("billing:line_edit", args=[line.pk]),
            {
                "description": "Changed",
                "quantity": "1",
                "unit_code": "C62",
                "unit_price": "5",
                "tax_category": "S",
                "tax_rate": "18",
            },
        ),
        http.post(reverse("billing:line_remove", args=[line.pk])),
        http.post(reverse("billing:issue", args=[issued.pk])),
    ]
    for response in refused:
        assert response.status_code == 400
        assert "An issued invoice is never changed" in text_of(response)
    assert snapshot(issued) == before


# --- payments, credit notes, void -----------------------------------------------------------------


def test_finance_records_a_partial_payment_and_an_over_payment_is_refused(
    http_as: Any, issued: Invoice
) -> None:
    http = http_as("finance")
    page = text_of(http.get(reverse("billing:detail", args=[issued.pk])))
    assert "Record a payment" in page
    response = http.post(
        reverse("billing:payment", args=[issued.pk]),
        {
            "payment-amount": "5000",
            "payment-received_on": TODAY().isoformat(),
            "payment-method": "upi",
            "payment-reference": "UTR-1",
        },
    )
    assert response.status_code == 302
    issued.refresh_from_db()
    assert issued.amount_paid_minor == 5000_00 and issued.state() == "partly_paid"
    before = snapshot(issued)
    over = http.post(
        reverse("billing:payment", args=[issued.pk]),
        {"payment-amount": "7000", "payment-received_on": TODAY().isoformat(), "payment-method": "bank"},
    )
    assert over.status_code == 400
    assert "would over-pay the invoice" in " ".join(over.context["payment_form"].errors["amount"])
    assert snapshot(issued) == before
    page = text_of(http.get(reverse("billing:detail", args=[issued.pk])))
    assert "UTR-1" in page and "₹6,800.00" in page


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"payment-amount": "0"}, "amount"),
        ({"payment-amount": "abc"}, "amount"),
        ({"payment-received_on": "2999-01-01"}, "received_on"),
        ({"payment-received_on": "tomorrow"}, "received_on"),
        ({"payment-method": "gold"}, "method"),
    ],
)
def test_a_bad_payment_is_refused_beside_its_field(
    http_as: Any, issued: Invoice, data: dict[str, str], field: str
) -> None:
    values = {
        "payment-amount": "100",
        "payment-received_on": TODAY().isoformat(),
        "payment-method": "bank",
    } | data
    before = snapshot(issued)
    response = http_as("finance").post(reverse("billing:payment", args=[issued.pk]), values)
    assert response.status_code == 400 and field in response.context["payment_form"].errors
    assert snapshot(issued) == before


def test_an_am_sees_no_payment_form(http_as: Any, issued: Invoice) -> None:
    html = text_of(http_as("am").get(reverse("billing:detail", args=[issued.pk])))
    assert "Record a payment" not in html and "Issue a credit note" in html


def test_a_partial_then_full_credit_note_through_the_page(http_as: Any, issued: Invoice) -> None:
    http = http_as("am")
    response = http.post(
        reverse("billing:credit", args=[issued.pk]),
        {"credit-amount": "1800", "credit-reason": "Late delivery"},
    )
    assert response.status_code == 302
    issued.refresh_from_db()
    assert issued.credited_minor == 1800_00 and issued.balance_minor == 10_000_00
    note = Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE)
    page = text_of(http.get(reverse("billing:detail", args=[issued.pk])))
    assert note.number in page and "Late delivery" in page
    note_page = text_of(http.get(reverse("billing:detail", args=[note.pk])))
    assert issued.number in note_page and "Credit note" in note_page
    http.post(
        reverse("billing:credit", args=[issued.pk]), {"credit-full": "on", "credit-reason": "Cancelled"}
    )
    issued.refresh_from_db()
    assert issued.balance_minor == 0 and issued.state() == "credited"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"credit-amount": "100", "credit-reason": ""}, "reason"),
        ({"credit-reason": "Why"}, "amount"),
        ({"credit-amount": "0", "credit-reason": "Why"}, "amount"),
        ({"credit-amount": "99999", "credit-reason": "Why"}, "amount"),
    ],
)
def test_a_bad_credit_note_is_refused(
    http_as: Any, issued: Invoice, data: dict[str, str], field: str
) -> None:
    before = snapshot(issued)
    response = http_as("finance").post(reverse("billing:credit", args=[issued.pk]), data)
    assert response.status_code == 400 and field in response.context["credit_form"].errors
    assert snapshot(issued) == before


def test_void_needs_a_reason_and_is_refused_once_paid(http_as: Any, finance: User, issued: Invoice) -> None:
    http = http_as("finance")
    before = snapshot(issued)
    response = http.post(reverse("billing:void", args=[issued.pk]), {"void-reason": ""})
    assert response.status_code == 400 and "reason" in response.context["void_form"].errors
    assert snapshot(issued) == before
    payment_record(invoice=issued, by=finance, amount_minor=100_00, received_on=TODAY())
    before = snapshot(issued)
    response = http.post(reverse("billing:void", args=[issued.pk]), {"void-reason": "Wrong"})
    assert response.status_code == 400 and "credit the rest instead of voiding it" in text_of(response)
    assert snapshot(issued) == before


def test_void_issues_a_full_credit_note(http_as: Any, issued: Invoice) -> None:
    response = http_as("am").post(reverse("billing:void", args=[issued.pk]), {"void-reason": "Wrong client"})
    assert response.status_code == 302
    issued.refresh_from_db()
    assert issued.state() == "credited"
    assert Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE).total_minor == issued.total_minor


def test_the_page_shows_the_history_and_the_reminder_sections(
    http_as: Any, issued: Invoice, finance: User
) -> None:
    payment_record(invoice=issued, by=finance, amount_minor=100_00, received_on=TODAY())
    response = http_as("finance").get(reverse("billing:detail", args=[issued.pk]))
    events = response.context["page"].events
    assert {event.kind for event in events} >= {
        "billing.invoice_drafted",
        "billing.invoice_issued",
        "billing.payment_recorded",
    }
    templates = {template.name for template in response.templates}
    assert {"billing/_promises.html", "billing/_reminders.html"} <= templates


# --- files ----------------------------------------------------------------------------------------


def _download(response: Any) -> bytes:
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    return bytes(response.content)


def test_the_pdf_reads_back_its_number(http_as: Any, issued: Invoice) -> None:
    body = _download(http_as("am").get(reverse("billing:pdf", args=[issued.pk]), {"lang": "ru"}))
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(body)).pages)
    assert issued.number in text


def test_the_ubl_parses_and_names_the_invoice(http_as: Any, issued: Invoice) -> None:
    body = _download(http_as("finance").get(reverse("billing:ubl", args=[issued.pk])))
    root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    ids = [
        element.text
        for element in root.iter("{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}ID")
    ]
    assert issued.number in ids


def test_the_facturx_pdf_carries_its_xml(http_as: Any, issued: Invoice) -> None:
    body = _download(http_as("finance").get(reverse("billing:facturx", args=[issued.pk])))
    reader = pypdf.PdfReader(io.BytesIO(body))
    assert "factur-x.xml" in reader.attachments
    assert issued.number.encode() in reader.attachments["factur-x.xml"][0]


def test_a_failed_einvoice_check_is_a_message_not_a_500(
    http_as: Any, finance: User, draft: Invoice, issued: Invoice
) -> None:
    other = make_draft(finance, issued.client)
    response = http_as("finance").get(reverse("billing:ubl", args=[other.pk]))
    assert response.status_code == 409 and "A draft has no e-invoice" in text_of(response)
    Agency.objects.update(tax_id="")
    for name in ("ubl", "facturx"):
        response = http_as("finance").get(reverse(f"billing:{name}", args=[issued.pk]))
        assert response.status_code == 409
        assert "BR-S-02" in text_of(response) and "This file cannot be made." in text_of(response)


# --- panels and the top bar -----------------------------------------------------------------------


def test_the_client_page_shows_its_invoices_and_what_it_owes(http_as: Any, issued: Invoice) -> None:
    html = text_of(http_as("am").get(reverse("clients:detail", args=[issued.client_id])))
    assert issued.number in html and "₹11,800.00" in html
    assert reverse("billing:list") + f"?client={issued.client_id}" in html
    assert reverse("billing:from_acts") + f"?client={issued.client_id}" in html
    assert issued.number not in text_of(
        http_as("specialist").get(reverse("clients:detail", args=[issued.client_id]))
    )


def test_the_project_page_shows_its_invoices(
    http_as: Any, finance: User, billed: Client, project: Project
) -> None:
    invoice = invoice_issue(invoice=make_draft(finance, billed, project=project), by=finance)
    html = text_of(http_as("am").get(reverse("plans:detail", args=[project.pk])))
    assert invoice.number in html and f"{reverse('billing:new')}?project={project.pk}" in html
