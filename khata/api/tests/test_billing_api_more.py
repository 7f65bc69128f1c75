"""More of billing through the API: a draft's header, payments, credit notes, files, receivables and
drafts from accepted acts.

The same cast as ``test_billing_api``: client A (``am``'s) has a draft and an issued invoice of
₹11,800 with a payment of ₹5,000 on it; client B has an issued invoice of its own. Receivables are
read by the head, finance and account managers (each their own clients); a specialist and a client
contact get 403. A refused request says why, never answers 500 and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from pypdf import PdfReader

from khata.api.tests.helpers import call, results
from khata.api.tests.test_billing_api import (
    PERSONAS,
    Bills,
    Expect,
    _http,
    _invoice,
    bills,
    row,
)
from khata.api.tests.test_billing_api import (
    _state as _billing_state,
)
from khata.billing.models import Invoice, Payment, PaymentPromise
from khata.billing.services import credit_note_issue, payment_record
from khata.billing.tests.conftest import accepted_act
from khata.clients.models import Client
from khata.core.agency import agency_update
from khata.core.models import Event
from khata.documents.models import Document
from khata.documents.tests.conftest import act, agreed, approver_a, copy, done_tasks, kinds, project, seo
from khata.people.models import User

pytestmark = pytest.mark.django_db

__all__ = [
    "accepted_act",
    "act",
    "agreed",
    "approver_a",
    "bills",
    "copy",
    "done_tasks",
    "kinds",
    "project",
    "seo",
]


def _state() -> list[Any]:
    """Every billing row (promises too) and the number of timeline events."""
    return [*_billing_state(), list(PaymentPromise.objects.order_by("pk").values())]


NEXT_WEEK = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
READ = row(
    anonymous=401, admin=200, am=200, other_am=404, specialist=404, finance=200, contact_a=200, contact_b=404
)
DRAFT_READ = {**READ, "contact_a": 404}
DRAFT_FILE = {**DRAFT_READ, "admin": 422, "am": 422, "finance": 422}
CHANGE_DRAFT = DRAFT_READ
CHANGE_ISSUED = {**READ, "admin": 400, "am": 400, "finance": 400, "contact_a": 403}
RECEIVABLES = row(
    anonymous=401, admin=200, am=200, other_am=200, specialist=403, finance=200, contact_a=403, contact_b=403
)

MATRIX: list[tuple[str, str, str, Any, dict[str, Expect]]] = [
    ("patch", "change draft", "/api/v1/invoices/{draft}/", {"buyer_reference": "PO-9"}, CHANGE_DRAFT),
    ("patch", "change issued", "/api/v1/invoices/{issued}/", {"buyer_reference": "PO-9"}, CHANGE_ISSUED),
    ("get", "payments of issued", "/api/v1/invoices/{issued}/payments/", None, READ),
    ("get", "payments of draft", "/api/v1/invoices/{draft}/payments/", None, DRAFT_READ),
    ("get", "payment", "/api/v1/payments/{payment}/", None, READ),
    ("patch", "payment never changes", "/api/v1/payments/{payment}/", {"amount_minor": 1}, {
        **{p: 405 for p in PERSONAS}, "anonymous": 401,
    }),
    ("delete", "payment never goes", "/api/v1/payments/{payment}/", None, {
        **{p: 405 for p in PERSONAS}, "anonymous": 401,
    }),
    ("get", "pdf of issued", "/api/v1/invoices/{issued}/pdf/", None, READ),
    ("get", "pdf of draft", "/api/v1/invoices/{draft}/pdf/", None, DRAFT_READ),
    ("get", "ubl of issued", "/api/v1/invoices/{issued}/ubl/", None, READ),
    ("get", "ubl of draft", "/api/v1/invoices/{draft}/ubl/", None, DRAFT_FILE),
    ("get", "facturx of draft", "/api/v1/invoices/{draft}/facturx/", None, DRAFT_FILE),
    ("get", "aging", "/api/v1/aging/", None, RECEIVABLES),
    ("get", "aging by owner", "/api/v1/aging/?by=owner", None, RECEIVABLES),
    ("get", "dso", "/api/v1/dso/", None, RECEIVABLES),
    ("get", "on-time rate", "/api/v1/on-time-rate/", None, RECEIVABLES),
    ("get", "promises", "/api/v1/invoices/{issued}/promises/", None, {**READ, "contact_a": 403}),
    ("post", "promise", "/api/v1/invoices/{issued}/promises/",
     {"promised_on": NEXT_WEEK, "amount_minor": 1_000_00},
     {**READ, "admin": 201, "am": 201, "finance": 201, "contact_a": 403}),
    ("post", "promise on a draft", "/api/v1/invoices/{draft}/promises/",
     {"promised_on": NEXT_WEEK, "amount_minor": 1_000_00},
     {**DRAFT_READ, "admin": 400, "am": 400, "finance": 400}),
    ("post", "aging is read-only", "/api/v1/aging/", {}, {**RECEIVABLES, **{
        p: 405 for p in ("admin", "am", "other_am", "finance")
    }}),
]  # fmt: skip


@pytest.fixture(autouse=True)
def agency(admin: User) -> None:
    """An agency with a GSTIN and an address: what an EN 16931 e-invoice needs of its seller."""
    agency_update(
        by=admin,
        name="Khata Studio",
        legal_name="Khata Studio Private Limited",
        address="14 Linking Road\nBandra West\nMumbai 400050",
        tax_id="27AAPFU0939F1ZV",
        email="billing@khata.example",
        bank_details="HDFC Bank, Bandra West\nA/c 50100012345678\nIFSC HDFC0000123",
    )


@pytest.fixture
def paid(bills: Bills, finance: User) -> Payment:
    """₹5,000 received on client A's issued invoice."""
    return payment_record(
        invoice=bills.issued, by=finance, amount_minor=5_000_00, received_on=timezone.localdate()
    ).payment


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "name", "url", "body", "expect"), MATRIX, ids=[m[1] for m in MATRIX])
def test_persona_matrix(
    personas: dict[str, User | None],
    bills: Bills,
    paid: Payment,
    persona: str,
    method: str,
    name: str,
    url: str,
    body: Any,
    expect: dict[str, Expect],
) -> None:
    target = url.format(draft=bills.draft.pk, issued=bills.issued.pk, payment=paid.pk)
    before = _state()
    response = call(_http(personas, persona), method, target, body)
    assert response.status_code == expect[persona], (persona, response.content[:300])
    if response.status_code >= 400 or method == "get":
        assert _state() == before
    if response.status_code >= 400 and response.status_code != 405:
        assert response.json(), "a refusal says why"


