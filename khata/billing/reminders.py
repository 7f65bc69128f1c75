"""Payment reminders: each of the agency's reminder levels goes once per invoice to the client's
billing contacts, by email, with the invoice's PDF attached.

A level is ``days`` relative to the due date (-3: three days before, 0: on the day, 7: a week late).
The periodic job (``khata scheduler``, registered in ``billing.scheduling``) lists, for each active
level, the issued invoices (never credit notes) with a balance whose reminder date
(``due_date + days``) is today, or passed within ``CATCH_UP_DAYS``: a scheduler that was down a day
or two still sends. When several levels of one invoice fall in that window, only the latest goes (a
client never gets "due in 3 days" and "due today" in the same hour). Levels not sent in their window
are skipped for good, and a reminder date before the invoice's issue date is never sent.

Exactly once: the scheduler enqueues one task per (invoice, level) — ``ScheduledRun`` is unique per
(job, key) — and the task records a ``ReminderSent`` row, unique per (invoice, level), in the
transaction that holds the invoice's row lock, before it emails. A second scheduler, a repeated
task or a worker retry fails on one of the two constraints and sends nothing.

Paused clients: the job does not list their invoices, and a task that finds the client paused (it
was paused after the task was enqueued) sends nothing, records nothing as sent and forgets its
scheduled run, so the level is due again once reminders are resumed — within the catch-up window
only: resuming never sends a backlog of old reminders, the next level goes on its date.

Recipients are the client's contacts with the payer role and an email address; a client without one
gets its decision makers. Each contact reads the email in their language (their portal user's
language, else the contact's preferred language), and each email, sent or failed, is a timeline
event on the client with the invoice as subject.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import (
    BigIntegerField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from khata.billing.documents import invoice_filename, invoice_pdf
from khata.billing.models import (
    BillingProfile,
    Invoice,
    Payment,
    PaymentPromise,
    ReminderLevel,
    ReminderSent,
)
from khata.clients.models import Client, Contact
from khata.core.models import ScheduledRun
from khata.core.money import money_format
from khata.core.services import event_record
from khata.documents.pdf import pdf_language

logger = logging.getLogger(__name__)

REMINDER_JOB = "billing.payment_reminder"
# A scheduler down this many days still sends the reminders that fell due meanwhile.
CATCH_UP_DAYS = 3

SENT_SUMMARY = gettext_noop("Payment reminder (%(level)s) for invoice %(invoice)s emailed to %(name)s")
FAILED_SUMMARY = gettext_noop("The payment reminder for invoice %(invoice)s could not be emailed to %(name)s")
NOBODY_SUMMARY = gettext_noop("No billing contact with an email to remind of invoice %(invoice)s")

BALANCE = ExpressionWrapper(
    F("total_minor") - F("amount_paid_minor") - F("credited_minor"), output_field=BigIntegerField()
)


def open_invoices(queryset: QuerySet[Invoice] | None = None) -> QuerySet[Invoice]:
    """Issued invoices (never credit notes) with something still owed."""
    rows = Invoice.objects.all() if queryset is None else queryset
    return (
        rows.filter(status=Invoice.Status.ISSUED, kind=Invoice.Kind.INVOICE)
        .alias(balance=BALANCE)
        .filter(balance__gt=0)
    )


def paused_q() -> Q:
    return Q(client__billing__reminders_paused=True)


def reminder_on(invoice_due: dt.date, level: ReminderLevel) -> dt.date:
    return invoice_due + dt.timedelta(days=level.days)


@dataclass(frozen=True)
class DueReminder:
    """One level of one invoice whose reminder date falls in today's window."""

    invoice_id: int
    level: ReminderLevel
    on: dt.date
    paused: bool


