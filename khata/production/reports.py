"""Status reports of a project: generated from live data, worded by the AM, published to the client.

A report is a snapshot. ``report_draft`` takes one (one draft at a time per project), numbered per
project (Report 1, 2…); ``report_refresh`` takes it again from live data; ``report_update`` sets the
AM's own words and which items are left out; ``report_publish`` freezes it and emails each contact
of the client with portal access, in their own language. Every write leaves a timeline event, and so
does every email sent.

The sections are stored as plain data (ids, titles, dates, kinds), never as rendered sentences, so a
report reads in each reader's language. The report is written for the client: only tasks the AM made
visible to the client appear in it, and risks say what the client should know (late or blocked work,
the project's overall state) without internal figures such as budget burn.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from khata.clients.models import Contact
from khata.core.boards import Card, capped_count, register_portal_project_panel, register_project_panel
from khata.core.services import event_record
from khata.people.models import User
from khata.people.policies import AnyUser
from khata.plans.models import Approval, PlanVersion, Project
from khata.plans.policies import can_edit_project, can_view_project
from khata.plans.selectors import project_visible_to
from khata.plans.status import OFF, project_statuses
from khata.production.models import Brief, StatusReport, Task

logger = logging.getLogger(__name__)

# The sections of a report, in the order they read.
SECTIONS = ("done", "next", "risks", "client")
# "Next" holds the open tasks due within this many days, or at least the next few by due date.
NEXT_HORIZON_DAYS = 14
NEXT_AT_LEAST = 5
# No section grows beyond this; a report is a summary, the boards hold the rest.
SECTION_LIMIT = 50
# Status factors about money or hours stay inside the agency.
INTERNAL_FACTOR_WORDS = ("budget", "burn", "hour")


class ReportError(ValidationError):
    """A refused move on a status report; carries field errors like a form."""


def _refuse(field: str, message: str) -> ReportError:
    return ReportError({field: [message]})


# --- policies ---------------------------------------------------------------------------------------


def can_prepare_report(user: AnyUser, project: Project) -> bool:
    """Draft, refresh, edit and publish a project's reports: the AM who edits the project, or the head."""
    return (
        isinstance(user, User)
        and user.is_active
        and user.role in {User.Role.HEAD, User.Role.AM}
        and can_edit_project(user, project)
    )


def _is_contact(user: AnyUser) -> bool:
    return isinstance(user, User) and user.role == User.Role.CONTACT


# --- selectors --------------------------------------------------------------------------------------


def report_list_for(user: AnyUser) -> QuerySet[StatusReport]:
    """The reports this user may see: staff those of their projects, a contact only published ones of
    its own company. Newest first."""
    if not isinstance(user, User) or user.role == User.Role.SPECIALIST:
        return StatusReport.objects.none()
    reports = StatusReport.objects.filter(project__in=project_visible_to(user))
    if _is_contact(user):
        reports = reports.filter(status=StatusReport.Status.PUBLISHED)
    return reports.select_related("project__client", "created_by", "published_by").order_by("-id")


def report_get_for(user: AnyUser, pk: int | str) -> StatusReport:
    """One report this user may see, or 404 (a draft is a 404 for a client contact)."""
    try:
        return report_list_for(user).get(pk=pk)
    except (StatusReport.DoesNotExist, ValueError, TypeError) as error:
        raise Http404("No such status report.") from error


def reports_of_project(project: Project, user: AnyUser) -> QuerySet[StatusReport]:
    """A project's reports as this user may see them, newest first."""
    reports = StatusReport.objects.filter(project=project)
    if _is_contact(user):
        reports = reports.filter(status=StatusReport.Status.PUBLISHED)
    return reports.select_related("published_by").order_by("-number")


def report_draft_of(project: Project) -> StatusReport | None:
    """The project's open draft, if it has one (at most one)."""
    return StatusReport.objects.filter(project=project, status=StatusReport.Status.DRAFT).first()


@dataclass
class ReportSection:
    """One section of a report as a page shows it: its items, each marked kept or left out."""

    key: str
    title: str
    empty: str
    items: list[dict[str, Any]]


