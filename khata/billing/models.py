"""Invoices, credit notes and the payments that settle them.

An ``Invoice`` belongs to a client and is in the client's currency; it may point at a contract, a
project and the accepted acts it bills. Its lines carry quantity, unit price, discount and tax rate;
totals are computed from the lines and stored once, when the invoice is issued. Issuing gives the
gapless number of its series and year (``core.Counter``) and freezes the invoice: an issued invoice
is never edited or deleted. A correction is a credit note — an ``Invoice`` of kind credit note that
points at the invoice it credits, in part or in full (voiding is a full credit note).

Money is integer minor units; quantities are thousandths and tax rates basis points, so no amount
is ever a float. Rounding: each line's net is rounded half up to the minor unit; the tax is computed
per tax rate on the sum of the nets at that rate and rounded once (EN 16931 computes it so, BR-CO-17).

Payments are a ledger: rows are added, never changed. ``amount_paid_minor`` on the invoice is updated
in the payment's transaction under the invoice's row lock, and a check constraint keeps it between 0
and the total, so two payments at once can never over-pay.

Reminders: the agency's ``ReminderLevel`` rows (days relative to the due date) are each sent at most
once per invoice — ``ReminderSent`` is unique per (invoice, level). A ``PaymentPromise`` is the
client's word to pay an amount by a date; kept or broken is derived from the payments recorded
after it, never stored (see ``billing.reminders``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.lookups import GreaterThan
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

INVOICE_SERIES = "INV"
CREDIT_NOTE_SERIES = "CRN"


class BillingProfile(models.Model):
    """How one client is billed: whether an accepted act must come first, and its reminders."""

    client = models.OneToOneField(
        "clients.Client", verbose_name=_("client"), on_delete=models.CASCADE, related_name="billing"
    )
    requires_accepted_act = models.BooleanField(
        _("invoice only accepted acts"),
        default=False,
        help_text=_("An invoice for this client bills acts the client has accepted."),
    )
    reminders_paused = models.BooleanField(_("payment reminders paused"), default=False)

    class Meta:
        verbose_name = _("billing profile")
        verbose_name_plural = _("billing profiles")

    def __str__(self) -> str:
        return str(self.client_id)


class Invoice(models.Model):
    """An invoice or a credit note of a client."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit", _("Credit note")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.INVOICE)
    client = models.ForeignKey(
        "clients.Client", verbose_name=_("client"), on_delete=models.PROTECT, related_name="invoices"
    )
    contract = models.ForeignKey(
        "documents.Document",
        verbose_name=_("contract"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    project = models.ForeignKey(
        "plans.Project",
        verbose_name=_("project"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    acts = models.ManyToManyField(
        "documents.Document", verbose_name=_("acts billed"), blank=True, related_name="billed_by"
    )
    credits = models.ForeignKey(
        "self",
        verbose_name=_("credits invoice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
    )
    number = models.CharField(_("number"), max_length=16, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    currency = models.CharField(_("currency"), max_length=3)
    issue_date = models.DateField(_("issue date"), default=dt.date.today)
    due_date = models.DateField(_("due date"))
    buyer_reference = models.CharField(_("purchase order or reference"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    reason = models.TextField(_("reason for the credit"), blank=True)

    # Stored once, on issue (a draft shows them computed from its lines).
    net_minor = models.BigIntegerField(_("net"), default=0)
    tax_minor = models.BigIntegerField(_("tax"), default=0)
    total_minor = models.BigIntegerField(_("total"), default=0)
    amount_paid_minor = models.BigIntegerField(_("paid"), default=0)
    credited_minor = models.BigIntegerField(_("credited"), default=0)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)

    class Meta:
        ordering = ["-issue_date", "-id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint(
                fields=["number"], condition=~models.Q(number=""), name="invoice_number_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["invoice", "credit"]), name="invoice_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "issued"]), name="invoice_status_valid"
            ),
            # Issued means numbered; a draft has no number.
            models.CheckConstraint(
                condition=(models.Q(status="draft", number="", issued_at__isnull=True))
                | (models.Q(status="issued", issued_at__isnull=False) & ~models.Q(number="")),
                name="invoice_number_when_issued",
            ),
            models.CheckConstraint(
                condition=models.Q(amount_paid_minor__gte=0, amount_paid_minor__lte=models.F("total_minor")),
                name="invoice_paid_within_total",
            ),
            models.CheckConstraint(
                condition=models.Q(credited_minor__gte=0, credited_minor__lte=models.F("total_minor")),
                name="invoice_credited_within_total",
            ),
            models.CheckConstraint(
                condition=models.Q(net_minor__gte=0, tax_minor__gte=0, total_minor__gte=0),
                name="invoice_totals_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="invoice", credits__isnull=True)
                | models.Q(kind="credit", credits__isnull=False),
                name="invoice_credit_note_points_at_invoice",
            ),
            models.CheckConstraint(
                condition=models.Q(due_date__gte=models.F("issue_date")), name="invoice_due_after_issue"
            ),
        ]
        indexes = [
            models.Index(fields=["-issue_date", "-id"], name="invoice_issue_date"),
            models.Index(fields=["client", "-issue_date", "-id"], name="invoice_client_date"),
            models.Index(fields=["status", "due_date"], name="invoice_status_due"),
            # The receivables (aging, DSO): only the issued invoices still owed, with what the reports
            # read, so they are read from the index alone. The condition is written as the reports'
            # own filter (``balance > 0``) for the planners to match it.
            models.Index(
                fields=[
                    "client",
                    "currency",
                    "due_date",
                    "total_minor",
                    "amount_paid_minor",
                    "credited_minor",
                ],
                name="invoice_open_receivable",
                condition=models.Q(status="issued", kind="invoice")
                & models.Q(GreaterThan(F("total_minor") - F("amount_paid_minor") - F("credited_minor"), 0)),
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"{self.get_kind_display()} (draft)"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_credit_note(self) -> bool:
        return self.kind == self.Kind.CREDIT_NOTE

    @property
    def balance_minor(self) -> int:
        """What the client still owes: the total less payments and credit notes."""
        return max(self.total_minor - self.amount_paid_minor - self.credited_minor, 0)

    def state(self, today: dt.date | None = None) -> str:
        """Draft, issued, partly paid, paid, overdue or credited — derived, never stored."""
        if self.is_draft:
            return "draft"
        if self.is_credit_note:
            return "issued"
        if self.credited_minor >= self.total_minor and self.total_minor > 0:
            return "credited"
        if self.balance_minor == 0:
            return "paid"
        today = today or timezone.localdate()
        if self.due_date < today:
            return "overdue"
        return "partly_paid" if self.amount_paid_minor > 0 else "issued"


class InvoiceLine(models.Model):
    """One line: quantity × unit price − discount, at one tax rate."""

    class TaxCategory(models.TextChoices):
        STANDARD = "S", _("Standard rate")
        ZERO = "Z", _("Zero rate")
        EXEMPT = "E", _("Exempt")
        REVERSE_CHARGE = "AE", _("Reverse charge")
        OUTSIDE = "O", _("Outside the scope of tax")

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    description = models.CharField(_("description"), max_length=300)
    service = models.CharField(_("service"), max_length=40, blank=True)
    quantity_milli = models.BigIntegerField(_("quantity (thousandths)"), default=1000)
    unit_code = models.CharField(_("unit"), max_length=3, default="C62", help_text=_("HUR hours, C62 units"))
    unit_price_minor = models.BigIntegerField(_("unit price"), default=0)
    discount_minor = models.BigIntegerField(_("discount"), default=0)
    tax_category = models.CharField(_("tax category"), max_length=2, choices=TaxCategory.choices, default="S")
    tax_rate_bp = models.PositiveIntegerField(_("tax rate (basis points)"), default=1800)
    net_minor = models.BigIntegerField(_("net"), default=0)
    act = models.ForeignKey(
        "documents.Document",
        verbose_name=_("act"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_lines",
    )
    plan_item = models.ForeignKey(
        "plans.PlanItem",
        verbose_name=_("plan item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invoice_lines",
    )

    class Meta:
        ordering = ["invoice", "position", "id"]
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity_milli__gt=0), name="invoiceline_quantity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price_minor__gte=0, discount_minor__gte=0, net_minor__gte=0),
                name="invoiceline_amounts_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(tax_rate_bp__lte=10000), name="invoiceline_rate_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return self.description


class PaymentQuerySet(models.QuerySet["Payment"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("Payments are a ledger: rows are never changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("Payments are a ledger: rows are never deleted.")


class Payment(models.Model):
    """Money received against an invoice; an append-only ledger row."""

    class Method(models.TextChoices):
        BANK = "bank", _("Bank transfer")
        UPI = "upi", _("UPI")
        CARD = "card", _("Card")
        CHEQUE = "cheque", _("Cheque")
        CASH = "cash", _("Cash")
        OTHER = "other", _("Other")

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="payments"
    )
    amount_minor = models.BigIntegerField(_("amount"))
    received_on = models.DateField(_("received on"))
    method = models.CharField(_("method"), max_length=8, choices=Method.choices, default=Method.BANK)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    # A client may repeat a request (a network retry): the same key and body answer the first result.
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, blank=True)
    request_hash = models.CharField(_("request fingerprint"), max_length=64, blank=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        ordering = ["invoice", "received_on", "id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_minor__gt=0), name="payment_amount_positive"),
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="payment_idempotency_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.amount_minor}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("Payments are a ledger: rows are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("Payments are a ledger: rows are never deleted.")


# --- reminders and promises to pay ------------------------------------------------------------------

REMINDER_DAYS_MIN = -60
REMINDER_DAYS_MAX = 365


class ReminderLevel(models.Model):
    """One payment reminder of the agency: sent ``days`` after an invoice's due date (before it when
    negative). A level is disabled, never deleted, so the reminders already sent keep pointing at it."""

    days = models.SmallIntegerField(
        _("days after the due date"), help_text=_("Negative: before the due date; 0: on the due date.")
    )
    name = models.CharField(
        _("name"), max_length=80, blank=True, help_text=_("Leave empty to name it by its days.")
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["days", "id"]
        verbose_name = _("reminder level")
        verbose_name_plural = _("reminder levels")
        constraints = [
            models.UniqueConstraint(fields=["days"], name="reminderlevel_days_unique"),
            models.CheckConstraint(
                condition=models.Q(days__gte=REMINDER_DAYS_MIN, days__lte=REMINDER_DAYS_MAX),
                name="reminderlevel_days_range",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name, or one made of the days in the reader's language."""
        return self.name or reminder_days_label(self.days)


def reminder_days_label(days: int) -> str:
    from django.utils.translation import ngettext

    if days == 0:
        return str(_("On the due date"))
    if days < 0:
        return ngettext("%(days)d day before the due date", "%(days)d days before the due date", -days) % {
            "days": -days
        }
    return ngettext("%(days)d day after the due date", "%(days)d days after the due date", days) % {
        "days": days
    }


class ReminderSent(models.Model):
    """One reminder level sent for one invoice. The unique (invoice, level) pair is what makes each
    level go at most once per invoice, whichever scheduler or worker gets there first."""

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="reminders_sent"
    )
    level = models.ForeignKey(
        ReminderLevel, verbose_name=_("reminder level"), on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(_("due on"))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    emailed = models.PositiveSmallIntegerField(_("emails sent"), default=0)

    class Meta:
        ordering = ["invoice", "sent_at", "id"]
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(fields=["invoice", "level"], name="remindersent_once_per_level"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.level_id}"


class PaymentPromise(models.Model):
    """A client's word that it pays an amount of an invoice by a date.

    Kept, due or broken is derived, never stored: the promise is kept once the payments recorded on
    the invoice after the promise was recorded reach its amount (or nothing is owed any more); it is
    broken when its date has passed and it is not kept. A cancelled promise is neither.
    """

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="promises"
    )
    promised_on = models.DateField(_("promised for"))
    amount_minor = models.BigIntegerField(_("amount"))
    contact = models.ForeignKey(
        "clients.Contact",
        verbose_name=_("promised by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        ordering = ["invoice", "promised_on", "id"]
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_minor__gt=0), name="promise_amount_positive"),
        ]
        indexes = [models.Index(fields=["promised_on"], name="promise_promised_on")]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.amount_minor} by {self.promised_on}"

    def state(self, *, paid_since_minor: int, balance_minor: int, today: dt.date) -> str:
        """Cancelled, kept, due (today), broken or pending, from the payments since it was recorded."""
        if self.cancelled_at is not None:
            return "cancelled"
        if paid_since_minor >= self.amount_minor or balance_minor == 0:
            return "kept"
        if self.promised_on < today:
            return "broken"
        return "due" if self.promised_on == today else "pending"