def due_reminders(
    *, today: dt.date, invoices: QuerySet[Invoice] | None = None, include_paused: bool = False
) -> list[DueReminder]:
    """The reminders due at ``today`` (the latest level per invoice in the catch-up window), not yet sent.

    Three queries whatever the number of invoices: the active levels, the candidate invoices, and the
    levels already sent for them.
    """
    levels = list(ReminderLevel.objects.filter(active=True).order_by("days", "id"))
    if not levels:
        return []
    first = today - dt.timedelta(days=CATCH_UP_DAYS)
    # due_date + days in [first, today] for some level: due_date in [first - max, today - min].
    rows = open_invoices(invoices).filter(
        due_date__gte=first - dt.timedelta(days=levels[-1].days),
        due_date__lte=today - dt.timedelta(days=levels[0].days),
    )
    if not include_paused:
        rows = rows.exclude(paused_q())
    candidates = list(
        rows.annotate(paused=F("client__billing__reminders_paused"))
        .order_by("due_date", "id")
        .values_list("pk", "due_date", "issue_date", "paused")
    )
    if not candidates:
        return []
    sent = set(
        ReminderSent.objects.filter(invoice_id__in=[pk for pk, *_rest in candidates]).values_list(
            "invoice_id", "level_id"
        )
    )
    found = []
    for pk, due_date, issue_date, paused in candidates:
        latest: DueReminder | None = None
        for level in levels:
            on = reminder_on(due_date, level)
            if first <= on <= today and on >= issue_date:
                latest = DueReminder(invoice_id=pk, level=level, on=on, paused=bool(paused))
        if latest is not None and (pk, latest.level.pk) not in sent:
            found.append(latest)
    return found


def reminder_key(invoice_id: int, level_id: int) -> str:
    return f"{invoice_id}:{level_id}"


def payment_reminders_due(now: dt.datetime) -> Iterator[tuple[str, dict[str, Any]]]:
    """The periodic job: one item per (invoice, level) due now, for clients whose reminders run."""
    for item in due_reminders(today=timezone.localdate(now)):
        kwargs = {"invoice_id": item.invoice_id, "level_id": item.level.pk, "on": item.on.isoformat()}
        yield reminder_key(item.invoice_id, item.level.pk), kwargs


# --- what the invoice page shows --------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleRow:
    """One level on one invoice: sent (when), next, due now, skipped or not applicable."""

    level: ReminderLevel
    on: dt.date
    state: str  # "sent", "due", "planned", "skipped", "before_issue"
    sent: ReminderSent | None = None


@dataclass(frozen=True)
class ReminderSchedule:
    rows: list[ScheduleRow]
    paused: bool
    open: bool

    @property
    def next(self) -> ScheduleRow | None:
        return next((row for row in self.rows if row.state in ("due", "planned")), None)


def reminder_schedule(invoice: Invoice, *, today: dt.date | None = None) -> ReminderSchedule:
    """Which levels were sent for the invoice and when, and which come next (three queries)."""
    today = today or timezone.localdate()
    sent = {r.level_id: r for r in ReminderSent.objects.filter(invoice=invoice).select_related("level")}
    levels = {level.pk: level for level in ReminderLevel.objects.filter(active=True)}
    for record in sent.values():
        levels.setdefault(record.level_id, record.level)
    paused = BillingProfile.objects.filter(client_id=invoice.client_id, reminders_paused=True).exists()
    is_open = (
        invoice.status == Invoice.Status.ISSUED
        and invoice.kind == Invoice.Kind.INVOICE
        and invoice.balance_minor > 0
    )
    first = today - dt.timedelta(days=CATCH_UP_DAYS)
    rows = []
    for level in sorted(levels.values(), key=lambda lv: lv.days):
        on = reminder_on(invoice.due_date, level)
        sent_record = sent.get(level.pk)
        if sent_record is not None:
            state = "sent"
        elif on < invoice.issue_date:
            state = "before_issue"
        elif on < first:
            state = "skipped"
        elif on <= today:
            state = "due"
        else:
            state = "planned"
        rows.append(ScheduleRow(level=level, on=on, state=state, sent=sent_record))
    return ReminderSchedule(rows=rows, paused=paused, open=is_open)


# --- sending ----------------------------------------------------------------------------------------


def reminder_recipients(client: Client) -> list[Contact]:
    """The client's payers with an email address; without any, its decision makers."""
    contacts = list(
        Contact.objects.filter(
            client=client, role__in=[Contact.Role.PAYER, Contact.Role.DECISION_MAKER]
        ).select_related("user")
    )
    with_email = [c for c in contacts if contact_email(c) and (c.user is None or c.user.is_active)]
    payers = [c for c in with_email if c.role == Contact.Role.PAYER]
    return payers or with_email


def contact_email(contact: Contact) -> str:
    if contact.email:
        return contact.email
    return contact.user.email if contact.user is not None else ""


def contact_language(contact: Contact) -> str:
    return pdf_language(contact.user.language if contact.user else None, contact.language)


