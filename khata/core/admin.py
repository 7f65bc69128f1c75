"""The back office: Django's admin, signed in through the same door as the workspace.

The admin's sign-in page sends people to Khata's own (rate limits, two-factor), and admin writes
leave timeline events like every other write. Timeline events themselves are read-only here.
"""

from __future__ import annotations

from typing import Any

from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from khata.core.models import Counter, Event
from khata.core.services import event_record

admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = format_lazy(_("{agency} back office"), agency=settings.KHATA_AGENCY_NAME)
admin.site.site_title = settings.KHATA_AGENCY_NAME
admin.site.index_title = _("Back office")


class EventRecordingAdmin(admin.ModelAdmin):
    """Leaves a timeline event for every save and delete made in the admin."""

    event_domain = "core"

    def _event_kind(self, verb: str) -> str:
        return f"{self.event_domain}.{self.model._meta.model_name}_{verb}"

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        event_record(
            kind=self._event_kind("changed" if change else "created"),
            summary=gettext_noop("%(model)s %(name)s changed in the back office")
            if change
            else gettext_noop("%(model)s %(name)s created in the back office"),
            params={"model": self.model._meta.verbose_name, "name": str(obj)},
            by=request.user,  # type: ignore[arg-type]  # the admin lets only signed-in staff in
            subject=obj,
            data={"fields": sorted(form.changed_data)},
        )

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        name, pk = str(obj), obj.pk
        super().delete_model(request, obj)
        event_record(
            kind=self._event_kind("deleted"),
            summary=gettext_noop("%(model)s %(name)s deleted in the back office"),
            params={"model": self.model._meta.verbose_name, "name": name},
            by=request.user,  # type: ignore[arg-type]  # the admin lets only signed-in staff in
            data={"id": pk},
        )

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """The timeline is append-only: nobody adds, changes or deletes an event, here or anywhere."""

    list_display = ("at", "kind", "client", "actor", "summary")
    list_select_related = ("client", "actor")
    list_filter = ("kind",)
    search_fields = ("summary", "kind")
    show_full_result_count = False
    readonly_fields = ("at", "actor", "client", "kind", "summary", "subject_type", "subject_id", "data")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Counter)
class CounterAdmin(admin.ModelAdmin):
    """Document number counters, to look at: a changed counter would break gapless numbering."""

    list_display = ("series", "year", "last")
    readonly_fields = ("series", "year", "last")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
