"""The head's form for the agency's details. It only collects what was typed; ``agency_update``
checks the colour and the logo and decides what is stored."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from khata.core.models import Agency


class AgencyForm(forms.ModelForm):
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("A PNG or JPEG picture, up to 2 MB; it prints at the top left of every document."),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    logo_remove = forms.BooleanField(label=_("Remove the logo"), required=False)

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
        help_texts = {
            "accent_colour": _("Headings and rules of the documents: # and six hexadecimal digits."),
            "document_footer": _("Printed at the foot of every page; empty: the legal name and website."),
            "terms": _("The default terms printed on contracts and acts."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The colour is checked by the service with a message of its own.
        colour = self.fields["accent_colour"]
        assert isinstance(colour, forms.CharField)
        colour.max_length = None
        colour.validators = []

    def values(self) -> dict[str, Any]:
        """The typed text fields, for ``agency_update``."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
