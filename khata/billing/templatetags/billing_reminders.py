"""What the invoice page's reminder and promise panels read: ``{% invoice_reminders invoice as r %}``
and ``{% invoice_promises_for invoice user as p %}``. Each costs a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.utils import timezone

from khata.billing.models import Invoice, PaymentPromise
from khata.billing.policies import can_bill_client
from khata.billing.reminder_forms import PromiseForm
from khata.billing.reminders import ReminderSchedule, invoice_promises, promise_state, reminder_schedule
from khata.clients.models import Contact
from khata.people.policies import AnyUser

register = template.Library()


@register.simple_tag
def invoice_reminders(invoice: Invoice) -> ReminderSchedule:
    return reminder_schedule(invoice, today=timezone.localdate())


@dataclass
class PromiseRow:
    promise: PaymentPromise
    state: str


@dataclass
class Promises:
    rows: list[PromiseRow]
    form: PromiseForm | None
    can_edit: bool


@register.simple_tag
def invoice_promises_for(invoice: Invoice, user: AnyUser) -> Promises:
    today = timezone.localdate()
    rows = [PromiseRow(p, promise_state(p, today=today)) for p in invoice_promises(invoice)]
    can_edit = can_bill_client(user, invoice.client) and not invoice.is_draft and not invoice.is_credit_note
    form = None
    if can_edit and invoice.balance_minor > 0:
        contacts = Contact.objects.filter(client_id=invoice.client_id).order_by("full_name", "id")
        form = PromiseForm(contacts=contacts, initial={"promised_on": today}, auto_id="id_promise_%s")
    return Promises(rows=rows, form=form, can_edit=can_edit)
