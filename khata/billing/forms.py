"""Forms of the staff invoice pages. They only parse input; the billing services decide what is valid.

Money is typed as an amount ("12500.50") in the invoice's currency and kept in minor units; a
quantity is typed as a decimal ("1.5") and kept in thousandths; a tax rate as a percentage ("18")
and kept in basis points. A ``BillingError`` names the stored field (``amount_minor``):
``apply_billing_errors`` shows it next to the field the person typed into.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db.models import F, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from khata.billing.models import Invoice, InvoiceLine, Payment
from khata.clients.forms import client_filter_clean, client_filter_setup
from khata.clients.models import Client
from khata.core.forms import apply_service_errors
from khata.core.money import from_minor, to_minor
from khata.documents.models import Document
from khata.people.models import User
from khata.plans.models import Project

# The stored field a service names → the form field a person typed into.
FORM_FIELDS = {
    "amount_minor": "amount",
    "unit_price_minor": "unit_price",
    "discount_minor": "discount",
    "quantity_milli": "quantity",
    "tax_rate_bp": "tax_rate",
}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERROR = gettext_lazy("Give the date as YYYY-MM-DD, for example 2026-04-01.")
UNITS = [("C62", gettext_lazy("units")), ("HUR", gettext_lazy("hours")), ("DAY", gettext_lazy("days"))]


def apply_billing_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a billing service's field errors next to the field the person typed into."""
    apply_service_errors(form, error, rename=FORM_FIELDS)


def _amount(label: Any, *, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=required, min_value=0, max_digits=16, decimal_places=2, localize=False
    )


def _date(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DATE,
        help_text=help_text,
        error_messages={"invalid": DATE_ERROR},
    )


# ---------- the list's filters ----------

STATES = [
    ("draft", gettext_lazy("Draft")),
    ("issued", gettext_lazy("Issued")),
    ("partly_paid", gettext_lazy("Partly paid")),
    ("paid", gettext_lazy("Paid")),
    ("overdue", gettext_lazy("Overdue")),
    ("credited", gettext_lazy("Credited")),
]


@dataclass
class StateRow:
    """An invoice with its state on the day and the days it is late (for the badge)."""

    invoice: Invoice
    state: str
    days_late: int


def state_row(invoice: Invoice, today: dt.date) -> StateRow:
    state = invoice.state(today)
    days = (today - invoice.due_date).days if state == "overdue" else 0
    return StateRow(invoice=invoice, state=state, days_late=days)


def state_filter(state: str, today: dt.date) -> Q:
    """The rows whose derived state (``Invoice.state``) is ``state`` on ``today``, as one condition."""
    issued = Q(status=Invoice.Status.ISSUED, kind=Invoice.Kind.INVOICE)
    credited = Q(credited_minor__gte=F("total_minor"), total_minor__gt=0)
    settled = Q(total_minor__lte=F("amount_paid_minor") + F("credited_minor"))
    open_ = issued & ~credited & ~settled
    conditions = {
        "draft": Q(status=Invoice.Status.DRAFT),
        "credited": issued & credited,
        "paid": issued & ~credited & settled,
        "overdue": open_ & Q(due_date__lt=today),
        "partly_paid": open_ & Q(due_date__gte=today, amount_paid_minor__gt=0),
        "issued": (open_ & Q(due_date__gte=today, amount_paid_minor=0))
        | Q(status=Invoice.Status.ISSUED, kind=Invoice.Kind.CREDIT_NOTE),
    }
    return conditions[state]


