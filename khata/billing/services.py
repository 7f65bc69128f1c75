"""Every write of billing. Each is atomic, locks the row it changes and leaves a timeline event on
the invoice's client; a refused change raises ``BillingError`` and changes nothing.

Finance (or the client's AM) drafts an invoice (``invoice_create``, ``invoice_from_acts``), edits
its lines while it is a draft (``invoice_line_add`` …) and issues it (``invoice_issue``): the totals
are computed from the lines and stored, the number comes from the INV series, and the invoice is
frozen. A correction is a credit note (``credit_note_issue``), in part or in full; ``invoice_void``
credits the whole balance. Payments (``payment_record``) lock the invoice, refuse anything above
what is still owed, and add to the paid amount in the same transaction; a repeated request with the
same idempotency key answers the first payment and records nothing new.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from khata.billing.models import (
    CREDIT_NOTE_SERIES,
    INVOICE_SERIES,
    REMINDER_DAYS_MAX,
    REMINDER_DAYS_MIN,
    BillingProfile,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentPromise,
    ReminderLevel,
)
from khata.billing.policies import can_bill_client, can_record_payment
from khata.billing.selectors import project_plan_items_to_bill_for
from khata.clients.models import Client, Contact
from khata.core.money import money_format
from khata.core.services import event_record, number_next
from khata.documents.models import Document
from khata.people.models import User
from khata.plans.models import Project


class BillingError(ValidationError):
    """A refused change of an invoice or a payment; carries field errors like a form."""


class PaymentConflict(BillingError):
    """The payment would over-pay, or repeats a key with another body (the API answers 409)."""


def _refuse(field: str, message: str) -> BillingError:
    return BillingError({field: [message]})


# --- arithmetic -------------------------------------------------------------------------------------


def line_net_minor(*, quantity_milli: int, unit_price_minor: int, discount_minor: int) -> int:
    """Quantity × unit price, rounded half up to the minor unit, less the discount."""
    gross = (Decimal(quantity_milli) * Decimal(unit_price_minor) / Decimal(1000)).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    return int(gross) - discount_minor


@dataclass(frozen=True)
class TaxGroup:
    category: str
    rate_bp: int
    net_minor: int
    tax_minor: int


@dataclass(frozen=True)
class Totals:
    groups: list[TaxGroup]
    net_minor: int
    tax_minor: int
    total_minor: int


def totals_of(lines: Iterable[InvoiceLine]) -> Totals:
    """Nets per line, then tax once per category and rate on the sum of its nets (EN 16931)."""
    nets: dict[tuple[str, int], int] = defaultdict(int)
    for line in lines:
        nets[(line.tax_category, line.tax_rate_bp)] += line.net_minor
    groups = []
    for (category, rate), net in sorted(nets.items()):
        tax = int(
            (Decimal(net) * Decimal(rate) / Decimal(10000)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        )
        groups.append(TaxGroup(category=category, rate_bp=rate, net_minor=net, tax_minor=tax))
    net_total = sum(g.net_minor for g in groups)
    tax_total = sum(g.tax_minor for g in groups)
    return Totals(groups=groups, net_minor=net_total, tax_minor=tax_total, total_minor=net_total + tax_total)


# --- drafts -----------------------------------------------------------------------------------------


def _event(invoice: Invoice, *, kind: str, summary: str, by: User | None, **params: Any) -> None:
    event_record(
        kind=kind,
        summary=summary,
        params={"invoice": invoice.number or _("draft"), **params},
        by=by,
        client=invoice.client,
        subject=invoice,
    )


def billing_profile(client: Client) -> BillingProfile:
    return BillingProfile.objects.get_or_create(client=client)[0]


@transaction.atomic
def invoice_create(
    *,
    by: User,
    client: Client,
    issue_date: dt.date | None = None,
    due_date: dt.date | None = None,
    project: Any = None,
    contract: Document | None = None,
    buyer_reference: str = "",
    note: str = "",
) -> Invoice:
    """A new draft invoice in the client's currency; due by the client's payment terms unless given."""
    if not can_bill_client(by, client):
        raise _refuse("client", _("You cannot bill this client."))
    issue_date = issue_date or timezone.localdate()
    due_date = due_date or issue_date + dt.timedelta(days=client.payment_terms_days)
    errors: dict[str, list[str]] = {}
    if due_date < issue_date:
        errors["due_date"] = [_("The due date comes before the issue date.")]
    if project is not None and project.client_id != client.pk:
        errors["project"] = [_("This project belongs to another client.")]
    if contract is not None and (contract.client_id != client.pk or not contract.kind.is_contract):
        errors["contract"] = [_("Choose a contract of this client.")]
    if errors:
        raise BillingError(errors)
    invoice = Invoice.objects.create(
        client=client,
        currency=client.currency,
        issue_date=issue_date,
        due_date=due_date,
        project=project,
        contract=contract,
        buyer_reference=buyer_reference.strip()[:100],
        note=note.strip(),
        created_by=by,
    )
    _event(invoice, kind="billing.invoice_drafted", summary=gettext_noop("Invoice drafted"), by=by)
    return invoice


INVOICE_FIELDS = ("issue_date", "due_date", "project", "contract", "buyer_reference", "note")


@transaction.atomic
def invoice_update(*, invoice: Invoice, by: User, **values: Any) -> Invoice:
    """Change a draft's dates, project, contract, reference or note; an issued invoice never changes."""
    invoice = _draft(invoice, by)
    unknown = set(values) - set(INVOICE_FIELDS)
    if unknown:
        raise BillingError({name: [_("This field cannot be set here.")] for name in sorted(unknown)})
    merged = {field: getattr(invoice, field) for field in INVOICE_FIELDS} | values
    errors: dict[str, list[str]] = {}
    if merged["issue_date"] is None or merged["due_date"] is None:
        errors["due_date"] = [_("This field is required.")]
    elif merged["due_date"] < merged["issue_date"]:
        errors["due_date"] = [_("The due date comes before the issue date.")]
    project, contract = merged["project"], merged["contract"]
    if project is not None and project.client_id != invoice.client_id:
        errors["project"] = [_("This project belongs to another client.")]
    if contract is not None and (contract.client_id != invoice.client_id or not contract.kind.is_contract):
        errors["contract"] = [_("Choose a contract of this client.")]
    if errors:
        raise BillingError(errors)
    changed = []
    for field, value in values.items():
        if field in ("buyer_reference", "note"):
            value = str(value or "").strip()[: 100 if field == "buyer_reference" else None]
        if getattr(invoice, field) != value:
            setattr(invoice, field, value)
            changed.append(field)
    if changed:
        invoice.save(update_fields=changed)
        _event(invoice, kind="billing.invoice_changed", summary=gettext_noop("Draft invoice changed"), by=by)
    return invoice