SECTION_TITLES = {
    "done": (
        gettext_lazy("Done since the last report"),
        gettext_lazy("Nothing was finished in this period."),
    ),
    "next": (gettext_lazy("Next"), gettext_lazy("No work is scheduled for the coming weeks.")),
    "risks": (gettext_lazy("Risks"), gettext_lazy("No risk to report.")),
    "client": (gettext_lazy("Waiting for you"), gettext_lazy("Nothing waits for you.")),
}


def report_sections(report: StatusReport, *, for_client: bool) -> list[ReportSection]:
    """The report's sections; for the client only the items kept, for the AM every item marked."""
    left_out = set(report.sections.get("left_out", []))
    sections = []
    for key in SECTIONS:
        title, empty = SECTION_TITLES[key]
        items = []
        for item in report.sections.get(key, []):
            kept = item["key"] not in left_out
            if for_client and not kept:
                continue
            day = dt.date.fromisoformat(item["date"]) if item.get("date") else None
            items.append(item | {"kept": kept, "day": day})
        sections.append(ReportSection(key=key, title=str(title), empty=str(empty), items=items))
    return sections


def report_client_data(report: StatusReport) -> dict[str, list[dict[str, Any]]]:
    """The sections as the client reads them (kept items only), for the API and the email."""
    left_out = set(report.sections.get("left_out", []))
    return {
        key: [item for item in report.sections.get(key, []) if item["key"] not in left_out]
        for key in SECTIONS
    }


# --- generation ---------------------------------------------------------------------------------------


def _day(value: dt.datetime | dt.date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value)
    return value.isoformat()


def _last_published(project: Project) -> StatusReport | None:
    return (
        StatusReport.objects.filter(project=project, status=StatusReport.Status.PUBLISHED)
        .order_by("-number")
        .first()
    )


def _period_start(project: Project, previous: StatusReport | None) -> dt.date:
    if previous is not None:
        return previous.period_end
    if project.start_date is not None:
        return project.start_date
    return timezone.localdate(project.created_at)


def _status_risks(project: Project, today: dt.date) -> list[dict[str, Any]]:
    """The project's overall state from the factors the client may know of; money and hours stay in."""
    status = project_statuses([project], today=today).get(project.pk)
    if status is None or status.level not in {"at_risk", "off_track"}:
        return []
    shown = [
        factor for factor in status.factors if not any(word in factor.code for word in INTERNAL_FACTOR_WORDS)
    ]
    if not shown:
        return []
    level = "off_track" if any(factor.severity == OFF for factor in shown) else "at_risk"
    return [
        {
            "key": f"status:{level}",
            "kind": "status",
            "level": level,
            "factors": [factor.code for factor in shown],
        }
    ]


def _task_item(task: Task, *, prefix: str, **extra: Any) -> dict[str, Any]:
    return {"key": f"{prefix}:{task.pk}", "task": task.pk, "title": task.title} | extra