def _day(value: dt.date) -> str:
    return date_format(value, "j M Y")


def _portal_url(invoice: Invoice) -> str:
    try:
        path = reverse("portal:invoice", args=[invoice.pk])
    except NoReverseMatch:
        return ""
    return settings.KHATA_SITE_URL.rstrip("/") + path


def reminder_message(
    invoice: Invoice, level: ReminderLevel, contact: Contact, *, today: dt.date
) -> EmailMessage:
    """The reminder to one contact, in the contact's language, with the invoice's PDF attached."""
    language = contact_language(contact)
    with translation.override(language):
        params = {"number": invoice.number, "date": _day(invoice.due_date)}
        if invoice.due_date > today:
            subject = _("Reminder: invoice %(number)s is due on %(date)s") % params
        elif invoice.due_date == today:
            subject = _("Reminder: invoice %(number)s is due today") % params
        else:
            subject = _("Reminder: invoice %(number)s was due on %(date)s") % params
        context = {
            "contact": contact,
            "invoice": invoice,
            "headline": subject,
            "late": invoice.due_date < today,
            "days_late": (today - invoice.due_date).days,
            "total": money_format(invoice.total_minor, invoice.currency, language),
            "balance": money_format(invoice.balance_minor, invoice.currency, language),
            "due": _day(invoice.due_date),
            "issued": _day(invoice.issue_date),
            "url": _portal_url(invoice),
            "agency": settings.KHATA_AGENCY_NAME,
        }
        body = render_to_string("billing/email/reminder.txt", context)
        pdf = invoice_pdf(invoice, language=language)
    message = EmailMessage(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[contact_email(contact)]
    )
    message.attach(invoice_filename(invoice, "pdf"), pdf, "application/pdf")
    return message


@dataclass(frozen=True)
class ReminderOutcome:
    """What one task did: ``sent`` emails, or why nothing went (``skipped``)."""

    sent: int = 0
    skipped: str = ""


def _forget_run(invoice_id: int, level_id: int) -> None:
    ScheduledRun.objects.filter(job=REMINDER_JOB, key=reminder_key(invoice_id, level_id)).delete()


def payment_reminder_send(*, invoice_id: int, level_id: int, today: dt.date | None = None) -> ReminderOutcome:
    """Send one level of reminder for one invoice, unless it was sent, paid, or the client paused.

    The ``ReminderSent`` row is written under the invoice's row lock before any email, so a twin task
    fails on the unique (invoice, level) and sends nothing.
    """
    today = today or timezone.localdate()
    level = ReminderLevel.objects.filter(pk=level_id).first()
    with transaction.atomic():
        invoice = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("client")
            .filter(pk=invoice_id)
            .first()
        )
        if invoice is None or level is None or not level.active:
            return ReminderOutcome(skipped="gone")
        if (
            invoice.status != Invoice.Status.ISSUED
            or invoice.kind != Invoice.Kind.INVOICE
            or invoice.balance_minor == 0
        ):
            return ReminderOutcome(skipped="settled")
        if BillingProfile.objects.filter(client_id=invoice.client_id, reminders_paused=True).exists():
            _forget_run(invoice_id, level_id)
            return ReminderOutcome(skipped="paused")
        try:
            with transaction.atomic():
                record = ReminderSent.objects.create(
                    invoice=invoice, level=level, due_on=reminder_on(invoice.due_date, level)
                )
        except IntegrityError:
            return ReminderOutcome(skipped="already_sent")
    sent = _email_contacts(invoice, level, today=today)
    ReminderSent.objects.filter(pk=record.pk).update(emailed=sent)
    return ReminderOutcome(sent=sent)


def _email_contacts(invoice: Invoice, level: ReminderLevel, *, today: dt.date) -> int:
    contacts = reminder_recipients(invoice.client)
    with translation.override("en"):
        base = {"invoice": invoice.number, "level": level.label}
    if not contacts:
        event_record(
            kind="billing.reminder_failed",
            summary=NOBODY_SUMMARY,
            params=base,
            by=None,
            client=invoice.client,
            subject=invoice,
            data={"level": level.pk, "days": level.days},
        )
        return 0
    sent = 0
    for contact in contacts:
        kind, summary = "billing.reminder_sent", SENT_SUMMARY
        try:
            reminder_message(invoice, level, contact, today=today).send()
        except Exception:  # one mail server failure must not hide the other contacts
            logger.exception("Invoice %s: the reminder to contact %s failed", invoice.pk, contact.pk)
            kind, summary = "billing.reminder_failed", FAILED_SUMMARY
        else:
            sent += 1
        event_record(
            kind=kind,
            summary=summary,
            params={**base, "name": contact.full_name},
            by=None,
            client=invoice.client,
            subject=invoice,
            data={"level": level.pk, "days": level.days, "contact": contact.pk},
        )
    return sent


