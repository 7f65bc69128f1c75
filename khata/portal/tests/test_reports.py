"""Status reports in the portal: the client reads its published reports; a draft or another
company's report answers 404; the project page's panel and the report page cost fixed queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from khata.clients.models import Client
from khata.people.models import User
from khata.plans.models import Project
from khata.plans.services import project_create
from khata.production import reports
from khata.production.models import StatusReport, Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(am: User, client_a: Client) -> Project:
    return project_create(client=client_a, by=am, name="Spring SEO push", services="SEO")


def _task(project: Project, title: str, *, visible: bool) -> Task:
    return Task.objects.create(
        project=project,
        title=title,
        visible_to_client=visible,
        status=Task.Status.DONE,
        done_at=timezone.now() - dt.timedelta(hours=2),
    )


@pytest.fixture
def published(project: Project, am: User) -> StatusReport:
    _task(project, "Keyword map", visible=True)
    _task(project, "Internal tooling", visible=False)
    left_out = _task(project, "Draft sketches", visible=True)
    report = reports.report_draft(project=project, by=am)
    reports.report_update(
        report=report, by=am, summary="Steady progress this fortnight.", left_out=[f"done:{left_out.pk}"]
    )
    return reports.report_publish(report=report, by=am)


def test_the_client_reads_a_published_report(http_as: Any, published: StatusReport) -> None:
    response = http_as("contact_a").get(reverse("portal:report", args=[published.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Steady progress this fortnight." in body and "Keyword map" in body
    assert "Internal tooling" not in body and "Draft sketches" not in body


def test_a_draft_answers_404_to_the_client(http_as: Any, project: Project, am: User) -> None:
    draft = reports.report_draft(project=project, by=am)
    assert http_as("contact_a").get(reverse("portal:report", args=[draft.pk])).status_code == 404


@pytest.mark.parametrize(
    ("persona", "status"), [("contact_b", 404), ("anonymous", 302), ("am", 302), ("admin", 302)]
)
def test_others_do_not_read_the_report_in_the_portal(
    http_as: Any, published: StatusReport, persona: str, status: int
) -> None:
    response = http_as(persona).get(reverse("portal:report", args=[published.pk]))
    assert response.status_code == status
    assert "Steady progress" not in response.content.decode()


def test_the_project_page_lists_only_published_reports(
    http_as: Any, published: StatusReport, am: User
) -> None:
    reports.report_draft(project=published.project, by=am)
    response = http_as("contact_a").get(reverse("portal:project", args=[published.project_id]))
    body = response.content.decode()
    assert reverse("portal:report", args=[published.pk]) in body
    assert body.count("Report 2") == 0


def _published(project: Project, count: int) -> None:
    now = timezone.now()
    StatusReport.objects.bulk_create(
        StatusReport(
            project=project,
            number=n,
            status=StatusReport.Status.PUBLISHED,
            period_start=timezone.localdate(),
            period_end=timezone.localdate(),
            published_at=now,
            sections={"done": [{"key": f"done:{n}", "task": n, "title": f"Work {n}", "date": "2026-11-01"}]},
            summary=f"Report {n}",
        )
        for n in range(1, count + 1)
    )


def test_the_portal_pages_cost_the_same_with_3_or_30_reports(
    http_as: Any, project: Project, contact_a: User
) -> None:
    http = http_as("contact_a")
    counts: dict[str, list[int]] = {"project": [], "report": []}
    for size in (3, 30):
        StatusReport.objects.all().delete()
        _published(project, size)
        newest = StatusReport.objects.order_by("-number").first()
        assert newest is not None
        for page, url in (
            ("project", reverse("portal:project", args=[project.pk])),
            ("report", reverse("portal:report", args=[newest.pk])),
        ):
            http.get(url)
            with CaptureQueriesContext(connection) as queries:
                assert http.get(url).status_code == 200
            counts[page].append(len(queries))
    assert counts["project"][0] == counts["project"][1]
    assert counts["report"][0] == counts["report"][1]


def test_a_hindi_speaking_contact_reads_the_report_in_hindi(
    http_as: Any, published: StatusReport, contact_a: User
) -> None:
    contact_a.language = "hi"
    contact_a.save(update_fields=["language"])
    body = http_as("contact_a").get(reverse("portal:report", args=[published.pk])).content.decode()
    assert "स्टेटस रिपोर्ट 1" in body and "पिछली रिपोर्ट के बाद पूरा हुआ" in body