FROM_ACTS = row(
    anonymous=401, admin=201, am=201, other_am=400, specialist=403, finance=201, contact_a=403, contact_b=403
)


@pytest.mark.parametrize("persona", PERSONAS)
def test_persona_matrix_of_a_draft_from_acts(
    personas: dict[str, User | None], accepted_act: Document, client_a: Client, persona: str
) -> None:
    before = _state()
    body = {"client": client_a.pk, "acts": [accepted_act.pk]}
    response = call(_http(personas, persona), "post", "/api/v1/invoices/from-acts/", body)
    assert response.status_code == FROM_ACTS[persona], (persona, response.content[:300])
    if response.status_code >= 400:
        assert _state() == before
        assert response.json(), "a refusal says why"


# --- a draft's header ----------------------------------------------------------------------------


def test_a_draft_changes_its_header_and_the_timeline_says_so(
    personas: dict[str, User | None], bills: Bills
) -> None:
    body = {"issue_date": "2026-11-02", "due_date": "2026-12-02", "buyer_reference": " PO-77 ", "note": "Q4"}
    response = call(_http(personas, "am"), "patch", f"/api/v1/invoices/{bills.draft.pk}/", body)
    assert response.status_code == 200, response.content
    changed = response.json()
    assert (changed["issue_date"], changed["due_date"]) == ("2026-11-02", "2026-12-02")
    assert (changed["buyer_reference"], changed["note"]) == ("PO-77", "Q4")
    assert Event.objects.filter(kind="billing.invoice_changed", subject_id=bills.draft.pk).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"due_date": "2020-01-01"}, "due_date"),
        ({"issue_date": "not a date"}, "issue_date"),
        ({"project": 10**9}, "project"),
        ({"contract": 10**9}, "contract"),
        ({"buyer_reference": "x" * 101}, "buyer_reference"),
        ({"number": "INV/2026/999999"}, None),  # not a field of the header: ignored, nothing changes
    ],
)
def test_a_bad_header_change_says_why_and_changes_nothing(
    personas: dict[str, User | None], bills: Bills, body: dict[str, Any], field: str | None
) -> None:
    before = _state()
    response = call(_http(personas, "finance"), "patch", f"/api/v1/invoices/{bills.draft.pk}/", body)
    if field is None:
        assert response.status_code == 200 and response.json()["number"] == ""
    else:
        assert response.status_code == 400 and field in response.json(), response.content
    assert _state() == before


