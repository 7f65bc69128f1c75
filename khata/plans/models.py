"""Projects and the work plans agreed for them by both sides.

A ``Project`` belongs to one client and moves through stages (brief, planning, production,
acceptance, done; on hold and cancelled beside them). Its work plan has numbered ``PlanVersion``
rows: the AM drafts one, proposes it, the client's approver answers each ``PlanItem`` with an
``ItemDecision`` (accept, counter, reject) and may add ``ClientRequest`` rows of its own. A version
is **agreed** when both sides hold an ``Approval`` on it; it is then the frozen baseline, and only a
change request (a new draft based on it) changes the plan again.

Money is kept as integer minor units in the client's currency (``Client.currency``). Estimates are
integer minutes (``estimate_minutes``): exact on SQLite, where a ``DecimalField`` is a float; shown
as hours by ``PlanItem.estimate_hours``. An item's ``key`` stays the same when a version is copied,
so the differences between two versions match "the same item" across them.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Origin(models.TextChoices):
    COMPANY = "company", _("Required by the company")
    CLIENT = "client", _("Requested by the client")


class Project(models.Model):
    """A piece of work for one client, run by one AM."""

    class Stage(models.TextChoices):
        BRIEF = "brief", _("Brief")
        PLANNING = "planning", _("Planning")
        PRODUCTION = "production", _("Production")
        ACCEPTANCE = "acceptance", _("Acceptance")
        DONE = "done", _("Done")
        ON_HOLD = "on_hold", _("On hold")
        CANCELLED = "cancelled", _("Cancelled")

    client = models.ForeignKey(
        "clients.Client", verbose_name=_("client"), on_delete=models.PROTECT, related_name="projects"
    )
    name = models.CharField(_("name"), max_length=200)
    services = models.CharField(
        _("services"), max_length=200, blank=True, help_text=_("SEO, contextual advertising, copywriting…")
    )
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.BRIEF)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    budget_minor = models.BigIntegerField(_("budget"), null=True, blank=True)
    budget_hours = models.PositiveIntegerField(_("budget in hours"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        on_delete=models.PROTECT,
        related_name="owned_projects",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_date__isnull=True)
                | models.Q(target_date__isnull=True)
                | models.Q(target_date__gte=models.F("start_date")),
                name="project_target_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(budget_minor__isnull=True) | models.Q(budget_minor__gte=0),
                name="project_budget_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    stage__in=[
                        "brief",
                        "planning",
                        "production",
                        "acceptance",
                        "done",
                        "on_hold",
                        "cancelled",
                    ]
                ),
                name="project_stage_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "stage", "id"], name="project_owner_stage"),
            models.Index(fields=["client", "stage", "id"], name="project_client_stage"),
            # The portfolio's stage lists, in target-date order, stop after their first rows.
            models.Index(fields=["stage", "target_date", "name", "id"], name="project_stage_target"),
        ]

    def __str__(self) -> str:
        return self.name


class PlanVersion(models.Model):
    """One numbered version of a project's work plan."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PROPOSED = "proposed", _("Proposed")
        AGREED = "agreed", _("Agreed")
        SUPERSEDED = "superseded", _("Superseded")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="plan_versions"
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    based_on = models.ForeignKey(
        "self",
        verbose_name=_("based on"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="successors",
    )
    note = models.TextField(_("note"), blank=True)
    # When it was put before the client: how long a plan has waited for the client's answer.
    proposed_at = models.DateTimeField(_("proposed"), null=True, blank=True)

    class Meta:
        ordering = ["project", "-number"]
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="planversion_number_per_project"),
            # The baseline: at most one agreed version per project at a time.
            models.UniqueConstraint(
                fields=["project"], condition=models.Q(status="agreed"), name="planversion_one_agreed"
            ),
            # One version being drafted, one before the client, at a time.
            models.UniqueConstraint(
                fields=["project"], condition=models.Q(status="draft"), name="planversion_one_draft"
            ),
            models.UniqueConstraint(
                fields=["project"], condition=models.Q(status="proposed"), name="planversion_one_proposed"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "proposed", "agreed", "superseded"]),
                name="planversion_status_valid",
            ),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="planversion_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} v{self.number}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class PlanItem(models.Model):
    """One deliverable of a plan version, with its estimate, date and price."""

    version = models.ForeignKey(
        PlanVersion, verbose_name=_("plan version"), on_delete=models.CASCADE, related_name="items"
    )
    key = models.UUIDField(_("key"), default=uuid.uuid4, editable=False)
    deliverable = models.CharField(_("deliverable"), max_length=200)
    specialty = models.ForeignKey(
        "people.Specialty",
        verbose_name=_("specialty"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    estimate_minutes = models.PositiveIntegerField(_("estimate (minutes)"), default=0)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    price_minor = models.BigIntegerField(_("price"), default=0)
    origin = models.CharField(_("origin"), max_length=8, choices=Origin.choices, default=Origin.COMPANY)

    class Meta:
        ordering = ["version", "id"]
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="planitem_key_per_version"),
            models.CheckConstraint(
                condition=models.Q(price_minor__gte=0), name="planitem_price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(origin__in=["company", "client"]), name="planitem_origin_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.deliverable

    @property
    def estimate_hours(self) -> Decimal:
        return (Decimal(self.estimate_minutes) / 60).quantize(Decimal("0.01"))


class ItemDecision(models.Model):
    """The client's answer to one item of a proposed version; the latest one per item counts."""

    class Decision(models.TextChoices):
        ACCEPT = "accept", _("Accepted")
        COUNTER = "counter", _("Countered")
        REJECT = "reject", _("Rejected")

    item = models.ForeignKey(
        PlanItem, verbose_name=_("plan item"), on_delete=models.CASCADE, related_name="decisions"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices)
    comment = models.TextField(_("comment"), blank=True)
    proposed_price_minor = models.BigIntegerField(_("proposed price"), null=True, blank=True)
    proposed_due_date = models.DateField(_("proposed due date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["item", "-created_at", "-id"]
        verbose_name = _("item decision")
        verbose_name_plural = _("item decisions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decision__in=["accept", "counter", "reject"]), name="itemdecision_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(proposed_price_minor__isnull=True) | models.Q(proposed_price_minor__gte=0),
                name="itemdecision_price_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.decision}"


class ClientRequest(models.Model):
    """Something the client's approver asks to add to a proposed plan.

    The AM answers it: either with an item of origin "client" in the draft (``answered_by`` links
    that item, ``item_key`` follows it across later versions) or by declining it with a comment the
    client reads in the portal.
    """

    class Answer(models.TextChoices):
        ADDED = "added", _("Added to the plan")
        DECLINED = "declined", _("Declined")

    version = models.ForeignKey(
        PlanVersion, verbose_name=_("plan version"), on_delete=models.CASCADE, related_name="requests"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    deliverable = models.CharField(_("deliverable"), max_length=200)
    comment = models.TextField(_("comment"), blank=True)
    proposed_price_minor = models.BigIntegerField(_("proposed price"), null=True, blank=True)
    proposed_due_date = models.DateField(_("proposed due date"), null=True, blank=True)
    answered_by = models.ForeignKey(
        PlanItem,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="answers",
    )
    answer = models.CharField(_("answer"), max_length=8, choices=Answer.choices, blank=True)
    answer_comment = models.TextField(_("answer comment"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    item_key = models.UUIDField(_("item key"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["version", "id"]
        verbose_name = _("client request")
        verbose_name_plural = _("client requests")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(proposed_price_minor__isnull=True) | models.Q(proposed_price_minor__gte=0),
                name="clientrequest_price_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(answer__in=["", "added", "declined"]), name="clientrequest_answer_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.deliverable

    @property
    def is_answered(self) -> bool:
        return bool(self.answer) or self.answered_by_id is not None


class Approval(models.Model):
    """One side's approval of one plan version; both sides on the same version agree the plan."""

    class Side(models.TextChoices):
        COMPANY = "company", _("Company")
        CLIENT = "client", _("Client")

    version = models.ForeignKey(
        PlanVersion, verbose_name=_("plan version"), on_delete=models.CASCADE, related_name="approvals"
    )
    side = models.CharField(_("side"), max_length=8, choices=Side.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["version", "side"]
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        constraints = [
            models.UniqueConstraint(fields=["version", "side"], name="approval_one_per_side"),
            models.CheckConstraint(
                condition=models.Q(side__in=["company", "client"]), name="approval_side_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version_id}: {self.side}"
