"""Billing through the API: the permission matrix, the invoice round trip, idempotent payments, bad input.

Client A belongs to ``am``. It has a draft invoice with one line and an issued invoice of ₹11,800
(₹10,000 at 18%). Client B has an issued invoice of its own. ``other_am`` and ``contact_b`` belong
elsewhere (404); a ``specialist`` sees no invoice (404); ``finance`` and the head bill and record
payments; ``am`` bills its client but records no payment (403); ``contact_a`` reads its company's
issued invoices (a draft is 404) and gets 403 for any write. A refused request says why and changes
nothing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client as HttpClient
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khata.api.tests.helpers import call, results
from khata.billing.models import Invoice, InvoiceLine, Payment
from khata.billing.services import invoice_create, invoice_issue, invoice_line_add
from khata.clients.models import Client
from khata.core.models import Event
from khata.people.models import User

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "admin", "am", "other_am", "specialist", "finance", "contact_a", "contact_b"]
Expect = int


@dataclass
class Bills:
    draft: Invoice
    line: InvoiceLine
    issued: Invoice
    other: Invoice  # client B's


def _invoice(by: User, client: Client, *, issue: bool, price: int = 10_000_00) -> Invoice:
    invoice = invoice_create(by=by, client=client)
    invoice_line_add(invoice=invoice, by=by, description="SEO retainer, November", unit_price_minor=price)
    if issue:
        invoice = invoice_issue(invoice=invoice, by=by)
    return invoice


@pytest.fixture
def bills(admin: User, am: User, client_a: Client, client_b: Client) -> Bills:
    draft = _invoice(am, client_a, issue=False)
    return Bills(
        draft=draft,
        line=draft.lines.get(),
        issued=_invoice(am, client_a, issue=True),
        other=_invoice(admin, client_b, issue=True),
    )


def _http(personas: dict[str, User | None], name: str) -> HttpClient:
    http = HttpClient()
    user = personas[name]
    if user is not None:
        http.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return http


def _state() -> list[Any]:
    rows = [list(model.objects.order_by("pk").values()) for model in (Invoice, InvoiceLine, Payment)]
    return [*rows, Event.objects.count()]


def row(**expect: Expect) -> dict[str, Expect]:
    assert set(expect) == set(PERSONAS), set(PERSONAS) ^ set(expect)
    return expect


TODAY = "today"


def _body(body: dict[str, Any]) -> dict[str, Any]:
    return {k: (timezone.localdate().isoformat() if v == TODAY else v) for k, v in body.items()}


READ = row(
    anonymous=401, admin=200, am=200, other_am=404, specialist=404, finance=200, contact_a=200, contact_b=404
)
DRAFT_READ = row(
    anonymous=401, admin=200, am=200, other_am=404, specialist=404, finance=200, contact_a=404, contact_b=404
)
BILL_DRAFT = row(
    anonymous=401, admin=200, am=200, other_am=404, specialist=404, finance=200, contact_a=404, contact_b=404
)
BILL_ISSUED = row(
    anonymous=401, admin=201, am=201, other_am=404, specialist=404, finance=201, contact_a=403, contact_b=404
)
PAY = row(
    anonymous=401, admin=201, am=403, other_am=404, specialist=404, finance=201, contact_a=403, contact_b=404
)

MATRIX: list[tuple[str, str, str, Any, dict[str, Expect]]] = [
    ("get", "issued", "/api/v1/invoices/{issued}/", None, READ),
    ("get", "draft", "/api/v1/invoices/{draft}/", None, DRAFT_READ),
    ("get", "line", "/api/v1/invoice-lines/{line}/", None, DRAFT_READ),
    ("post", "issue", "/api/v1/invoices/{draft}/issue/", {}, BILL_DRAFT),
    (
        "post",
        "line add",
        "/api/v1/invoices/{draft}/lines/",
        {"description": "Audit", "unit_price_minor": 500_00},
        {**BILL_DRAFT, "admin": 201, "am": 201, "finance": 201},
    ),
    ("patch", "line change", "/api/v1/invoice-lines/{line}/", {"quantity_milli": 2000}, BILL_DRAFT),
    (
        "delete",
        "line remove",
        "/api/v1/invoice-lines/{line}/",
        None,
        {**BILL_DRAFT, "admin": 204, "am": 204, "finance": 204},
    ),
    (
        "post",
        "credit",
        "/api/v1/invoices/{issued}/credit/",
        {"reason": "Discount agreed", "amount_minor": 1_000_00},
        BILL_ISSUED,
    ),
    ("post", "void", "/api/v1/invoices/{issued}/void/", {"reason": "Billed twice"}, BILL_ISSUED),
    (
        "post",
        "pay",
        "/api/v1/invoices/{issued}/payments/",
        {"amount_minor": 5_000_00, "received_on": TODAY, "method": "upi"},
        PAY,
    ),
    (
        "post",
        "pay client B",
        "/api/v1/invoices/{other}/payments/",
        {"amount_minor": 1_00, "received_on": TODAY},
        {**PAY, "am": 404, "other_am": 403, "contact_a": 404, "contact_b": 403},
    ),
    (
        "put",
        "no put",
        "/api/v1/invoices/{issued}/",
        {},
        {**{p: 405 for p in PERSONAS}, "anonymous": 401, "other_am": 405, "contact_b": 405},
    ),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "name", "url", "body", "expect"), MATRIX, ids=[m[1] for m in MATRIX])
def test_persona_matrix(
    personas: dict[str, User | None],
    bills: Bills,
    persona: str,
    method: str,
    name: str,
    url: str,
    body: Any,
    expect: dict[str, Expect],
) -> None:
    target = url.format(
        draft=bills.draft.pk, issued=bills.issued.pk, other=bills.other.pk, line=bills.line.pk
    )
    before = _state()
    response = call(_http(personas, persona), method, target, _body(body) if body is not None else None)
    assert response.status_code == expect[persona], (persona, response.content[:300])
    if response.status_code >= 400:
        assert _state() == before
        if response.status_code != 405:
            assert response.json(), "a refusal says why"


LIST = row(anonymous=401, admin=3, am=2, other_am=1, specialist=0, finance=3, contact_a=1, contact_b=1)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_list_shows_what_each_persona_may_see(
    personas: dict[str, User | None], bills: Bills, persona: str
) -> None:
    response = _http(personas, persona).get("/api/v1/invoices/")
    assert response.status_code == (401 if persona == "anonymous" else 200)
    if persona != "anonymous":
        assert len(results(response)) == LIST[persona]


def test_the_list_filters_and_pages_newest_first(
    personas: dict[str, User | None], bills: Bills, am: User, client_a: Client
) -> None:
    http = _http(personas, "finance")
    assert [i["id"] for i in results(http.get(f"/api/v1/invoices/?client={client_a.pk}&status=draft"))] == [
        bills.draft.pk
    ]
    assert [i["id"] for i in results(http.get("/api/v1/invoices/?kind=credit"))] == []
    assert http.get("/api/v1/invoices/?status=nonsense").status_code == 400
    assert http.get("/api/v1/invoices/?cursor=garbage").status_code == 400
    first = http.get("/api/v1/invoices/?page_size=2").json()
    second = http.get(first["next"]).json()
    ids = [i["id"] for i in first["results"] + second["results"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 3


def _walk(http: HttpClient, url: str | None) -> tuple[list[int], list[str]]:
    seen: list[int] = []
    pages: list[str] = []
    while url:
        assert len(pages) < 20, "the pages never end: a cursor leads back to a page already seen"
        page = http.get(url)
        assert page.status_code == 200, page.content
        seen += [item["id"] for item in page.json()["results"]]
        pages.append(url)
        url = page.json()["next"]
    return seen, pages


def test_deep_pages_walk_every_invoice_once_when_thousands_share_an_issue_date(
    personas: dict[str, User | None], bills: Bills
) -> None:
    """1,200 invoices issued on one day: each page holds the next 200, none repeated, none skipped."""
    issued = bills.issued
    day = issued.issue_date
    Invoice.objects.bulk_create(
        Invoice(
            client_id=issued.client_id,
            kind="invoice",
            status="issued",
            number=f"BULK-{n:05d}",
            issue_date=day,
            due_date=issued.due_date,
            issued_at=issued.issued_at,
            currency=issued.currency,
            net_minor=issued.net_minor,
            tax_minor=issued.tax_minor,
            total_minor=issued.total_minor,
        )
        for n in range(1_200)
    )
    http = _http(personas, "finance")
    expected = list(Invoice.objects.order_by("-issue_date", "-id").values_list("pk", flat=True))
    assert len(expected) == 1_203 and Invoice.objects.filter(issue_date=day).count() == 1_203
    seen, pages = _walk(http, "/api/v1/invoices/?page_size=200")
    assert seen == expected and len(pages) == 7
    # Oldest first walks the same rows the other way round.
    seen, _pages = _walk(http, "/api/v1/invoices/?ordering=issue_date&page_size=200")
    assert seen == expected[::-1]
    # And back: the previous link of a deep page gives the page before it.
    deep = http.get(pages[5]).json()
    before = http.get(deep["previous"]).json()
    assert [item["id"] for item in before["results"]] == expected[800:1_000]


@pytest.mark.parametrize("rows", [3, 30])
def test_the_list_costs_the_same_queries_for_3_and_30_invoices(
    personas: dict[str, User | None], admin: User, client_a: Client, rows: int, django_assert_num_queries: Any
) -> None:
    for _ in range(rows):
        invoice_create(by=admin, client=client_a)
    http = _http(personas, "finance")
    with django_assert_num_queries(3):  # session, user, the page
        assert len(results(http.get("/api/v1/invoices/"))) == rows


def test_the_invoice_round_trip(personas: dict[str, User | None], client_a: Client) -> None:
    am, finance = _http(personas, "am"), _http(personas, "finance")
    created = call(am, "post", "/api/v1/invoices/", {"client": client_a.pk, "buyer_reference": "PO-7"})
    assert created.status_code == 201, created.content
    invoice = created.json()
    assert invoice["number"] == "" and invoice["state"] == "draft" and invoice["currency"] == "INR"
    line = call(
        am,
        "post",
        f"/api/v1/invoices/{invoice['id']}/lines/",
        {"description": "Design", "quantity_milli": 1500, "unit_code": "HUR", "unit_price_minor": 2_000_00},
    )
    assert line.status_code == 201 and line.json()["net_minor"] == 3_000_00
    issued = call(am, "post", f"/api/v1/invoices/{invoice['id']}/issue/")
    assert issued.status_code == 200, issued.content
    assert issued.json()["number"].startswith("INV/") and issued.json()["total_minor"] == 3_540_00
    paid = call(
        finance,
        "post",
        f"/api/v1/invoices/{invoice['id']}/payments/",
        {"amount_minor": 3_540_00, "received_on": timezone.localdate().isoformat()},
    )
    assert paid.status_code == 201, paid.content
    detail = finance.get(f"/api/v1/invoices/{invoice['id']}/").json()
    assert detail["state"] == "paid" and detail["balance_minor"] == 0
    assert [p["amount_minor"] for p in detail["payments"]] == [3_540_00]
    contact = _http(personas, "contact_a").get(f"/api/v1/invoices/{invoice['id']}/").json()
    assert "note" not in contact and "recorded_by" not in contact["payments"][0]


def test_a_credit_note_answers_with_itself_and_lowers_the_balance(
    personas: dict[str, User | None], bills: Bills
) -> None:
    response = call(
        _http(personas, "am"),
        "post",
        f"/api/v1/invoices/{bills.issued.pk}/credit/",
        {"reason": "Discount agreed", "amount_minor": 1_800_00},
    )
    assert response.status_code == 201, response.content
    note = response.json()
    assert (
        note["kind"] == "credit" and note["credits"] == bills.issued.pk and note["number"].startswith("CRN/")
    )
    bills.issued.refresh_from_db()
    assert bills.issued.balance_minor == 10_000_00


REFUSALS: list[tuple[str, str, str, Any, int, str]] = [
    ("edit issued", "post", "/api/v1/invoices/{issued}/lines/", {"description": "More"}, 400, "invoice"),
    ("issue issued", "post", "/api/v1/invoices/{issued}/issue/", {}, 400, "invoice"),
    ("credit draft", "post", "/api/v1/invoices/{draft}/credit/", {"reason": "x"}, 400, "invoice"),
    ("credit no reason", "post", "/api/v1/invoices/{issued}/credit/", {}, 400, "reason"),
    (
        "credit too much",
        "post",
        "/api/v1/invoices/{issued}/credit/",
        {"reason": "x", "amount_minor": 10**9},
        400,
        "amount_minor",
    ),
    (
        "pay draft",
        "post",
        "/api/v1/invoices/{draft}/payments/",
        {"amount_minor": 1, "received_on": TODAY},
        400,
        "invoice",
    ),
    (
        "pay zero",
        "post",
        "/api/v1/invoices/{issued}/payments/",
        {"amount_minor": 0, "received_on": TODAY},
        400,
        "amount_minor",
    ),
    (
        "pay future",
        "post",
        "/api/v1/invoices/{issued}/payments/",
        {"amount_minor": 1, "received_on": "2999-01-01"},
        400,
        "received_on",
    ),
    (
        "pay bad method",
        "post",
        "/api/v1/invoices/{issued}/payments/",
        {"amount_minor": 1, "received_on": TODAY, "method": "gold"},
        400,
        "method",
    ),
    (
        "over-pay",
        "post",
        "/api/v1/invoices/{issued}/payments/",
        {"amount_minor": 11_800_01, "received_on": TODAY},
        409,
        "amount_minor",
    ),
    (
        "line negative",
        "patch",
        "/api/v1/invoice-lines/{line}/",
        {"unit_price_minor": -1},
        400,
        "unit_price_minor",
    ),
    (
        "line rate",
        "patch",
        "/api/v1/invoice-lines/{line}/",
        {"tax_category": "E", "tax_rate_bp": 1800},
        400,
        "tax_rate_bp",
    ),
    ("bad json", "post", "/api/v1/invoices/", "{not json", 400, "detail"),
    ("unknown client", "post", "/api/v1/invoices/", {"client": 10**9}, 400, "client"),
    (
        "due before issue",
        "post",
        "/api/v1/invoices/",
        {"client": "A", "issue_date": "2026-11-10", "due_date": "2026-11-01"},
        400,
        "due_date",
    ),
]


@pytest.mark.parametrize(
    ("name", "method", "url", "body", "status", "field"), REFUSALS, ids=[r[0] for r in REFUSALS]
)
def test_every_refusal_says_why_and_changes_nothing(
    personas: dict[str, User | None],
    bills: Bills,
    client_a: Client,
    name: str,
    method: str,
    url: str,
    body: Any,
    status: int,
    field: str,
) -> None:
    target = url.format(draft=bills.draft.pk, issued=bills.issued.pk, line=bills.line.pk)
    if isinstance(body, dict):
        body = _body({k: (client_a.pk if v == "A" else v) for k, v in body.items()})
    before = _state()
    response = call(_http(personas, "finance"), method, target, body)
    assert response.status_code == status, response.content
    assert field in response.json(), response.json()
    assert _state() == before


def test_an_over_payment_names_what_is_owed(personas: dict[str, User | None], bills: Bills) -> None:
    response = call(
        _http(personas, "finance"),
        "post",
        f"/api/v1/invoices/{bills.issued.pk}/payments/",
        {"amount_minor": 20_000_00, "received_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 409
    assert "11,800" in response.json()["amount_minor"][0]


def _pay(http: HttpClient, invoice: Invoice, amount: int, key: str | None) -> Any:
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    body = {"amount_minor": amount, "received_on": timezone.localdate().isoformat(), "reference": "NEFT 1"}
    return call(http, "post", f"/api/v1/invoices/{invoice.pk}/payments/", body, **extra)


def test_the_same_key_sent_ten_times_records_one_payment(
    personas: dict[str, User | None], bills: Bills
) -> None:
    http = _http(personas, "finance")
    answers = [_pay(http, bills.issued, 5_000_00, "pay-11") for _ in range(10)]
    assert [a.status_code for a in answers] == [201] + [200] * 9
    assert {a.json()["id"] for a in answers} == {answers[0].json()["id"]}
    assert Payment.objects.count() == 1
    bills.issued.refresh_from_db()
    assert bills.issued.amount_paid_minor == 5_000_00


def test_the_same_key_with_another_body_is_a_conflict(personas: dict[str, User | None], bills: Bills) -> None:
    http = _http(personas, "finance")
    assert _pay(http, bills.issued, 5_000_00, "pay-12").status_code == 201
    before = _state()
    conflict = _pay(http, bills.issued, 6_000_00, "pay-12")
    assert conflict.status_code == 409
    assert "another request" in conflict.json()["idempotency_key"][0]
    assert _state() == before


def test_without_a_key_each_request_is_a_payment_and_a_bad_key_is_refused(
    personas: dict[str, User | None], bills: Bills
) -> None:
    http = _http(personas, "finance")
    assert [_pay(http, bills.issued, 1_000_00, None).status_code for _ in range(2)] == [201, 201]
    assert Payment.objects.count() == 2
    before = _state()
    refused = _pay(http, bills.issued, 1_000_00, "k" * 101)
    assert refused.status_code == 400 and "idempotency_key" in refused.json()
    assert _state() == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "amount", [pytest.param(2_000_00, id="part"), pytest.param(11_800_00, id="full-balance")]
)
def test_the_same_key_sent_ten_times_at_once_records_one_payment(
    personas: dict[str, User | None], am: User, client_a: Client, amount: int
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite's test database serialises every writer, so requests cannot overlap; the race is "
            "run with processes in khata/billing/tests/test_services.py and with threads here on PostgreSQL"
        )
    invoice = _invoice(am, client_a, issue=True)
    finance = personas["finance"]
    assert finance is not None
    barrier = threading.Barrier(10)
    statuses: list[int] = []
    ids: set[int] = set()
    lock = threading.Lock()

    def send() -> None:
        http = HttpClient()
        http.force_login(finance, backend="django.contrib.auth.backends.ModelBackend")
        barrier.wait()
        try:
            response = _pay(http, invoice, amount, "pay-at-once")
            with lock:
                statuses.append(response.status_code)
                ids.add(response.json().get("id", 0))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(statuses) == [200] * 9 + [201], statuses
    assert len(ids) == 1 and Payment.objects.filter(invoice=invoice).count() == 1
    invoice.refresh_from_db()
    assert invoice.amount_paid_minor == amount


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=8,
)
FIELDS = [
    "amount_minor",
    "received_on",
    "method",
    "reference",
    "description",
    "quantity_milli",
    "unit_price_minor",
    "tax_category",
    "tax_rate_bp",
    "reason",
    "client",
    "due_date",
]
BODIES = st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=5) | JSON


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=BODIES,
    target=st.sampled_from(["create", "lines", "line", "credit", "void", "pay"]),
    key=st.none() | st.text(max_size=120),
)
def test_fuzzed_bodies_never_answer_500(
    personas: dict[str, User | None], bills: Bills, body: Any, target: str, key: str | None
) -> None:
    url, method = {
        "create": ("/api/v1/invoices/", "post"),
        "lines": (f"/api/v1/invoices/{bills.draft.pk}/lines/", "post"),
        "line": (f"/api/v1/invoice-lines/{bills.line.pk}/", "patch"),
        "credit": (f"/api/v1/invoices/{bills.issued.pk}/credit/", "post"),
        "void": (f"/api/v1/invoices/{bills.issued.pk}/void/", "post"),
        "pay": (f"/api/v1/invoices/{bills.issued.pk}/payments/", "post"),
    }[target]
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None and key.isprintable() and key.isascii() else {}
    response = call(_http(personas, "finance"), method, url, body, **extra)
    assert response.status_code < 500, (target, body, response.content[:300])