def test_another_clients_project_is_refused_on_the_draft(
    personas: dict[str, User | None], bills: Bills, client_b: Client, admin: User
) -> None:
    from khata.plans.services import project_create

    elsewhere = project_create(client=client_b, by=admin, name="B's site", services="SEO")
    before = _state()
    response = call(
        _http(personas, "admin"), "patch", f"/api/v1/invoices/{bills.draft.pk}/", {"project": elsewhere.pk}
    )
    assert response.status_code == 400 and "project" in response.json()
    assert _state() == before


def test_an_issued_invoice_says_it_is_corrected_by_a_credit_note(
    personas: dict[str, User | None], bills: Bills
) -> None:
    response = call(
        _http(personas, "finance"), "patch", f"/api/v1/invoices/{bills.issued.pk}/", {"note": "x"}
    )
    assert response.status_code == 400
    assert "credit note" in response.json()["invoice"][0]


# --- payments ------------------------------------------------------------------------------------


def test_the_payments_of_an_invoice_oldest_first(
    personas: dict[str, User | None], bills: Bills, paid: Payment, finance: User
) -> None:
    earlier = timezone.localdate() - dt.timedelta(days=3)
    first = payment_record(invoice=bills.issued, by=finance, amount_minor=1_000_00, received_on=earlier)
    staff = _http(personas, "finance").get(f"/api/v1/invoices/{bills.issued.pk}/payments/").json()
    assert [p["id"] for p in staff] == [first.payment.pk, paid.pk]
    assert staff[0]["recorded_by"] == finance.pk
    contact = _http(personas, "contact_a").get(f"/api/v1/invoices/{bills.issued.pk}/payments/").json()
    assert [p["amount_minor"] for p in contact] == [1_000_00, 5_000_00]
    assert "recorded_by" not in contact[0]


PAYMENTS = row(anonymous=401, admin=2, am=1, other_am=1, specialist=0, finance=2, contact_a=1, contact_b=1)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_payments_list_shows_what_each_persona_may_see(
    personas: dict[str, User | None], bills: Bills, paid: Payment, finance: User, persona: str
) -> None:
    payment_record(invoice=bills.other, by=finance, amount_minor=100_00, received_on=timezone.localdate())
    response = _http(personas, persona).get("/api/v1/payments/")
    assert response.status_code == (401 if persona == "anonymous" else 200)
    if persona != "anonymous":
        found = results(response)
        assert len(found) == PAYMENTS[persona]
        if persona.startswith("contact"):
            assert all("recorded_by" not in p for p in found)


def test_the_payments_list_filters_and_pages(
    personas: dict[str, User | None], bills: Bills, paid: Payment, finance: User, client_a: Client
) -> None:
    other = payment_record(
        invoice=bills.other, by=finance, amount_minor=100_00, received_on=timezone.localdate()
    ).payment
    http = _http(personas, "finance")
    assert [p["id"] for p in results(http.get(f"/api/v1/payments/?invoice={bills.other.pk}"))] == [other.pk]
    mine = results(http.get(f"/api/v1/payments/?client={client_a.pk}"))
    assert [p["id"] for p in mine] == [paid.pk]
    assert mine[0]["invoice_number"] == bills.issued.number and mine[0]["currency"] == "INR"
    assert results(http.get("/api/v1/payments/?method=cash")) == []
    assert http.get("/api/v1/payments/?method=gold").status_code == 400
    assert http.get("/api/v1/payments/?cursor=garbage").status_code == 400
    first = http.get("/api/v1/payments/?page_size=1").json()
    assert len(first["results"]) == 1 and first["next"]


@pytest.mark.parametrize("rows", [3, 30])
def test_the_payments_list_costs_the_same_queries_for_3_and_30_payments(
    personas: dict[str, User | None],
    admin: User,
    finance: User,
    client_a: Client,
    rows: int,
    django_assert_num_queries: Any,
) -> None:
    for _ in range(rows):
        invoice = _invoice(admin, client_a, issue=True, price=1_000_00)
        payment_record(invoice=invoice, by=finance, amount_minor=100_00, received_on=timezone.localdate())
    http = _http(personas, "finance")
    with django_assert_num_queries(3):  # session, user, the page
        assert len(results(http.get("/api/v1/payments/"))) == rows


