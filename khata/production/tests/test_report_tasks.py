"""A published report's emails wait in the database until the worker sends them."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from khata.core.models import Event
from khata.people.models import User
from khata.plans.models import Project
from khata.production import reports
from khata.production.models import StatusReport


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_a_published_reports_emails(
    project: Project, am: User, contact_a: User, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    report = reports.report_draft(project=project, by=am)
    reports.report_update(report=report, by=am, summary="Progress is steady.")

    reports.report_publish(report=report, by=am, site_url="https://khata.example")

    report.refresh_from_db()
    assert report.status == StatusReport.Status.PUBLISHED
    assert mail.outbox == []
    assert DBTaskResult.objects.get().task_path == "khata.production.tasks.report_email_task"

    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)

    assert [message.to for message in mail.outbox] == [["priya@acme.test"]]
    assert f"https://khata.example/portal/reports/{report.pk}/" in mail.outbox[0].body
    emailed = Event.objects.get(kind="status_report.emailed", subject_id=report.pk)
    assert emailed.actor == am and emailed.client_id == project.client_id
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@pytest.mark.django_db
def test_a_report_published_without_notice_enqueues_nothing(
    project: Project, am: User, contact_a: User, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    report = reports.report_draft(project=project, by=am)
    reports.report_update(report=report, by=am, summary="History.")

    reports.report_publish(report=report, by=am, notify=False)

    assert DBTaskResult.objects.count() == 0 and mail.outbox == []