# --- promises to pay --------------------------------------------------------------------------------


def promises_annotated(queryset: QuerySet[PaymentPromise] | None = None) -> QuerySet[PaymentPromise]:
    """Promises with ``paid_since_minor``: what was paid on the invoice since each was recorded."""
    paid_since = (
        Payment.objects.filter(invoice=OuterRef("invoice"), created_at__gte=OuterRef("created_at"))
        .order_by()
        .values("invoice")
        .annotate(total=Sum("amount_minor"))
        .values("total")
    )
    rows = PaymentPromise.objects.all() if queryset is None else queryset
    return rows.annotate(
        paid_since_minor=Coalesce(Subquery(paid_since, output_field=BigIntegerField()), Value(0)),
        invoice_balance_minor=ExpressionWrapper(
            F("invoice__total_minor") - F("invoice__amount_paid_minor") - F("invoice__credited_minor"),
            output_field=BigIntegerField(),
        ),
    )


def promises_open(queryset: QuerySet[PaymentPromise] | None = None) -> QuerySet[PaymentPromise]:
    """Promises neither cancelled nor kept, nor replaced by a later promise on the same invoice."""
    later = PaymentPromise.objects.filter(
        invoice=OuterRef("invoice"), cancelled_at__isnull=True, created_at__gt=OuterRef("created_at")
    )
    return (
        promises_annotated(queryset)
        .filter(
            Q(invoice_balance_minor__gt=0),
            Q(paid_since_minor__lt=F("amount_minor")),
            cancelled_at__isnull=True,
        )
        .exclude(Exists(later))
    )


def promise_state(promise: PaymentPromise, *, today: dt.date) -> str:
    """Kept, due, broken, pending or cancelled, for a promise read through ``promises_annotated``."""
    return promise.state(
        paid_since_minor=getattr(promise, "paid_since_minor", 0),
        balance_minor=getattr(promise, "invoice_balance_minor", 1),
        today=today,
    )


def invoice_promises(invoice: Invoice) -> list[PaymentPromise]:
    """Every promise on one invoice, latest first, with what was paid since each (one query)."""
    rows = promises_annotated(PaymentPromise.objects.filter(invoice=invoice))
    return list(rows.select_related("contact", "recorded_by").order_by("-created_at", "-id"))


@dataclass(frozen=True)
class OpenInvoiceReminders:
    """One open invoice of a client: the last reminder sent and the next one due."""

    invoice: Invoice
    last: ReminderSent | None
    next: ScheduleRow | None


OVERVIEW_SIZE = 20


def client_reminder_overview(client: Client, *, today: dt.date) -> list[OpenInvoiceReminders]:
    """The client's open invoices, the oldest due first, with their last and next reminder (3 queries)."""
    invoices = list(
        open_invoices(Invoice.objects.filter(client=client)).order_by("due_date", "id")[:OVERVIEW_SIZE]
    )
    if not invoices:
        return []
    levels = list(ReminderLevel.objects.filter(active=True).order_by("days", "id"))
    sent: dict[int, list[ReminderSent]] = {}
    records = (
        ReminderSent.objects.filter(invoice__in=invoices).select_related("level").order_by("sent_at", "id")
    )
    for record in records:
        sent.setdefault(record.invoice_id, []).append(record)
    first = today - dt.timedelta(days=CATCH_UP_DAYS)
    rows = []
    for invoice in invoices:
        done = {record.level_id for record in sent.get(invoice.pk, [])}
        upcoming = None
        for level in levels:
            on = reminder_on(invoice.due_date, level)
            if level.pk not in done and on >= first and on >= invoice.issue_date:
                upcoming = ScheduleRow(level=level, on=on, state="due" if on <= today else "planned")
                break
        history = sent.get(invoice.pk, [])
        rows.append(
            OpenInvoiceReminders(invoice=invoice, last=history[-1] if history else None, next=upcoming)
        )
    return rows
