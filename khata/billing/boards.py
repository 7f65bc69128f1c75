"""What billing adds to the staff Today board: overdue invoices, the payment reminders going out
today, promises to pay due today, broken promises, and accepted acts not yet invoiced.

Each card is scoped like the invoice list (an AM: the clients they own or back up; the head and
finance: every client), links each item to the page where the person acts, and costs a fixed number
of queries whatever the data size (counts are capped).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from khata.billing.models import Invoice, InvoiceLine, PaymentPromise, ReminderLevel
from khata.billing.reminders import due_reminders, promises_open
from khata.billing.selectors import invoice_visible_to, receivables_for
from khata.core.boards import COUNT_CAP, Card, Counter, capped_count, register_today_card
from khata.documents.models import Behaviour, Document
from khata.documents.selectors import document_visible_to
from khata.people.models import User
from khata.people.policies import AnyUser

BILLERS = {User.Role.HEAD, User.Role.AM, User.Role.FINANCE}


def _works_billing(user: AnyUser) -> bool:
    return isinstance(user, User) and user.is_active and user.role in BILLERS


@dataclass
class OverdueItem:
    invoice: Invoice
    days_late: int


def overdue_invoices_card(user: AnyUser, *, today: dt.date, limit: int) -> Card | None:
    """Issued invoices past their due date with something still owed, the longest late first."""
    if not _works_billing(user):
        return None
    rows = receivables_for(user).filter(due_date__lt=today)
    total, capped = capped_count(rows)
    found = rows.select_related("client").order_by("due_date", "id")[:limit]
    items = [OverdueItem(invoice, (today - invoice.due_date).days) for invoice in found]
    return Card(
        key="billing.overdue",
        title=_("Overdue invoices"),
        template="billing/cards/overdue.html",
        items=items,
        total=total,
        capped=capped,
        empty=_("No invoice is overdue."),
        counters=[
            Counter(label=_("overdue invoices"), value=total, capped=capped, tone="danger" if total else "")
        ],
        more_url=reverse("billing:list") + "?state=overdue",
    )


@dataclass
class ReminderItem:
    invoice: Invoice
    level: ReminderLevel
    on: dt.date
    paused: bool


def reminders_due_card(user: AnyUser, *, today: dt.date, limit: int) -> Card | None:
    """The payment reminders the scheduler sends today, and those held because the client is paused."""
    if not _works_billing(user):
        return None
    due = due_reminders(today=today, invoices=invoice_visible_to(user), include_paused=True)
    due.sort(key=lambda item: (not item.paused, item.on, item.invoice_id))
    shown = due[:limit]
    invoices = Invoice.objects.select_related("client").in_bulk([item.invoice_id for item in shown])
    items = [
        ReminderItem(invoices[item.invoice_id], item.level, item.on, item.paused)
        for item in shown
        if item.invoice_id in invoices
    ]
    held = sum(1 for item in due if item.paused)
    total = min(len(due), COUNT_CAP)
    return Card(
        key="billing.reminders_due",
        title=_("Payment reminders today"),
        template="billing/cards/reminders.html",
        items=items,
        total=total,
        capped=len(due) > COUNT_CAP,
        empty=_("No payment reminder goes out today."),
        counters=[Counter(label=_("reminders held (paused)"), value=held, tone="warn" if held else "")],
        more_url=reverse("billing:reminder_levels"),
    )


def _promises_card(user: AnyUser, *, today: dt.date, limit: int, broken: bool) -> Card | None:
    if not _works_billing(user):
        return None
    scoped = PaymentPromise.objects.filter(invoice__in=invoice_visible_to(user))
    scoped = scoped.filter(promised_on__lt=today) if broken else scoped.filter(promised_on=today)
    rows = promises_open(scoped)
    total, capped = capped_count(rows)
    items = list(rows.select_related("invoice__client", "contact").order_by("promised_on", "id")[:limit])
    if broken:
        return Card(
            key="billing.promises_broken",
            title=_("Broken promises to pay"),
            template="billing/cards/promises.html",
            items=items,
            total=total,
            capped=capped,
            empty=_("No client has broken a promise to pay."),
            counters=[
                Counter(
                    label=_("broken promises"), value=total, capped=capped, tone="danger" if total else ""
                )
            ],
        )
    return Card(
        key="billing.promises_today",
        title=_("Promises to pay due today"),
        template="billing/cards/promises.html",
        items=items,
        total=total,
        capped=capped,
        empty=_("No payment is promised for today."),
        counters=[Counter(label=_("payments promised today"), value=total, capped=capped)],
    )


def promises_today_card(user: AnyUser, *, today: dt.date, limit: int) -> Card | None:
    """Promises to pay falling due today and not yet kept."""
    return _promises_card(user, today=today, limit=limit, broken=False)


def promises_broken_card(user: AnyUser, *, today: dt.date, limit: int) -> Card | None:
    """Promises whose date passed without the payment (the latest promise of each invoice only)."""
    return _promises_card(user, today=today, limit=limit, broken=True)


@dataclass
class ActItem:
    document: Document
    invoice_url: str


def acts_to_invoice_card(user: AnyUser, *, today: dt.date, limit: int) -> Card | None:
    """Acts the client accepted that no invoice bills yet (not on a line, not among an invoice's acts)."""
    if not _works_billing(user):
        return None
    on_a_line = InvoiceLine.objects.filter(act=OuterRef("pk"))
    among_acts = Invoice.acts.through.objects.filter(document_id=OuterRef("pk"))
    acts = (
        document_visible_to(user)
        .filter(kind__behaviour=Behaviour.ACT, status=Document.Status.ACCEPTED)
        .exclude(Exists(on_a_line))
        .exclude(Exists(among_acts))
    )
    total, capped = capped_count(acts)
    found = acts.select_related("client", "project").order_by("decided_at", "id")[:limit]
    base = reverse("billing:from_acts")
    items = [ActItem(act, base + "?" + urlencode({"client": act.client_id, "act": act.pk})) for act in found]
    return Card(
        key="billing.acts_to_invoice",
        title=_("Accepted acts to invoice"),
        template="billing/cards/acts.html",
        items=items,
        total=total,
        capped=capped,
        empty=_("Every accepted act is invoiced."),
        counters=[
            Counter(label=_("acts to invoice"), value=total, capped=capped, tone="warn" if total else "")
        ],
    )


def register_boards() -> None:
    """Billing's Today cards; called once from ``BillingConfig.ready()``."""
    register_today_card("billing.overdue", overdue_invoices_card, order=30)
    register_today_card("billing.promises_broken", promises_broken_card, order=31)
    register_today_card("billing.promises_today", promises_today_card, order=32)
    register_today_card("billing.reminders_due", reminders_due_card, order=33)
    register_today_card("billing.acts_to_invoice", acts_to_invoice_card, order=55)
