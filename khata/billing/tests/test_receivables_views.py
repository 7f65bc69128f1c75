"""The receivables page: who opens it, the aging grouped by client, account manager or currency
(never adding currencies), the link to a client's overdue invoices, the payers tab, the CSV read back,
clear refusals of a bad grouping or date, and a cost that does not grow with the number of clients."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from khata.billing.models import Invoice, Payment
from khata.clients.models import Client
from khata.clients.services import client_create
from khata.people.models import User

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
_numbers = itertools.count(1)


def invoice(
    client: Client, *, total: int, late: int = 0, paid: int = 0, currency: str | None = None
) -> Invoice:
    """An issued invoice due ``late`` days before today (negative: not yet due)."""
    due = TODAY - dt.timedelta(days=late)
    return Invoice.objects.create(
        client=client,
        currency=currency or client.currency,
        issue_date=due - dt.timedelta(days=15),
        due_date=due,
        status=Invoice.Status.ISSUED,
        number=f"INV/2026/{next(_numbers):06d}",
        issued_at=timezone.now(),
        net_minor=total,
        total_minor=total,
        amount_paid_minor=paid,
    )


def _as(user: User) -> HttpClient:
    http = HttpClient()
    http.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return http


@pytest.fixture
def owed(client_a: Client, client_b: Client) -> dict[str, Invoice]:
    """Acme owes ₹1,000 current and ₹500 45 days late, plus $70 10 days late; Borealis $200 100 days late."""
    return {
        "a_current": invoice(client_a, total=100000, late=-5),
        "a_late": invoice(client_a, total=80000, paid=30000, late=45),
        "a_usd": invoice(client_a, total=7000, late=10, currency="USD"),
        "b_old": invoice(client_b, total=20000, late=100),
    }


def _rows(response: Any) -> dict[tuple[str, str], list[int]]:
    return {(item.row.label, item.row.currency): item.row.buckets() for item in response.context["rows"]}


def _totals(response: Any) -> dict[str, list[int]]:
    return {item.row.currency: item.row.buckets() for item in response.context["totals"]}


# --- who opens it -------------------------------------------------------------------------------

MATRIX = [
    ("anonymous", 302),
    ("admin", 200),
    ("finance", 200),
    ("am", 200),
    ("other_am", 200),
    ("specialist", 403),
    ("contact_a", 403),
]


@pytest.mark.parametrize(
    "name", ["billing:receivables", "billing:receivables_payers", "billing:receivables_csv"]
)
@pytest.mark.parametrize(("persona", "expected"), MATRIX)
def test_the_receivables_permission_matrix(
    http_as: Any, owed: dict[str, Invoice], name: str, persona: str, expected: int
) -> None:
    before = list(Invoice.objects.order_by("pk").values())
    response = http_as(persona).get(reverse(name))
    assert response.status_code == expected
    if expected == 302:
        assert "/accounts/login/" in response["Location"]
    if expected != 200:
        assert b"Acme Retail" not in response.content
    assert list(Invoice.objects.order_by("pk").values()) == before


def test_an_am_sees_only_the_clients_they_own(http_as: Any, owed: dict[str, Invoice]) -> None:
    mine = _rows(http_as("am").get(reverse("billing:receivables")))
    assert set(mine) == {("Acme Retail", "INR"), ("Acme Retail", "USD")}
    theirs = _rows(http_as("other_am").get(reverse("billing:receivables")))
    assert set(theirs) == {("Borealis Foods", "USD")}
    everyone = _rows(http_as("finance").get(reverse("billing:receivables")))
    assert len(everyone) == 3


# --- the report -----------------------------------------------------------------------------------


def test_by_client_each_currency_is_its_own_row_and_total(http_as: Any, owed: dict[str, Invoice]) -> None:
    response = http_as("finance").get(reverse("billing:receivables"))
    assert response.status_code == 200
    assert _rows(response) == {
        ("Acme Retail", "INR"): [100000, 0, 50000, 0, 0],
        ("Acme Retail", "USD"): [0, 7000, 0, 0, 0],
        ("Borealis Foods", "USD"): [0, 0, 0, 0, 20000],
    }
    # Dollars are summed with dollars only; rupees stand alone.
    assert _totals(response) == {"INR": [100000, 0, 50000, 0, 0], "USD": [0, 7000, 0, 0, 20000]}
    page = response.content.decode()
    assert "Total in INR" in page and "Total in USD" in page
    assert "₹1,500.00" in page  # Acme's rupee total, never mixed with its dollars
    assert "$270.00" in page  # the dollar total


def test_by_account_manager_and_by_currency(http_as: Any, owed: dict[str, Invoice]) -> None:
    by_owner = http_as("finance").get(reverse("billing:receivables"), {"by": "owner"})
    assert _rows(by_owner) == {
        ("Arjun Manager", "INR"): [100000, 0, 50000, 0, 0],
        ("Arjun Manager", "USD"): [0, 7000, 0, 0, 0],
        ("Olga Manager", "USD"): [0, 0, 0, 0, 20000],
    }
    assert all(item.url == "" for item in by_owner.context["rows"])
    by_currency = http_as("finance").get(reverse("billing:receivables"), {"by": "currency"})
    assert _rows(by_currency) == {
        ("INR", "INR"): [100000, 0, 50000, 0, 0],
        ("USD", "USD"): [0, 7000, 0, 0, 20000],
    }
    assert 'aria-current="page">By currency' in by_currency.content.decode()


def test_a_client_row_opens_its_overdue_invoices(
    http_as: Any, owed: dict[str, Invoice], client_a: Client
) -> None:
    response = http_as("finance").get(reverse("billing:receivables"))
    url = next(item.url for item in response.context["rows"] if item.row.key == client_a.pk)
    assert url == f"{reverse('billing:list')}?client={client_a.pk}&state=overdue"
    assert f'href="{url.replace("&", "&amp;")}"' in response.content.decode()


def test_an_earlier_day_ages_the_balances_as_they_were(http_as: Any, owed: dict[str, Invoice]) -> None:
    earlier = TODAY - dt.timedelta(days=20)
    response = http_as("finance").get(reverse("billing:receivables"), {"on": earlier.isoformat()})
    rows = _rows(response)
    assert rows[("Acme Retail", "INR")] == [100000, 50000, 0, 0, 0]  # 45 days late today: 25 then
    assert rows[("Acme Retail", "USD")] == [7000, 0, 0, 0, 0]  # not yet due then
    assert rows[("Borealis Foods", "USD")] == [0, 0, 0, 20000, 0]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"by": "planet"}, "Choose client, account manager or currency."),
        ({"on": "yesterday"}, "Give the date as YYYY-MM-DD"),
        ({"on": "2026-13-40"}, "Give the date as YYYY-MM-DD"),
    ],
)
def test_a_bad_grouping_or_date_is_refused_with_a_clear_message(
    http_as: Any, owed: dict[str, Invoice], query: dict[str, str], message: str
) -> None:
    response = http_as("finance").get(reverse("billing:receivables"), query)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["rows"] == [] and response.context["totals"] == []
    exported = http_as("finance").get(reverse("billing:receivables_csv"), query)
    assert exported.status_code == 400
    assert message in exported.content.decode()


def test_nothing_owed_says_so(http_as: Any) -> None:
    response = http_as("finance").get(reverse("billing:receivables"))
    assert response.status_code == 200
    assert "Nothing is owed" in response.content.decode()


# --- the CSV --------------------------------------------------------------------------------------


@pytest.mark.parametrize("via", ["name", "format"])
def test_the_csv_reads_back_with_every_currency_apart(
    http_as: Any, owed: dict[str, Invoice], via: str
) -> None:
    if via == "name":
        response = http_as("finance").get(reverse("billing:receivables_csv"), {"by": "client"})
    else:
        response = http_as("finance").get(reverse("billing:receivables"), {"by": "client", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="receivables-by-client-{TODAY.isoformat()}.csv"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.startswith("\ufeff".encode())  # spreadsheets then read UTF-8 names right
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Group",
        "Currency",
        "Current",
        "1–30 days",
        "31–60 days",
        "61–90 days",
        "Over 90 days",
        "Total",
    ]
    assert rows[1:] == [
        ["Acme Retail", "INR", "1000.00", "0.00", "500.00", "0.00", "0.00", "1500.00"],
        ["Acme Retail", "USD", "0.00", "70.00", "0.00", "0.00", "0.00", "70.00"],
        ["Borealis Foods", "USD", "0.00", "0.00", "0.00", "0.00", "200.00", "200.00"],
        ["Total", "INR", "1000.00", "0.00", "500.00", "0.00", "0.00", "1500.00"],
        ["Total", "USD", "0.00", "70.00", "0.00", "0.00", "200.00", "270.00"],
    ]


def test_the_csv_of_an_am_holds_only_their_clients(http_as: Any, owed: dict[str, Invoice]) -> None:
    response = http_as("other_am").get(reverse("billing:receivables_csv"), {"by": "owner"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[:2] for row in rows[1:]] == [["Olga Manager", "USD"], ["Total", "USD"]]


# --- how clients pay ------------------------------------------------------------------------------


def test_the_payers_tab_shows_dso_and_the_on_time_rate(
    http_as: Any, client_a: Client, client_b: Client, finance: User
) -> None:
    early = invoice(client_a, total=10000, late=20)
    Payment.objects.create(invoice=early, amount_minor=10000, received_on=early.due_date)
    Invoice.objects.filter(pk=early.pk).update(amount_paid_minor=10000)
    invoice(client_a, total=30000, late=5)  # fell due, still open: late
    invoice(client_b, total=5000, late=-10)
    response = http_as("finance").get(reverse("billing:receivables_payers"))
    assert response.status_code == 200
    rows = {row.client: row for row in response.context["rows"]}
    acme = rows["Acme Retail"]
    assert acme.on_time is not None and (acme.on_time.on_time, acme.on_time.due) == (1, 2)
    assert [(dso.currency, dso.receivables_minor, dso.billed_minor) for dso in acme.dso] == [
        ("INR", 30000, 40000)
    ]
    assert acme.dso[0].dso == 67.5  # 300 owed over 400 billed, times 90 days
    assert rows["Borealis Foods"].on_time is None
    page = response.content.decode()
    assert "50%" in page and "1 of 2" in page and "67.5" in page
    assert 'aria-current="page">Paying on time' in page


# --- the cost -------------------------------------------------------------------------------------


def _portfolio(count: int, owner: User) -> None:
    for n in range(count):
        client = client_create(
            by=owner,
            display_name=f"Client {n:02d}",
            legal_name=f"Client {n:02d} Ltd",
            country="IN",
            currency="INR" if n % 2 else "EUR",
            owner=owner,
            status=Client.Status.ACTIVE,
        )
        invoice(client, total=1000 + n, late=n * 4)
        invoice(client, total=500, late=-3, currency="USD")


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize("by", ["client", "owner", "currency"])
def test_the_report_costs_the_same_with_3_or_30_clients(
    am: User, count: int, by: str, django_assert_num_queries: Any
) -> None:
    _portfolio(count, am)
    http = _as(am)
    # session, user, the aging in one aggregate query
    with django_assert_num_queries(3):
        response = http.get(reverse("billing:receivables"), {"by": by})
    assert response.status_code == 200
    assert len(response.context["rows"]) == (count * 2 if by == "client" else 3)


@pytest.mark.parametrize("count", [3, 30])
def test_the_csv_and_the_payers_tab_cost_the_same_with_3_or_30_clients(
    am: User, count: int, django_assert_num_queries: Any
) -> None:
    _portfolio(count, am)
    http = _as(am)
    with django_assert_num_queries(3):
        assert http.get(reverse("billing:receivables_csv")).status_code == 200
    # session, user, DSO, the on-time rate
    with django_assert_num_queries(4):
        response = http.get(reverse("billing:receivables_payers"))
    assert len(response.context["rows"]) == count


def test_a_long_report_shows_its_first_rows_and_counts_the_rest_in_the_totals(
    am: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from khata.billing import receivable_views

    monkeypatch.setattr(receivable_views, "ROW_LIMIT", 4)
    _portfolio(3, am)
    response = _as(am).get(reverse("billing:receivables"), {"by": "client"})
    assert len(response.context["rows"]) == 4 and response.context["rows_hidden"] == 2
    assert "2 more rows are in the totals and in the CSV file." in response.content.decode()
    usd = next(item.row for item in response.context["totals"] if item.row.currency == "USD")
    assert usd.total == 3 * 500
    listed = csv.reader(
        io.StringIO(_as(am).get(reverse("billing:receivables_csv")).content.decode("utf-8-sig"))
    )
    assert sum(1 for row in listed if row and row[0].startswith("Client ")) == 6
