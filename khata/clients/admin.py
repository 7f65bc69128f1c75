"""Clients, contacts and interactions in the back office.

Saves go through the same services as the workspace, so the same rules hold (an active AM owns
each client, a valid tax id, contacts of the right client…) and every change lands on the
timeline. A form is checked by running its write in a transaction that is rolled back, so a
broken rule shows as a field error instead of a failed save. Nothing is deleted here: a client
leaves by being churned.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.http import HttpRequest

from khata.clients.models import Client, Contact, Interaction, Tag
from khata.clients.services import (
    CLIENT_FIELDS,
    CONTACT_FIELDS,
    ClientError,
    client_create,
    client_update,
    contact_create,
    contact_update,
    interaction_log,
    interaction_update,
)
from khata.core.admin import EventRecordingAdmin
from khata.core.forms import apply_service_errors
from khata.people.models import User

INTERACTION_FIELDS = ("kind", "occurred_at", "summary", "sentiment", "next_step", "next_step_due")


class _DryRun(Exception):
    """Rolls back a write made only to check the form."""


class ServiceForm(forms.ModelForm):
    """A model form whose save is a service call; the service's errors become field errors."""

    admin_site_model: ClassVar[ServiceAdmin]
    admin_user: ClassVar[User]

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            with transaction.atomic():
                self.admin_site_model.write(self, self.admin_user)
                raise _DryRun
        except _DryRun:
            pass
        except ClientError as error:
            apply_service_errors(self, error)
        return cleaned


class ServiceAdmin(admin.ModelAdmin):
    """Saves through a service (see ``write``); no deletes."""

    def write(self, form: forms.ModelForm, by: User) -> models.Model:
        """Each subclass saves through its domain's service; a subclass that forgets is misconfigured."""
        raise ImproperlyConfigured(f"{type(self).__name__} must say which service saves its model.")

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        kwargs.setdefault("form", ServiceForm)
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"admin_site_model": self, "admin_user": request.user})

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = self.write(form, request.user)  # type: ignore[arg-type]
        obj.pk = saved.pk
        obj._state.adding = False

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The service has set the many-to-many fields already."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Client)
class ClientAdmin(ServiceAdmin):
    list_display = ("display_name", "status", "owner", "backup", "segment", "last_touch_at")
    list_filter = ("status", "segment", "country")
    list_select_related = ("owner", "backup")
    search_fields = ("display_name", "legal_name", "tax_id")
    autocomplete_fields = ("owner", "backup")
    filter_horizontal = ("tags",)
    show_full_result_count = False
    fields = (*CLIENT_FIELDS, "tags")

    def write(self, form: forms.ModelForm, by: User) -> Client:
        data = {name: form.cleaned_data[name] for name in CLIENT_FIELDS if name in form.cleaned_data}
        tags = list(form.cleaned_data.get("tags") or [])
        if form.instance.pk:
            return client_update(client=form.instance, by=by, tags=tags, **data)
        return client_create(by=by, tags=tags, **data)


@admin.register(Contact)
class ContactAdmin(ServiceAdmin):
    list_display = ("full_name", "client", "role", "email", "portal_access", "last_touch_at")
    list_filter = ("role", "portal_access", "influence", "sentiment")
    list_select_related = ("client",)
    search_fields = ("full_name", "email", "client__display_name")
    autocomplete_fields = ("client",)
    show_full_result_count = False

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("client", *CONTACT_FIELDS, "portal_access")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("client",) if obj is not None else ()

    def write(self, form: forms.ModelForm, by: User) -> Contact:
        data = {name: form.cleaned_data[name] for name in CONTACT_FIELDS if name in form.cleaned_data}
        portal_access = bool(form.cleaned_data.get("portal_access"))
        if form.instance.pk:
            return contact_update(contact=form.instance, by=by, portal_access=portal_access, **data)
        return contact_create(client=form.cleaned_data["client"], by=by, portal_access=portal_access, **data)


@admin.register(Interaction)
class InteractionAdmin(ServiceAdmin):
    list_display = ("occurred_at", "client", "kind", "next_step", "next_step_due", "next_step_done_at", "by")
    list_filter = ("kind", "sentiment")
    list_select_related = ("client", "by")
    search_fields = ("summary", "next_step", "client__display_name")
    autocomplete_fields = ("client",)
    filter_horizontal = ("contacts",)
    show_full_result_count = False

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("client", *INTERACTION_FIELDS, "contacts", "next_step_done_at", "by")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("client", "next_step_done_at", "by") if obj is not None else ("next_step_done_at", "by")

    def write(self, form: forms.ModelForm, by: User) -> Interaction:
        data = {name: form.cleaned_data[name] for name in INTERACTION_FIELDS if name in form.cleaned_data}
        contacts = list(form.cleaned_data.get("contacts") or [])
        if form.instance.pk:
            return interaction_update(interaction=form.instance, by=by, contacts=contacts, **data)
        return interaction_log(client=form.cleaned_data["client"], by=by, contacts=contacts, **data)


@admin.register(Tag)
class TagAdmin(EventRecordingAdmin):
    event_domain = "clients"
    list_display = ("name",)
    search_fields = ("name",)