def report_generate(project: Project, *, since: dt.datetime | None, today: dt.date) -> dict[str, Any]:
    """The sections of a report from live data. A fixed number of queries, whatever the size."""
    visible = Task.objects.filter(project=project, visible_to_client=True)
    done = visible.filter(status=Task.Status.DONE)
    if since is not None:
        done = done.filter(done_at__gt=since)
    done_items = [
        _task_item(task, prefix="done", date=_day(task.done_at))
        for task in done.order_by("done_at", "id")[:SECTION_LIMIT]
    ]

    upcoming = list(
        visible.exclude(status__in=[Task.Status.DONE, Task.Status.BLOCKED])
        .filter(due_date__gte=today)
        .order_by("due_date", "id")[:SECTION_LIMIT]
    )
    horizon = today + dt.timedelta(days=NEXT_HORIZON_DAYS)
    upcoming = [
        task
        for n, task in enumerate(upcoming)
        if n < NEXT_AT_LEAST or (task.due_date is not None and task.due_date <= horizon)
    ]
    next_items = [
        _task_item(task, prefix="next", date=_day(task.due_date), status=task.status) for task in upcoming
    ]

    risks: list[dict[str, Any]] = _status_risks(project, today)
    late = visible.exclude(status=Task.Status.DONE).filter(due_date__lt=today).order_by("due_date", "id")
    for task in late[:SECTION_LIMIT]:
        assert task.due_date is not None
        risks.append(
            _task_item(
                task, prefix="late", kind="late", date=_day(task.due_date), days=(today - task.due_date).days
            )
        )
    on_team = visible.filter(status=Task.Status.BLOCKED, blocked_on=Task.BlockedOn.TEAM).exclude(
        due_date__lt=today
    )
    for task in on_team.order_by("due_date", "id")[:SECTION_LIMIT]:
        risks.append(_task_item(task, prefix="blocked", kind="blocked", date=_day(task.due_date)))

    waiting: list[dict[str, Any]] = []
    client_approved = Approval.objects.filter(version=OuterRef("pk"), side=Approval.Side.CLIENT)
    versions = (
        PlanVersion.objects.filter(project=project, status=PlanVersion.Status.PROPOSED)
        .exclude(Exists(client_approved))
        .order_by("number")
    )
    for version in versions[:SECTION_LIMIT]:
        waiting.append(
            {
                "key": f"plan:{version.pk}",
                "kind": "plan",
                "version": version.pk,
                "number": version.number,
                "date": _day(version.created_at),
            }
        )
    briefs = (
        Brief.objects.filter(project=project, status=Brief.Status.SENT)
        .select_related("template", "sent_to")
        .order_by("sent_at", "id")
    )
    for brief in briefs[:SECTION_LIMIT]:
        waiting.append(
            {
                "key": f"brief:{brief.pk}",
                "kind": "brief",
                "brief": brief.pk,
                "title": brief.template.name,
                "to": brief.sent_to.full_name,
                "date": _day(brief.sent_at),
            }
        )
    on_client = visible.filter(status=Task.Status.BLOCKED, blocked_on=Task.BlockedOn.CLIENT)
    for task in on_client.order_by("due_date", "id")[:SECTION_LIMIT]:
        waiting.append(
            _task_item(
                task, prefix="waiting", kind="task", reason=task.blocked_reason, date=_day(task.due_date)
            )
        )

    hidden = Task.objects.filter(project=project, visible_to_client=False)
    hidden_done = hidden.filter(status=Task.Status.DONE)
    if since is not None:
        hidden_done = hidden_done.filter(done_at__gt=since)
    return {
        "done": done_items,
        "next": next_items,
        "risks": risks[:SECTION_LIMIT],
        "client": waiting[:SECTION_LIMIT],
        "left_out": [],
        # For the AM only: how much work the client does not see was left out of this report.
        "hidden": {
            "done": hidden_done.count(),
            "open": hidden.exclude(status=Task.Status.DONE).count(),
        },
    }


def _keys(sections: dict[str, Any]) -> set[str]:
    return {item["key"] for key in SECTIONS for item in sections.get(key, [])}


# --- services ---------------------------------------------------------------------------------------


def _may_prepare(by: User, project: Project) -> None:
    if not can_prepare_report(by, project):
        raise _refuse("by", _("Only the project's account manager or the head can prepare its reports."))


def _locked_draft(report: StatusReport) -> StatusReport:
    report = StatusReport.objects.select_for_update().select_related("project__client").get(pk=report.pk)
    if not report.is_draft:
        raise _refuse("status", _("This report is published and can no longer be changed."))
    return report


