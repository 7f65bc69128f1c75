"""Status reports: what generation picks from live data, the draft's edits, publishing that freezes
the report and emails each contact in their language, and who may do what."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from khata.clients.models import Client, Contact
from khata.core.models import Event
from khata.people.models import User
from khata.plans.models import PlanVersion, Project
from khata.plans.services import plan_item_add, plan_propose, plan_version_create
from khata.plans.status import project_statuses
from khata.production import reports
from khata.production.models import StatusReport, Task, TimeLog
from khata.production.reports import ReportError

pytestmark = pytest.mark.django_db


def make_task(project: Project, title: str, *, visible: bool = True, **fields: Any) -> Task:
    status = fields.pop("status", Task.Status.TO_DO)
    if status == Task.Status.DONE:
        fields.setdefault("done_at", timezone.now() - dt.timedelta(days=1))
    return Task.objects.create(
        project=project, title=title, visible_to_client=visible, status=status, **fields
    )


def titles(report: StatusReport, section: str) -> list[str]:
    return [item.get("title", item.get("kind", "")) for item in report.sections[section]]


def test_a_draft_picks_what_the_client_should_read(project: Project, am: User) -> None:
    today = timezone.localdate()
    make_task(project, "Keyword map", status=Task.Status.DONE)
    make_task(project, "Internal QA pass", visible=False, status=Task.Status.DONE)
    make_task(project, "Landing copy", due_date=today + dt.timedelta(days=5))
    make_task(project, "Secret tooling", visible=False, due_date=today + dt.timedelta(days=3))
    make_task(project, "Far future", due_date=today + dt.timedelta(days=60))
    make_task(project, "Audit", due_date=today - dt.timedelta(days=4), status=Task.Status.IN_PROGRESS)
    make_task(
        project,
        "Server move",
        status=Task.Status.BLOCKED,
        blocked_on=Task.BlockedOn.TEAM,
        due_date=today + dt.timedelta(days=2),
    )
    make_task(
        project,
        "Logo files",
        status=Task.Status.BLOCKED,
        blocked_on=Task.BlockedOn.CLIENT,
        blocked_reason="We need the vector logo.",
    )
    version = plan_version_create(project=project, by=am)
    plan_item_add(version=version, by=am, deliverable="Audit", price_minor=100)
    plan_propose(version=version, by=am)

    report = reports.report_draft(project=project, by=am)

    assert report.number == 1 and report.is_draft
    assert report.period_start == project.start_date and report.period_end == today
    assert titles(report, "done") == ["Keyword map"]
    # Within two weeks, or at least the next few by due date; the hidden task never.
    assert titles(report, "next") == ["Landing copy", "Far future"]
    risks = {item.get("title"): item for item in report.sections["risks"]}
    assert risks["Audit"]["kind"] == "late" and risks["Audit"]["days"] == 4
    assert risks["Server move"]["kind"] == "blocked"
    waiting = report.sections["client"]
    assert [item["kind"] for item in waiting] == ["plan", "task"]
    assert waiting[0]["version"] == version.pk and waiting[1]["reason"] == "We need the vector logo."
    assert report.sections["hidden"] == {"done": 1, "open": 1}
    assert Event.objects.filter(kind="status_report.drafted", subject_id=report.pk).count() == 1


def test_the_next_report_holds_only_what_was_done_since_the_last(project: Project, am: User) -> None:
    make_task(project, "First batch", status=Task.Status.DONE)
    first = reports.report_draft(project=project, by=am)
    first = reports.report_update(report=first, by=am, summary="A good start.")
    reports.report_publish(report=first, by=am)
    make_task(project, "Second batch", status=Task.Status.DONE, done_at=timezone.now())

    second = reports.report_draft(project=project, by=am)

    assert second.number == 2
    assert titles(second, "done") == ["Second batch"]
    assert second.period_start == first.period_end


def test_a_project_has_one_draft_at_a_time(project: Project, am: User) -> None:
    reports.report_draft(project=project, by=am)
    with pytest.raises(ReportError) as refused:
        reports.report_draft(project=project, by=am)
    assert "project" in refused.value.message_dict
    assert StatusReport.objects.filter(project=project).count() == 1


def test_the_am_leaves_items_out_and_words_the_report(project: Project, am: User) -> None:
    task = make_task(project, "Keyword map", status=Task.Status.DONE)
    report = reports.report_draft(project=project, by=am)

    report = reports.report_update(report=report, by=am, summary=" Steady. ", left_out=[f"done:{task.pk}"])

    assert report.summary == "Steady."
    assert reports.report_client_data(report)["done"] == []
    kept = reports.report_sections(report, for_client=False)[0].items
    assert [item["kept"] for item in kept] == [False]


def test_an_unknown_item_or_a_long_summary_changes_nothing(project: Project, am: User) -> None:
    report = reports.report_draft(project=project, by=am)
    with pytest.raises(ReportError) as refused:
        reports.report_update(report=report, by=am, summary="Words", left_out=["done:999999"])
    assert "left_out" in refused.value.message_dict
    with pytest.raises(ReportError) as refused:
        reports.report_update(report=report, by=am, summary="x" * (reports.SUMMARY_MAX + 1))
    assert "summary" in refused.value.message_dict
    report.refresh_from_db()
    assert report.summary == "" and report.sections["left_out"] == []


def test_refresh_takes_live_data_again_and_keeps_what_was_left_out(project: Project, am: User) -> None:
    kept_out = make_task(project, "Keyword map", status=Task.Status.DONE)
    report = reports.report_draft(project=project, by=am)
    reports.report_update(report=report, by=am, summary="", left_out=[f"done:{kept_out.pk}"])
    make_task(project, "Sitemap", status=Task.Status.DONE)

    report = reports.report_refresh(report=report, by=am)

    assert titles(report, "done") == ["Keyword map", "Sitemap"]
    assert report.sections["left_out"] == [f"done:{kept_out.pk}"]


def test_publishing_needs_the_ams_words(project: Project, am: User) -> None:
    report = reports.report_draft(project=project, by=am)
    with pytest.raises(ReportError) as refused:
        reports.report_publish(report=report, by=am)
    assert "summary" in refused.value.message_dict
    report.refresh_from_db()
    assert report.is_draft and mail.outbox == []


def test_a_published_report_is_frozen(project: Project, am: User) -> None:
    report = reports.report_draft(project=project, by=am)
    reports.report_update(report=report, by=am, summary="Done for now.")
    report = reports.report_publish(report=report, by=am)
    assert report.status == StatusReport.Status.PUBLISHED and report.published_by == am

    for attempt in (
        lambda: reports.report_update(report=report, by=am, summary="Changed"),
        lambda: reports.report_refresh(report=report, by=am),
        lambda: reports.report_publish(report=report, by=am),
    ):
        with pytest.raises(ReportError) as refused:
            attempt()
        assert refused.value.message_dict["status"] == [
            "This report is published and can no longer be changed."
        ]
    report.refresh_from_db()
    assert report.summary == "Done for now."


def _second_contact(client: Client, email: str, language: str) -> User:
    from conftest import _portal_contact

    user = _portal_contact(client, email, "Ravi Second")
    user.language = language
    user.save(update_fields=["language"])
    return user


def test_publishing_emails_each_portal_contact_in_their_language(
    project: Project, am: User, contact_a: User, client_a: Client
) -> None:
    contact_a.language = "hi"
    contact_a.save(update_fields=["language"])
    _second_contact(client_a, "ravi@acme.test", "ru")
    Contact.objects.create(client=client_a, full_name="No Portal", email="nop@acme.test")
    make_task(project, "Keyword map", status=Task.Status.DONE)
    report = reports.report_draft(project=project, by=am)
    reports.report_update(report=report, by=am, summary="Progress is steady.")

    reports.report_publish(report=report, by=am, site_url="https://khata.example")

    assert sorted(message.to[0] for message in mail.outbox) == ["priya@acme.test", "ravi@acme.test"]
    by_address = {message.to[0]: message for message in mail.outbox}
    params = {"number": 1, "project": project.name}
    with translation.override("hi"):
        hindi = _("Status report %(number)s: %(project)s") % params
    with translation.override("ru"):
        russian = _("Status report %(number)s: %(project)s") % params
    english = "Status report 1: Spring SEO push"
    assert hindi != english and russian != english
    assert by_address["priya@acme.test"].subject == hindi
    assert by_address["ravi@acme.test"].subject == russian
    hindi_mail = by_address["priya@acme.test"]
    link = f"https://khata.example/portal/reports/{report.pk}/"
    assert (
        link in hindi_mail.body
        and "Keyword map" in hindi_mail.body
        and "Progress is steady." in hindi_mail.body
    )
    assert isinstance(hindi_mail, EmailMultiAlternatives)
    html, kind = hindi_mail.alternatives[0]
    assert kind == "text/html" and link in str(html)
    assert Event.objects.filter(kind="status_report.emailed", subject_id=report.pk).count() == 2
    assert Event.objects.filter(kind="status_report.published", subject_id=report.pk).count() == 1


def test_a_failing_mail_server_leaves_the_report_published(
    project: Project, am: User, contact_a: User, settings: Any
) -> None:
    settings.MAILERS = {"default": {"BACKEND": "khata.production.tests.test_reports.BrokenBackend"}}
    report = reports.report_draft(project=project, by=am)
    reports.report_update(report=report, by=am, summary="Words.")

    reports.report_publish(report=report, by=am)

    report.refresh_from_db()
    assert report.status == StatusReport.Status.PUBLISHED
    assert Event.objects.filter(kind="status_report.email_failed", subject_id=report.pk).count() == 1


class BrokenBackend:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        raise OSError("The mail server is down.")


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("admin", True),
        ("am", True),
        ("other_am", False),
        ("finance", False),
        ("specialist", False),
        ("contact_a", False),
    ],
)
def test_who_may_prepare_a_report(
    personas: dict[str, User | None], project: Project, persona: str, allowed: bool
) -> None:
    user = personas[persona]
    assert user is not None
    assert reports.can_prepare_report(user, project) is allowed
    if allowed:
        assert reports.report_draft(project=project, by=user).number == 1
        return
    with pytest.raises(ReportError):
        reports.report_draft(project=project, by=user)
    assert not StatusReport.objects.exists()


def test_a_contact_lists_only_published_reports_of_its_company(
    project: Project, am: User, contact_a: User, contact_b: User
) -> None:
    published = reports.report_draft(project=project, by=am)
    reports.report_update(report=published, by=am, summary="Words.")
    reports.report_publish(report=published, by=am)
    draft = reports.report_draft(project=project, by=am)

    assert list(reports.report_list_for(contact_a)) == [published]
    assert list(reports.report_list_for(contact_b)) == []
    assert set(reports.report_list_for(am)) == {published, draft}


def test_a_plan_version_the_client_approved_no_longer_waits(
    project: Project, am: User, agreed: PlanVersion
) -> None:
    report = reports.report_draft(project=project, by=am)
    assert report.sections["client"] == []


def test_budget_burn_stays_inside_the_agency(project: Project, am: User, specialist: User) -> None:
    Project.objects.filter(pk=project.pk).update(budget_hours=1)
    project.refresh_from_db()
    task = make_task(project, "Keyword map", estimate_minutes=600)
    TimeLog.objects.create(task=task, user=specialist, minutes=300, on=timezone.localdate())
    status = project_statuses([project])[project.pk]
    assert status.level == "off_track" and [f.code for f in status.factors] == ["budget_over"]

    report = reports.report_draft(project=project, by=am)

    assert report.sections["risks"] == []


def test_a_late_project_tells_the_client_it_is_behind(project: Project, am: User) -> None:
    today = timezone.localdate()
    Project.objects.filter(pk=project.pk).update(
        start_date=today - dt.timedelta(days=30), target_date=today - dt.timedelta(days=3)
    )
    project.refresh_from_db()

    report = reports.report_draft(project=project, by=am)

    assert report.sections["risks"] == [
        {"key": "status:off_track", "kind": "status", "level": "off_track", "factors": ["target_passed"]}
    ]