class InvoiceFilterForm(forms.Form):
    """The invoice list's filters, read from the query string; the clients come from the user's scope."""

    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        required=False,
        choices=[("", gettext_lazy("Any state")), *STATES],
        error_messages={"invalid_choice": gettext_lazy("Choose a state from the list.")},
    )
    client = forms.TypedChoiceField(
        label=gettext_lazy("Client"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": gettext_lazy("Choose one of your clients from the list.")},
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[("", gettext_lazy("Any kind")), *Invoice.Kind.choices],
        error_messages={"invalid_choice": gettext_lazy("Choose invoice or credit note.")},
    )
    currency = forms.CharField(
        label=gettext_lazy("Currency"),
        required=False,
        max_length=3,
        validators=[
            RegexValidator(r"^[A-Za-z]{3}$", gettext_lazy("A currency is a three-letter code, like INR."))
        ],
        widget=forms.TextInput(attrs={"placeholder": "INR", "autocomplete": "off", "size": 4}),
        error_messages={"max_length": gettext_lazy("A currency is a three-letter code, like INR.")},
    )
    date_from = _date(gettext_lazy("Issued from"), required=False)
    date_to = _date(gettext_lazy("Issued to"), required=False)
    number = forms.CharField(
        label=gettext_lazy("Number starts with"),
        required=False,
        max_length=16,
        validators=[
            RegexValidator(r"^[A-Za-z0-9/-]*$", gettext_lazy("A number holds only letters, digits, / and -."))
        ],
        widget=forms.TextInput(
            attrs={"placeholder": "INV/2026", "autocomplete": "off", "spellcheck": "false"}
        ),
        error_messages={"max_length": gettext_lazy("A number has at most 16 characters.")},
    )
    FIELDS = ("state", "client", "client_name", "kind", "currency", "date_from", "date_to", "number")

    def __init__(self, data: QueryDict, *, user: User) -> None:
        values = {name: data.get(name, "") for name in self.FIELDS}
        super().__init__(values)
        client_filter_setup(self, values, user)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start is not None and end is not None and end < start:
            self.add_error("date_to", _("The period ends before it starts."))
        client_filter_clean(self, cleaned)
        return cleaned

    def apply(self, invoices: QuerySet[Invoice], *, today: dt.date) -> QuerySet[Invoice]:
        """The invoices narrowed by the valid filters."""
        data = self.cleaned_data
        if data.get("state"):
            invoices = invoices.filter(state_filter(data["state"], today))
        if data.get("client") is not None:
            invoices = invoices.filter(client_id=data["client"])
        elif data.get("client_name"):
            invoices = invoices.filter(client__display_name__icontains=data["client_name"])
        if data.get("kind"):
            invoices = invoices.filter(kind=data["kind"])
        if data.get("currency"):
            invoices = invoices.filter(currency=data["currency"].upper())
        if data.get("date_from"):
            invoices = invoices.filter(issue_date__gte=data["date_from"])
        if data.get("date_to"):
            invoices = invoices.filter(issue_date__lte=data["date_to"])
        if data.get("number"):
            invoices = invoices.filter(number__startswith=data["number"].upper())
        return invoices

    def params(self) -> dict[str, str]:
        """The filters as the query string carries them (the links of the pager)."""
        return {
            name: str(self.data[name]).strip() for name in self.FIELDS if str(self.data.get(name, "")).strip()
        }

    @property
    def active(self) -> bool:
        return bool(self.params())


# ---------- a draft's header ----------


class ClientChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Client) -> str:
        return f"{obj.display_name} · {obj.currency}"


class ProjectChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Project) -> str:
        return obj.name


class DocumentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Document) -> str:
        return f"{obj.number or _('draft')} · {obj.title}"


