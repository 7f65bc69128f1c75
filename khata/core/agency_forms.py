"""The head's forms for the agency's details and holidays. They only collect what was typed;
``agency_update`` and ``holiday_add`` check it and decide what is stored."""

from __future__ import annotations

import functools
import zoneinfo
from typing import Any

from babel import Locale
from django import forms
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext_lazy as _

from khata.core.agency import country_codes, working_days_of
from khata.core.models import Agency

# Monday is 0, as Python's weekday() and the stored value count.
WEEKDAYS = [
    ("0", _("Monday")),
    ("1", _("Tuesday")),
    ("2", _("Wednesday")),
    ("3", _("Thursday")),
    ("4", _("Friday")),
    ("5", _("Saturday")),
    ("6", _("Sunday")),
]
# Typed on the page but checked by the service, so they are not model fields of the form: a bad
# value never reaches the instance (whose constraints would answer first, with a vaguer message).
CALENDAR_FIELDS = (
    "country",
    "bank_name",
    "bank_account_name",
    "bank_account_number",
    "bank_code",
    "time_zone",
    "working_days",
    "work_starts",
    "work_ends",
)


@functools.cache
def country_choices(locale: str) -> list[tuple[str, str]]:
    """Every country as (code, "Name (CODE)") in the reader's language, by name."""
    try:
        names = Locale.parse(locale).territories
    except (ValueError, TypeError):
        names = Locale("en").territories
    return sorted(
        ((code, f"{names.get(code, code)} ({code})") for code in country_codes()),
        key=lambda item: item[1].lower(),
    )


@functools.cache
def time_zone_choices() -> list[tuple[str, str]]:
    zones = sorted(name for name in zoneinfo.available_timezones() if "/" in name or name == "UTC")
    return [(name, name.replace("_", " ")) for name in zones]


class AgencyForm(forms.ModelForm):
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("A PNG or JPEG picture, up to 2 MB; it prints at the top left of every document."),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    logo_remove = forms.BooleanField(label=_("Remove the logo"), required=False)
    country = forms.CharField(label=_("Country"), widget=forms.Select)
    bank_name = forms.CharField(label=_("Bank"), max_length=100, required=False)
    bank_account_name = forms.CharField(label=_("Account holder"), max_length=140, required=False)
    bank_account_number = forms.CharField(
        label=_("Account number or IBAN"),
        max_length=50,
        required=False,
        help_text=_("An IBAN is checked by its check digits."),
    )
    bank_code = forms.CharField(
        label=_("IFSC or BIC"),
        max_length=20,
        required=False,
        help_text=_("IFSC for an Indian account (HDFC0000123), BIC for an IBAN (DEUTDEFF500)."),
    )
    time_zone = forms.CharField(label=_("Time zone"), widget=forms.Select)
    working_days = forms.MultipleChoiceField(
        label=_("Working days"),
        choices=WEEKDAYS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    work_starts = forms.TimeField(
        label=_("Working day starts"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    work_ends = forms.TimeField(
        label=_("Working day ends"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Deadlines and reply clocks count only these hours of the working days."),
    )

    class Meta:
        model = Agency
        fields = [
            "name",
            "legal_name",
            "tax_id",
            "registration_number",
            "email",
            "phone",
            "website",
            "accent_colour",
            "address",
            "bank_details",
            "document_footer",
            "terms",
        ]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "bank_details": forms.Textarea(attrs={"rows": 3}),
            "document_footer": forms.Textarea(attrs={"rows": 2}),
            "terms": forms.Textarea(attrs={"rows": 4}),
            "accent_colour": forms.TextInput(attrs={"pattern": "#[0-9A-Fa-f]{6}", "placeholder": "#1F4E79"}),
        }
        labels = {"bank_details": _("Other payment details")}
        help_texts = {
            "accent_colour": _("Headings and rules of the documents: # and six hexadecimal digits."),
            "document_footer": _("Printed at the foot of every page; empty: the legal name and website."),
            "terms": _("The default terms printed on contracts and acts."),
            "bank_details": _("Printed under the bank account, for anything the fields above do not hold."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The colour is checked by the service with a message of its own.
        colour = self.fields["accent_colour"]
        assert isinstance(colour, forms.CharField)
        colour.max_length = None
        colour.validators = []
        agency = self.instance
        locale = to_locale(get_language() or "en")
        self.fields["country"].widget.choices = country_choices(locale)
        self.fields["time_zone"].widget.choices = time_zone_choices()
        for name in CALENDAR_FIELDS:
            self.initial.setdefault(name, getattr(agency, name))
        self.initial["working_days"] = [str(day) for day in working_days_of(agency)]

    def values(self) -> dict[str, Any]:
        """The typed fields, for ``agency_update``."""
        names = [*self.Meta.fields, *CALENDAR_FIELDS]
        return {name: self.cleaned_data[name] for name in names}


class HolidayForm(forms.Form):
    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Give the holiday's date.")},
    )
    name = forms.CharField(
        label=_("Holiday"),
        max_length=120,
        widget=forms.TextInput(attrs={"placeholder": _("Diwali")}),
        error_messages={"required": _("Name the holiday.")},
    )
