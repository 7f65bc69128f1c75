"""A state machine over issue, pay, credit and void: whatever the order, the ledger holds."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from khata.billing.models import Invoice, Payment
from khata.billing.services import (
    BillingError,
    PaymentConflict,
    credit_note_issue,
    invoice_create,
    invoice_issue,
    invoice_line_add,
    invoice_void,
    payment_record,
)
from khata.clients.models import Client
from khata.people.models import User

ON = dt.date(2026, 11, 2)
LINE = st.fixed_dictionaries(
    {
        "quantity_milli": st.integers(min_value=1_000, max_value=20_000),
        "unit_price_minor": st.integers(min_value=100, max_value=5_000_000),
        "tax_rate_bp": st.sampled_from([0, 500, 1200, 1800]),
    }
)


@pytest.mark.django_db
def test_the_ledger_holds_whatever_happens(finance: User, client_a: Client) -> None:
    class Ledger(RuleBasedStateMachine):
        """Each run starts from the same database: it works inside a savepoint rolled back at the end."""

        invoices = Bundle("invoices")

        def __init__(self) -> None:
            super().__init__()
            self.savepoint = transaction.atomic()
            self.savepoint.__enter__()

        def teardown(self) -> None:
            transaction.set_rollback(True)
            self.savepoint.__exit__(None, None, None)

        @rule(target=invoices, lines=st.lists(LINE, min_size=1, max_size=3))
        def issue(self, lines: list[dict[str, Any]]) -> int:
            invoice = invoice_create(by=finance, client=client_a, issue_date=dt.date(2026, 11, 1))
            for n, values in enumerate(lines):
                invoice_line_add(invoice=invoice, by=finance, description=f"Line {n}", **values)
            return invoice_issue(invoice=invoice, by=finance).pk

        @rule(pk=invoices, share=st.floats(min_value=0.01, max_value=1.3))
        def pay(self, pk: int, share: float) -> None:
            invoice = Invoice.objects.get(pk=pk)
            amount = max(int(invoice.total_minor * share), 1)
            owed = invoice.total_minor - invoice.amount_paid_minor - invoice.credited_minor
            if amount > owed:
                with pytest.raises(BillingError):
                    payment_record(invoice=invoice, by=finance, amount_minor=amount, received_on=ON)
            else:
                payment_record(invoice=invoice, by=finance, amount_minor=amount, received_on=ON)

        @rule(pk=invoices, share=st.floats(min_value=0.01, max_value=1.0))
        def credit(self, pk: int, share: float) -> None:
            invoice = Invoice.objects.get(pk=pk)
            amount = max(int(invoice.total_minor * share), 1)
            if amount > invoice.total_minor - invoice.credited_minor:
                with pytest.raises(BillingError):
                    credit_note_issue(invoice=invoice, by=finance, reason="Goodwill", amount_minor=amount)
            else:
                credit_note_issue(invoice=invoice, by=finance, reason="Goodwill", amount_minor=amount)

        @rule(pk=invoices)
        def void(self, pk: int) -> None:
            invoice = Invoice.objects.get(pk=pk)
            if invoice.amount_paid_minor or invoice.credited_minor >= invoice.total_minor:
                with pytest.raises(BillingError):
                    invoice_void(invoice=invoice, by=finance, reason="Wrong client")
            else:
                invoice_void(invoice=invoice, by=finance, reason="Wrong client")

        @invariant()
        def ledger_holds(self) -> None:
            for invoice in Invoice.objects.filter(kind=Invoice.Kind.INVOICE):
                paid = Payment.objects.filter(invoice=invoice).aggregate(s=Sum("amount_minor"))["s"] or 0
                credited = invoice.credit_notes.aggregate(s=Sum("total_minor"))["s"] or 0
                assert invoice.amount_paid_minor == paid
                assert invoice.credited_minor == credited
                assert 0 <= invoice.amount_paid_minor <= invoice.total_minor
                assert 0 <= invoice.credited_minor <= invoice.total_minor
                assert invoice.total_minor == invoice.net_minor + invoice.tax_minor
                assert invoice.state(ON) in {"issued", "partly_paid", "paid", "overdue", "credited"}
            for series in ("INV", "CRN"):
                numbers = sorted(
                    Invoice.objects.filter(number__startswith=f"{series}/").values_list("number", flat=True)
                )
                assert numbers == [f"{series}/2026/{n:06d}" for n in range(1, len(numbers) + 1)]

    Ledger.TestCase.settings = settings(
        max_examples=15,
        stateful_step_count=12,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    Ledger.TestCase().runTest()


def test_payment_conflict_is_a_billing_error() -> None:
    assert issubclass(PaymentConflict, BillingError)