class InvoiceForm(forms.Form):
    """A new draft invoice, or a draft's header. The client is chosen on a new invoice only; its
    currency and payment terms follow it."""

    client = ClientChoiceField(
        label=gettext_lazy("Client"),
        queryset=Client.objects.none(),
        help_text=gettext_lazy("The invoice is in the client's currency."),
    )
    project = ProjectChoiceField(
        label=gettext_lazy("Project"),
        queryset=Project.objects.none(),
        required=False,
        empty_label=gettext_lazy("No project"),
    )
    contract = DocumentChoiceField(
        label=gettext_lazy("Under the contract"),
        queryset=Document.objects.none(),
        required=False,
        empty_label=gettext_lazy("No contract"),
    )
    issue_date = _date(gettext_lazy("Issue date"))
    due_date = _date(
        gettext_lazy("Due date"),
        required=False,
        help_text=gettext_lazy("Left empty: the issue date plus the client's payment terms."),
    )
    buyer_reference = forms.CharField(
        label=gettext_lazy("Purchase order or reference"), required=False, max_length=100
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )

    def __init__(
        self,
        *args: Any,
        clients: QuerySet[Client],
        projects: QuerySet[Project],
        contracts: QuerySet[Document],
        invoice: Invoice | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        client_id = invoice.client_id if invoice is not None else self._client_id()
        if invoice is not None:
            del self.fields["client"]
        else:
            self.fields["client"].queryset = clients.order_by("display_name", "id")  # type: ignore[attr-defined]
        if client_id is not None:
            projects = projects.filter(client_id=client_id)
            contracts = contracts.filter(client_id=client_id)
        self.fields["project"].queryset = projects.order_by("name", "id")  # type: ignore[attr-defined]
        self.fields["contract"].queryset = (  # type: ignore[attr-defined]
            contracts.filter(kind__behaviour="contract")
            .exclude(status=Document.Status.DRAFT)
            .order_by("-date", "-id")
        )

    def _client_id(self) -> int | None:
        raw = self.data.get("client") if self.is_bound else self.initial.get("client")
        text = str(getattr(raw, "pk", raw) or "")
        return int(text) if text.isdigit() else None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        issued, due = cleaned.get("issue_date"), cleaned.get("due_date")
        if issued is not None and due is not None and due < issued:
            self.add_error("due_date", _("The due date comes before the issue date."))
        return cleaned

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {name: data.get(name) for name in ("issue_date", "project", "contract")} | {
            "buyer_reference": data.get("buyer_reference") or "",
            "note": data.get("note") or "",
        }

    @staticmethod
    def initial_for(invoice: Invoice) -> dict[str, Any]:
        return {
            "project": invoice.project_id,
            "contract": invoice.contract_id,
            "issue_date": invoice.issue_date,
            "due_date": invoice.due_date,
            "buyer_reference": invoice.buyer_reference,
            "note": invoice.note,
        }


class FromActsForm(forms.Form):
    """A draft billing accepted acts of one client that no invoice bills yet."""

    acts = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Accepted acts"),
        queryset=Document.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": gettext_lazy("Choose at least one accepted act."),
            "invalid_choice": gettext_lazy("Choose acts from the list."),
            "invalid_pk_value": gettext_lazy("Choose acts from the list."),
        },
    )
    tax_rate = forms.DecimalField(
        label=gettext_lazy("Tax rate, %"), min_value=0, max_value=100, decimal_places=2, initial=18
    )
    issue_date = _date(gettext_lazy("Issue date"))

    def __init__(self, *args: Any, acts: QuerySet[Document], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["acts"]
        field.queryset = acts  # type: ignore[attr-defined]
        field.label_from_instance = lambda act: f"{act.number} · {act.title}"  # type: ignore[attr-defined]


class FromPlanForm(forms.Form):
    """A draft billing items of a project's agreed plan; the service refuses items already billed."""

    plan_items = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Agreed plan items"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": gettext_lazy("Choose at least one item of the agreed plan."),
            "invalid_choice": gettext_lazy("Choose items from the list."),
        },
    )
    tax_rate = forms.DecimalField(
        label=gettext_lazy("Tax rate, %"), min_value=0, max_value=100, decimal_places=2, initial=18
    )
    issue_date = _date(gettext_lazy("Issue date"))

    def __init__(self, *args: Any, item_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan_items"].choices = [(pk, str(pk)) for pk in item_ids]  # type: ignore[attr-defined]

    def chosen(self) -> set[int]:
        """The ticked items, as numbers, also when the form comes back with errors."""
        values = self["plan_items"].value() or []
        return {int(value) for value in values if str(value).isdigit()}


# ---------- lines ----------


class LineForm(forms.Form):
    """A line of a draft: quantity × unit price − discount, at one tax rate."""

    description = forms.CharField(label=gettext_lazy("Description"), max_length=300)
    service = forms.CharField(label=gettext_lazy("Service"), max_length=40, required=False)
    quantity = forms.DecimalField(
        label=gettext_lazy("Quantity"), min_value=Decimal("0.001"), max_digits=15, decimal_places=3, initial=1
    )
    unit_code = forms.ChoiceField(label=gettext_lazy("Unit"), choices=UNITS, initial="C62")
    unit_price = _amount(gettext_lazy("Unit price"), required=True)
    discount = _amount(gettext_lazy("Discount"))
    tax_category = forms.ChoiceField(
        label=gettext_lazy("Tax"), choices=InvoiceLine.TaxCategory.choices, initial="S"
    )
    tax_rate = forms.DecimalField(
        label=gettext_lazy("Tax rate, %"), min_value=0, max_value=100, decimal_places=2, initial=18
    )

    @staticmethod
    def initial_for(line: InvoiceLine, currency: str) -> dict[str, Any]:
        return {
            "description": line.description,
            "service": line.service,
            "quantity": (Decimal(line.quantity_milli) / 1000).normalize(),
            "unit_code": line.unit_code,
            "unit_price": from_minor(line.unit_price_minor, currency),
            "discount": from_minor(line.discount_minor, currency),
            "tax_category": line.tax_category,
            "tax_rate": (Decimal(line.tax_rate_bp) / 100).normalize(),
        }

    @staticmethod
    def values_of(data: dict[str, Any], currency: str) -> dict[str, Any]:
        """The cleaned line for ``invoice_line_add`` / ``invoice_line_update``."""
        discount: Decimal | None = data.get("discount")
        return {
            "description": data["description"],
            "service": data.get("service") or "",
            "quantity_milli": int((data["quantity"] * 1000).to_integral_value()),
            "unit_code": data["unit_code"],
            "unit_price_minor": to_minor(data["unit_price"], currency),
            "discount_minor": to_minor(discount, currency) if discount is not None else 0,
            "tax_category": data["tax_category"],
            "tax_rate_bp": int((data["tax_rate"] * 100).to_integral_value()),
        }


# ---------- an issued invoice ----------


class PaymentForm(forms.Form):
    """Money received against an issued invoice."""

    amount = _amount(gettext_lazy("Amount"), required=True)
    received_on = _date(gettext_lazy("Received on"), required=True)
    method = forms.ChoiceField(
        label=gettext_lazy("Method"),
        choices=Payment.Method.choices,
        initial=Payment.Method.BANK,
        error_messages={"invalid_choice": gettext_lazy("Choose a payment method from the list.")},
    )
    reference = forms.CharField(label=gettext_lazy("Reference"), required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "payment")
        kwargs.setdefault("initial", {"received_on": timezone.localdate()})
        super().__init__(*args, **kwargs)

    def clean_amount(self) -> Decimal:
        amount: Decimal = self.cleaned_data["amount"]
        if amount <= 0:
            raise ValidationError(_("The amount must be above zero."))
        return amount


class CreditForm(forms.Form):
    """A credit note against an issued invoice: part of it, or everything still open."""

    full = forms.BooleanField(label=gettext_lazy("Credit everything still owed"), required=False)
    amount = _amount(gettext_lazy("Amount to credit, tax included"))
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "credit")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        amount = cleaned.get("amount")
        if not cleaned.get("full") and "amount" not in self.errors:
            if amount is None:
                self.add_error("amount", _("Give the amount to credit, or tick the whole balance."))
            elif amount <= 0:
                self.add_error("amount", _("The amount must be above zero."))
        return cleaned


class VoidForm(forms.Form):
    """Cancel an unpaid issued invoice with a full credit note."""

    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "void")
        super().__init__(*args, **kwargs)
