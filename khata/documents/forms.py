"""Forms of the staff document pages. They only parse input; the services decide what is valid.

Money is typed as an amount ("12500.50") in the client's currency and kept in minor units; time on
an act's line is typed in hours and kept in minutes. A ``DocumentError`` names the stored field
(``amount_minor``): ``apply_document_errors`` shows it next to the field the person typed into.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khata.clients.models import Client
from khata.core.forms import apply_service_errors
from khata.core.money import from_minor, to_minor
from khata.documents.models import Behaviour, Document, DocumentKind
from khata.plans.models import PlanItem, Project

# The stored field a service names → the form field a person typed into.
FORM_FIELDS = {"amount_minor": "amount", "minutes": "hours", "on": "terminated_on"}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CONTRACT_FIELDS = ("parties", "start_date", "end_date", "auto_renew", "renewal_months", "notice_days")
ACT_FIELDS = ("period_start", "period_end", "milestone")


def apply_document_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a document service's field errors next to the field the person typed into."""
    apply_service_errors(form, error, rename=FORM_FIELDS)


def _amount(label: Any) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=False, min_value=0, max_digits=16, decimal_places=2)


class KindChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: DocumentKind) -> str:
        return obj.label


class ClientChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Client) -> str:
        return obj.display_name


class ProjectChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Project) -> str:
        return obj.name


class ContractChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Document) -> str:
        return f"{obj.number or _('draft')} · {obj.title}"


class MilestoneChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: PlanItem) -> str:
        return obj.deliverable


