"""Billing's Today cards: overdue invoices, reminders going out today, promises due and broken, and
accepted acts not yet invoiced; each scoped to the person and costing a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from khata.billing.boards import (
    acts_to_invoice_card,
    overdue_invoices_card,
    promises_broken_card,
    promises_today_card,
    reminders_due_card,
)
from khata.billing.models import BillingProfile, Invoice, PaymentPromise
from khata.billing.services import invoice_from_acts, payment_record
from khata.clients.models import Client
from khata.core.boards import Card
from khata.documents.models import Document
from khata.insights.selectors import today_board_for
from khata.people.models import User

TODAY = dt.date(2026, 12, 10)
_numbers = itertools.count(1)


def planted(client: Client, *, due: dt.date, total: int = 100_000_00, paid: int = 0) -> Invoice:
    """An issued invoice written straight to the table (the ledger's rules are proven elsewhere)."""
    return Invoice.objects.create(
        client=client,
        number=f"INV/T/{next(_numbers):06}",
        status=Invoice.Status.ISSUED,
        currency=client.currency,
        issue_date=due - dt.timedelta(days=30),
        due_date=due,
        net_minor=total,
        total_minor=total,
        amount_paid_minor=paid,
        issued_at=timezone.now(),
    )


def promised(invoice: Invoice, *, on: dt.date, amount: int = 10_000_00, ago: int = 1) -> PaymentPromise:
    return PaymentPromise.objects.create(
        invoice=invoice,
        promised_on=on,
        amount_minor=amount,
        created_at=timezone.now() - dt.timedelta(days=ago),
    )


def keys(user: User, today: dt.date = TODAY) -> list[str]:
    return [card.key for card in today_board_for(user, today=today).cards if card.key.startswith("billing.")]


@pytest.mark.django_db
def test_billers_see_the_billing_cards_specialists_and_contacts_do_not(
    admin: User, am: User, finance: User, specialist: User, contact_a: User
) -> None:
    expected = [
        "billing.overdue",
        "billing.promises_broken",
        "billing.promises_today",
        "billing.reminders_due",
        "billing.acts_to_invoice",
    ]
    assert keys(admin) == keys(am) == keys(finance) == expected
    assert keys(specialist) == []
    for provider in (overdue_invoices_card, reminders_due_card, promises_today_card, acts_to_invoice_card):
        assert provider(specialist, today=TODAY, limit=5) is None
        assert provider(contact_a, today=TODAY, limit=5) is None


@pytest.mark.django_db
def test_overdue_invoices_show_balance_and_days_late_scoped_to_the_am(
    am: User, other_am: User, finance: User, client_a: Client, client_b: Client
) -> None:
    late = planted(client_a, due=dt.date(2026, 11, 10), paid=40_000_00)
    planted(client_a, due=TODAY)  # due today: not late yet
    planted(client_a, due=dt.date(2026, 11, 1), paid=100_000_00)  # paid
    theirs = planted(client_b, due=dt.date(2026, 12, 1))

    card = overdue_invoices_card(am, today=TODAY, limit=5)
    assert card is not None
    assert [(item.invoice, item.days_late) for item in card.items] == [(late, 30)]
    assert card.total == 1 and card.more_url == reverse("billing:list") + "?state=overdue"

    other = overdue_invoices_card(other_am, today=TODAY, limit=5)
    assert other is not None and [item.invoice for item in other.items] == [theirs]
    everyone = overdue_invoices_card(finance, today=TODAY, limit=5)
    assert everyone is not None and everyone.total == 2


@pytest.mark.django_db
def test_reminders_due_today_include_paused_clients_marked_held(
    am: User, other_am: User, client_a: Client, client_b: Client
) -> None:
    on_the_day = planted(client_a, due=TODAY)
    week_late = planted(client_b, due=TODAY - dt.timedelta(days=7))
    planted(client_a, due=TODAY + dt.timedelta(days=10))  # nothing due yet
    BillingProfile.objects.create(client=client_b, reminders_paused=True)

    card = reminders_due_card(am, today=TODAY, limit=5)
    assert card is not None
    assert [(item.invoice, item.level.days, item.paused) for item in card.items] == [(on_the_day, 0, False)]
    other = reminders_due_card(other_am, today=TODAY, limit=5)
    assert other is not None
    assert [(item.invoice, item.level.days, item.paused) for item in other.items] == [(week_late, 7, True)]
    assert other.counters[0].value == 1


@pytest.mark.django_db
def test_promises_due_today_and_broken_ones(
    finance: User, am: User, other_am: User, client_a: Client
) -> None:
    invoice = planted(client_a, due=dt.date(2026, 11, 10))
    today_promise = promised(invoice, on=TODAY)
    other_invoice = planted(client_a, due=dt.date(2026, 11, 1))
    broken = promised(other_invoice, on=TODAY - dt.timedelta(days=2))
    kept_invoice = planted(client_a, due=dt.date(2026, 11, 1))
    promised(kept_invoice, on=TODAY - dt.timedelta(days=2), amount=5_000_00)
    payment_record(invoice=kept_invoice, by=finance, amount_minor=5_000_00, received_on=dt.date(2026, 11, 20))

    due = promises_today_card(am, today=TODAY, limit=5)
    assert due is not None and list(due.items) == [today_promise]
    gone = promises_broken_card(am, today=TODAY, limit=5)
    assert gone is not None and list(gone.items) == [broken] and gone.counters[0].tone == "danger"

    nothing = promises_broken_card(other_am, today=TODAY, limit=5)
    assert nothing is not None and list(nothing.items) == []


@pytest.mark.django_db
def test_an_accepted_act_waits_on_the_board_until_an_invoice_bills_it(
    accepted_act: Document, am: User, other_am: User, finance: User, client_a: Client
) -> None:
    card = acts_to_invoice_card(am, today=TODAY, limit=5)
    assert card is not None and [item.document for item in card.items] == [accepted_act]
    assert (
        card.items[0].invoice_url
        == reverse("billing:from_acts") + f"?client={client_a.pk}&act={accepted_act.pk}"
    )
    other = acts_to_invoice_card(other_am, today=TODAY, limit=5)
    assert other is not None and other.items == []

    invoice_from_acts(by=finance, client=client_a, acts=[accepted_act])

    card = acts_to_invoice_card(am, today=TODAY, limit=5)
    assert card is not None and card.items == [] and card.total == 0


def _cost(provider: Any, user: User) -> tuple[int, Card | None]:
    with CaptureQueriesContext(connection) as captured:
        card = provider(user, today=TODAY, limit=20)
    return len(captured), card


@pytest.mark.django_db
@pytest.mark.parametrize(
    "provider", [overdue_invoices_card, reminders_due_card, promises_today_card, promises_broken_card]
)
def test_each_card_costs_the_same_with_3_or_30_rows(
    provider: Any, am: User, client_a: Client, client_b: Client
) -> None:
    counts = []
    for size in (3, 30):
        PaymentPromise.objects.all().delete()
        Invoice.objects.all().delete()
        for index in range(size):
            late = planted(client_a, due=TODAY - dt.timedelta(days=7))
            promised(late, on=TODAY)
            older = planted(client_a, due=TODAY - dt.timedelta(days=14 + index % 2))
            promised(older, on=TODAY - dt.timedelta(days=1 + index % 5))
        queries, card = _cost(provider, am)
        per_pair = 2 if provider in (overdue_invoices_card, reminders_due_card) else 1
        assert card is not None and len(card.items) == min(size * per_pair, 20)
        counts.append(queries)
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_the_acts_card_costs_the_same_whatever_the_count(accepted_act: Document, am: User) -> None:
    first, card = _cost(acts_to_invoice_card, am)
    assert card is not None and len(card.items) == 1
    for _index in range(5):
        clone = Document.objects.get(pk=accepted_act.pk)
        clone.pk = None
        clone.number = f"{accepted_act.number}-{_index}"
        clone.save()
    again, card = _cost(acts_to_invoice_card, am)
    assert card is not None and len(card.items) == 6
    assert first == again


def test_the_today_page_shows_the_billing_cards_with_one_click_links(http_as: Any, client_a: Client) -> None:
    today = timezone.localdate()
    invoice = planted(client_a, due=today - dt.timedelta(days=7))
    promised(invoice, on=today - dt.timedelta(days=1))
    page = http_as("am").get(reverse("insights:today")).content.decode()
    assert (
        "Overdue invoices" in page and "Broken promises to pay" in page and "Payment reminders today" in page
    )
    assert reverse("billing:detail", args=[invoice.pk]) in page
    assert "7 days late" in page
