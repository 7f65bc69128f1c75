"""Production: the briefs that gather the client's information, and the tasks specialists do.

A ``BriefTemplate`` per service holds ordered ``BriefQuestion`` rows of several kinds; the AM sends
a ``Brief`` of a project to one client contact, who answers it in the portal (``BriefAnswer``, one
per question) and may save and come back before submitting it.

When a plan version is agreed each of its items becomes a ``Task`` (``plan_item`` links them, once
per item). A task is assigned to a specialist of its specialty and moves through to do, in
progress, in review and done; blocked beside them, on the client or on the team, with a reason.
Specialists log their time (``TimeLog``, integer minutes) and anyone on the task may comment.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BriefTemplate(models.Model):
    """The questions asked for one service (SEO, contextual advertising, copywriting…)."""

    service = models.SlugField(_("service"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["service", "name", "id"]
        verbose_name = _("brief template")
        verbose_name_plural = _("brief templates")

    def __str__(self) -> str:
        return self.name


class BriefQuestion(models.Model):
    """One question of a brief template."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        CHOICE = "choice", _("Choice")
        NUMBER = "number", _("Number")
        URL = "url", _("Link")
        FILE = "file", _("File")

    template = models.ForeignKey(
        BriefTemplate, verbose_name=_("brief template"), on_delete=models.CASCADE, related_name="questions"
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    text = models.CharField(_("question"), max_length=500)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.TEXT)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)

    class Meta:
        ordering = ["template", "order", "id"]
        verbose_name = _("brief question")
        verbose_name_plural = _("brief questions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["text", "choice", "number", "url", "file"]),
                name="briefquestion_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.text


class Brief(models.Model):
    """A template sent to one contact of the project's client, to be answered in the portal."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        ANSWERED = "answered", _("Answered")

    project = models.ForeignKey(
        "plans.Project", verbose_name=_("project"), on_delete=models.CASCADE, related_name="briefs"
    )
    template = models.ForeignKey(
        BriefTemplate, verbose_name=_("brief template"), on_delete=models.PROTECT, related_name="briefs"
    )
    sent_to = models.ForeignKey(
        "clients.Contact", verbose_name=_("sent to"), on_delete=models.PROTECT, related_name="briefs"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["project", "-sent_at", "-id"]
        verbose_name = _("brief")
        verbose_name_plural = _("briefs")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "sent", "answered"]), name="brief_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.template_id}"


class BriefAnswer(models.Model):
    """The contact's answer to one question of a brief; saved again as often as they like."""

    brief = models.ForeignKey(
        Brief, verbose_name=_("brief"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        BriefQuestion, verbose_name=_("question"), on_delete=models.PROTECT, related_name="answers"
    )
    value = models.TextField(_("answer"), blank=True)
    file = models.FileField(_("file"), upload_to="briefs/%Y/%m/", blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["brief", "question__order", "id"]
        verbose_name = _("brief answer")
        verbose_name_plural = _("brief answers")
        constraints = [
            models.UniqueConstraint(fields=["brief", "question"], name="briefanswer_one_per_question"),
        ]

    def __str__(self) -> str:
        return f"{self.brief_id}: {self.question_id}"

    @property
    def is_given(self) -> bool:
        return bool(self.value.strip()) or bool(self.file)


class Task(models.Model):
    """One piece of work of a project, done by one specialist."""

    class Status(models.TextChoices):
        TO_DO = "todo", _("To do")
        IN_PROGRESS = "in_progress", _("In progress")
        IN_REVIEW = "in_review", _("In review")
        DONE = "done", _("Done")
        BLOCKED = "blocked", _("Blocked")

    class BlockedOn(models.TextChoices):
        CLIENT = "client", _("On the client")
        TEAM = "team", _("On the team")

    project = models.ForeignKey(
        "plans.Project", verbose_name=_("project"), on_delete=models.CASCADE, related_name="tasks"
    )
    plan_item = models.ForeignKey(
        "plans.PlanItem",
        verbose_name=_("plan item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    title = models.CharField(_("title"), max_length=200)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    specialty = models.ForeignKey(
        "people.Specialty",
        verbose_name=_("specialty"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.TO_DO)
    blocked_on = models.CharField(_("blocked on"), max_length=8, choices=BlockedOn.choices, blank=True)
    blocked_reason = models.TextField(_("reason for the block"), blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    estimate_minutes = models.PositiveIntegerField(_("estimate (minutes)"), default=0)
    visible_to_client = models.BooleanField(_("visible to the client"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            # An item of the plan becomes a task once.
            models.UniqueConstraint(
                fields=["plan_item"],
                condition=models.Q(plan_item__isnull=False),
                name="task_one_per_plan_item",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["todo", "in_progress", "in_review", "done", "blocked"]),
                name="task_status_valid",
            ),
            # A blocked task says on whom; any other has no block.
            models.CheckConstraint(
                condition=(models.Q(status="blocked") & models.Q(blocked_on__in=["client", "team"]))
                | (~models.Q(status="blocked") & models.Q(blocked_on="")),
                name="task_blocked_on_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="done", done_at__isnull=False)
                | (~models.Q(status="done") & models.Q(done_at__isnull=True)),
                name="task_done_at_when_done",
            ),
        ]
        indexes = [
            models.Index(fields=["assignee", "status", "due_date"], name="task_assignee_status_due"),
            # A board's column: one project's tasks of one status, most urgent first.
            models.Index(fields=["project", "status", "due_date", "id"], name="task_project_status_due"),
            models.Index(fields=["project", "due_date", "id"], name="task_project_due"),
            # The late, at-risk and blocked lists read open tasks only, in due-date order.
            models.Index(fields=["due_date", "id"], condition=~models.Q(status="done"), name="task_open_due"),
            # A board's "Done" column: the latest done first.
            models.Index(
                fields=["project", "done_at", "id"],
                condition=models.Q(status="done"),
                name="task_project_done",
            ),
            models.Index(
                fields=["assignee", "done_at", "id"],
                condition=models.Q(status="done"),
                name="task_assignee_done",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.DONE


class TimeLog(models.Model):
    """Time a specialist spent on a task on one day."""

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="time_logs")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="time_logs"
    )
    minutes = models.PositiveIntegerField(_("minutes"))
    on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["task", "-on", "-id"]
        verbose_name = _("time log")
        verbose_name_plural = _("time logs")
        constraints = [
            models.CheckConstraint(condition=models.Q(minutes__gt=0), name="timelog_minutes_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.minutes}"


class TaskComment(models.Model):
    """A remark on a task."""

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["task", "created_at", "id"]
        verbose_name = _("task comment")
        verbose_name_plural = _("task comments")

    def __str__(self) -> str:
        return f"{self.task_id}: {self.author_id}"


class StatusReport(models.Model):
    """A status report of one project: sections generated from live data plus the AM's own words.

    ``sections`` is a JSON snapshot taken when the draft is made or refreshed (done since the last
    report, next, risks, what waits for the client); the AM may leave items out while it is a draft.
    Publishing freezes it: the client sees it in the portal and gets it by email. ``number`` counts
    the reports of a project (Report 1, 2…); a project has at most one draft at a time.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    project = models.ForeignKey(
        "plans.Project", verbose_name=_("project"), on_delete=models.CASCADE, related_name="status_reports"
    )
    number = models.PositiveIntegerField(_("number"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    sections = models.JSONField(_("sections"), default=dict, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("prepared by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    generated_at = models.DateTimeField(_("generated"), default=timezone.now)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["project", "-number"]
        verbose_name = _("status report")
        verbose_name_plural = _("status reports")
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="statusreport_number_per_project"),
            # One draft at a time per project.
            models.UniqueConstraint(
                fields=["project"], condition=models.Q(status="draft"), name="statusreport_one_draft"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "published"]), name="statusreport_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status="published", published_at__isnull=False)
                | models.Q(status="draft", published_at__isnull=True),
                name="statusreport_published_at_when_published",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "status", "-number"], name="statusreport_project_status"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.number}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class TaskAttachment(models.Model):
    """A file attached to a task: checked by its content on upload (``khata.core.uploads``), kept with
    its checksum, and handed out only through a view that checks who asks."""

    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="tasks/%Y/%m/", max_length=255)
    name = models.CharField(_("name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        ordering = ["task", "-created_at", "-id"]
        verbose_name = _("task attachment")
        verbose_name_plural = _("task attachments")
        constraints = [
            models.CheckConstraint(condition=models.Q(size__gt=0), name="taskattachment_size_positive"),
        ]

    def __str__(self) -> str:
        return self.name