class DocumentForm(forms.Form):
    """A new document or a draft's fields; its kind decides which fields it has.

    ``kind`` and ``client`` are chosen on a new document only; the project, contract and milestone
    lists are those of the chosen client and project.
    """

    kind = KindChoiceField(
        label=_("Kind"),
        queryset=DocumentKind.objects.none(),
        empty_label=None,
        help_text=_("The kind decides the fields below."),
    )
    client = ClientChoiceField(label=_("Client"), queryset=Client.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    date = forms.DateField(label=_("Date"), widget=DATE, initial=timezone.localdate)
    project = ProjectChoiceField(
        label=_("Project"), queryset=Project.objects.none(), required=False, empty_label=_("No project")
    )
    contract = ContractChoiceField(
        label=_("Under the contract"),
        queryset=Document.objects.none(),
        required=False,
        empty_label=_("No contract"),
    )
    parties = forms.CharField(
        label=_("Parties"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    start_date = forms.DateField(label=_("Start date"), required=False, widget=DATE)
    end_date = forms.DateField(label=_("End date"), required=False, widget=DATE)
    amount = _amount(_("Amount"))
    auto_renew = forms.BooleanField(label=_("Renews automatically"), required=False)
    renewal_months = forms.IntegerField(
        label=_("Renews for (months)"), required=False, min_value=1, max_value=120
    )
    notice_days = forms.IntegerField(label=_("Notice period (days)"), required=False, min_value=0)
    period_start = forms.DateField(label=_("Period from"), required=False, widget=DATE)
    period_end = forms.DateField(label=_("Period to"), required=False, widget=DATE)
    milestone = MilestoneChoiceField(
        label=_("Or a milestone"), queryset=PlanItem.objects.none(), required=False, empty_label="—"
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )

    def __init__(
        self,
        *args: Any,
        kinds: QuerySet[DocumentKind],
        clients: QuerySet[Client],
        projects: QuerySet[Project],
        contracts: QuerySet[Document],
        document: Document | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.document = document
        if document is not None:
            del self.fields["kind"], self.fields["client"]
            self.chosen_kind: DocumentKind | None = document.kind
            self.chosen_client: Client | None = document.client
        else:
            cast(forms.ModelChoiceField, self.fields["kind"]).queryset = kinds
            cast(forms.ModelChoiceField, self.fields["client"]).queryset = clients.order_by(
                "display_name", "id"
            )
            self.chosen_kind = self._chosen("kind", kinds)
            self.chosen_client = self._chosen("client", clients)
            # Choosing another kind, client or project redraws the form with the fields that fit.
            redraw = {
                "hx-get": reverse("documents:new"),
                "hx-trigger": "change",
                "hx-target": "#document-form",
                "hx-select": "#document-form",
                "hx-swap": "outerHTML",
                "hx-include": "#document-form",
                "hx-params": "not csrfmiddlewaretoken",
            }
            for name in ("kind", "client", "project"):
                self.fields[name].widget.attrs.update(redraw)
        if self.chosen_kind is None and document is None:
            self.chosen_kind = kinds.first()
            if self.chosen_kind is not None and not self.is_bound:
                self.initial["kind"] = self.chosen_kind.pk
        if self.chosen_client is not None:
            projects = projects.filter(client=self.chosen_client)
            contracts = contracts.filter(client=self.chosen_client)
        cast(forms.ModelChoiceField, self.fields["project"]).queryset = projects.order_by("name", "id")
        cast(forms.ModelChoiceField, self.fields["contract"]).queryset = (
            contracts.filter(kind__behaviour=Behaviour.CONTRACT)
            .exclude(status__in=[Document.Status.ARCHIVED, Document.Status.REJECTED])
            .exclude(pk=document.pk if document is not None else 0)
            .order_by("-date", "-id")
        )
        project = self._chosen("project", projects) if document is None or self.is_bound else document.project
        milestones = PlanItem.objects.none()
        if project is not None:
            milestones = PlanItem.objects.filter(version__project=project).order_by("-version__number", "id")
        cast(forms.ModelChoiceField, self.fields["milestone"]).queryset = milestones
        kind = self.chosen_kind
        if kind is None or not kind.is_contract:
            for name in CONTRACT_FIELDS:
                del self.fields[name]
        else:
            self.fields["amount"].label = _("Value")
        if kind is None or not kind.is_act:
            for name in ACT_FIELDS:
                del self.fields[name]
        else:
            del self.fields["amount"]  # an act's amount is the sum of its lines
        if "amount" in self.fields and self.chosen_client is not None:
            self.fields["amount"].help_text = _("In %(currency)s.") % {
                "currency": self.chosen_client.currency
            }

    def _chosen(self, name: str, queryset: QuerySet[Any]) -> Any:
        """The object chosen in the field, read from the posted data or the initial values."""
        raw = self.data.get(name) if self.is_bound else self.initial.get(name)
        if raw in (None, ""):
            return None
        if hasattr(raw, "pk"):
            return raw
        try:
            return queryset.filter(pk=int(str(raw))).first()
        except ValueError:
            return None

    @staticmethod
    def initial_for(document: Document) -> dict[str, Any]:
        values: dict[str, Any] = {
            "title": document.title,
            "date": document.date,
            "project": document.project_id,
            "contract": document.contract_id,
            "note": document.note,
            "amount": from_minor(document.amount_minor, document.currency) if document.amount_minor else None,
        }
        for name in (*CONTRACT_FIELDS, *ACT_FIELDS):
            values[name] = getattr(document, name + "_id" if name == "milestone" else name)
        return values

    def service_values(self) -> dict[str, Any]:
        """The fields for ``document_create`` / ``document_update``: only those of the kind."""
        data = self.cleaned_data
        values = {name: data[name] for name in ("title", "date", "project", "contract", "note")}
        for name in (*CONTRACT_FIELDS, *ACT_FIELDS):
            if name in self.fields:
                values[name] = data[name]
        if "amount" in self.fields:
            amount: Decimal | None = data["amount"]
            currency = self.chosen_client.currency if self.chosen_client is not None else "INR"
            values["amount_minor"] = to_minor(amount, currency) if amount is not None else 0
        return values


class SendForm(forms.Form):
    """Sending: the AM's note to the client, kept on the timeline."""

    note = forms.CharField(
        label=_("Note to the client"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReopenForm(forms.Form):
    """Reopening a sent or disputed document: what needs correcting."""

    note = forms.CharField(
        label=_("What needs correcting"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PaperSignatureForm(forms.Form):
    name = forms.CharField(
        label=_("Signed by"),
        max_length=150,
        help_text=_("The name of the person who signed or accepted it on paper."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class TerminateForm(forms.Form):
    terminated_on = forms.DateField(label=_("Ends on"), widget=DATE, initial=timezone.localdate)
    reason = forms.CharField(label=_("Reason"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class LineForm(forms.Form):
    """A line of an act typed by hand: hours in, minutes kept; an amount in, minor units kept."""

    deliverable = forms.CharField(label=_("Deliverable"), max_length=200)
    hours = forms.DecimalField(
        label=_("Hours"), required=False, min_value=0, max_value=100_000, decimal_places=2, max_digits=8
    )
    amount = _amount(_("Amount"))

    @staticmethod
    def initial_for(line: Any, currency: str) -> dict[str, Any]:
        return {
            "deliverable": line.deliverable,
            "hours": (Decimal(line.minutes) / 60).quantize(Decimal("0.01")).normalize(),
            "amount": from_minor(line.amount_minor, currency),
        }

    @staticmethod
    def values_of(data: dict[str, Any], currency: str) -> dict[str, Any]:
        """The cleaned line for ``act_line_add`` / ``act_line_update``."""
        hours: Decimal | None = data["hours"]
        amount: Decimal | None = data["amount"]
        return {
            "deliverable": data["deliverable"],
            "minutes": round(hours * 60) if hours is not None else 0,
            "amount_minor": to_minor(amount, currency) if amount is not None else 0,
        }


class IdListField(forms.Field):
    """Ids ticked in a list of checkboxes."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        if value in (None, ""):
            return []
        items: Sequence[Any] = value if isinstance(value, (list, tuple)) else [value]
        try:
            return [int(item) for item in items]
        except (TypeError, ValueError):
            raise ValidationError(_("Choose from the list."), code="invalid") from None


class BuilderForm(forms.Form):
    """The act builder: the done tasks and plan items ticked to become lines."""

    tasks = IdListField(label=_("Done tasks"), required=False)
    plan_items = IdListField(label=_("Plan items"), required=False)


class FileForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        max_length=255,
        help_text=_("The signed scan or the document as sent: PDF, images, Word or text files."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class KindForm(forms.Form):
    """A kind of document and its numbering (the head's editor)."""

    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.SlugField(
        label=_("Code"), max_length=32, help_text=_("A short name for the API and imports, e.g. sla.")
    )
    behaviour = forms.ChoiceField(label=_("Behaves as"), choices=Behaviour.choices)
    series = forms.CharField(
        label=_("Series"), max_length=8, help_text=_("The counter its numbers come from (A-Z, 0-9).")
    )
    number_format = forms.CharField(
        label=_("Number format"),
        max_length=40,
        help_text=_("For example CTR/{year}/{seq:04}: {year} or {yy}, and {seq} with an optional width."),
    )
    needs_client_answer = forms.BooleanField(label=_("The client accepts or signs it"), required=False)
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)
    position = forms.IntegerField(label=_("Position in lists"), min_value=0, max_value=1000, initial=0)

    def __init__(self, *args: Any, kind: DocumentKind | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kind is not None:
            # The code names the kind in the API and never changes.
            del self.fields["code"]

    @staticmethod
    def initial_for(kind: DocumentKind) -> dict[str, Any]:
        return {
            name: getattr(kind, name)
            for name in (
                "name",
                "behaviour",
                "series",
                "number_format",
                "needs_client_answer",
                "active",
                "position",
            )
        }
