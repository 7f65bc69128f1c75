"""The forms of the claim pages: they parse what a person typed; the services decide."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from khata.care.models import Claim, Goodwill, ReasonCode, RootCause, Severity
from khata.clients.models import Client
from khata.core.forms import apply_service_errors
from khata.people.models import User

# The service names model fields; the forms show money and hours as people type them.
FORM_FIELDS = {"value_minor": "amount", "minutes": "hours"}


def apply_claim_errors(form: forms.BaseForm, error: ValidationError) -> None:
    apply_service_errors(form, error, rename=FORM_FIELDS)


class QuickSelect(forms.Select):
    """A select written in one pass: Django renders a template per option, which costs most of a
    second for the head's thousands of clients and a good part of a claim page for the staff."""

    # Set by a form that lists many plain (value, label) pairs, which Django would otherwise check
    # one by one as choices; ``choices`` is used when it is not.
    entries: list[tuple[object, str]] | None = None

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        if isinstance(value, list | tuple):
            value = value[0] if value else None
        chosen = "" if value is None else str(value)
        parts = []
        for key, label in self.entries if self.entries is not None else self.choices:
            selected = " selected" if str(key) == chosen else ""
            parts.append(f'<option value="{escape(key)}"{selected}>{escape(label)}</option>')
        options = "".join(parts)
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        # Every value and label is escaped above, the attributes by flatatt.
        return mark_safe(f'<select name="{escape(name)}"{attributes}>{options}</select>')  # noqa: S308


class RootCauseField(forms.ModelChoiceField):
    def label_from_instance(self, obj: RootCause) -> str:
        return obj.label


class StaffField(forms.ModelChoiceField):
    widget = QuickSelect

    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name()


def _root_causes() -> QuerySet[RootCause]:
    return RootCause.objects.filter(active=True).order_by("position", "name")


def _staff() -> QuerySet[User]:
    return User.objects.filter(is_active=True, role__in=sorted(User.STAFF_ROLES)).order_by(
        "first_name", "last_name", "id"
    )


class ClaimFilterForm(forms.Form):
    """The list's filter: open claims (the default), every claim, or one status."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Open")), ("all", _("All")), *Claim.Status.choices],
    )

    def params(self) -> dict[str, str]:
        return (
            {name: str(value) for name, value in self.cleaned_data.items() if value} if self.is_bound else {}
        )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AnalysisForm(forms.Form):
    root_cause = RootCauseField(label=_("Root cause"), queryset=RootCause.objects.none(), required=False)
    responsible = StaffField(label=_("Responsible person"), queryset=User.objects.none(), required=False)
    responsible_team = forms.CharField(label=_("Responsible team"), required=False, max_length=120)
    preventive_action = forms.CharField(
        label=_("Preventive action"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What changes so that it does not happen again."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["root_cause"].queryset = _root_causes()  # type: ignore[attr-defined]
        self.fields["responsible"].queryset = _staff()  # type: ignore[attr-defined]


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    root_cause = RootCauseField(label=_("Root cause"), queryset=RootCause.objects.none(), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["root_cause"].queryset = _root_causes()  # type: ignore[attr-defined]


class ActionForm(forms.Form):
    description = forms.CharField(
        label=_("What to do"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    owner = StaffField(label=_("Owner"), queryset=User.objects.none(), required=False)
    due_date = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _staff()  # type: ignore[attr-defined]


class GoodwillForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the agency gives"), choices=Goodwill.Kind.choices)
    amount = forms.DecimalField(
        label=_("Amount"), required=False, min_value=Decimal("0.01"), max_digits=14, decimal_places=2
    )
    hours = forms.DecimalField(
        label=_("Free hours"), required=False, min_value=Decimal("0.25"), max_digits=6, decimal_places=2
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class FileForm(forms.Form):
    file = forms.FileField(label=_("File"))


class ReasonField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ReasonCode) -> str:
        return obj.label


class ClientField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Client) -> str:
        return obj.display_name


class ClaimForm(forms.Form):
    """A claim the AM records after a call, an email or a meeting."""

    client = ClientField(label=_("Client"), queryset=Client.objects.none())
    reason = ReasonField(label=_("Reason"), queryset=ReasonCode.objects.none())
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.NORMAL)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("What the client says"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    received_at = forms.DateTimeField(
        label=_("Received"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("When the client raised it, if earlier than now: the SLA counts from then."),
    )
    file = forms.FileField(label=_("File"), required=False)

    def __init__(self, *args: Any, clients: QuerySet[Client], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients.order_by("display_name", "id")  # type: ignore[attr-defined]
        self.fields["reason"].queryset = ReasonCode.objects.filter(active=True).order_by(  # type: ignore[attr-defined]
            "position", "name"
        )
