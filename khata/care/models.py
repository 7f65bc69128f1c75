"""Care: the client's claims and how the agency answers them, and the client's satisfaction.

A ``Claim`` is a complaint of a client: filed in the portal, recorded by the AM after a call or a
meeting, opened by a disputed act or by a detractor's survey answer. It has a reason (``ReasonCode``,
a table an agency extends) and a severity whose ``SlaPolicy`` gives the working hours allowed for the
first response and for the resolution; both due times are computed once, when the claim is received,
on the agency's working calendar (``core.calendar``).

Life cycle: new → acknowledged → in progress → resolved (waiting for the client) → closed. The client
confirms the fix (closed) or says it failed (back to in progress, the reopen counter grows); a
resolved claim nobody answers closes itself after some days, flagged as closed automatically. The
analysis keeps the root cause (``RootCause``, a table), who or which team was responsible, the
corrective actions (``CorrectiveAction``) and the preventive action. ``Goodwill`` rows record what the
agency gave to make up (a credit, free hours, a discount): an append-only ledger.

``Survey`` and ``SurveyAnswer`` hold NPS (0–10) and CSAT (1–5) questionnaires sent to a contact and
answered once, in the portal or by a signed link that expires. ``SurveySettings`` (one row, the
head's) says which events send which questionnaire, how long a link works and what a low score opens.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

# The reasons and root causes a new installation starts with (code, name). Their names are translated
# when shown; a row the agency adds is shown as typed.
DEFAULT_REASONS = (
    ("quality", gettext_noop("Quality")),
    ("deadline", gettext_noop("Deadline")),
    ("communication", gettext_noop("Communication")),
    ("billing", gettext_noop("Billing")),
    ("expectations", gettext_noop("Expectations")),
    ("specialist", gettext_noop("Specialist's work")),
    ("other", gettext_noop("Other")),
)
DEFAULT_ROOT_CAUSES = (
    ("process", gettext_noop("Process")),
    ("performer", gettext_noop("Performer")),
    ("communication", gettext_noop("Communication")),
    ("expectation", gettext_noop("Expectation")),
    ("billing", gettext_noop("Billing")),
    ("quality", gettext_noop("Quality")),
)
# Working hours allowed per severity: (severity, first response, resolution).
DEFAULT_SLA = (
    ("low", 16, 80),
    ("normal", 8, 40),
    ("high", 4, 16),
    ("critical", 1, 8),
)
_DEFAULT_NAMES = frozenset(name for _code, name in DEFAULT_REASONS + DEFAULT_ROOT_CAUSES)


class Labelled(models.Model):
    """A row of a small table the agency extends: a code, a name, in use or not, a position."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("in use"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the reader's language when it is one of the rows Khata ships."""
        return gettext(self.name) if self.name in _DEFAULT_NAMES else self.name


class ReasonCode(Labelled):
    """Why the client complains: quality, a missed deadline, communication…"""

    class Meta(Labelled.Meta):
        verbose_name = _("reason")
        verbose_name_plural = _("reasons")


class RootCause(Labelled):
    """What actually caused the problem, found when the claim is analysed."""

    class Meta(Labelled.Meta):
        verbose_name = _("root cause")
        verbose_name_plural = _("root causes")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class SlaPolicy(models.Model):
    """The working hours allowed for a claim of one severity: to the first response and to the fix."""

    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, unique=True)
    first_response_hours = models.PositiveSmallIntegerField(_("first response within (working hours)"))
    resolution_hours = models.PositiveSmallIntegerField(_("resolution within (working hours)"))

    class Meta:
        ordering = ["first_response_hours", "severity"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(severity__in=["low", "normal", "high", "critical"]),
                name="slapolicy_severity_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(first_response_hours__gt=0), name="slapolicy_first_response_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(resolution_hours__gte=models.F("first_response_hours")),
                name="slapolicy_resolution_after_response",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_severity_display()}: {self.first_response_hours} / {self.resolution_hours}"