# --- promises to pay -----------------------------------------------------------------------------


def test_a_promise_to_pay_is_recorded_and_listed_with_how_it_stands(
    personas: dict[str, User | None], bills: Bills, paid: Payment, client_a: Client, am: User
) -> None:
    from khata.clients.services import contact_create

    payer = contact_create(client=client_a, by=am, full_name="Kiran Shah", email="kiran@acme.test")
    http = _http(personas, "am")
    url = f"/api/v1/invoices/{bills.issued.pk}/promises/"
    body = {"promised_on": NEXT_WEEK, "amount_minor": 6_800_00, "contact": payer.pk, "note": " By NEFT "}
    response = call(http, "post", url, body)
    assert response.status_code == 201, response.content
    promise = response.json()
    assert (promise["state"], promise["amount_minor"], promise["contact"]) == ("pending", 6_800_00, payer.pk)
    assert promise["note"] == "By NEFT" and promise["paid_since_minor"] == 0
    assert [p["id"] for p in http.get(url).json()] == [promise["id"]]
    assert Event.objects.filter(kind="billing.promise_recorded", subject_id=bills.issued.pk).exists()


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"amount_minor": 6_800_01}, "amount_minor", "still owed"),
        ({"promised_on": "2020-01-01"}, "promised_on", "past"),
        ({"promised_on": "soon"}, "promised_on", "Date"),
        ({"amount_minor": 0}, "amount_minor", ""),
        ({"contact": 10**9}, "contact", ""),
        ({"note": "x" * 301}, "note", ""),
    ],
)
def test_a_bad_promise_says_why_and_changes_nothing(
    personas: dict[str, User | None],
    bills: Bills,
    paid: Payment,
    body: dict[str, Any],
    field: str,
    words: str,
) -> None:
    before = _state()
    full = {"promised_on": NEXT_WEEK, "amount_minor": 1_000_00} | body
    url = f"/api/v1/invoices/{bills.issued.pk}/promises/"
    response = call(_http(personas, "finance"), "post", url, full)
    assert response.status_code == 400 and field in response.json(), response.content
    assert words in response.json()[field][0]
    assert _state() == before


def test_another_clients_contact_cannot_promise(
    personas: dict[str, User | None], bills: Bills, client_b: Client, admin: User
) -> None:
    from khata.clients.services import contact_create

    stranger = contact_create(client=client_b, by=admin, full_name="Lee Park", email="lee@b.test")
    body = {"promised_on": NEXT_WEEK, "amount_minor": 1_000_00, "contact": stranger.pk}
    response = call(_http(personas, "finance"), "post", f"/api/v1/invoices/{bills.issued.pk}/promises/", body)
    assert response.status_code == 400 and "contact" in response.json()


# --- credit notes --------------------------------------------------------------------------------


def _ubl_root(content: bytes) -> str:
    return str(etree.QName(etree.fromstring(content)).localname)


def test_credit_notes_are_listed_and_their_ubl_is_a_credit_note(
    personas: dict[str, User | None], bills: Bills, am: User
) -> None:
    note = credit_note_issue(invoice=bills.issued, by=am, reason="Discount agreed", amount_minor=1_180_00)
    for persona in ("finance", "contact_a"):
        http = _http(personas, persona)
        credits = results(http.get("/api/v1/invoices/?kind=credit"))
        assert [c["id"] for c in credits] == [note.pk]
        assert credits[0]["credits"] == bills.issued.pk and credits[0]["total_minor"] == 1_180_00
        assert note.pk not in [i["id"] for i in results(http.get("/api/v1/invoices/?kind=invoice"))]
        ubl = http.get(f"/api/v1/invoices/{note.pk}/ubl/")
        assert ubl.status_code == 200 and _ubl_root(ubl.content) == "CreditNote"
        assert _ubl_root(http.get(f"/api/v1/invoices/{bills.issued.pk}/ubl/").content) == "Invoice"


# --- files ---------------------------------------------------------------------------------------


def test_the_pdf_downloads_as_an_attachment_in_the_language_asked(
    personas: dict[str, User | None], bills: Bills
) -> None:
    http = _http(personas, "contact_a")
    response = http.get(f"/api/v1/invoices/{bills.issued.pk}/pdf/?lang=hi")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    expected = bills.issued.number.replace("/", "-") + ".pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{expected}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert bills.issued.number in text


