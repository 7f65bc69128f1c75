"""Status reports through the API: who reads and writes what, the client's view, bad input, and a
list that costs the same with 3 or 30 reports.

Client A's project belongs to ``am``; it has report 1 published and report 2 drafted. ``contact_a``
reads report 1 only; ``contact_b`` and ``other_am`` see nothing of it (404); ``finance`` reads and
never writes (403); ``specialist`` sees no report.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from khata.api.tests.helpers import call, results
from khata.clients.models import Client
from khata.people.models import User
from khata.plans.models import Project
from khata.plans.services import project_create
from khata.production import reports
from khata.production.models import StatusReport, Task

pytestmark = pytest.mark.django_db

URL = "/api/v1/status-reports/"


@pytest.fixture
def project(am: User, client_a: Client) -> Project:
    return project_create(client=client_a, by=am, name="Spring SEO push", services="SEO")


@pytest.fixture
def pair(project: Project, am: User, contact_a: User) -> tuple[StatusReport, StatusReport]:
    """Report 1 published (one task kept, one left out, one hidden), report 2 a draft."""
    done = timezone.now() - dt.timedelta(hours=3)
    shown = Task.objects.create(
        project=project, title="Keyword map", visible_to_client=True, status="done", done_at=done
    )
    left_out = Task.objects.create(
        project=project, title="Rough sketches", visible_to_client=True, status="done", done_at=done
    )
    Task.objects.create(project=project, title="Internal tooling", status="done", done_at=done)
    first = reports.report_draft(project=project, by=am)
    reports.report_update(report=first, by=am, summary="Steady.", left_out=[f"done:{left_out.pk}"])
    first = reports.report_publish(report=first, by=am)
    assert shown.pk
    second = reports.report_draft(project=project, by=am)
    return first, second


READ_LIST = {
    "admin": 2,
    "am": 2,
    "finance": 2,
    "other_am": 0,
    "specialist": 0,
    "contact_a": 1,
    "contact_b": 0,
}


@pytest.mark.parametrize("persona", ["anonymous", *READ_LIST])
def test_the_list_answers_each_persona(http_as: Any, pair: Any, persona: str) -> None:
    response = call(http_as(persona), "get", URL)
    if persona == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    assert len(results(response)) == READ_LIST[persona]


@pytest.mark.parametrize(
    ("persona", "published", "draft"),
    [
        ("admin", 200, 200),
        ("am", 200, 200),
        ("finance", 200, 200),
        ("other_am", 404, 404),
        ("specialist", 404, 404),
        ("contact_a", 200, 404),
        ("contact_b", 404, 404),
        ("anonymous", 401, 401),
    ],
)
def test_the_detail_answers_each_persona(
    http_as: Any, pair: Any, persona: str, published: int, draft: int
) -> None:
    first, second = pair
    assert call(http_as(persona), "get", f"{URL}{first.pk}/").status_code == published
    assert call(http_as(persona), "get", f"{URL}{second.pk}/").status_code == draft


def test_the_client_reads_only_what_was_kept(http_as: Any, pair: Any) -> None:
    first, _second = pair
    body = call(http_as("contact_a"), "get", f"{URL}{first.pk}/").json()
    assert [item["title"] for item in body["sections"]["done"]] == ["Keyword map"]
    assert "generated" not in body and "left_out" not in body
    staff = call(http_as("am"), "get", f"{URL}{first.pk}/").json()
    assert [item["title"] for item in staff["generated"]["done"]] == ["Keyword map", "Rough sketches"]
    assert len(staff["left_out"]) == 1


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("am", 200),
        ("admin", 200),
        ("finance", 403),
        ("other_am", 404),
        ("specialist", 404),
        ("contact_a", 404),
        ("contact_b", 404),
        ("anonymous", 401),
    ],
)
def test_editing_the_draft_answers_each_persona_and_a_refusal_changes_nothing(
    http_as: Any, pair: Any, persona: str, status: int
) -> None:
    _first, second = pair
    response = call(http_as(persona), "patch", f"{URL}{second.pk}/", {"summary": "New words"})
    assert response.status_code == status
    second.refresh_from_db()
    assert second.summary == ("New words" if status == 200 else "")


def test_a_contact_may_not_publish_its_own_report(http_as: Any, pair: Any) -> None:
    first, _second = pair
    assert call(http_as("contact_a"), "post", f"{URL}{first.pk}/publish/").status_code == 403


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("am", 201),
        ("admin", 201),
        ("finance", 403),
        ("specialist", 403),
        ("contact_a", 403),
        ("other_am", 400),
    ],
)
def test_drafting_answers_each_persona(http_as: Any, project: Project, persona: str, status: int) -> None:
    response = call(http_as(persona), "post", URL, {"project": project.pk})
    assert response.status_code == status
    assert StatusReport.objects.filter(project=project).count() == (1 if status == 201 else 0)
    if status == 201:
        assert response.json()["number"] == 1 and response.json()["status"] == "draft"


def test_a_second_draft_is_refused_with_a_field_error(http_as: Any, pair: Any, project: Project) -> None:
    response = call(http_as("am"), "post", URL, {"project": project.pk})
    assert response.status_code == 400
    assert "project" in response.json()
    assert StatusReport.objects.filter(project=project).count() == 2


def test_bad_edits_answer_400_and_change_nothing(http_as: Any, pair: Any) -> None:
    _first, second = pair
    http = http_as("am")
    unknown = call(http, "patch", f"{URL}{second.pk}/", {"summary": "x", "left_out": ["done:0"]})
    assert unknown.status_code == 400 and "left_out" in unknown.json()
    too_long = call(http, "patch", f"{URL}{second.pk}/", {"summary": "x" * (reports.SUMMARY_MAX + 1)})
    assert too_long.status_code == 400 and "summary" in too_long.json()
    no_words = call(http, "post", f"{URL}{second.pk}/publish/")
    assert no_words.status_code == 400 and "summary" in no_words.json()
    second.refresh_from_db()
    assert second.summary == "" and second.is_draft


def test_the_am_publishes_through_the_api(http_as: Any, pair: Any) -> None:
    first, second = pair
    http = http_as("am")
    mail.outbox.clear()
    assert call(http, "patch", f"{URL}{second.pk}/", {"summary": "More progress."}).status_code == 200
    assert call(http, "post", f"{URL}{second.pk}/refresh/").status_code == 200

    response = call(http, "post", f"{URL}{second.pk}/publish/")

    assert response.status_code == 200 and response.json()["status"] == "published"
    assert [message.to for message in mail.outbox] == [["priya@acme.test"]]
    frozen = call(http, "patch", f"{URL}{first.pk}/", {"summary": "Rewritten"})
    assert frozen.status_code == 400 and "status" in frozen.json()


def _many(project: Project, count: int) -> None:
    StatusReport.objects.all().delete()
    now = timezone.now()
    StatusReport.objects.bulk_create(
        StatusReport(
            project=project,
            number=n,
            status=StatusReport.Status.PUBLISHED,
            period_start=timezone.localdate(),
            period_end=timezone.localdate(),
            published_at=now,
            summary=f"Report {n}",
        )
        for n in range(1, count + 1)
    )


@pytest.mark.parametrize("persona", ["am", "contact_a"])
def test_the_list_costs_the_same_with_3_or_30_reports(
    http_as: Any, project: Project, contact_a: User, persona: str
) -> None:
    http = http_as(persona)
    counts = []
    for size in (3, 30):
        _many(project, size)
        call(http, "get", URL)
        with CaptureQueriesContext(connection) as queries:
            assert call(http, "get", URL).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
