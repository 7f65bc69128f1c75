"""Billing's ledger rules: totals and rounding, issuing, payments that never over-pay, credit notes."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from khata.billing.models import Invoice, InvoiceLine, Payment
from khata.billing.services import (
    BillingError,
    PaymentConflict,
    billing_profile,
    credit_note_issue,
    invoice_create,
    invoice_from_acts,
    invoice_issue,
    invoice_line_add,
    invoice_line_update,
    invoice_void,
    line_net_minor,
    payment_record,
    totals_of,
)
from khata.clients.models import Client
from khata.core.models import Event
from khata.documents.models import Document
from khata.documents.tests.test_services import _database_url
from khata.people.models import User

ON = dt.date(2026, 11, 2)


def issued(by: User, client: Client, *lines: dict[str, Any]) -> Invoice:
    invoice = invoice_create(by=by, client=client, issue_date=dt.date(2026, 11, 1))
    for values in lines or ({"description": "SEO retainer, November", "unit_price_minor": 100_000_00},):
        invoice_line_add(invoice=invoice, by=by, **values)
    return invoice_issue(invoice=invoice, by=by)


# --- arithmetic ---------------------------------------------------------------------------------


def test_a_line_rounds_half_up_then_takes_its_discount() -> None:
    assert line_net_minor(quantity_milli=1500, unit_price_minor=333, discount_minor=0) == 500  # 499.5 → 500
    assert line_net_minor(quantity_milli=2500, unit_price_minor=1_000_00, discount_minor=10_00) == 2_490_00


def test_tax_is_computed_once_per_rate_on_the_sum_of_the_nets() -> None:
    lines = [
        InvoiceLine(tax_category="S", tax_rate_bp=1800, net_minor=333),
        InvoiceLine(tax_category="S", tax_rate_bp=1800, net_minor=333),
        InvoiceLine(tax_category="S", tax_rate_bp=500, net_minor=1_000_00),
        InvoiceLine(tax_category="Z", tax_rate_bp=0, net_minor=50_00),
    ]
    totals = totals_of(lines)
    # 666 × 18% = 119.88 → 120 (per line it would be 60 + 60).
    assert [(g.rate_bp, g.net_minor, g.tax_minor) for g in totals.groups] == [
        (500, 1_000_00, 50_00),
        (1800, 666, 120),
        (0, 50_00, 0),
    ]
    assert (totals.net_minor, totals.tax_minor, totals.total_minor) == (105_666, 5_120, 110_786)


# --- issue --------------------------------------------------------------------------------------


def test_issuing_numbers_freezes_and_records_the_totals(finance: User, client_a: Client) -> None:
    invoice = issued(
        finance,
        client_a,
        {
            "description": "SEO audit",
            "quantity_milli": 10_000,
            "unit_code": "HUR",
            "unit_price_minor": 2_500_00,
        },
        {"description": "Ad spend management", "unit_price_minor": 40_000_00, "discount_minor": 4_000_00},
    )
    assert invoice.number == "INV/2026/000001" and len(invoice.number) <= 16
    assert (invoice.net_minor, invoice.tax_minor, invoice.total_minor) == (61_000_00, 10_980_00, 71_980_00)
    assert invoice.due_date == dt.date(2026, 12, 1)  # the client's 30 days
    assert invoice.state(dt.date(2026, 11, 15)) == "issued"
    assert invoice.state(dt.date(2026, 12, 2)) == "overdue"
    with pytest.raises(BillingError, match="never changed"):
        invoice_line_add(invoice=invoice, by=finance, description="Extra")
    line = invoice.lines.first()
    assert line is not None
    with pytest.raises(BillingError):
        invoice_line_update(line=line, by=finance, unit_price_minor=1)
    assert Event.objects.filter(kind="billing.invoice_issued", subject_id=invoice.pk).exists()


def test_an_empty_or_foreign_invoice_is_refused(finance: User, other_am: User, client_a: Client) -> None:
    invoice = invoice_create(by=finance, client=client_a)
    with pytest.raises(BillingError, match="at least one line"):
        invoice_issue(invoice=invoice, by=finance)
    with pytest.raises(BillingError):
        invoice_create(by=other_am, client=client_a)
    invoice.refresh_from_db()
    assert invoice.is_draft and invoice.number == ""


def test_bad_lines_are_refused_with_every_reason(finance: User, client_a: Client) -> None:
    invoice = invoice_create(by=finance, client=client_a)
    with pytest.raises(BillingError) as refused:
        invoice_line_add(
            invoice=invoice,
            by=finance,
            description=" ",
            quantity_milli=0,
            tax_rate_bp=12000,
            tax_category="X",
        )
    assert set(refused.value.message_dict) == {"description", "quantity_milli", "tax_rate_bp", "tax_category"}
    with pytest.raises(BillingError, match="discount is larger"):
        invoice_line_add(
            invoice=invoice, by=finance, description="Copy", unit_price_minor=100, discount_minor=200
        )
    assert not invoice.lines.exists()


def test_an_invoice_bills_accepted_acts_once(finance: User, client_a: Client, accepted_act: Document) -> None:
    invoice = invoice_from_acts(by=finance, client=client_a, acts=[accepted_act])
    assert invoice.total_minor == 110_000_00 + 19_800_00
    assert list(invoice.acts.all()) == [accepted_act]
    issued_invoice = invoice_issue(invoice=invoice, by=finance)
    assert issued_invoice.project == accepted_act.project
    with pytest.raises(BillingError, match="already invoiced"):
        invoice_from_acts(by=finance, client=client_a, acts=[accepted_act])


def test_a_client_billed_only_for_accepted_acts(finance: User, client_a: Client) -> None:
    profile = billing_profile(client_a)
    profile.requires_accepted_act = True
    profile.save()
    invoice = invoice_create(by=finance, client=client_a)
    invoice_line_add(invoice=invoice, by=finance, description="By hand", unit_price_minor=100_00)
    with pytest.raises(BillingError, match="accepted"):
        invoice_issue(invoice=invoice, by=finance)


# --- payments -----------------------------------------------------------------------------------


def test_partial_payments_then_paid(finance: User, client_a: Client) -> None:
    invoice = issued(finance, client_a)  # ₹1,18,000.00
    payment_record(invoice=invoice, by=finance, amount_minor=18_000_00, received_on=ON, reference="UTR1")
    invoice.refresh_from_db()
    assert invoice.state(ON) == "partly_paid" and invoice.balance_minor == 100_000_00
    payment_record(invoice=invoice, by=finance, amount_minor=100_000_00, received_on=ON)
    invoice.refresh_from_db()
    assert invoice.state(dt.date(2027, 1, 1)) == "paid"
    assert (
        sum(p.amount_minor for p in invoice.payments.all())
        == invoice.amount_paid_minor
        == invoice.total_minor
    )


def test_a_payment_that_would_over_pay_is_refused_and_records_nothing(
    finance: User, client_a: Client
) -> None:
    invoice = issued(finance, client_a)
    with pytest.raises(PaymentConflict, match="over-pay"):
        payment_record(invoice=invoice, by=finance, amount_minor=invoice.total_minor + 1, received_on=ON)
    invoice.refresh_from_db()
    assert invoice.amount_paid_minor == 0 and not Payment.objects.exists()


def test_the_database_itself_refuses_an_over_payment(finance: User, client_a: Client) -> None:
    invoice = issued(finance, client_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(amount_paid_minor=invoice.total_minor + 1)


def test_payments_are_a_ledger(finance: User, client_a: Client) -> None:
    invoice = issued(finance, client_a)
    payment = payment_record(invoice=invoice, by=finance, amount_minor=1_00, received_on=ON).payment
    with pytest.raises(TypeError):
        payment.save()
    with pytest.raises(TypeError):
        Payment.objects.filter(pk=payment.pk).delete()


def test_an_am_cannot_record_money_received(am: User, finance: User, client_a: Client) -> None:
    invoice = issued(finance, client_a)
    with pytest.raises(BillingError):
        payment_record(invoice=invoice, by=am, amount_minor=1_00, received_on=ON)


def test_the_same_key_records_one_payment_and_another_body_is_refused(
    finance: User, client_a: Client
) -> None:
    invoice = issued(finance, client_a)
    results = [
        payment_record(
            invoice=invoice, by=finance, amount_minor=5_000_00, received_on=ON, idempotency_key="k-1"
        )
        for _ in range(10)
    ]
    assert [r.repeated for r in results] == [False] + [True] * 9
    assert {r.payment.pk for r in results} == {results[0].payment.pk}
    with pytest.raises(PaymentConflict, match="another request"):
        payment_record(
            invoice=invoice, by=finance, amount_minor=6_000_00, received_on=ON, idempotency_key="k-1"
        )
    invoice.refresh_from_db()
    assert invoice.amount_paid_minor == 5_000_00 and Payment.objects.count() == 1


def test_a_new_payment_costs_a_fixed_number_of_queries(
    finance: User, client_a: Client, django_assert_num_queries: Any
) -> None:
    invoice = issued(finance, client_a)
    # Savepoint, the invoice locked, an earlier use of the key, the payment, the paid amount, the
    # timeline event, release: the key is looked up once, under the lock.
    with django_assert_num_queries(7):
        payment_record(invoice=invoice, by=finance, amount_minor=1_00, received_on=ON, idempotency_key="k-2")
    with django_assert_num_queries(6):  # without a key, nothing to look up
        payment_record(invoice=invoice, by=finance, amount_minor=1_00, received_on=ON)


def _run_payers(
    invoice: Invoice, finance: User, amounts: list[int], keys: list[str | None], tmp_path: Any
) -> list[str]:
    env = {**os.environ, "DATABASE_URL": _database_url(tmp_path), "KHATA_DATA_DIR": str(tmp_path)}
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "khata.billing.tests.payer",
                str(invoice.pk),
                str(finance.pk),
                str(amount),
                *([key] if key else []),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for amount, key in zip(amounts, keys, strict=True)
    ]
    outputs = [process.communicate(timeout=240) for process in processes]
    assert all(p.returncode == 0 for p in processes), [err[-2000:] for _out, err in outputs]
    return [out.strip() for out, _err in outputs]


def _paid_in(tmp_path: Any, invoice: Invoice) -> tuple[int, int, int]:
    """The paid amount, the sum of the payments and their count, as the processes left them."""
    if connection.vendor == "postgresql":
        invoice.refresh_from_db()
        rows = list(Payment.objects.filter(invoice=invoice).values_list("amount_minor", flat=True))
        return invoice.amount_paid_minor, sum(rows), len(rows)
    import sqlite3

    db = sqlite3.connect(tmp_path / "registry.sqlite3")
    paid = db.execute("SELECT amount_paid_minor FROM billing_invoice WHERE id = ?", (invoice.pk,)).fetchone()[
        0
    ]
    total, count = db.execute(
        "SELECT COALESCE(SUM(amount_minor), 0), COUNT(*) FROM billing_payment WHERE invoice_id = ?",
        (invoice.pk,),
    ).fetchone()
    return paid, total, count


@pytest.mark.django_db(transaction=True)
def test_twenty_payments_of_a_tenth_at_once_settle_it_exactly(
    finance: User, client_a: Client, tmp_path: Any
) -> None:
    invoice = issued(finance, client_a)
    tenth = invoice.total_minor // 10
    answers = _run_payers(invoice, finance, [tenth] * 20, [None] * 20, tmp_path)
    assert answers.count("ok") == 10 and answers.count("refused") == 10
    assert _paid_in(tmp_path, invoice) == (invoice.total_minor, invoice.total_minor, 10)


@pytest.mark.django_db(transaction=True)
def test_the_same_key_sent_at_once_records_one_payment(
    finance: User, client_a: Client, tmp_path: Any
) -> None:
    invoice = issued(finance, client_a)
    answers = _run_payers(invoice, finance, [1_000_00] * 10, ["same-key"] * 10, tmp_path)
    assert answers.count("ok") == 1 and answers.count("repeat") == 9
    assert _paid_in(tmp_path, invoice) == (1_000_00, 1_000_00, 1)


# --- credit notes -------------------------------------------------------------------------------


def test_a_partial_credit_note_lowers_what_is_owed(finance: User, client_a: Client) -> None:
    invoice = issued(finance, client_a)
    note = credit_note_issue(invoice=invoice, by=finance, reason="Two days late", amount_minor=11_800_00)
    assert note.number == "CRN/2026/000001" and note.credits == invoice and note.total_minor == 11_800_00
    assert (note.net_minor, note.tax_minor) == (10_000_00, 1_800_00)
    invoice.refresh_from_db()
    assert invoice.credited_minor == 11_800_00 and invoice.balance_minor == 106_200_00
    with pytest.raises(PaymentConflict):
        payment_record(invoice=invoice, by=finance, amount_minor=106_200_01, received_on=ON)


def test_voiding_credits_everything_and_is_refused_once_paid(finance: User, client_a: Client) -> None:
    invoice = issued(finance, client_a)
    note = invoice_void(invoice=invoice, by=finance, reason="Billed the wrong client")
    invoice.refresh_from_db()
    assert note.total_minor == invoice.total_minor and invoice.state() == "credited"
    paid = issued(finance, client_a)
    payment_record(invoice=paid, by=finance, amount_minor=1_00, received_on=ON)
    with pytest.raises(BillingError, match="credit the rest"):
        invoice_void(invoice=paid, by=finance, reason="Oops")
    with pytest.raises(BillingError, match="Say why"):
        credit_note_issue(invoice=paid, by=finance, reason=" ")


def test_a_draft_changes_its_dates_and_reference_and_an_issued_one_never(
    finance: User, client_a: Client, client_b: Client
) -> None:
    from khata.billing.services import invoice_update
    from khata.plans.services import project_create

    draft = invoice_create(by=finance, client=client_a, issue_date=dt.date(2026, 11, 1))
    changed = invoice_update(
        invoice=draft, by=finance, due_date=dt.date(2026, 12, 15), buyer_reference=" PO-77 "
    )
    assert (changed.due_date, changed.buyer_reference) == (dt.date(2026, 12, 15), "PO-77")
    foreign = project_create(client=client_b, by=client_b.owner, name="Borealis site", services="seo")
    with pytest.raises(BillingError) as refused:
        invoice_update(invoice=draft, by=finance, due_date=dt.date(2026, 10, 1), project=foreign, number="X")
    assert set(refused.value.message_dict) == {"number"}
    with pytest.raises(BillingError) as refused:
        invoice_update(invoice=draft, by=finance, due_date=dt.date(2026, 10, 1), project=foreign)
    assert set(refused.value.message_dict) == {"due_date", "project"}
    draft.refresh_from_db()
    assert draft.due_date == dt.date(2026, 12, 15)
    invoice_line_add(invoice=draft, by=finance, description="Retainer", unit_price_minor=1_000_00)
    invoice_issue(invoice=draft, by=finance)
    with pytest.raises(BillingError, match="never changed"):
        invoice_update(invoice=draft, by=finance, note="Later")
