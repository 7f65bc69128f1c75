"""Clients and the relationship with them.

A ``Client`` is a company the agency works for, owned by one account manager (with a backup).
Its ``Contact`` rows are the stakeholders: who decides, who champions, who pays, and how they
feel about us. An ``Interaction`` is a touch (call, email, meeting, visit, note) with an optional
next step that lands on the AM's Today board when it falls due.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Sentiment(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=40, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Client(models.Model):
    """A company the agency works for."""

    class Status(models.TextChoices):
        PROSPECT = "prospect", _("Prospect")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        CHURNED = "churned", _("Churned")

    class Segment(models.TextChoices):
        SMALL = "small", _("Small business")
        MID = "mid", _("Mid-market")
        ENTERPRISE = "enterprise", _("Enterprise")
        PUBLIC = "public", _("Public sector")
        NONPROFIT = "nonprofit", _("Non-profit")

    display_name = models.CharField(_("display name"), max_length=120)
    legal_name = models.CharField(_("legal name"), max_length=200)
    tax_id = models.CharField(_("tax id"), max_length=32, blank=True, help_text=_("GSTIN, VAT number…"))
    country = models.CharField(_("country"), max_length=2, default="IN", help_text=_("ISO 3166 code"))
    currency = models.CharField(_("currency"), max_length=3, default="INR", help_text=_("ISO 4217 code"))
    billing_address = models.TextField(_("billing address"), blank=True)
    segment = models.CharField(_("segment"), max_length=16, choices=Segment.choices, default=Segment.SMALL)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="clients")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PROSPECT)
    status_since = models.DateField(_("status since"), default=dt.date.today)
    partnership_since = models.DateField(_("partnership since"), null=True, blank=True)
    churned_on = models.DateField(_("churned on"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        on_delete=models.PROTECT,
        related_name="owned_clients",
    )
    backup = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("backup account manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="backed_up_clients",
    )
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms (days)"), default=30, validators=[MaxValueValidator(365)]
    )
    last_touch_at = models.DateTimeField(_("last touch"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # The latest health score (0–100) and its band, kept here for sorting the list; written only by
    # ``client_health_set_bulk`` from the daily health job. ``None``: not computed yet.
    health_score = models.PositiveSmallIntegerField(_("health"), null=True, blank=True)
    health_band = models.CharField(_("health band"), max_length=5, blank=True)

    class Meta:
        ordering = ["display_name", "id"]
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        constraints = [
            models.UniqueConstraint("tax_id", name="client_tax_id_unique", condition=~models.Q(tax_id="")),
            models.UniqueConstraint(Lower("legal_name"), name="client_legal_name_unique"),
            models.CheckConstraint(
                condition=models.Q(payment_terms_days__lte=365), name="client_payment_terms_range"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["prospect", "active", "paused", "churned"]),
                name="client_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "display_name", "id"], name="client_owner_name"),
            models.Index(fields=["backup", "display_name", "id"], name="client_backup_name"),
            # The client list sorts by the case-folded name (with status first when asked); the API by
            # the name as typed.
            models.Index(Lower("display_name"), "id", name="client_name_key"),
            models.Index("status", Lower("display_name"), "id", name="client_status_name_key"),
            models.Index(fields=["display_name", "id"], name="client_name"),
            models.Index(fields=["last_touch_at"], name="client_last_touch"),
            models.Index(fields=["health_score", "id"], name="client_health"),
        ]

    def __str__(self) -> str:
        return self.display_name

    # Django's get_FOO_display rebuilds a dict of the choices on every call; a list page calls these
    # a hundred times, so the label comes straight from the enum.
    def get_status_display(self) -> str:  # type: ignore[no-redef]
        return str(self.Status(self.status).label)

    def get_segment_display(self) -> str:  # type: ignore[no-redef]
        try:
            return str(self.Segment(self.segment).label)
        except ValueError:
            return self.segment

    def is_untouched_since(self, since: dt.datetime) -> bool:
        return self.last_touch_at is None or self.last_touch_at < since


class Contact(models.Model):
    """A person at the client: a stakeholder of the relationship."""

    class Role(models.TextChoices):
        DECISION_MAKER = "decision_maker", _("Decision maker")
        CHAMPION = "champion", _("Champion")
        PAYER = "payer", _("Payer")
        APPROVER = "approver", _("Approver")
        DAY_TO_DAY = "day_to_day", _("Day-to-day")
        USER = "user", _("User")

    class Influence(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="contacts"
    )
    full_name = models.CharField(_("name"), max_length=150)
    position = models.CharField(_("position"), max_length=120, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    role = models.CharField(
        _("stakeholder role"), max_length=16, choices=Role.choices, default=Role.DAY_TO_DAY
    )
    influence = models.CharField(
        _("influence"), max_length=8, choices=Influence.choices, default=Influence.MEDIUM
    )
    sentiment = models.CharField(
        _("sentiment"), max_length=8, choices=Sentiment.choices, default=Sentiment.NEUTRAL
    )
    last_touch_at = models.DateTimeField(_("last touch"), null=True, blank=True)
    portal_access = models.BooleanField(_("portal access"), default=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact",
    )

    class Meta:
        ordering = ["full_name", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(
                "client", Lower("email"), name="contact_email_per_client", condition=~models.Q(email="")
            ),
        ]

    def __str__(self) -> str:
        return self.full_name


class Interaction(models.Model):
    """A touch with the client, with an optional next step."""

    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        EMAIL = "email", pgettext_lazy("interaction kind", "Email")
        MEETING = "meeting", _("Meeting")
        VISIT = "visit", _("Visit")
        NOTE = "note", _("Note")

    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="interactions"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.CALL)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    contacts = models.ManyToManyField(
        Contact, verbose_name=_("contacts"), blank=True, related_name="interactions"
    )
    summary = models.TextField(_("summary"))
    sentiment = models.CharField(
        _("sentiment"), max_length=8, choices=Sentiment.choices, default=Sentiment.NEUTRAL
    )
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    next_step_due = models.DateField(_("next step due"), null=True, blank=True)
    next_step_done_at = models.DateTimeField(_("next step done"), null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
    )
    created_at = models.DateTimeField(_("logged"), auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(next_step_due__isnull=True) | ~models.Q(next_step=""),
                name="interaction_due_needs_step",
            ),
        ]
        indexes = [
            models.Index(fields=["client", "-occurred_at", "-id"], name="interaction_client_at"),
            models.Index(
                fields=["next_step_due"],
                name="interaction_open_steps",
                condition=models.Q(next_step_done_at__isnull=True, next_step_due__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.occurred_at:%Y-%m-%d}"

    @property
    def has_open_step(self) -> bool:
        return bool(self.next_step) and self.next_step_done_at is None

    def is_step_due(self, today: dt.date) -> bool:
        return self.has_open_step and self.next_step_due is not None and self.next_step_due <= today
