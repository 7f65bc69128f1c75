"""Promises to pay: recorded from the invoice page with clear errors, kept by the payments recorded
after them, broken when their date passes without them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from khata.billing.models import Invoice, PaymentPromise
from khata.billing.reminders import promise_state, promises_annotated, promises_open
from khata.billing.services import (
    BillingError,
    credit_note_issue,
    invoice_create,
    invoice_issue,
    invoice_line_add,
    payment_record,
    promise_cancel,
    promise_record,
)
from khata.clients.models import Client, Contact
from khata.core.models import Event
from khata.people.models import User

TODAY = dt.date(2026, 11, 20)


def make_invoice(by: User, client: Client, *, amount: int = 100_000_00) -> Invoice:
    invoice = invoice_create(
        by=by, client=client, issue_date=dt.date(2026, 11, 1), due_date=dt.date(2026, 11, 15)
    )
    invoice_line_add(invoice=invoice, by=by, description="SEO retainer, November", unit_price_minor=amount)
    return invoice_issue(invoice=invoice, by=by)


@pytest.fixture
def invoice(finance: User, client_a: Client) -> Invoice:
    return make_invoice(finance, client_a)  # ₹1,18,000.00 with 18% tax


@pytest.fixture
def payer(client_a: Client) -> Contact:
    return Contact.objects.create(
        client=client_a, full_name="Pankaj Payer", email="p@acme.test", role="payer"
    )


def state_of(promise: PaymentPromise, today: dt.date) -> str:
    return promise_state(promises_annotated().get(pk=promise.pk), today=today)


@pytest.mark.django_db
def test_a_promise_is_recorded_with_its_contact_and_a_timeline_event(
    invoice: Invoice, am: User, payer: Contact
) -> None:
    promise = promise_record(
        invoice=invoice,
        by=am,
        promised_on=dt.date(2026, 11, 25),
        amount_minor=50_000_00,
        contact=payer,
        note="After their board meets",
        today=TODAY,
    )
    assert (promise.amount_minor, promise.contact, promise.recorded_by) == (50_000_00, payer, am)
    event = Event.objects.get(kind="billing.promise_recorded")
    assert event.client_id == invoice.client_id and event.subject_id == invoice.pk
    assert event.summary == f"Promise to pay ₹50,000.00 of invoice {invoice.number} by 2026-11-25"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"amount_minor": 0}, "amount", "Enter an amount above zero."),
        ({"amount_minor": 118_000_01}, "amount", "The promise is above what is still owed (₹1,18,000.00)."),
        ({"promised_on": dt.date(2026, 11, 19)}, "promised_on", "The date is in the past."),
    ],
)
def test_a_bad_promise_is_refused_and_records_nothing(
    invoice: Invoice, am: User, values: dict[str, Any], field: str, message: str
) -> None:
    arguments: dict[str, Any] = {"promised_on": dt.date(2026, 11, 25), "amount_minor": 10_000_00} | values
    with pytest.raises(BillingError) as refused:
        promise_record(invoice=invoice, by=am, today=TODAY, **arguments)
    assert refused.value.message_dict == {field: [message]}
    assert PaymentPromise.objects.count() == 0


@pytest.mark.django_db
def test_the_contact_must_be_of_the_invoices_client(invoice: Invoice, am: User, client_b: Client) -> None:
    stranger = Contact.objects.create(client=client_b, full_name="Someone Else")
    with pytest.raises(BillingError) as refused:
        promise_record(
            invoice=invoice, by=am, promised_on=TODAY, amount_minor=1_00, contact=stranger, today=TODAY
        )
    assert refused.value.message_dict == {"contact": ["Choose a contact of this client."]}


@pytest.mark.django_db
def test_a_paid_invoice_or_a_draft_cannot_be_promised(
    invoice: Invoice, finance: User, client_a: Client
) -> None:
    payment_record(invoice=invoice, by=finance, amount_minor=invoice.total_minor, received_on=TODAY)
    with pytest.raises(BillingError) as refused:
        promise_record(invoice=invoice, by=finance, promised_on=TODAY, amount_minor=1_00, today=TODAY)
    assert refused.value.message_dict == {"amount": ["Nothing is owed on this invoice."]}

    draft = invoice_create(by=finance, client=client_a)
    with pytest.raises(BillingError):
        promise_record(invoice=draft, by=finance, promised_on=TODAY, amount_minor=1_00, today=TODAY)


@pytest.mark.django_db
def test_an_am_of_another_client_cannot_record_a_promise(invoice: Invoice, other_am: User) -> None:
    with pytest.raises(BillingError):
        promise_record(invoice=invoice, by=other_am, promised_on=TODAY, amount_minor=1_00, today=TODAY)
    assert PaymentPromise.objects.count() == 0


@pytest.mark.django_db
def test_payments_after_the_promise_keep_it_payments_before_do_not(invoice: Invoice, finance: User) -> None:
    payment_record(invoice=invoice, by=finance, amount_minor=10_000_00, received_on=TODAY)  # before
    promise = promise_record(
        invoice=invoice, by=finance, promised_on=dt.date(2026, 11, 25), amount_minor=50_000_00, today=TODAY
    )
    assert state_of(promise, TODAY) == "pending"
    assert state_of(promise, dt.date(2026, 11, 25)) == "due"
    assert state_of(promise, dt.date(2026, 11, 26)) == "broken"

    payment_record(invoice=invoice, by=finance, amount_minor=30_000_00, received_on=TODAY)
    assert state_of(promise, dt.date(2026, 11, 26)) == "broken"  # 30,000 of 50,000
    payment_record(invoice=invoice, by=finance, amount_minor=20_000_00, received_on=TODAY)
    assert state_of(promise, dt.date(2026, 11, 26)) == "kept"
    assert not promises_open().filter(pk=promise.pk).exists()


@pytest.mark.django_db
def test_a_credited_invoice_settles_its_promise(invoice: Invoice, finance: User) -> None:
    promise = promise_record(
        invoice=invoice, by=finance, promised_on=dt.date(2026, 11, 25), amount_minor=50_000_00, today=TODAY
    )
    credit_note_issue(invoice=invoice, by=finance, reason="Cancelled engagement")
    assert state_of(promise, dt.date(2026, 12, 1)) == "kept"


@pytest.mark.django_db
def test_a_newer_promise_replaces_the_older_one_and_a_cancelled_one_is_neither(
    invoice: Invoice, finance: User
) -> None:
    old = promise_record(
        invoice=invoice, by=finance, promised_on=dt.date(2026, 11, 21), amount_minor=50_000_00, today=TODAY
    )
    PaymentPromise.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(minutes=5))
    new = promise_record(
        invoice=invoice, by=finance, promised_on=dt.date(2026, 11, 30), amount_minor=50_000_00, today=TODAY
    )
    assert list(promises_open().values_list("pk", flat=True)) == [new.pk]

    promise_cancel(promise=new, by=finance)
    assert state_of(new, TODAY) == "cancelled"
    assert list(promises_open().values_list("pk", flat=True)) == [old.pk]
    assert Event.objects.filter(kind="billing.promise_cancelled").count() == 1
    with pytest.raises(BillingError):
        promise_cancel(promise=new, by=finance)


# --- the invoice page ---------------------------------------------------------------------------

PERSONAS = ["anonymous", "admin", "am", "other_am", "specialist", "finance", "contact_a", "contact_b"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_recording_from_the_invoice_page_follows_who_bills_and_a_denied_one_changes_nothing(
    http_as: Any, invoice: Invoice, persona: str
) -> None:
    today = timezone.localdate()
    response = http_as(persona).post(
        reverse("billing:promise_add", args=[invoice.pk]),
        {"promised_on": today.isoformat(), "amount": "1000.00"},
    )
    allowed = {"admin": 302, "am": 302, "finance": 302, "specialist": 403}
    if persona == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == allowed.get(persona, 404)
    recorded = PaymentPromise.objects.filter(invoice=invoice).exists()
    assert recorded == (persona in allowed and allowed[persona] == 302)


@pytest.mark.parametrize("persona", PERSONAS)
def test_cancelling_follows_who_bills(http_as: Any, invoice: Invoice, finance: User, persona: str) -> None:
    promise = promise_record(
        invoice=invoice, by=finance, promised_on=timezone.localdate(), amount_minor=1_000_00
    )
    response = http_as(persona).post(reverse("billing:promise_cancel", args=[promise.pk]))
    allowed = {"admin": 302, "am": 302, "finance": 302, "specialist": 403}
    if persona == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == allowed.get(persona, 404)
    promise.refresh_from_db()
    assert (promise.cancelled_at is not None) == (allowed.get(persona) == 302)


def test_the_invoice_page_shows_the_promise_and_its_form(
    http_as: Any, invoice: Invoice, payer: Contact
) -> None:
    http = http_as("am")
    today = timezone.localdate()
    response = http.post(
        reverse("billing:promise_add", args=[invoice.pk]),
        {"promised_on": today.isoformat(), "amount": "25000.50", "contact": str(payer.pk), "note": "By UPI"},
    )
    assert response.status_code == 302 and response["Location"] == reverse(
        "billing:detail", args=[invoice.pk]
    )
    promise = PaymentPromise.objects.get()
    assert promise.amount_minor == 25_000_50 and promise.contact == payer

    page = http.get(reverse("billing:detail", args=[invoice.pk])).content.decode()
    assert "Promises to pay" in page
    assert "₹25,000.50" in page and "Pankaj Payer" in page and "By UPI" in page
    assert "Due today" in page
    assert reverse("billing:promise_add", args=[invoice.pk]) in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"amount": "0"}, "amount", "Ensure this value is greater than or equal to 0.01."),
        ({"amount": "999999"}, "amount", "The promise is above what is still owed (₹1,18,000.00)."),
        ({"promised_on": "2020-01-01"}, "promised_on", "The date is in the past."),
        ({"promised_on": "soon"}, "promised_on", "Enter a valid date."),
    ],
)
def test_a_bad_promise_on_the_page_shows_the_error_beside_the_field(
    http_as: Any, invoice: Invoice, data: dict[str, str], field: str, message: str
) -> None:
    values = {"promised_on": timezone.localdate().isoformat(), "amount": "100"} | data
    response = http_as("finance").post(reverse("billing:promise_add", args=[invoice.pk]), values)
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert PaymentPromise.objects.count() == 0
