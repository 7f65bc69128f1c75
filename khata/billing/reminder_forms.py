"""Forms of the reminder settings, a client's billing settings and promises to pay. They only parse
input; the billing services decide what is valid and their field errors show beside the field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from khata.billing.models import REMINDER_DAYS_MAX, REMINDER_DAYS_MIN, ReminderLevel
from khata.clients.models import Contact

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReminderLevelForm(forms.Form):
    """One reminder level: its day relative to the due date, an optional name, whether it is sent."""

    days = forms.IntegerField(
        label=_("Days after the due date"),
        min_value=REMINDER_DAYS_MIN,
        max_value=REMINDER_DAYS_MAX,
        help_text=_("-3 is three days before the due date, 0 the due date, 7 a week after it."),
    )
    name = forms.CharField(
        label=_("Name"), max_length=80, required=False, help_text=_("Leave empty to name it by its days.")
    )
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    @classmethod
    def initial_for(cls, level: ReminderLevel) -> dict[str, Any]:
        return {"days": level.days, "name": level.name, "active": level.active}


class BillingProfileForm(forms.Form):
    """How one client is billed."""

    requires_accepted_act = forms.BooleanField(
        label=_("Invoice only work the client has accepted in an act"), required=False
    )
    reminders_paused = forms.BooleanField(label=_("Pause payment reminders"), required=False)


class ContactChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Contact) -> str:
        return f"{obj.full_name} ({obj.get_role_display()})"


class PromiseForm(forms.Form):
    """A client's promise to pay part or all of an invoice by a date."""

    promised_on = forms.DateField(label=_("Pays by"), widget=DATE)
    amount = forms.DecimalField(
        label=_("Amount"), min_value=Decimal("0.01"), max_digits=16, decimal_places=2, localize=False
    )
    contact = ContactChoiceField(label=_("Promised by"), queryset=Contact.objects.none(), required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, contacts: QuerySet[Contact] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if contacts is not None:
            self.fields["contact"].queryset = contacts  # type: ignore[attr-defined]