def test_the_draft_pdf_bears_draft(personas: dict[str, User | None], bills: Bills) -> None:
    response = _http(personas, "am").get(f"/api/v1/invoices/{bills.draft.pk}/pdf/")
    assert response.status_code == 200
    assert f"draft-{bills.draft.pk}.pdf" in response["Content-Disposition"]


def test_the_facturx_pdf_carries_its_cii(personas: dict[str, User | None], bills: Bills) -> None:
    response = _http(personas, "finance").get(f"/api/v1/invoices/{bills.issued.pk}/facturx/")
    assert response.status_code == 200, response.content[:300]
    assert response.content.startswith(b"%PDF")
    attachments = PdfReader(io.BytesIO(response.content)).attachments
    assert "factur-x.xml" in attachments
    assert bills.issued.number.encode() in attachments["factur-x.xml"][0]


def test_an_einvoice_that_fails_a_rule_answers_422_with_the_rule(
    personas: dict[str, User | None], bills: Bills, client_a: Client
) -> None:
    # A GSTIN whose check character is wrong: the buyer's tax id rule fails.
    Client.objects.filter(pk=client_a.pk).update(tax_id="29AAGCB7383J1Z5", country="IN")
    for kind in ("ubl", "facturx"):
        response = _http(personas, "finance").get(f"/api/v1/invoices/{bills.issued.pk}/{kind}/")
        assert response.status_code == 422, response.content[:300]
        refusal = response.json()
        assert "KHATA-BUYER-TAX-ID" in refusal["detail"]
        assert [r["rule"] for r in refusal["rules"]] == ["KHATA-BUYER-TAX-ID"]


def test_a_draft_has_no_einvoice(personas: dict[str, User | None], bills: Bills) -> None:
    response = _http(personas, "finance").get(f"/api/v1/invoices/{bills.draft.pk}/ubl/")
    assert response.status_code == 422
    assert "issue it first" in response.json()["detail"]


# --- receivables ---------------------------------------------------------------------------------


def _overdue(by: User, client: Client, *, days: int, price: int) -> Invoice:
    """An issued invoice that fell due ``days`` days ago."""
    from khata.billing.services import invoice_create, invoice_issue, invoice_line_add

    issued_on = timezone.localdate() - dt.timedelta(days=days + 30)
    invoice = invoice_create(
        by=by, client=client, issue_date=issued_on, due_date=issued_on + dt.timedelta(days=30)
    )
    invoice_line_add(invoice=invoice, by=by, description="Audit", unit_price_minor=price, tax_rate_bp=0)
    return invoice_issue(invoice=invoice, by=by)


def test_the_aging_groups_open_balances_by_days_past_due(
    personas: dict[str, User | None], bills: Bills, paid: Payment, admin: User, client_a: Client
) -> None:
    _overdue(admin, client_a, days=45, price=2_000_00)
    aging = _http(personas, "finance").get("/api/v1/aging/").json()
    assert aging["by"] == "client" and aging["today"] == timezone.localdate().isoformat()
    first = next(r for r in aging["rows"] if r["key"] == client_a.pk)
    assert (first["current"], first["days_31_60"], first["total"]) == (6_800_00, 2_000_00, 8_800_00)
    # Client B bills in dollars: a totals row per currency, never one sum of both.
    totals = {r["currency"]: r["total"] for r in aging["rows"] if r["is_total"]}
    assert totals == {"INR": 8_800_00, "USD": 11_800_00}
    by_currency = _http(personas, "finance").get("/api/v1/aging/?by=currency").json()["rows"]
    assert [(r["currency"], r["is_total"]) for r in by_currency] == [
        ("INR", False),
        ("USD", False),
        ("INR", True),
        ("USD", True),
    ]


def test_an_account_manager_sees_the_aging_of_their_clients(
    personas: dict[str, User | None], bills: Bills, am: User, client_a: Client
) -> None:
    rows = _http(personas, "am").get("/api/v1/aging/?by=owner").json()["rows"]
    assert [(r["key"], r["total"]) for r in rows if not r["is_total"]] == [(am.pk, 11_800_00)]
    assert _http(personas, "other_am").get("/api/v1/aging/").json()["rows"] != rows


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/aging/?by=planet", "by"),
        ("/api/v1/dso/?days=0", "days"),
        ("/api/v1/dso/?days=ninety", "days"),
        ("/api/v1/on-time-rate/?days=100000", "days"),
    ],
)
def test_a_bad_receivables_query_says_why(
    personas: dict[str, User | None], bills: Bills, url: str, field: str
) -> None:
    response = _http(personas, "finance").get(url)
    assert response.status_code == 400 and field in response.json()


