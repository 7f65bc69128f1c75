"""Shared mechanisms with no business nouns of their own.

``Event`` is the timeline: one row for every state change in any domain (who, what, when, and a
link to the subject). It is the relationship history and the audit trail at once, so rows are
never updated or deleted. ``Counter`` hands out gapless document numbers per series and year.
``ScheduledRun`` remembers which periodic job already ran for which due item.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from khata.core.texts import text_render


class EventQuerySet(models.QuerySet["Event"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("Timeline events are never changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("Timeline events are never deleted.")


class Event(models.Model):
    """One state change: the timeline of a client and the audit trail."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    client = models.ForeignKey(
        "clients.Client",
        verbose_name=_("client"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    kind = models.CharField(_("what"), max_length=64, db_index=True)
    summary = models.CharField(_("summary"), max_length=300)
    subject_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["client", "-at", "-id"], name="event_client_at"),
            # The timeline's filter lists the kinds a client's events have, without reading them all.
            models.Index(fields=["client", "kind"], name="event_client_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.summary}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("Timeline events are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("Timeline events are never deleted.")

    @property
    def display_summary(self) -> str:
        """The summary in the reader's language (events written before texts were kept: as stored)."""
        text = self.data.get("text") if isinstance(self.data, dict) else None
        if isinstance(text, dict) and isinstance(text.get("msg"), str):
            return text_render(text["msg"], text.get("params") or {})
        return self.summary

    @property
    def domain(self) -> str:
        return self.kind.split(".", 1)[0]


class Counter(models.Model):
    """The last number given in one series and year; locked while a number is taken."""

    series = models.CharField(max_length=8)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="counter_series_year")]

    def __str__(self) -> str:
        return f"{self.series}/{self.year}: {self.last}"


class Agency(models.Model):
    """The agency's own details, printed on the letterhead of its documents: one row, edited by the head."""

    SINGLETON = 1

    name = models.CharField(_("name"), max_length=120)
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    address = models.TextField(_("address"), blank=True)
    tax_id = models.CharField(_("tax id (GSTIN / VAT)"), max_length=40, blank=True)
    registration_number = models.CharField(_("registration number"), max_length=60, blank=True)
    country = models.CharField(
        _("country"), max_length=2, default="IN", help_text=_("Two-letter code, such as IN or DE.")
    )
    bank_details = models.TextField(_("bank details"), blank=True)
    # The same bank details as fields, for e-invoices and payment instructions.
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account_name = models.CharField(_("account holder"), max_length=140, blank=True)
    bank_account_number = models.CharField(_("account number or IBAN"), max_length=40, blank=True)
    bank_code = models.CharField(_("IFSC or BIC"), max_length=20, blank=True)
    # The working calendar: deadlines and SLA clocks count working hours only.
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Kolkata")
    working_days = models.CharField(
        _("working days"), max_length=13, default="0,1,2,3,4", help_text=_("Monday is 0, Sunday is 6.")
    )
    work_starts = models.TimeField(_("working day starts"), default=dt.time(9, 30))
    work_ends = models.TimeField(_("working day ends"), default=dt.time(18, 30))
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    # Stored under agency/ and served only through a staff view, never by its path.
    logo = models.FileField(_("logo"), upload_to="agency/", blank=True)
    logo_content_type = models.CharField(max_length=40, blank=True)
    accent_colour = models.CharField(_("accent colour"), max_length=7, default="#1F4E79")
    document_footer = models.TextField(_("document footer"), blank=True)
    terms = models.TextField(_("default terms"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agency")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="agency_singleton"),
            models.CheckConstraint(
                condition=models.Q(work_ends__gt=models.F("work_starts")), name="agency_working_day_order"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Holiday(models.Model):
    """A day the agency does not work: no working hours count on it."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class ScheduledRun(models.Model):
    """One periodic job's run for one due item (``khata scheduler``).

    The unique (job, key) pair is what makes a run happen once: a scheduler enqueues the job's task
    only when its insert of this row succeeds, so a second scheduler running at the same moment, or
    the same scheduler a minute later, finds the row and leaves the item alone.
    """

    job = models.CharField(max_length=100)
    key = models.CharField(max_length=200)
    enqueued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "key"], name="scheduledrun_job_key")]

    def __str__(self) -> str:
        return f"{self.job}: {self.key}"
