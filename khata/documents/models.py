"""The document flow of an account: contracts, addenda, NDAs, acts of completed work, reports.

A ``Document`` belongs to a client, may belong to a project and may point at the contract it
depends on. Its ``DocumentKind`` (a table an agency extends) says how it behaves (a contract, an act,
a report or anything else) and how it is numbered: the number is given when the document is
registered (sent, or recorded as signed on paper), gapless per series and year (``core.Counter``).

Life cycle: draft → sent → signed (contract-like kinds) or accepted (acts, reports) → active →
archived; disputed, rejected and terminated beside them. Only a draft is edited; a disputed or sent
document goes back to draft to be corrected and keeps its number. A signed or accepted document is
frozen: a correction is an addendum or a new version (``replaces``) that archives the old one once
it is signed or accepted itself. Files are versions: every upload is kept with its checksum and
served only through a view that checks who asks. The client's answers (accepted, signed, disputed,
with the name, time and IP address) are kept as ``DocumentDecision`` rows.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

# The kinds a new installation starts with (code, name, behaviour, series, format, the client answers).
# Their names are translated when shown; a kind the agency adds is shown as typed.
DEFAULT_KINDS = (
    ("contract", gettext_noop("Contract"), "contract", "CTR", "CTR/{year}/{seq:04}", True),
    ("addendum", gettext_noop("Addendum"), "contract", "ADD", "ADD/{year}/{seq:04}", True),
    ("nda", gettext_noop("Non-disclosure agreement"), "contract", "NDA", "NDA/{year}/{seq:04}", True),
    ("act", gettext_noop("Act of completed work"), "act", "ACT", "ACT/{year}/{seq:05}", True),
    ("report", gettext_noop("Report"), "report", "RPT", "RPT/{year}/{seq:05}", False),
    ("other", gettext_noop("Other document"), "other", "DOC", "DOC/{year}/{seq:05}", False),
)


class Behaviour(models.TextChoices):
    CONTRACT = "contract", _("Contract-like (parties, dates, value, signature)")
    ACT = "act", _("Act of completed work (lines, client acceptance)")
    REPORT = "report", _("Report")
    OTHER = "other", _("Other")


class DocumentKind(models.Model):
    """A kind of document and its numbering: ``CTR/{year}/{seq:04}`` gives CTR/2026/0007."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    behaviour = models.CharField(_("behaves as"), max_length=8, choices=Behaviour.choices)
    series = models.CharField(
        _("series"),
        max_length=8,
        unique=True,
        help_text=_("The counter this kind draws its numbers from (A-Z, 0-9)."),
    )
    number_format = models.CharField(
        _("number format"),
        max_length=40,
        help_text=_("For example CTR/{year}/{seq:04}: {year} or {yy}, and {seq} with an optional width."),
    )
    needs_client_answer = models.BooleanField(
        _("the client accepts or signs it"),
        default=True,
        help_text=_("Sent documents of this kind wait for the client's answer in the portal."),
    )
    active = models.BooleanField(_("in use"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("document kind")
        verbose_name_plural = _("document kinds")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(behaviour__in=["contract", "act", "report", "other"]),
                name="documentkind_behaviour_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the reader's language when it is one of the kinds Khata ships."""
        return gettext(self.name) if self.name in _DEFAULT_NAMES else self.name

    @property
    def is_contract(self) -> bool:
        return self.behaviour == Behaviour.CONTRACT

    @property
    def is_act(self) -> bool:
        return self.behaviour == Behaviour.ACT


_DEFAULT_NAMES = frozenset(kind[1] for kind in DEFAULT_KINDS)


class Document(models.Model):
    """One registered (or draft) document of a client."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        SIGNED = "signed", _("Signed")
        ACCEPTED = "accepted", _("Accepted")
        DISPUTED = "disputed", _("Disputed")
        ACTIVE = "active", _("Active")
        ARCHIVED = "archived", _("Archived")
        REJECTED = "rejected", _("Rejected")
        TERMINATED = "terminated", _("Terminated")

    # Signed or accepted and everything after: never edited again.
    FROZEN: frozenset[str] = frozenset({"signed", "accepted", "active", "archived", "terminated", "rejected"})
    # Sent to the client and not yet answered for good.
    WAITING: frozenset[str] = frozenset({"sent", "disputed"})

    kind = models.ForeignKey(
        DocumentKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="documents"
    )
    client = models.ForeignKey(
        "clients.Client", verbose_name=_("client"), on_delete=models.PROTECT, related_name="documents"
    )
    project = models.ForeignKey(
        "plans.Project",
        verbose_name=_("project"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    contract = models.ForeignKey(
        "self",
        verbose_name=_("contract"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dependants",
        help_text=_("The contract this document belongs to."),
    )
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("replaces"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
        help_text=_("The earlier document this one corrects."),
    )
    title = models.CharField(_("title"), max_length=200)
    number = models.CharField(_("number"), max_length=16, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    date = models.DateField(_("date"), default=dt.date.today)
    currency = models.CharField(_("currency"), max_length=3)
    amount_minor = models.BigIntegerField(_("amount"), default=0)
    note = models.TextField(_("note"), blank=True)

    # Contract-like kinds.
    parties = models.TextField(_("parties"), blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    auto_renew = models.BooleanField(_("renews automatically"), default=False)
    renewal_months = models.PositiveSmallIntegerField(_("renews for (months)"), null=True, blank=True)
    notice_days = models.PositiveSmallIntegerField(_("notice period (days)"), null=True, blank=True)

    # Acts: a period or a milestone of the project.
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    milestone = models.ForeignKey(
        "plans.PlanItem",
        verbose_name=_("milestone"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="acts",
    )

    # Reports made from a project's status report.
    status_report = models.ForeignKey(
        "production.StatusReport",
        verbose_name=_("status report"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    registered_at = models.DateTimeField(_("registered"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    decided_at = models.DateTimeField(_("answered"), null=True, blank=True)
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.UniqueConstraint(
                fields=["number"], condition=~models.Q(number=""), name="document_number_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=[
                        "draft",
                        "sent",
                        "signed",
                        "accepted",
                        "disputed",
                        "active",
                        "archived",
                        "rejected",
                        "terminated",
                    ]
                ),
                name="document_status_valid",
            ),
            # Registered documents have a number and the time they got it; drafts never sent have neither.
            models.CheckConstraint(
                condition=(models.Q(number="") & models.Q(registered_at__isnull=True))
                | (~models.Q(number="") & models.Q(registered_at__isnull=False)),
                name="document_number_with_registration",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | ~models.Q(number=""),
                name="document_registered_unless_draft",
            ),
            models.CheckConstraint(condition=models.Q(amount_minor__gte=0), name="document_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="document_dates_in_order",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__isnull=True)
                | models.Q(period_start__isnull=True)
                | models.Q(period_end__gte=models.F("period_start")),
                name="document_period_in_order",
            ),
        ]
        indexes = [
            models.Index(fields=["-date", "-id"], name="document_date"),
            models.Index(fields=["kind", "-date", "-id"], name="document_kind_date"),
            models.Index(fields=["status", "-date", "-id"], name="document_status_date"),
            models.Index(fields=["client", "-date", "-id"], name="document_client_date"),
            models.Index(fields=["project", "-date", "-id"], name="document_project_date"),
            # The register of unsigned acts and the waiting list of the portal.
            models.Index(fields=["status", "sent_at", "id"], name="document_status_sent"),
            models.Index(fields=["status", "end_date"], name="document_status_end"),
            # The number filter reads a range of numbers (a prefix); the unique constraint's index is
            # partial, which SQLite's planner cannot use with bound parameters.
            models.Index(fields=["number"], name="document_number"),
            # What waits for the client, oldest sent first, without sorting every waiting act.
            models.Index(
                fields=["sent_at", "id"],
                condition=models.Q(status__in=["sent", "disputed"]),
                name="document_waiting_sent",
            ),
        ]

    def __str__(self) -> str:
        return self.number or str(self.title)

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_frozen(self) -> bool:
        return self.status in self.FROZEN

    @property
    def is_waiting(self) -> bool:
        return self.status in self.WAITING

    @property
    def notice_date(self) -> dt.date | None:
        """The last day to give notice before the end date."""
        if self.end_date is None or self.notice_days is None:
            return None
        return self.end_date - dt.timedelta(days=self.notice_days)

    def age_days(self, today: dt.date | None = None) -> int | None:
        """Days since the document was sent (the register of unsigned acts)."""
        if self.sent_at is None:
            return None
        today = today or timezone.localdate()
        return (today - timezone.localtime(self.sent_at).date()).days


class ActLine(models.Model):
    """One line of an act: a deliverable, the hours spent on it and its amount."""

    document = models.ForeignKey(
        Document, verbose_name=_("document"), on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    deliverable = models.CharField(_("deliverable"), max_length=200)
    minutes = models.PositiveIntegerField(_("time (minutes)"), default=0)
    amount_minor = models.BigIntegerField(_("amount"), default=0)
    task = models.ForeignKey(
        "production.Task",
        verbose_name=_("task"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="act_lines",
    )
    plan_item = models.ForeignKey(
        "plans.PlanItem",
        verbose_name=_("plan item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="act_lines",
    )

    class Meta:
        ordering = ["document", "position", "id"]
        verbose_name = _("act line")
        verbose_name_plural = _("act lines")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_minor__gte=0), name="actline_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.deliverable


class DocumentFile(models.Model):
    """One version of a document's file; versions are never replaced, only added."""

    document = models.ForeignKey(
        Document, verbose_name=_("document"), on_delete=models.CASCADE, related_name="files"
    )
    version = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to="documents/%Y/%m/", max_length=255)
    name = models.CharField(_("name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    note = models.CharField(_("note"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        ordering = ["document", "-version"]
        verbose_name = _("document file")
        verbose_name_plural = _("document files")
        constraints = [
            models.UniqueConstraint(fields=["document", "version"], name="documentfile_version_unique"),
            models.CheckConstraint(condition=models.Q(size__gt=0), name="documentfile_size_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class DocumentDecision(models.Model):
    """The client's answer to a sent document: who, when, from where, and why when disputed."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        SIGNED = "signed", _("Signed")
        DISPUTED = "disputed", _("Disputed")
        REJECTED = "rejected", _("Rejected")

    document = models.ForeignKey(
        Document, verbose_name=_("document"), on_delete=models.CASCADE, related_name="decisions"
    )
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(_("name of the person"), max_length=150)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    in_portal = models.BooleanField(_("given in the portal"), default=False)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["document", "-at", "-id"]
        verbose_name = _("client's answer")
        verbose_name_plural = _("client's answers")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decision__in=["accepted", "signed", "disputed", "rejected"]),
                name="documentdecision_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(decision="disputed") | ~models.Q(reason=""),
                name="documentdecision_dispute_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decision}: {self.name}"