def test_dso_and_the_on_time_rate_per_client(
    personas: dict[str, User | None], bills: Bills, admin: User, finance: User, client_a: Client
) -> None:
    late = _overdue(admin, client_a, days=10, price=1_000_00)
    payment_record(invoice=late, by=finance, amount_minor=1_000_00, received_on=timezone.localdate())
    http = _http(personas, "finance")
    dso = http.get("/api/v1/dso/?days=90").json()
    assert dso["days"] == 90
    mine = next(r for r in dso["rows"] if r["client_id"] == client_a.pk)
    assert mine["receivables_minor"] == 11_800_00 and mine["dso"] is not None
    rate = http.get("/api/v1/on-time-rate/").json()["rows"]
    assert next(r for r in rate if r["client_id"] == client_a.pk) | {"client": ""} == {
        "client_id": client_a.pk,
        "client": "",
        "due": 1,
        "on_time": 0,
        "rate": "0.000",
    }
    assert rate[-1]["client_id"] is None


# --- drafts from accepted acts -------------------------------------------------------------------


def test_a_draft_from_an_accepted_act_bills_its_lines_once(
    personas: dict[str, User | None], accepted_act: Document, client_a: Client
) -> None:
    http = _http(personas, "finance")
    body = {"client": client_a.pk, "acts": [accepted_act.pk], "tax_rate_bp": 1800}
    response = call(http, "post", "/api/v1/invoices/from-acts/", body)
    assert response.status_code == 201, response.content
    draft = response.json()
    assert draft["status"] == "draft" and draft["acts"] == [accepted_act.pk]
    assert [line["net_minor"] for line in draft["lines"]] == [80_000_00, 30_000_00]
    assert {line["act"] for line in draft["lines"]} == {accepted_act.pk}
    before = _state()
    again = call(http, "post", "/api/v1/invoices/from-acts/", body)
    assert again.status_code == 400 and "already invoiced" in again.json()["acts"][0]
    assert _state() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"acts": []}, "acts"),
        ({"acts": [10**9]}, "acts"),
        ({"acts": "ACT/1"}, "acts"),
        ({"tax_rate_bp": 10001}, "tax_rate_bp"),
        ({"client": None}, "client"),
    ],
)
def test_a_bad_draft_from_acts_says_why_and_changes_nothing(
    personas: dict[str, User | None],
    accepted_act: Document,
    client_a: Client,
    body: dict[str, Any],
    field: str,
) -> None:
    before = _state()
    full = {"client": client_a.pk, "acts": [accepted_act.pk]} | body
    response = call(_http(personas, "finance"), "post", "/api/v1/invoices/from-acts/", full)
    assert response.status_code == 400 and field in response.json(), response.content
    assert _state() == before


def test_an_act_not_accepted_yet_is_refused(
    personas: dict[str, User | None], act: Document, client_a: Client
) -> None:
    before = _state()
    body = {"client": client_a.pk, "acts": [act.pk]}
    response = call(_http(personas, "finance"), "post", "/api/v1/invoices/from-acts/", body)
    assert response.status_code == 400 and "not accepted" in response.json()["acts"][0]
    assert _state() == before


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=8,
)
FIELDS = ["issue_date", "due_date", "project", "contract", "buyer_reference", "note", "client", "acts"]
BODIES = st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=5) | JSON


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=BODIES,
    target=st.sampled_from(["draft", "issued", "from-acts", "aging", "dso"]),
)
def test_fuzzed_requests_never_answer_500(
    personas: dict[str, User | None], bills: Bills, body: Any, target: str
) -> None:
    if target in {"aging", "dso"}:
        query = body if isinstance(body, dict) else {"by": body, "days": body}
        response = _http(personas, "finance").get(f"/api/v1/{target}/", {k: str(v) for k, v in query.items()})
    else:
        url = {
            "draft": (f"/api/v1/invoices/{bills.draft.pk}/", "patch"),
            "issued": (f"/api/v1/invoices/{bills.issued.pk}/", "patch"),
            "from-acts": ("/api/v1/invoices/from-acts/", "post"),
        }[target]
        response = call(_http(personas, "finance"), url[1], url[0], body)
    assert response.status_code < 500, (target, body, response.content[:300])