class Survey(models.Model):
    """A questionnaire sent to one contact; answered once, before it expires."""

    class Kind(models.TextChoices):
        NPS = "nps", _("NPS (0–10)")
        CSAT = "csat", _("CSAT (1–5)")

    class Trigger(models.TextChoices):
        ACT_ACCEPTED = "act_accepted", _("An act was accepted")
        CLAIM_CLOSED = "claim_closed", _("A claim was closed")
        QUARTERLY = "quarterly", _("Quarterly")
        MANUAL = "manual", _("Sent by hand")

    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices)
    trigger = models.CharField(_("sent because"), max_length=12, choices=Trigger.choices)
    client = models.ForeignKey(
        "clients.Client", verbose_name=_("client"), on_delete=models.PROTECT, related_name="surveys"
    )
    contact = models.ForeignKey(
        "clients.Contact", verbose_name=_("contact"), on_delete=models.PROTECT, related_name="surveys"
    )
    # What the survey asks about, when a single event sent it.
    document = models.ForeignKey(
        "documents.Document",
        verbose_name=_("document"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="surveys",
    )
    claim = models.ForeignKey(
        "care.Claim",
        verbose_name=_("claim"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="surveys",
    )
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    # Only the hash of the signed link's token is kept: a leaked table opens no survey.
    token_hash = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=["nps", "csat"]), name="survey_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(trigger__in=["act_accepted", "claim_closed", "quarterly", "manual"]),
                name="survey_trigger_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("sent_at")), name="survey_expires_after_sent"
            ),
            models.UniqueConstraint(
                fields=["token_hash"], condition=~models.Q(token_hash=""), name="survey_token_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["client", "-sent_at", "-id"], name="survey_client_sent"),
            models.Index(fields=["contact", "answered_at"], name="survey_contact_answered"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.client_id} {self.sent_at:%Y-%m-%d}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    def is_expired(self, now: dt.datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.expires_at


class SurveyAnswer(models.Model):
    """The contact's answer: a score and why. The kind is copied from the survey so the database can
    check the score's range (NPS 0–10, CSAT 1–5)."""

    survey = models.OneToOneField(
        Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="answer"
    )
    kind = models.CharField(_("kind"), max_length=4, choices=Survey.Kind.choices)
    score = models.PositiveSmallIntegerField(_("score"))
    why = models.TextField(_("why"), blank=True)
    in_portal = models.BooleanField(_("given in the portal"), default=False)
    at = models.DateTimeField(_("when"), default=timezone.now)
    # The AM's task a low score opened, when the agency follows up with tasks (a claim links itself
    # through ``Claim.survey``): one follow-up per answer.
    follow_up_task = models.OneToOneField(
        "production.Task",
        verbose_name=_("follow-up task"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_answer",
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="nps") & models.Q(score__gte=0) & models.Q(score__lte=10))
                | (models.Q(kind="csat") & models.Q(score__gte=1) & models.Q(score__lte=5)),
                name="surveyanswer_score_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "-at"], name="surveyanswer_kind_at"),
            # The health of every client reads the answers of the last months with their survey,
            # kind and score: from this index alone, without the table.
            models.Index(fields=["at", "survey", "kind", "score"], name="surveyanswer_at_survey"),
            # The analysis adds up the answers per client and kind, survey by survey: this index
            # alone has what it reads.
            models.Index(fields=["survey", "kind", "score"], name="surveyanswer_survey_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.score}"

    @property
    def is_detractor(self) -> bool:
        """An NPS of 0–6 or a CSAT of 1–2: it opens a follow-up."""
        return self.score <= 6 if self.kind == Survey.Kind.NPS else self.score <= 2


class SurveySend(models.TextChoices):
    """What one trigger sends: a questionnaire, or nothing."""

    OFF = "off", _("No survey")
    NPS = "nps", _("NPS (0–10)")
    CSAT = "csat", _("CSAT (1–5)")


class FollowUp(models.TextChoices):
    """What a low score opens."""

    CLAIM = "claim", _("A claim")
    TASK = "task", _("A task for the AM")


# The link's life, in days: long enough for a holiday, short enough that the answer is still fresh.
SURVEY_EXPIRY_MIN, SURVEY_EXPIRY_MAX = 1, 90
SURVEY_TRIGGERS = ("act_accepted", "claim_closed", "quarterly")


class SurveySettings(models.Model):
    """The agency's survey settings: one row (``SINGLETON``), edited by the head.

    One field per trigger says which questionnaire it sends, or that it sends none; the field's name
    is the trigger's ``Survey.Trigger`` value.
    """

    SINGLETON = 1

    act_accepted = models.CharField(
        _("after an act is accepted"), max_length=4, choices=SurveySend.choices, default=SurveySend.CSAT
    )
    claim_closed = models.CharField(
        _("after a claim is closed"), max_length=4, choices=SurveySend.choices, default=SurveySend.CSAT
    )
    quarterly = models.CharField(
        _("every quarter"), max_length=4, choices=SurveySend.choices, default=SurveySend.NPS
    )
    expiry_days = models.PositiveSmallIntegerField(_("the link works for (days)"), default=14)
    follow_up = models.CharField(
        _("a low score opens"), max_length=5, choices=FollowUp.choices, default=FollowUp.CLAIM
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("survey settings")
        verbose_name_plural = _("survey settings")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="surveysettings_singleton"),
            models.CheckConstraint(
                condition=models.Q(
                    act_accepted__in=["off", "nps", "csat"],
                    claim_closed__in=["off", "nps", "csat"],
                    quarterly__in=["off", "nps", "csat"],
                ),
                name="surveysettings_send_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(expiry_days__gte=SURVEY_EXPIRY_MIN, expiry_days__lte=SURVEY_EXPIRY_MAX),
                name="surveysettings_expiry_range",
            ),
            models.CheckConstraint(
                condition=models.Q(follow_up__in=["claim", "task"]), name="surveysettings_follow_up_valid"
            ),
        ]

    def __str__(self) -> str:
        return str(_("survey settings"))

    def triggers(self) -> dict[str, str]:
        """The triggers that are on, each with the questionnaire it sends."""
        sends = {trigger: getattr(self, trigger) for trigger in SURVEY_TRIGGERS}
        return {trigger: kind for trigger, kind in sends.items() if kind != SurveySend.OFF}


class Claim(models.Model):
    """One complaint of a client, with its SLA clock, analysis and fix."""

    class Source(models.TextChoices):
        PORTAL = "portal", _("Filed in the portal")
        AM = "am", _("Recorded by the account manager")
        DISPUTED_ACT = "disputed_act", _("A disputed act")
        SURVEY = "survey", _("A survey answer")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    # Not closed: the SLA clock and the boards care about these.
    OPEN: frozenset[str] = frozenset({"new", "acknowledged", "in_progress", "resolved"})

    client = models.ForeignKey(
        "clients.Client", verbose_name=_("client"), on_delete=models.PROTECT, related_name="claims"
    )
    project = models.ForeignKey(
        "plans.Project",
        verbose_name=_("project"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims",
    )
    task = models.ForeignKey(
        "production.Task",
        verbose_name=_("task"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims",
    )
    document = models.ForeignKey(
        "documents.Document",
        verbose_name=_("document"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims",
    )
    invoice = models.ForeignKey(
        "billing.Invoice",
        verbose_name=_("invoice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims",
    )
    # The client's answer that opened the claim: one claim per dispute of an act.
    dispute = models.OneToOneField(
        "documents.DocumentDecision",
        verbose_name=_("dispute"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claim",
    )
    # The survey answer that opened the claim: one follow-up per answer.
    survey = models.OneToOneField(
        Survey,
        verbose_name=_("survey"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_up",
    )
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    reason = models.ForeignKey(
        ReasonCode, verbose_name=_("reason"), on_delete=models.PROTECT, related_name="claims"
    )
    severity = models.CharField(
        _("severity"), max_length=8, choices=Severity.choices, default=Severity.NORMAL
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NEW)
    reopened_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    contact = models.ForeignKey(
        "clients.Contact",
        verbose_name=_("filed by (contact)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claims",
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_claims",
    )

    received_at = models.DateTimeField(_("received"), default=timezone.now)
    first_response_due = models.DateTimeField(_("first response due"))
    resolution_due = models.DateTimeField(_("resolution due"))
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    started_at = models.DateTimeField(_("work started"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_automatically = models.BooleanField(_("closed automatically"), default=False)

    # The analysis and the fix.
    root_cause = models.ForeignKey(
        RootCause,
        verbose_name=_("root cause"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims",
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claims_responsible",
    )
    responsible_team = models.CharField(_("responsible team"), max_length=120, blank=True)
    resolution = models.TextField(_("what was done"), blank=True)
    preventive_action = models.TextField(_("preventive action"), blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["new", "acknowledged", "in_progress", "resolved", "closed"]),
                name="claim_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=["portal", "am", "disputed_act", "survey"]),
                name="claim_source_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(severity__in=["low", "normal", "high", "critical"]),
                name="claim_severity_valid",
            ),
            models.CheckConstraint(condition=~models.Q(title=""), name="claim_title_present"),
            models.CheckConstraint(
                condition=models.Q(first_response_due__gte=models.F("received_at"))
                & models.Q(resolution_due__gte=models.F("first_response_due")),
                name="claim_due_times_in_order",
            ),
            # Past "new", somebody answered; resolved and closed claims were resolved; only a
            # closed claim has a closing time, and only a closed one closed by itself.
            models.CheckConstraint(
                condition=models.Q(status="new") | models.Q(acknowledged_at__isnull=False),
                name="claim_acknowledged_unless_new",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["resolved", "closed"]) | models.Q(resolved_at__isnull=False),
                name="claim_resolved_has_time",
            ),
            models.CheckConstraint(
                condition=(models.Q(status="closed") & models.Q(closed_at__isnull=False))
                | (~models.Q(status="closed") & models.Q(closed_at__isnull=True)),
                name="claim_closed_has_time",
            ),
            models.CheckConstraint(
                condition=models.Q(closed_automatically=False) | models.Q(status="closed"),
                name="claim_closed_automatically_only_closed",
            ),
            models.CheckConstraint(
                condition=~models.Q(source="disputed_act")
                | (models.Q(document__isnull=False) & models.Q(dispute__isnull=False)),
                name="claim_disputed_act_has_document",
            ),
            models.CheckConstraint(
                condition=~models.Q(source="survey") | models.Q(survey__isnull=False),
                name="claim_survey_has_survey",
            ),
        ]
        indexes = [
            models.Index(fields=["-received_at", "-id"], name="claim_received"),
            models.Index(fields=["client", "-received_at", "-id"], name="claim_client_received"),
            models.Index(fields=["owner", "status", "resolution_due"], name="claim_owner_status_due"),
            models.Index(fields=["status", "resolution_due"], name="claim_status_due"),
            models.Index(fields=["status", "first_response_due"], name="claim_status_response_due"),
            models.Index(fields=["reason", "received_at"], name="claim_reason_received"),
            models.Index(fields=["root_cause", "received_at"], name="claim_root_cause_received"),
            # The health of every client counts the open claims per client and severity: from this
            # index alone (SQLite otherwise walks every claim of every client).
            models.Index(
                fields=["status", "client", "severity", "received_at", "resolution_due"],
                name="claim_status_client",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class ClaimAttachment(models.Model):
    """A file the client or the AM adds to a claim (a screenshot, a letter), judged by its content."""

    claim = models.ForeignKey(
        Claim, verbose_name=_("claim"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="care/%Y/%m/", max_length=255)
    name = models.CharField(_("name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        ordering = ["claim", "created_at", "id"]
        verbose_name = _("claim attachment")
        verbose_name_plural = _("claim attachments")
        constraints = [
            models.CheckConstraint(condition=models.Q(size__gt=0), name="claimattachment_size_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class CorrectiveAction(models.Model):
    """One thing to do to fix the claim: who does it, by when, and when it was done."""

    claim = models.ForeignKey(
        Claim, verbose_name=_("claim"), on_delete=models.CASCADE, related_name="actions"
    )
    description = models.TextField(_("what to do"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="corrective_actions",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        ordering = ["claim", "created_at", "id"]
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        constraints = [
            models.CheckConstraint(condition=~models.Q(description=""), name="correctiveaction_description"),
        ]
        indexes = [models.Index(fields=["owner", "done_at", "due_date"], name="correctiveaction_owner_due")]

    def __str__(self) -> str:
        return self.description[:80]

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Goodwill(models.Model):
    """What the agency gave the client to make up for a claim: append-only, like every ledger.

    A credit or a discount is money (minor units in the client's currency); free hours are kept as
    minutes, so sums never drift.
    """

    class Kind(models.TextChoices):
        CREDIT = "credit", _("Credit")
        FREE_HOURS = "free_hours", _("Free hours")
        DISCOUNT = "discount", _("Discount")

    claim = models.ForeignKey(
        Claim, verbose_name=_("claim"), on_delete=models.PROTECT, related_name="goodwill"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    value_minor = models.BigIntegerField(_("value"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    minutes = models.PositiveIntegerField(_("free time (minutes)"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["claim", "at", "id"]
        verbose_name = _("goodwill")
        verbose_name_plural = _("goodwill")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["credit", "free_hours", "discount"]), name="goodwill_kind_valid"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="free_hours")
                    & models.Q(minutes__gt=0)
                    & models.Q(value_minor__isnull=True)
                    & models.Q(currency="")
                )
                | (
                    models.Q(kind__in=["credit", "discount"])
                    & models.Q(value_minor__gt=0)
                    & models.Q(minutes__isnull=True)
                    & ~models.Q(currency="")
                ),
                name="goodwill_value_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.value_minor or self.minutes}"
