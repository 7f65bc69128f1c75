"""Receivables: who sees which invoice, the aging buckets, DSO, the on-time rate and the CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.http import Http404
from django.utils import timezone

from khata.billing.models import Invoice, Payment
from khata.billing.selectors import (
    AgingRow,
    aging_csv,
    aging_for,
    dso_for,
    invoice_get_for,
    invoice_list_for,
    on_time_rate_for,
)
from khata.clients.models import Client
from khata.people.models import User

TODAY = dt.date(2026, 11, 27)
_numbers = itertools.count(1)


def invoice(
    client: Client,
    *,
    total: int,
    late: int = 0,
    paid: int = 0,
    credited: int = 0,
    currency: str | None = None,
    issued: dt.date | None = None,
    status: str = Invoice.Status.ISSUED,
) -> Invoice:
    """An invoice due ``late`` days before TODAY (negative: not yet due)."""
    due = TODAY - dt.timedelta(days=late)
    draft = status == Invoice.Status.DRAFT
    return Invoice.objects.create(
        client=client,
        currency=currency or client.currency,
        issue_date=issued or due - dt.timedelta(days=15),
        due_date=due,
        status=status,
        number="" if draft else f"INV/2026/{next(_numbers):06d}",
        issued_at=None if draft else timezone.now(),
        net_minor=total,
        total_minor=total,
        amount_paid_minor=paid,
        credited_minor=credited,
    )


def pay(invoice: Invoice, amount: int, on: dt.date) -> None:
    Payment.objects.create(invoice=invoice, amount_minor=amount, received_on=on)
    Invoice.objects.filter(pk=invoice.pk).update(amount_paid_minor=invoice.amount_paid_minor + amount)
    invoice.amount_paid_minor += amount


def by_currency(rows: list[AgingRow]) -> dict[tuple[str, str], list[int]]:
    return {(row.label, row.currency): row.buckets() for row in rows}


# --- scope --------------------------------------------------------------------------------------


def test_each_role_sees_only_its_invoices(
    admin: User,
    finance: User,
    am: User,
    other_am: User,
    specialist: User,
    contact_a: User,
    client_a: Client,
    client_b: Client,
) -> None:
    mine = invoice(client_a, total=100_00)
    draft = invoice(client_a, total=50_00, status=Invoice.Status.DRAFT)
    theirs = invoice(client_b, total=70_00)
    assert set(invoice_list_for(admin)) == set(invoice_list_for(finance)) == {mine, draft, theirs}
    assert set(invoice_list_for(am)) == {mine, draft}
    assert set(invoice_list_for(other_am)) == {theirs}
    assert set(invoice_list_for(specialist)) == set()
    assert set(invoice_list_for(contact_a)) == {mine}
    assert invoice_get_for(contact_a, mine.pk) == mine
    for user, pk in [(contact_a, draft.pk), (contact_a, theirs.pk), (am, theirs.pk), (specialist, mine.pk)]:
        with pytest.raises(Http404):
            invoice_get_for(user, pk)
    with pytest.raises(Http404):
        invoice_get_for(admin, "nope")


def test_a_backup_am_sees_the_clients_invoices(other_am: User, client_a: Client) -> None:
    mine = invoice(client_a, total=100_00)
    assert list(invoice_list_for(other_am)) == []
    Client.objects.filter(pk=client_a.pk).update(backup=other_am)
    assert list(invoice_list_for(other_am)) == [mine]
    assert [row.label for row in aging_for(other_am, today=TODAY)] == ["Acme Retail", "Total"]


# --- aging --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("late", "bucket"),
    [
        (-5, 0),
        (0, 0),
        (1, 1),
        (30, 1),
        (31, 2),
        (60, 2),
        (61, 3),
        (90, 3),
        (91, 4),
        (400, 4),
    ],
)
def test_each_boundary_day_falls_in_its_bucket(
    finance: User, client_a: Client, late: int, bucket: int
) -> None:
    invoice(client_a, total=123_45, late=late)
    rows = aging_for(finance, today=TODAY)
    expected = [0] * 5
    expected[bucket] = 123_45
    assert by_currency(rows) == {("Acme Retail", "INR"): expected, ("Total", "INR"): expected}


def test_buckets_add_every_boundary_together(finance: User, client_a: Client) -> None:
    for late in (0, 1, 30, 31, 60, 61, 90, 91):
        invoice(client_a, total=1_000 + late, late=late)
    [row, total] = aging_for(finance, today=TODAY)
    assert row.buckets() == [1_000, 1_001 + 1_030, 1_031 + 1_060, 1_061 + 1_090, 1_091]
    assert row.total == total.total == sum(1_000 + late for late in (0, 1, 30, 31, 60, 61, 90, 91))
    assert total.is_total and not row.is_total


def test_only_what_is_still_owed_counts(finance: User, client_a: Client) -> None:
    invoice(client_a, total=100_00, late=10, paid=40_00)  # partly paid: 60 owed
    invoice(client_a, total=100_00, late=10, credited=25_00, paid=5_00)  # part credited: 70 owed
    invoice(client_a, total=100_00, late=10, credited=100_00)  # credited in full
    invoice(client_a, total=100_00, late=10, paid=100_00)  # paid
    invoice(client_a, total=100_00, late=10, status=Invoice.Status.DRAFT)  # not issued
    rows = aging_for(finance, today=TODAY)
    assert by_currency(rows)[("Acme Retail", "INR")] == [0, 130_00, 0, 0, 0]


def test_credit_notes_are_not_receivables(finance: User, client_a: Client) -> None:
    billed = invoice(client_a, total=100_00, late=5)
    Invoice.objects.create(
        kind=Invoice.Kind.CREDIT_NOTE,
        credits=billed,
        client=client_a,
        currency="INR",
        issue_date=TODAY - dt.timedelta(days=20),
        due_date=TODAY - dt.timedelta(days=20),
        status=Invoice.Status.ISSUED,
        number="CRN/2026/000001",
        issued_at=timezone.now(),
        total_minor=30_00,
        net_minor=30_00,
    )
    assert by_currency(aging_for(finance, today=TODAY))[("Total", "INR")] == [0, 100_00, 0, 0, 0]


def test_currencies_are_never_added(finance: User, client_a: Client, client_b: Client) -> None:
    invoice(client_a, total=100_00, late=3)
    invoice(client_a, total=7_00, late=3, currency="USD")
    invoice(client_b, total=50_00, late=45)
    assert by_currency(aging_for(finance, today=TODAY)) == {
        ("Acme Retail", "INR"): [0, 100_00, 0, 0, 0],
        ("Acme Retail", "USD"): [0, 7_00, 0, 0, 0],
        ("Borealis Foods", "USD"): [0, 0, 50_00, 0, 0],
        ("Total", "INR"): [0, 100_00, 0, 0, 0],
        ("Total", "USD"): [0, 7_00, 50_00, 0, 0],
    }
    assert by_currency(aging_for(finance, today=TODAY, group_by="owner")) == {
        ("Arjun Manager", "INR"): [0, 100_00, 0, 0, 0],
        ("Arjun Manager", "USD"): [0, 7_00, 0, 0, 0],
        ("Olga Manager", "USD"): [0, 0, 50_00, 0, 0],
        ("Total", "INR"): [0, 100_00, 0, 0, 0],
        ("Total", "USD"): [0, 7_00, 50_00, 0, 0],
    }
    by_money = aging_for(finance, today=TODAY, group_by="currency")
    assert by_currency(by_money) == {
        ("INR", "INR"): [0, 100_00, 0, 0, 0],
        ("USD", "USD"): [0, 7_00, 50_00, 0, 0],
        ("Total", "INR"): [0, 100_00, 0, 0, 0],
        ("Total", "USD"): [0, 7_00, 50_00, 0, 0],
    }
    with pytest.raises(ValueError, match="grouping"):
        aging_for(finance, today=TODAY, group_by="project")  # type: ignore[arg-type]


def test_an_am_ages_only_their_clients(am: User, other_am: User, client_a: Client, client_b: Client) -> None:
    invoice(client_a, total=100_00, late=3)
    invoice(client_b, total=50_00, late=3)
    assert by_currency(aging_for(am, today=TODAY)) == {
        ("Acme Retail", "INR"): [0, 100_00, 0, 0, 0],
        ("Total", "INR"): [0, 100_00, 0, 0, 0],
    }
    assert [row.label for row in aging_for(other_am, today=TODAY)] == ["Borealis Foods", "Total"]


@pytest.mark.parametrize("count", [3, 30])
def test_aging_is_one_query_whatever_the_number_of_invoices(
    finance: User,
    client_a: Client,
    client_b: Client,
    count: int,
    django_assert_num_queries: Any,
) -> None:
    for n in range(count):
        invoice(client_a if n % 2 else client_b, total=10_00 + n, late=n * 7 - 20)
    with django_assert_num_queries(1):
        rows = aging_for(finance, today=TODAY)
    assert sum(row.total for row in rows if not row.is_total) == sum(10_00 + n for n in range(count))
    with django_assert_num_queries(1):
        dso_for(finance, today=TODAY)
    with django_assert_num_queries(1):
        on_time_rate_for(finance, today=TODAY)


# --- CSV ----------------------------------------------------------------------------------------


def test_the_csv_reads_back(finance: User, client_a: Client, client_b: Client) -> None:
    invoice(client_a, total=1_234_50, late=0)
    invoice(client_a, total=99_05, late=70)
    invoice(client_b, total=10_00, late=100)
    Client.objects.filter(pk=client_b.pk).update(display_name='Borealis, "Foods"')
    read = list(csv.reader(io.StringIO(aging_csv(aging_for(finance, today=TODAY)))))
    assert read == [
        ["Group", "Currency", "Current", "1–30 days", "31–60 days", "61–90 days", "Over 90 days", "Total"],
        ["Acme Retail", "INR", "1234.50", "0.00", "0.00", "99.05", "0.00", "1333.55"],
        ['Borealis, "Foods"', "USD", "0.00", "0.00", "0.00", "0.00", "10.00", "10.00"],
        ["Total", "INR", "1234.50", "0.00", "0.00", "99.05", "0.00", "1333.55"],
        ["Total", "USD", "0.00", "0.00", "0.00", "0.00", "10.00", "10.00"],
    ]
    assert Decimal(read[1][-1]) == sum(Decimal(value) for value in read[1][2:-1])


# --- DSO and on-time rate -----------------------------------------------------------------------


def test_dso_per_client_and_currency(finance: User, client_a: Client, client_b: Client) -> None:
    # Acme, INR: billed in the last 90 days 300 + 100 (old: 500, outside the window) less 50 credited.
    invoice(client_a, total=300_00, issued=TODAY - dt.timedelta(days=10), late=-20, paid=100_00)
    invoice(client_a, total=100_00, issued=TODAY - dt.timedelta(days=89), late=59, credited=50_00)
    invoice(client_a, total=500_00, issued=TODAY - dt.timedelta(days=90), late=80)
    # Acme, USD: billed 40, all owed.
    invoice(client_a, total=40_00, currency="USD", issued=TODAY, late=-30)
    # Borealis: billed long ago, paid: nothing owed, nothing billed — no row.
    invoice(client_b, total=10_00, issued=TODAY - dt.timedelta(days=200), late=170, paid=10_00)
    rows = {(row.client, row.currency): row for row in dso_for(finance, today=TODAY)}
    assert set(rows) == {("Acme Retail", "INR"), ("Acme Retail", "USD")}
    inr = rows["Acme Retail", "INR"]
    # Owed: 200 + 50 + 500 = 750; billed: 300 + 50 = 350; 750 / 350 × 90 = 192.857…
    assert (inr.receivables_minor, inr.billed_minor) == (750_00, 350_00)
    assert inr.dso == Decimal("192.9")
    usd = rows["Acme Retail", "USD"]
    assert (usd.receivables_minor, usd.billed_minor, usd.dso) == (40_00, 40_00, Decimal("90.0"))
    # Over 30 days, only the USD invoice and the first INR one were billed.
    short = {(row.client, row.currency): row for row in dso_for(finance, today=TODAY, days=30)}
    assert short["Acme Retail", "INR"].billed_minor == 300_00
    assert short["Acme Retail", "INR"].dso == Decimal("75.0")  # 750 / 300 × 30


def test_dso_without_billing_is_none(finance: User, client_a: Client) -> None:
    invoice(client_a, total=10_00, issued=TODAY - dt.timedelta(days=200), late=170)
    [row] = dso_for(finance, today=TODAY)
    assert (row.receivables_minor, row.billed_minor, row.dso) == (10_00, 0, None)


def test_on_time_rate_counts_invoices_settled_by_their_due_date(
    finance: User, am: User, client_a: Client, client_b: Client
) -> None:
    due = TODAY - dt.timedelta(days=10)
    # Acme: four invoices fell due ten days ago.
    early = invoice(client_a, total=100_00, late=10)
    pay(early, 40_00, due - dt.timedelta(days=5))
    pay(early, 60_00, due)  # settled on the due date: on time
    late = invoice(client_a, total=100_00, late=10)
    pay(late, 50_00, due - dt.timedelta(days=3))
    pay(late, 50_00, due + dt.timedelta(days=1))  # settled a day late
    short = invoice(client_a, total=100_00, late=10)
    pay(short, 99_00, due - dt.timedelta(days=1))  # never paid in full
    part_credited = invoice(client_a, total=100_00, late=10, credited=20_00)
    pay(part_credited, 80_00, due)  # the rest paid in time: on time
    invoice(client_a, total=100_00, late=10, credited=100_00)  # credited in full: not counted
    invoice(client_a, total=100_00, late=0)  # due today: not yet counted
    invoice(client_a, total=100_00, late=91)  # outside the 90 days
    # Borealis: one invoice, paid early.
    theirs = invoice(client_b, total=10_00, late=30)
    pay(theirs, 10_00, due - dt.timedelta(days=30))
    rows = on_time_rate_for(finance, today=TODAY)
    assert [(row.client, row.due, row.on_time, row.rate) for row in rows] == [
        ("Acme Retail", 4, 2, Decimal("0.500")),
        ("Borealis Foods", 1, 1, Decimal("1.000")),
        ("All clients", 5, 3, Decimal("0.600")),
    ]
    assert [(row.client, row.due, row.on_time) for row in on_time_rate_for(am, today=TODAY)] == [
        ("Acme Retail", 4, 2),
        ("All clients", 4, 2),
    ]
    [nothing] = on_time_rate_for(finance, today=TODAY - dt.timedelta(days=400))
    assert (nothing.due, nothing.rate) == (0, None)