@transaction.atomic
def report_draft(*, project: Project, by: User) -> StatusReport:
    """Start the next report of a project from live data; a project has one draft at a time."""
    _may_prepare(by, project)
    project = Project.objects.select_for_update().select_related("client").get(pk=project.pk)
    if StatusReport.objects.filter(project=project, status=StatusReport.Status.DRAFT).exists():
        raise _refuse("project", _("This project already has a draft report: finish or publish it first."))
    previous = _last_published(project)
    last_number = (
        StatusReport.objects.filter(project=project)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    today = timezone.localdate()
    now = timezone.now()
    report = StatusReport.objects.create(
        project=project,
        number=(last_number or 0) + 1,
        period_start=_period_start(project, previous),
        period_end=today,
        sections=report_generate(project, since=previous.generated_at if previous else None, today=today),
        created_by=by,
        created_at=now,
        generated_at=now,
    )
    event_record(
        kind="status_report.drafted",
        summary=gettext_noop("Status report %(number)s of %(project)s drafted"),
        params={"number": report.number, "project": project.name},
        by=by,
        client=project.client,
        subject=report,
    )
    return report


@transaction.atomic
def report_refresh(*, report: StatusReport, by: User) -> StatusReport:
    """Take a draft's sections again from live data; items left out stay left out."""
    _may_prepare(by, report.project)
    report = _locked_draft(report)
    previous = _last_published(report.project)
    today = timezone.localdate()
    sections = report_generate(report.project, since=previous.generated_at if previous else None, today=today)
    still = _keys(sections)
    sections["left_out"] = [key for key in report.sections.get("left_out", []) if key in still]
    report.sections = sections
    report.period_start = _period_start(report.project, previous)
    report.period_end = today
    report.generated_at = timezone.now()
    report.save(update_fields=["sections", "period_start", "period_end", "generated_at"])
    event_record(
        kind="status_report.refreshed",
        summary=gettext_noop("Status report %(number)s of %(project)s refreshed from live data"),
        params={"number": report.number, "project": report.project.name},
        by=by,
        client=report.project.client,
        subject=report,
    )
    return report


SUMMARY_MAX = 5000


@transaction.atomic
def report_update(
    *, report: StatusReport, by: User, summary: str, left_out: Iterable[str] | None = None
) -> StatusReport:
    """The AM's own words, and which generated items the client will not see; drafts only."""
    _may_prepare(by, report.project)
    report = _locked_draft(report)
    summary = summary.strip()
    if len(summary) > SUMMARY_MAX:
        raise _refuse("summary", _("Keep it under %(limit)s characters.") % {"limit": f"{SUMMARY_MAX:,}"})
    if left_out is not None:
        wanted = sorted(set(left_out))
        unknown = [key for key in wanted if key not in _keys(report.sections)]
        if unknown:
            raise _refuse(
                "left_out", _("These items are not in the report: %(keys)s.") % {"keys": ", ".join(unknown)}
            )
        report.sections = report.sections | {"left_out": wanted}
    report.summary = summary
    report.save(update_fields=["summary", "sections"])
    event_record(
        kind="status_report.updated",
        summary=gettext_noop("Status report %(number)s of %(project)s edited"),
        params={"number": report.number, "project": report.project.name},
        by=by,
        client=report.project.client,
        subject=report,
    )
    return report


@transaction.atomic
def _publish(report: StatusReport, by: User) -> StatusReport:
    _may_prepare(by, report.project)
    report = _locked_draft(report)
    if not report.summary.strip():
        raise _refuse("summary", _("Add a few words of your own before you publish the report."))
    report.status = StatusReport.Status.PUBLISHED
    report.published_at = timezone.now()
    report.published_by = by
    report.save(update_fields=["status", "published_at", "published_by"])
    event_record(
        kind="status_report.published",
        summary=gettext_noop("Status report %(number)s of %(project)s published to the client"),
        params={"number": report.number, "project": report.project.name},
        by=by,
        client=report.project.client,
        subject=report,
    )
    return report


def report_publish(
    *, report: StatusReport, by: User, site_url: str = "", notify: bool = True
) -> StatusReport:
    """Publish a draft: frozen from now on, shown in the portal and emailed to the client's contacts.

    The emails are a background task (``khata worker`` sends them), enqueued in the publication's
    transaction: a report is never published without its emails on the way, and a mail server
    that fails does not unpublish it. Each email sent, or failed, is a timeline event.
    ``site_url`` ("https://khata.example") makes the portal link absolute. ``notify=False``
    publishes without emails (an agency's history brought in from elsewhere, such as the demo's).
    """
    # The task's module imports this one.
    from khata.production.tasks import report_email_task

    with transaction.atomic():
        report = _publish(report, by)
        if notify:
            report_email_task.enqueue(report_id=report.pk, by_id=by.pk, site_url=site_url)
    return report


def report_recipients(project: Project) -> list[Contact]:
    """The contacts of the project's client who use the portal and have an email address."""
    contacts = (
        Contact.objects.filter(client_id=project.client_id, portal_access=True, user__is_active=True)
        .select_related("user")
        .order_by("full_name", "id")
    )
    return [contact for contact in contacts if contact.user is not None and contact.user.email]


def _language_of(contact: Contact) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    for language in (getattr(contact.user, "language", ""), contact.language):
        if language in codes:
            return language
    return settings.LANGUAGE_CODE


def report_email_message(report: StatusReport, contact: Contact, *, site_url: str) -> EmailMultiAlternatives:
    """The email of a published report to one contact, in the contact's language."""
    assert contact.user is not None
    with translation.override(_language_of(contact)):
        url = (site_url or settings.KHATA_SITE_URL).rstrip("/") + reverse("portal:report", args=[report.pk])
        context = {
            "report": report,
            "project": report.project,
            "contact": contact,
            "sections": report_sections(report, for_client=True),
            "url": url,
            "agency": settings.KHATA_AGENCY_NAME,
        }
        subject = _("Status report %(number)s: %(project)s") % {
            "number": report.number,
            "project": report.project.name,
        }
        text = render_to_string("production/reports/email/report.txt", context)
        html = render_to_string("production/reports/email/report.html", context)
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[contact.user.email]
    )
    message.attach_alternative(html, "text/html")
    return message


