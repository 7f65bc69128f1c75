"""Forms of the project and plan pages. They only parse input; the services decide what is valid.

Money is typed as an amount ("12500.50") and kept in minor units; an estimate is typed in hours
and kept in minutes. A service's ``PlanError`` names the stored field (``price_minor``):
``apply_plan_errors`` shows it next to the field the person typed into (``price``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from khata.clients.models import Client
from khata.clients.selectors import account_manager_choices
from khata.core.forms import apply_service_errors
from khata.core.money import from_minor, to_minor
from khata.people.models import Specialty, User
from khata.plans.models import ClientRequest, ItemDecision, Origin, PlanItem, Project

# The stored field a service names → the form field a person typed into.
FORM_FIELDS = {
    "budget_minor": "budget",
    "price_minor": "price",
    "estimate_minutes": "estimate_hours",
    "proposed_price_minor": "proposed_price",
    "proposed_due_date": "proposed_due_date",
}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def apply_plan_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a plan service's field errors next to the field the person typed into."""
    apply_service_errors(form, error, rename=FORM_FIELDS)


def _amount(label: Any, *, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=required, min_value=0, max_digits=16, decimal_places=2)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name()


class ProjectForm(forms.Form):
    client = forms.ModelChoiceField(label=_("Client"), queryset=Client.objects.none())
    name = forms.CharField(label=_("Name"), max_length=200)
    services = forms.CharField(
        label=_("Services"),
        max_length=200,
        required=False,
        help_text=_("SEO, contextual advertising, copywriting…"),
    )
    owner = PersonChoiceField(label=_("Account manager"), queryset=User.objects.none())
    start_date = forms.DateField(label=_("Start date"), required=False, widget=DATE)
    target_date = forms.DateField(label=_("Target date"), required=False, widget=DATE)
    budget = _amount(_("Budget"))
    budget_hours = forms.IntegerField(label=_("Budget in hours"), required=False, min_value=0)

    def __init__(self, *args: Any, clients: QuerySet[Client] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if clients is None:
            del self.fields["client"]
        else:
            cast(forms.ModelChoiceField, self.fields["client"]).queryset = clients.order_by(
                "display_name", "id"
            )
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = account_manager_choices()

    @staticmethod
    def initial_for(project: Project) -> dict[str, Any]:
        currency = project.client.currency
        return {
            "name": project.name,
            "services": project.services,
            "owner": project.owner_id,
            "start_date": project.start_date,
            "target_date": project.target_date,
            "budget": from_minor(project.budget_minor, currency)
            if project.budget_minor is not None
            else None,
            "budget_hours": project.budget_hours,
        }

    def service_values(self, currency: str) -> dict[str, Any]:
        data = self.cleaned_data
        budget: Decimal | None = data["budget"]
        return {
            "name": data["name"],
            "services": data["services"],
            "owner": data["owner"],
            "start_date": data["start_date"],
            "target_date": data["target_date"],
            "budget_minor": to_minor(budget, currency) if budget is not None else None,
            "budget_hours": data["budget_hours"],
        }


class StageForm(forms.Form):
    """Move a project to another stage, with a reason the timeline keeps."""

    stage = forms.ChoiceField(label=_("New stage"), choices=Project.Stage.choices)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Needed when a step is skipped, such as leaving the brief stage without a complete brief."
        ),
    )

    def __init__(self, *args: Any, project: Project | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if project is not None and not self.is_bound:
            field = cast(forms.ChoiceField, self.fields["stage"])
            order = list(Project.Stage.values)
            if project.stage in order[:4]:  # brief … acceptance: the next step is the likely move
                self.initial.setdefault("stage", order[order.index(project.stage) + 1])
            field.choices = [
                (value, label) for value, label in Project.Stage.choices if value != project.stage
            ]


class DeclineForm(forms.Form):
    """Decline a client's request, with words the client reads."""

    comment = forms.CharField(label=_("Why not"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(forms.Form):
    """A short note on a new version or a change request."""

    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ItemForm(forms.Form):
    deliverable = forms.CharField(label=_("Deliverable"), max_length=200)
    specialty = forms.ModelChoiceField(
        label=_("Specialty"), queryset=Specialty.objects.none(), required=False
    )
    estimate_hours = forms.DecimalField(
        label=_("Estimate, hours"), min_value=0, max_digits=8, decimal_places=2, initial=0
    )
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DATE)
    price = _amount(_("Price"), required=True)
    origin = forms.ChoiceField(label=_("Origin"), choices=Origin.choices, initial=Origin.COMPANY)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["specialty"]).queryset = Specialty.objects.order_by("name")

    @staticmethod
    def initial_from_request(request: ClientRequest, currency: str) -> dict[str, Any]:
        """What the client asked for, ready to become an item of origin "client"."""
        return {
            "deliverable": request.deliverable,
            "due_date": request.proposed_due_date,
            "price": from_minor(request.proposed_price_minor, currency)
            if request.proposed_price_minor is not None
            else None,
            "origin": Origin.CLIENT,
        }

    @staticmethod
    def initial_for(item: PlanItem, currency: str) -> dict[str, Any]:
        return {
            "deliverable": item.deliverable,
            "specialty": item.specialty_id,
            "estimate_hours": item.estimate_hours,
            "due_date": item.due_date,
            "price": from_minor(item.price_minor, currency),
            "origin": item.origin,
        }

    def service_values(self, currency: str) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "deliverable": data["deliverable"],
            "specialty": data["specialty"],
            "estimate_minutes": int((data["estimate_hours"] * 60).to_integral_value()),
            "due_date": data["due_date"],
            "price_minor": to_minor(data["price"], currency),
            "origin": data["origin"],
        }


class _ClientProposalForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    proposed_price = _amount(_("Proposed price"))
    proposed_due_date = forms.DateField(label=_("Proposed due date"), required=False, widget=DATE)

    def proposal_values(self, currency: str) -> dict[str, Any]:
        data = self.cleaned_data
        price: Decimal | None = data["proposed_price"]
        return {
            "comment": data["comment"],
            "proposed_price_minor": to_minor(price, currency) if price is not None else None,
            "proposed_due_date": data["proposed_due_date"],
        }


class DecisionForm(_ClientProposalForm):
    """The client's answer to one item: accept, counter (with a comment) or reject."""

    decision = forms.ChoiceField(
        label=_("Your answer"),
        choices=[
            (ItemDecision.Decision.ACCEPT, _("Accept")),
            (ItemDecision.Decision.COUNTER, _("Counter: propose a change")),
            (ItemDecision.Decision.REJECT, _("Reject")),
        ],
        widget=forms.RadioSelect,
    )

    field_order = ["decision", "comment", "proposed_price", "proposed_due_date"]

    def service_values(self, currency: str) -> dict[str, Any]:
        return {"decision": self.cleaned_data["decision"], **self.proposal_values(currency)}


class RequestForm(_ClientProposalForm):
    """Something the client asks to add to the plan."""

    deliverable = forms.CharField(label=_("What you need"), max_length=200)

    field_order = ["deliverable", "comment", "proposed_price", "proposed_due_date"]

    def service_values(self, currency: str) -> dict[str, Any]:
        return {"deliverable": self.cleaned_data["deliverable"], **self.proposal_values(currency)}