def _locked(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update(of=("self",)).select_related("client").get(pk=invoice.pk)


def _draft(invoice: Invoice, by: User) -> Invoice:
    invoice = _locked(invoice)
    if not can_bill_client(by, invoice.client):
        raise _refuse("invoice", _("You cannot bill this client."))
    if not invoice.is_draft:
        raise _refuse("invoice", _("An issued invoice is never changed: correct it with a credit note."))
    return invoice


def _check_line(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned = dict(values)
    if "description" in cleaned:
        cleaned["description"] = str(cleaned["description"] or "").strip()
        if not cleaned["description"]:
            errors["description"] = [_("This field is required.")]
        elif len(cleaned["description"]) > 300:
            errors["description"] = [_("Keep the description under 300 characters.")]
    if "quantity_milli" in cleaned and not 0 < int(cleaned["quantity_milli"]) <= 10**12:
        errors["quantity_milli"] = [_("The quantity must be above zero.")]
    if "unit_price_minor" in cleaned and not 0 <= int(cleaned["unit_price_minor"]) <= 10**15:
        errors["unit_price_minor"] = [_("The unit price cannot be negative.")]
    if "discount_minor" in cleaned and int(cleaned["discount_minor"]) < 0:
        errors["discount_minor"] = [_("The discount cannot be negative.")]
    if "tax_rate_bp" in cleaned and not 0 <= int(cleaned["tax_rate_bp"]) <= 10000:
        errors["tax_rate_bp"] = [_("Give a tax rate between 0 and 100%.")]
    category = cleaned.get("tax_category")
    if category is not None and category not in InvoiceLine.TaxCategory.values:
        errors["tax_category"] = [_("Choose a tax category from the list.")]
    if category is not None and category != "S" and int(cleaned.get("tax_rate_bp", 0)) != 0:
        errors["tax_rate_bp"] = [_("Only the standard category has a tax rate above zero.")]
    if errors:
        raise BillingError(errors)
    return cleaned


def _with_net(line: InvoiceLine) -> None:
    line.net_minor = line_net_minor(
        quantity_milli=line.quantity_milli,
        unit_price_minor=line.unit_price_minor,
        discount_minor=line.discount_minor,
    )
    if line.net_minor < 0:
        raise _refuse("discount_minor", _("The discount is larger than the line's amount."))


def _recount(invoice: Invoice) -> None:
    totals = totals_of(invoice.lines.all())
    Invoice.objects.filter(pk=invoice.pk).update(
        net_minor=totals.net_minor, tax_minor=totals.tax_minor, total_minor=totals.total_minor
    )
    invoice.net_minor, invoice.tax_minor, invoice.total_minor = (
        totals.net_minor,
        totals.tax_minor,
        totals.total_minor,
    )


LINE_FIELDS = (
    "description",
    "service",
    "quantity_milli",
    "unit_code",
    "unit_price_minor",
    "discount_minor",
    "tax_category",
    "tax_rate_bp",
    "act",
    "plan_item",
)


@transaction.atomic
def invoice_line_add(*, invoice: Invoice, by: User, description: str, **values: Any) -> InvoiceLine:
    """A line on a draft invoice."""
    invoice = _draft(invoice, by)
    unknown = set(values) - set(LINE_FIELDS)
    if unknown:
        raise BillingError({name: [_("This field cannot be set here.")] for name in sorted(unknown)})
    cleaned = _check_line({"description": description, **values})
    position = (invoice.lines.aggregate(last=Max("position"))["last"] or 0) + 1
    line = InvoiceLine(invoice=invoice, position=position, **cleaned)
    _with_net(line)
    line.save()
    _recount(invoice)
    _event(
        invoice,
        kind="billing.line_added",
        summary=gettext_noop("Line %(line)s added to invoice %(invoice)s"),
        by=by,
        line=line.description[:100],
    )
    return line


@transaction.atomic
def invoice_line_update(*, line: InvoiceLine, by: User, **values: Any) -> InvoiceLine:
    """Change a line of a draft invoice."""
    invoice = _draft(line.invoice, by)
    line = InvoiceLine.objects.select_for_update().get(pk=line.pk, invoice=invoice)
    unknown = set(values) - set(LINE_FIELDS)
    if unknown:
        raise BillingError({name: [_("This field cannot be set here.")] for name in sorted(unknown)})
    cleaned = _check_line({"tax_category": line.tax_category, "tax_rate_bp": line.tax_rate_bp, **values})
    for field, value in cleaned.items():
        setattr(line, field, value)
    _with_net(line)
    line.save()
    _recount(invoice)
    _event(
        invoice,
        kind="billing.line_changed",
        summary=gettext_noop("Line %(line)s of invoice %(invoice)s changed"),
        by=by,
        line=line.description[:100],
    )
    return line


@transaction.atomic
def invoice_line_remove(*, line: InvoiceLine, by: User) -> None:
    """Take a line off a draft invoice."""
    invoice = _draft(line.invoice, by)
    InvoiceLine.objects.filter(pk=line.pk, invoice=invoice).delete()
    _recount(invoice)
    _event(
        invoice,
        kind="billing.line_removed",
        summary=gettext_noop("Line %(line)s taken off invoice %(invoice)s"),
        by=by,
        line=line.description[:100],
    )


@transaction.atomic
def invoice_from_acts(
    *,
    by: User,
    client: Client,
    acts: list[Document],
    tax_rate_bp: int = 1800,
    issue_date: dt.date | None = None,
) -> Invoice:
    """A draft invoice billing accepted acts of the client: one line per act line, at the given rate."""
    if not acts:
        raise _refuse("acts", _("Choose at least one accepted act."))
    errors = []
    for act in acts:
        if act.client_id != client.pk or not act.kind.is_act:
            errors.append(_("%(act)s is not an act of this client.") % {"act": act.number or act.title})
        elif act.status not in (Document.Status.ACCEPTED, Document.Status.ARCHIVED):
            errors.append(_("%(act)s is not accepted by the client yet.") % {"act": act.number or act.title})
        elif act.invoice_lines.filter(invoice__kind=Invoice.Kind.INVOICE).exists():
            errors.append(_("%(act)s is already invoiced.") % {"act": act.number})
    if errors:
        raise BillingError({"acts": errors})
    project = acts[0].project if len({act.project_id for act in acts}) == 1 else None
    invoice = invoice_create(
        by=by, client=client, issue_date=issue_date, project=project, contract=acts[0].contract
    )
    invoice.acts.set(acts)
    position = 0
    lines = []
    for act in acts:
        for act_line in act.lines.all():
            position += 1
            line = InvoiceLine(
                invoice=invoice,
                position=position,
                description=f"{act.number}: {act_line.deliverable}"[:300],
                quantity_milli=1000,
                unit_price_minor=act_line.amount_minor,
                tax_rate_bp=tax_rate_bp,
                act=act,
                plan_item=act_line.plan_item,
            )
            _with_net(line)
            lines.append(line)
    InvoiceLine.objects.bulk_create(lines)
    _recount(invoice)
    return invoice


@transaction.atomic
def invoice_from_plan_items(
    *,
    by: User,
    project: Project,
    plan_item_ids: Sequence[int],
    tax_rate_bp: int = 1800,
    issue_date: dt.date | None = None,
) -> Invoice:
    """A draft invoice billing items of the project's agreed plan: one line per item, at its price.

    Refused when the client is invoiced only for accepted acts, when an item is not in the agreed
    plan, is already on an invoice, or is delivered by an act (the act is then what gets billed).
    The project is locked so that two drafts cannot bill the same item at once.
    """
    project = Project.objects.select_for_update().select_related("client").get(pk=project.pk)
    client = project.client
    if not can_bill_client(by, client):
        raise _refuse("client", _("You cannot bill this client."))
    if billing_profile(client).requires_accepted_act:
        raise _refuse(
            "plan_items",
            _(
                "This client is invoiced only for acts it has accepted: "
                "invoice the act that delivers these items."
            ),
        )
    wanted = list(dict.fromkeys(int(pk) for pk in plan_item_ids))
    if not wanted:
        raise _refuse("plan_items", _("Choose at least one item of the agreed plan."))
    plan = project_plan_items_to_bill_for(project)
    if plan.version is None:
        raise _refuse("plan_items", _("This project has no agreed plan yet."))
    rows = {row.item.pk: row for row in plan.rows}
    errors: list[str] = []
    if any(pk not in rows for pk in wanted):
        errors.append(_("Some of the chosen items are not in the project's agreed plan."))
    for pk in wanted:
        row = rows.get(pk)
        if row is None:
            continue
        if row.invoice is not None:
            errors.append(
                _("%(item)s is already on invoice %(invoice)s.")
                % {"item": row.item.deliverable, "invoice": row.invoice.number or _("draft")}
            )
        elif row.act is not None:
            errors.append(
                _("%(item)s is delivered by act %(act)s: invoice the act instead.")
                % {"item": row.item.deliverable, "act": row.act.number or row.act.title}
            )
    if errors:
        raise BillingError({"plan_items": errors})
    invoice = invoice_create(by=by, client=client, issue_date=issue_date, project=project)
    lines = []
    for position, pk in enumerate(wanted, start=1):
        item = rows[pk].item
        line = InvoiceLine(
            invoice=invoice,
            position=position,
            description=item.deliverable[:300],
            quantity_milli=1000,
            unit_price_minor=item.price_minor,
            tax_rate_bp=tax_rate_bp,
            plan_item=item,
        )
        _with_net(line)
        lines.append(line)
    InvoiceLine.objects.bulk_create(lines)
    _recount(invoice)
    _event(
        invoice,
        kind="billing.invoice_from_plan",
        summary=gettext_noop("Invoice drafted from the agreed plan of %(project)s"),
        by=by,
        count=len(lines),
        project=project.name,
    )
    return invoice


# --- issue ------------------------------------------------------------------------------------------


@transaction.atomic
def invoice_issue(*, invoice: Invoice, by: User) -> Invoice:
    """Give a draft its number, store its totals and freeze it."""
    invoice = _draft(invoice, by)
    if not invoice.lines.exists():
        raise _refuse("lines", _("An invoice needs at least one line."))
    profile = billing_profile(invoice.client)
    if profile.requires_accepted_act and not invoice.is_credit_note:
        unaccepted = (
            invoice.lines.filter(act__isnull=True).exists()
            or invoice.acts.exclude(status__in=[Document.Status.ACCEPTED, Document.Status.ARCHIVED]).exists()
        )
        if unaccepted or not invoice.acts.exists():
            raise _refuse("acts", _("This client is invoiced only for acts it has accepted."))
    _recount(invoice)
    if invoice.total_minor <= 0:
        raise _refuse("lines", _("The invoice's total must be above zero."))
    series = CREDIT_NOTE_SERIES if invoice.is_credit_note else INVOICE_SERIES
    invoice.number = number_next(series=series, on=invoice.issue_date)
    invoice.status = Invoice.Status.ISSUED
    invoice.issued_at = timezone.now()
    invoice.save(update_fields=["number", "status", "issued_at", "net_minor", "tax_minor", "total_minor"])
    _event(
        invoice,
        kind="billing.invoice_issued",
        summary=gettext_noop("Invoice %(invoice)s issued"),
        by=by,
        total=invoice.total_minor,
        currency=invoice.currency,
    )
    return invoice


@transaction.atomic
def credit_note_issue(
    *,
    invoice: Invoice,
    by: User,
    reason: str,
    amount_minor: int | None = None,
    tax_rate_bp: int | None = None,
) -> Invoice:
    """A credit note against an issued invoice, for part of its balance or all of it.

    The credit is one line at the invoice's tax rate (the largest group when it has several); it is
    issued at once with its own number and lowers what the client owes.
    """
    invoice = _locked(invoice)
    if not can_bill_client(by, invoice.client):
        raise _refuse("invoice", _("You cannot bill this client."))
    if invoice.is_draft or invoice.is_credit_note:
        raise _refuse("invoice", _("Only an issued invoice is credited."))
    reason = (reason or "").strip()
    if not reason:
        raise _refuse("reason", _("Say why the invoice is credited."))
    open_minor = invoice.total_minor - invoice.credited_minor - invoice.amount_paid_minor
    amount = open_minor if amount_minor is None else int(amount_minor)
    if amount <= 0:
        raise _refuse("amount_minor", _("Nothing is left to credit on this invoice."))
    if amount > invoice.total_minor - invoice.credited_minor:
        raise _refuse("amount_minor", _("A credit cannot exceed what the invoice still stands for."))
    groups = totals_of(invoice.lines.all()).groups
    main = max(groups, key=lambda g: g.net_minor) if groups else None
    rate = tax_rate_bp if tax_rate_bp is not None else (main.rate_bp if main else 0)
    category = main.category if main else "S"
    # The credit is gross: split it into net and tax at the rate so the note's total is the amount.
    net = int(
        (Decimal(amount) * Decimal(10000) / Decimal(10000 + rate)).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
    )
    note = Invoice.objects.create(
        kind=Invoice.Kind.CREDIT_NOTE,
        client=invoice.client,
        credits=invoice,
        currency=invoice.currency,
        issue_date=timezone.localdate(),
        due_date=timezone.localdate(),
        project=invoice.project,
        contract=invoice.contract,
        reason=reason,
        created_by=by,
    )
    line = InvoiceLine(
        invoice=note,
        position=1,
        description=(
            _("Credit on invoice %(number)s: %(reason)s") % {"number": invoice.number, "reason": reason}
        )[:300],
        unit_price_minor=net,
        tax_category=category,
        tax_rate_bp=rate,
    )
    _with_net(line)
    line.save()
    totals = totals_of([line])
    # Rounding may move the total by a paisa: the credit is what was asked, so the tax takes the difference.
    tax = amount - totals.net_minor
    note.number = number_next(series=CREDIT_NOTE_SERIES, on=note.issue_date)
    note.status = Invoice.Status.ISSUED
    note.issued_at = timezone.now()
    note.net_minor, note.tax_minor, note.total_minor = totals.net_minor, tax, amount
    note.save(update_fields=["number", "status", "issued_at", "net_minor", "tax_minor", "total_minor"])
    Invoice.objects.filter(pk=invoice.pk).update(credited_minor=F("credited_minor") + amount)
    invoice.refresh_from_db(fields=["credited_minor"])
    _event(
        invoice,
        kind="billing.invoice_credited",
        summary=gettext_noop("Invoice %(invoice)s credited by %(note)s: %(reason)s"),
        by=by,
        note=note.number,
        reason=reason[:200],
    )
    return note


@transaction.atomic
def invoice_void(*, invoice: Invoice, by: User, reason: str) -> Invoice:
    """Cancel an issued invoice that nobody paid: a credit note for all of it."""
    invoice = _locked(invoice)
    if invoice.amount_paid_minor:
        raise _refuse("invoice", _("Part of this invoice is paid: credit the rest instead of voiding it."))
    return credit_note_issue(
        invoice=invoice, by=by, reason=reason, amount_minor=invoice.total_minor - invoice.credited_minor
    )


# --- payments ---------------------------------------------------------------------------------------


def payment_fingerprint(values: dict[str, Any]) -> str:
    """The fingerprint of a payment request, to tell a repeat from a different request with the same key."""
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class PaymentResult:
    payment: Payment
    repeated: bool


def payment_record(
    *,
    invoice: Invoice,
    by: User,
    amount_minor: int,
    received_on: dt.date,
    method: str = Payment.Method.BANK,
    reference: str = "",
    idempotency_key: str | None = None,
) -> PaymentResult:
    """Money received: added to the invoice's paid amount under its row lock, never above what is owed.

    With an idempotency key, the same key and the same request answer the first payment (``repeated``)
    and record nothing; the same key with another request is refused.
    """
    fingerprint = payment_fingerprint(
        {
            "invoice": invoice.pk,
            "amount": amount_minor,
            "on": received_on,
            "method": method,
            "reference": reference,
        }
    )
    if idempotency_key is not None:
        idempotency_key = idempotency_key.strip()
        if not idempotency_key or len(idempotency_key) > 100:
            raise _refuse("idempotency_key", _("An idempotency key has 1 to 100 characters."))
        # A repeat of the key is looked up once, under the invoice's lock, in ``_payment_insert``.
    try:
        return _payment_insert(
            invoice=invoice,
            by=by,
            amount_minor=amount_minor,
            received_on=received_on,
            method=method,
            reference=reference,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
        )
    except IntegrityError:
        # Another request with the same key won the race: answer as a repeat (or refuse another body).
        if idempotency_key is None:
            raise
        earlier = _repeat_of(idempotency_key, fingerprint)
        if earlier is None:
            raise
        return PaymentResult(earlier, repeated=True)


def _repeat_of(key: str, fingerprint: str) -> Payment | None:
    # The key's unique index covers non-empty keys only: the query says so too (SQLite uses a partial index
    # only then), and asks for no order, which would join the invoice to sort.
    earlier = Payment.objects.filter(idempotency_key=key).exclude(idempotency_key="").order_by().first()
    if earlier is None:
        return None
    if earlier.request_hash != fingerprint:
        raise PaymentConflict(
            {"idempotency_key": [_("This idempotency key was used for another request: use a new key.")]}
        )
    return earlier


@transaction.atomic
def _payment_insert(
    *,
    invoice: Invoice,
    by: User,
    amount_minor: int,
    received_on: dt.date,
    method: str,
    reference: str,
    idempotency_key: str | None,
    fingerprint: str,
) -> PaymentResult:
    invoice = _locked(invoice)
    if not can_record_payment(by, invoice.client):
        raise _refuse("invoice", _("You cannot record payments for this client."))
    if idempotency_key:
        # Checked again under the invoice's lock: a twin that committed while this one waited is a repeat,
        # not an over-payment.
        earlier = _repeat_of(idempotency_key, fingerprint)
        if earlier is not None:
            return PaymentResult(earlier, repeated=True)
    if invoice.is_draft or invoice.is_credit_note:
        raise _refuse("invoice", _("Payments are recorded against issued invoices."))
    errors: dict[str, list[str]] = {}
    if int(amount_minor) <= 0:
        errors["amount_minor"] = [_("The amount must be above zero.")]
    if method not in Payment.Method.values:
        errors["method"] = [_("Choose a payment method from the list.")]
    if received_on > timezone.localdate():
        errors["received_on"] = [_("A payment cannot be received in the future.")]
    if len(reference) > 100:
        errors["reference"] = [_("Keep the reference under 100 characters.")]
    if errors:
        raise BillingError(errors)
    owed = invoice.total_minor - invoice.amount_paid_minor - invoice.credited_minor
    if amount_minor > owed:
        raise PaymentConflict(
            {
                "amount_minor": [
                    _("This payment would over-pay the invoice: %(owed)s is still owed.")
                    % {"owed": _money(owed, invoice.currency)}
                ]
            }
        )
    payment = Payment.objects.create(
        invoice=invoice,
        amount_minor=amount_minor,
        received_on=received_on,
        method=method,
        reference=reference.strip(),
        recorded_by=by,
        idempotency_key=idempotency_key or "",
        request_hash=fingerprint,
    )
    Invoice.objects.filter(pk=invoice.pk).update(amount_paid_minor=F("amount_paid_minor") + amount_minor)
    _event(
        invoice,
        kind="billing.payment_recorded",
        summary=gettext_noop("Payment of %(amount)s recorded on invoice %(invoice)s"),
        by=by,
        amount=_money(amount_minor, invoice.currency),
    )
    return PaymentResult(payment, repeated=False)


def _money(minor: int, currency: str) -> str:
    return money_format(minor, currency, "en")


# Reminders and promises to pay ---------------------------------------------------------------------


def may_set_reminders(user: object) -> bool:
    """The head and finance set the agency's reminder levels."""
    return isinstance(user, User) and user.is_active and user.role in {User.Role.HEAD, User.Role.FINANCE}


def _level_errors(days: Any, name: str, *, level: ReminderLevel | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not isinstance(days, int) or isinstance(days, bool):
        errors["days"] = [_("Enter a whole number of days.")]
    elif not REMINDER_DAYS_MIN <= days <= REMINDER_DAYS_MAX:
        errors["days"] = [
            _("Choose between %(low)d and %(high)d days.")
            % {"low": REMINDER_DAYS_MIN, "high": REMINDER_DAYS_MAX}
        ]
    else:
        clash = ReminderLevel.objects.filter(days=days)
        if level is not None:
            clash = clash.exclude(pk=level.pk)
        if clash.exists():
            errors["days"] = [_("Another reminder level is already sent on this day.")]
    if len(name) > 80:
        errors["name"] = [_("Use at most 80 characters.")]
    return errors


@transaction.atomic
def reminder_level_create(*, by: User, days: int, name: str = "", active: bool = True) -> ReminderLevel:
    """Add a reminder level of the agency (head or finance)."""
    if not may_set_reminders(by):
        raise _refuse("days", _("Only the head or finance set the payment reminders."))
    name = (name or "").strip()
    errors = _level_errors(days, name, level=None)
    if errors:
        raise BillingError(errors)
    try:
        with transaction.atomic():
            level = ReminderLevel.objects.create(days=days, name=name, active=active)
    except IntegrityError as error:  # the same day added at the same moment
        raise _refuse("days", _("Another reminder level is already sent on this day.")) from error
    event_record(
        kind="billing.reminder_level_added",
        summary=gettext_noop("Payment reminder added: %(days)s days from the due date"),
        params={"days": days},
        by=by,
        subject=level,
    )
    return level


LEVEL_FIELDS = ("days", "name", "active")


@transaction.atomic
def reminder_level_update(*, level: ReminderLevel, by: User, **values: Any) -> ReminderLevel:
    """Change a level's days or name, or disable it (a level is never deleted: reminders point at it)."""
    if not may_set_reminders(by):
        raise _refuse("days", _("Only the head or finance set the payment reminders."))
    unknown = set(values) - set(LEVEL_FIELDS)
    if unknown:
        raise BillingError({name: [_("This field cannot be set here.")] for name in sorted(unknown)})
    level = ReminderLevel.objects.select_for_update().get(pk=level.pk)
    days = values.get("days", level.days)
    name = str(values.get("name", level.name) or "").strip()
    errors = _level_errors(days, name, level=level)
    if errors:
        raise BillingError(errors)
    merged = {"days": days, "name": name, "active": bool(values.get("active", level.active))}
    changed = [field for field, value in merged.items() if getattr(level, field) != value]
    if not changed:
        return level
    for field in changed:
        setattr(level, field, merged[field])
    try:
        with transaction.atomic():
            level.save(update_fields=changed)
    except IntegrityError as error:
        raise _refuse("days", _("Another reminder level is already sent on this day.")) from error
    if changed == ["active"]:
        kind = "billing.reminder_level_enabled" if level.active else "billing.reminder_level_disabled"
        summary = (
            gettext_noop("Payment reminder enabled: %(days)s days from the due date")
            if level.active
            else gettext_noop("Payment reminder disabled: %(days)s days from the due date")
        )
    else:
        kind = "billing.reminder_level_changed"
        summary = gettext_noop("Payment reminder changed: %(days)s days from the due date")
    event_record(kind=kind, summary=summary, params={"days": level.days}, by=by, subject=level)
    return level


PROFILE_FIELDS = ("requires_accepted_act", "reminders_paused")


@transaction.atomic
def billing_profile_update(*, client: Client, by: User, **values: Any) -> BillingProfile:
    """Set whether the client's invoices need an accepted act, and pause or resume its reminders."""
    if not can_bill_client(by, client):
        raise _refuse("reminders_paused", _("You cannot change how this client is billed."))
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise BillingError({name: [_("This field cannot be set here.")] for name in sorted(unknown)})
    billing_profile(client)
    profile = BillingProfile.objects.select_for_update().get(client=client)
    changed = [field for field, value in values.items() if getattr(profile, field) != bool(value)]
    for field in changed:
        setattr(profile, field, bool(values[field]))
    if not changed:
        return profile
    profile.save(update_fields=changed)
    messages = {
        ("requires_accepted_act", True): gettext_noop("Invoices now need an accepted act"),
        ("requires_accepted_act", False): gettext_noop("Invoices no longer need an accepted act"),
        ("reminders_paused", True): gettext_noop("Payment reminders paused"),
        ("reminders_paused", False): gettext_noop("Payment reminders resumed"),
    }
    for field in changed:
        value = getattr(profile, field)
        kind = {
            "requires_accepted_act": "billing.acceptance_required"
            if value
            else "billing.acceptance_not_required",
            "reminders_paused": "billing.reminders_paused" if value else "billing.reminders_resumed",
        }[field]
        event_record(
            kind=kind, summary=messages[(field, value)], params={}, by=by, client=client, subject=client
        )
    return profile


@transaction.atomic
def promise_record(
    *,
    invoice: Invoice,
    by: User,
    promised_on: dt.date,
    amount_minor: int,
    contact: Contact | None = None,
    note: str = "",
    today: dt.date | None = None,
) -> PaymentPromise:
    """Record the client's promise to pay part or all of an open invoice by a date."""
    invoice = _locked(invoice)
    if not can_bill_client(by, invoice.client):
        raise _refuse("amount", _("You cannot record promises for this client."))
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if invoice.status != Invoice.Status.ISSUED or invoice.kind != Invoice.Kind.INVOICE:
        errors["amount"] = [_("Only an issued invoice can be promised.")]
    elif invoice.balance_minor == 0:
        errors["amount"] = [_("Nothing is owed on this invoice.")]
    elif amount_minor <= 0:
        errors["amount"] = [_("Enter an amount above zero.")]
    elif amount_minor > invoice.balance_minor:
        errors["amount"] = [
            _("The promise is above what is still owed (%(balance)s).")
            % {"balance": _money(invoice.balance_minor, invoice.currency)}
        ]
    if promised_on < today:
        errors["promised_on"] = [_("The date is in the past.")]
    if contact is not None and contact.client_id != invoice.client_id:
        errors["contact"] = [_("Choose a contact of this client.")]
    note = (note or "").strip()
    if len(note) > 300:
        errors["note"] = [_("Use at most 300 characters.")]
    if errors:
        raise BillingError(errors)
    promise = PaymentPromise.objects.create(
        invoice=invoice,
        promised_on=promised_on,
        amount_minor=amount_minor,
        contact=contact,
        note=note,
        recorded_by=by,
    )
    _event(
        invoice,
        kind="billing.promise_recorded",
        summary=gettext_noop("Promise to pay %(amount)s of invoice %(invoice)s by %(date)s"),
        by=by,
        amount=_money(amount_minor, invoice.currency),
        date=promised_on.isoformat(),
    )
    return promise


@transaction.atomic
def promise_cancel(*, promise: PaymentPromise, by: User) -> PaymentPromise:
    """Withdraw a promise recorded by mistake or replaced by a new one; it stays on the record."""
    promise = (
        PaymentPromise.objects.select_for_update(of=("self",))
        .select_related("invoice__client")
        .get(pk=promise.pk)
    )
    if not can_bill_client(by, promise.invoice.client):
        raise _refuse("promise", _("You cannot change promises for this client."))
    if promise.cancelled_at is not None:
        raise _refuse("promise", _("This promise is already cancelled."))
    promise.cancelled_at = timezone.now()
    promise.save(update_fields=["cancelled_at"])
    _event(
        promise.invoice,
        kind="billing.promise_cancelled",
        summary=gettext_noop("Promise to pay %(amount)s of invoice %(invoice)s by %(date)s cancelled"),
        by=by,
        amount=_money(promise.amount_minor, promise.invoice.currency),
        date=promise.promised_on.isoformat(),
    )
    return promise