def report_email_contacts(*, report: StatusReport, by: User, site_url: str = "") -> int:
    """Email a published report to each portal contact of the client; how many were sent."""
    sent = 0
    for contact in report_recipients(report.project):
        kind = "status_report.emailed"
        summary = gettext_noop("Status report %(number)s emailed to %(name)s")
        try:
            report_email_message(report, contact, site_url=site_url).send()
        except Exception:  # a mail server's failure must not hide the others
            logger.exception("Status report %s: the email to contact %s failed", report.pk, contact.pk)
            kind = "status_report.email_failed"
            summary = gettext_noop("Status report %(number)s could not be emailed to %(name)s")
        else:
            sent += 1
        event_record(
            kind=kind,
            summary=summary,
            params={"number": report.number, "name": contact.full_name},
            by=by,
            client=report.project.client,
            subject=report,
            data={"contact": contact.pk},
        )
    return sent


# --- panels -----------------------------------------------------------------------------------------

PANEL_KEY = "production.reports"


@dataclass
class ReportsCard(Card):
    """The staff panel also knows whether the viewer may prepare a report and the open draft."""

    can_prepare: bool = False
    draft: StatusReport | None = None


def reports_panel(project: Project, user: AnyUser, *, limit: int) -> Card | None:
    """The staff project page: the project's reports and the way to prepare the next one."""
    if _is_contact(user) or not can_view_project(user, project):
        return None
    reports = reports_of_project(project, user)
    total, capped = capped_count(reports)
    items = list(reports[:limit])
    # A project has at most one draft and it is always its newest report.
    draft = items[0] if items and items[0].is_draft else None
    return ReportsCard(
        key=PANEL_KEY,
        title=gettext_lazy("Status reports"),
        template="production/reports/panel.html",
        items=items or [None],  # an empty panel still offers the button: its template says so
        total=total,
        capped=capped,
        can_prepare=can_prepare_report(user, project),
        draft=draft,
    )


def portal_reports_panel(project: Project, user: AnyUser, *, limit: int) -> Card | None:
    """The client's project page: the published reports, newest first."""
    if not _is_contact(user):
        return None
    reports = reports_of_project(project, user)
    total, capped = capped_count(reports)
    return Card(
        key=PANEL_KEY,
        title=gettext_lazy("Status reports"),
        template="portal/reports/panel.html",
        items=list(reports[:limit]),
        total=total,
        capped=capped,
        empty=gettext_lazy("Your account manager has not published a status report yet."),
    )


def register_panels() -> None:
    """Called once from ``ProductionConfig.ready()``."""
    register_project_panel(PANEL_KEY, reports_panel, order=60)
    register_portal_project_panel(PANEL_KEY, portal_reports_panel, order=60)
