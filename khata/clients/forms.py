"""Forms of the client pages. They only parse input; the services decide what is valid.

A service's ``ClientError`` carries field errors like a form's: ``apply_service_errors`` (in
``khata.core.forms``) puts them next to the fields they belong to.
"""

from __future__ import annotations

import functools
from typing import Any

from babel import Locale
from babel.numbers import get_currency_name, list_currencies
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext_lazy as _

from khata.clients.models import Client, Contact, Interaction, Sentiment
from khata.clients.selectors import account_manager_choices, client_visible_to
from khata.people.models import User

MAX_IMPORT_BYTES = 5 * 1024 * 1024


def _babel_locale() -> Locale:
    try:
        return Locale.parse(to_locale(get_language() or "en"))
    except (ValueError, TypeError):
        return Locale("en")


@functools.cache
def _country_choices(locale: str) -> list[tuple[str, str]]:
    names = Locale.parse(locale).territories
    codes = (str(code) for code in names if len(str(code)) == 2 and str(code).isalpha())
    return sorted(((code, f"{names[code]} ({code})") for code in codes), key=lambda item: item[1].lower())


@functools.cache
def _currency_choices(locale: str) -> list[tuple[str, str]]:
    return sorted((code, f"{code} — {get_currency_name(code, locale=locale)}") for code in list_currencies())


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name()


class ClientForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=120)
    legal_name = forms.CharField(label=_("Legal name"), max_length=200)
    tax_id = forms.CharField(
        label=_("Tax id"), max_length=32, required=False, help_text=_("GSTIN, VAT number…")
    )
    country = forms.ChoiceField(label=_("Country"))
    currency = forms.ChoiceField(label=_("Currency"))
    status = forms.ChoiceField(label=_("Status"), choices=Client.Status.choices)
    segment = forms.ChoiceField(label=_("Segment"), choices=Client.Segment.choices)
    owner = PersonChoiceField(label=_("Account manager"), queryset=User.objects.none())
    backup = PersonChoiceField(
        label=_("Backup account manager"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("No backup"),
    )
    payment_terms_days = forms.IntegerField(
        label=_("Payment terms (days)"), min_value=0, max_value=365, initial=30
    )
    partnership_since = forms.DateField(
        label=_("Partnership since"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=500, help_text=_("Separate tags with commas.")
    )
    billing_address = forms.CharField(
        label=_("Billing address"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, may_reassign: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        locale = str(_babel_locale())
        country: forms.ChoiceField = self.fields["country"]  # type: ignore[assignment]
        currency: forms.ChoiceField = self.fields["currency"]  # type: ignore[assignment]
        country.choices = _country_choices(locale)
        currency.choices = _currency_choices(locale)
        people = account_manager_choices()
        backup: PersonChoiceField = self.fields["backup"]  # type: ignore[assignment]
        backup.queryset = people
        if may_reassign:
            owner: PersonChoiceField = self.fields["owner"]  # type: ignore[assignment]
            owner.queryset = people
        else:
            # Only the head moves a client to another AM; everyone else keeps the owner as it is.
            del self.fields["owner"]

    @staticmethod
    def initial_for(client: Client) -> dict[str, Any]:
        return {
            "display_name": client.display_name,
            "legal_name": client.legal_name,
            "tax_id": client.tax_id,
            "country": client.country,
            "currency": client.currency,
            "status": client.status,
            "segment": client.segment,
            "owner": client.owner_id,
            "backup": client.backup_id,
            "payment_terms_days": client.payment_terms_days,
            "partnership_since": client.partnership_since,
            "tags": ", ".join(tag.name for tag in client.tags.all()),
            "billing_address": client.billing_address,
        }

    def service_values(self) -> dict[str, Any]:
        """The cleaned values as the client services take them (tags apart)."""
        values = {name: value for name, value in self.cleaned_data.items() if name != "tags"}
        values["tax_id"] = values.get("tax_id") or ""
        return values

    def tag_names(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data.get("tags", "").split(",") if name.strip()]


class ContactForm(forms.Form):
    full_name = forms.CharField(label=_("Name"), max_length=150)
    position = forms.CharField(label=_("Position"), max_length=120, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    role = forms.ChoiceField(label=_("Stakeholder role"), choices=Contact.Role.choices)
    influence = forms.ChoiceField(label=_("Influence"), choices=Contact.Influence.choices)
    sentiment = forms.ChoiceField(label=_("Sentiment"), choices=Sentiment.choices)
    language = forms.ChoiceField(label=_("Preferred language"), choices=settings.LANGUAGES)
    portal_access = forms.BooleanField(
        label=_("Portal access"),
        required=False,
        help_text=_("The contact signs in to the client portal with a one-time code sent to their email."),
    )

    @staticmethod
    def initial_for(contact: Contact) -> dict[str, Any]:
        return {
            name: getattr(contact, name)
            for name in (
                "full_name",
                "position",
                "email",
                "phone",
                "role",
                "influence",
                "sentiment",
                "language",
                "portal_access",
            )
        }

    def service_values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class ContactChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Contact) -> str:
        return f"{obj.full_name} · {obj.position}" if obj.position else obj.full_name


class InteractionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Interaction.Kind.choices)
    occurred_at = forms.DateTimeField(
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    contacts = ContactChoiceField(
        label=_("Contacts"),
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checkbox-list"}),
    )
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}))
    sentiment = forms.ChoiceField(label=_("Sentiment"), choices=Sentiment.choices, initial=Sentiment.NEUTRAL)
    next_step = forms.CharField(label=_("Next step"), max_length=200, required=False)
    next_step_due = forms.DateField(
        label=_("Next step due"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only this client's people can have taken part.
        contacts: ContactChoiceField = self.fields["contacts"]  # type: ignore[assignment]
        contacts.queryset = client.contacts.order_by("full_name", "id")
        if not self.is_bound and "occurred_at" not in self.initial:
            self.initial["occurred_at"] = timezone.localtime().replace(second=0, microsecond=0)

    @staticmethod
    def initial_for(interaction: Interaction) -> dict[str, Any]:
        return {
            "kind": interaction.kind,
            "occurred_at": timezone.localtime(interaction.occurred_at),
            "contacts": [contact.pk for contact in interaction.contacts.all()],
            "summary": interaction.summary,
            "sentiment": interaction.sentiment,
            "next_step": interaction.next_step,
            "next_step_due": interaction.next_step_due,
        }

    def service_values(self) -> dict[str, Any]:
        values = dict(self.cleaned_data)
        values["contacts"] = list(values.get("contacts") or [])
        return values


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        required=False,
        help_text=_("UTF-8 CSV, at most 5 MB. The first line names the columns."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    # A file already checked once: the "Import" button after a "Check" sends this instead.
    token = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload is None:
            return None
        if not upload.name.lower().endswith(".csv"):
            raise ValidationError(_("Choose a .csv file."), code="extension")
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(_("The file is larger than 5 MB."), code="size")
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("file") and not cleaned.get("token") and not self.errors:
            self.add_error("file", _("Choose a CSV file to import."))
        return cleaned


# ---------- the client filter of the lists (documents, invoices) ----------

# Above this many clients the client filter is a name search: a page never lists 20,000 names.
CLIENTS_LISTED = 200


def client_filter_setup(form: forms.Form, values: dict[str, Any], user: User) -> None:
    """The client filter: a list of the user's clients when they are few, a name search when many.

    With many, a link's client id (``?client=12``) is kept in a hidden field and its name shown in the
    search box; typing another name searches by name instead.
    """
    # (id, name) pairs, not model instances, read unsorted (an AM's thousands of clients are not
    # sorted to keep 201 of them) and sorted here when they are few enough to list.
    visible = client_visible_to(user).order_by().values_list("id", "display_name")
    clients = list(visible[: CLIENTS_LISTED + 1])
    field = form.fields["client"]
    form.many_clients = len(clients) > CLIENTS_LISTED  # type: ignore[attr-defined]
    if not form.many_clients:  # type: ignore[attr-defined]
        clients.sort(key=lambda pair: (pair[1].casefold(), pair[1], pair[0]))
        field.choices = [("", _("Any client")), *clients]  # type: ignore[attr-defined]
        return
    raw = str(values.get("client") or "")
    chosen = visible.filter(pk=int(raw)).first() if raw.isdigit() else None
    field.widget = forms.HiddenInput()
    field.choices = [("", ""), *([chosen] if chosen else [])]  # type: ignore[attr-defined]
    form.fields["client_name"] = forms.CharField(
        label=_("Client"),
        required=False,
        max_length=120,
        widget=forms.TextInput(attrs={"placeholder": _("Name or part of it"), "autocomplete": "off"}),
    )
    if chosen is not None and not values.get("client_name"):
        values["client_name"] = chosen[1]
    names = list(form.fields)
    names.remove("client_name")
    names.insert(names.index("client"), "client_name")
    form.order_fields(names)


def client_filter_clean(form: forms.Form, cleaned: dict[str, Any]) -> None:
    """A name typed over the linked client's searches by name."""
    name = (cleaned.get("client_name") or "").strip()
    chosen = cleaned.get("client")
    if name and chosen is not None:
        label = dict(form.fields["client"].choices).get(chosen)  # type: ignore[attr-defined]
        if label != name:
            cleaned["client"] = None
    cleaned["client_name"] = name if cleaned.get("client") is None else ""
