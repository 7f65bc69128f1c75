"""The staff pages of status reports: who may open and change what, bad input, publishing through
the page, and the project panel's fixed number of queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from khata.people.models import User
from khata.plans.models import Project
from khata.production import reports
from khata.production.models import StatusReport, Task

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "contact_a", "contact_b", "admin", "am", "other_am", "finance", "specialist"]


@pytest.fixture
def draft(project: Project, am: User) -> StatusReport:
    Task.objects.create(
        project=project,
        title="Keyword map",
        visible_to_client=True,
        status=Task.Status.DONE,
        done_at=timezone.now() - dt.timedelta(days=1),
    )
    return reports.report_draft(project=project, by=am)


READ = {"admin": 200, "am": 200, "other_am": 404, "finance": 200, "specialist": 404}


@pytest.mark.parametrize("page", ["detail", "edit"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_report_pages_answer_each_persona(http_as: Any, draft: StatusReport, page: str, persona: str) -> None:
    response = http_as(persona).get(reverse(f"reports:{page}", args=[draft.pk]))
    if persona == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif persona.startswith("contact"):
        assert response.status_code == 403
    else:
        assert response.status_code == READ[persona]


WRITE = {"admin": 302, "am": 302, "other_am": 404, "finance": 403, "specialist": 404}


@pytest.mark.parametrize("action", ["edit", "refresh", "publish"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_report_writes_answer_each_persona_and_a_refusal_changes_nothing(
    http_as: Any, draft: StatusReport, action: str, persona: str
) -> None:
    response = http_as(persona).post(
        reverse(f"reports:{action}", args=[draft.pk]), {"summary": "Changed by a page."}
    )
    expected = 302 if persona == "anonymous" else 403 if persona.startswith("contact") else WRITE[persona]
    if action == "publish" and expected == 302 and persona != "anonymous":
        expected = 400  # allowed, but a report is not published without the AM's words
    assert response.status_code == expected
    if expected != 302 or persona == "anonymous":
        draft.refresh_from_db()
        assert draft.summary == "" and draft.is_draft


@pytest.mark.parametrize("persona", PERSONAS)
def test_preparing_a_report_answers_each_persona(http_as: Any, project: Project, persona: str) -> None:
    response = http_as(persona).post(reverse("reports:new", args=[project.pk]))
    expected = {"anonymous": 302, "contact_a": 403, "contact_b": 403} | WRITE
    assert response.status_code == expected[persona]
    made = StatusReport.objects.filter(project=project).count()
    assert made == (1 if persona in {"admin", "am"} else 0)


def test_preparing_again_opens_the_draft(http_as: Any, draft: StatusReport) -> None:
    response = http_as("am").post(reverse("reports:new", args=[draft.project_id]))
    assert response["Location"] == reverse("reports:edit", args=[draft.pk])
    assert StatusReport.objects.count() == 1


def test_the_am_leaves_an_item_out_and_saves_words(http_as: Any, draft: StatusReport) -> None:
    page = http_as("am").get(reverse("reports:edit", args=[draft.pk]))
    assert b"Only tasks shown to the client appear in this report." in page.content
    assert b"Keyword map" in page.content

    response = http_as("am").post(reverse("reports:edit", args=[draft.pk]), {"summary": "All good."})

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.summary == "All good."
    assert draft.sections["left_out"] == [draft.sections["done"][0]["key"]]


def test_a_summary_too_long_answers_400_and_changes_nothing(http_as: Any, draft: StatusReport) -> None:
    key = draft.sections["done"][0]["key"]
    response = http_as("am").post(
        reverse("reports:edit", args=[draft.pk]), {"summary": "x" * (reports.SUMMARY_MAX + 1), "keep": [key]}
    )
    assert response.status_code == 400
    assert b"field__errors" in response.content
    draft.refresh_from_db()
    assert draft.summary == ""


def test_publishing_without_words_answers_400(http_as: Any, draft: StatusReport) -> None:
    response = http_as("am").post(reverse("reports:publish", args=[draft.pk]))
    assert response.status_code == 400
    assert b"Add a few words of your own" in response.content
    draft.refresh_from_db()
    assert draft.is_draft


def test_the_am_confirms_then_publishes(http_as: Any, draft: StatusReport, am: User, contact_a: User) -> None:
    reports.report_update(report=draft, by=am, summary="Steady progress.")
    confirm = http_as("am").get(reverse("reports:publish", args=[draft.pk]))
    assert confirm.status_code == 200 and b"priya@acme.test" in confirm.content

    response = http_as("am").post(reverse("reports:publish", args=[draft.pk]))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == StatusReport.Status.PUBLISHED
    assert [message.to for message in mail.outbox] == [["priya@acme.test"]]
    assert f"http://testserver/portal/reports/{draft.pk}/" in mail.outbox[0].body
    # Frozen: the edit page now leads to the read view, and a write is refused.
    assert http_as("am").get(reverse("reports:edit", args=[draft.pk]))["Location"] == reverse(
        "reports:detail", args=[draft.pk]
    )
    refused = http_as("am").post(reverse("reports:refresh", args=[draft.pk]))
    assert refused.status_code == 400


def test_the_project_page_shows_the_panel_with_its_button(http_as: Any, project: Project) -> None:
    page = http_as("am").get(reverse("plans:detail", args=[project.pk]))
    assert b"Prepare a status report" in page.content
    finance = http_as("finance").get(reverse("plans:detail", args=[project.pk]))
    assert b"Status reports" in finance.content and b"Prepare a status report" not in finance.content


def _reports(project: Project, count: int) -> None:
    now = timezone.now()
    StatusReport.objects.bulk_create(
        StatusReport(
            project=project,
            number=n,
            status=StatusReport.Status.PUBLISHED,
            period_start=project.start_date or timezone.localdate(),
            period_end=timezone.localdate(),
            published_at=now,
            summary=f"Report {n}",
        )
        for n in range(1, count + 1)
    )


def test_the_panel_costs_two_queries_whatever_the_size(
    project: Project, am: User, django_assert_num_queries: Any
) -> None:
    _reports(project, 3)
    with django_assert_num_queries(2):
        card = reports.reports_panel(project, am, limit=8)
    assert card is not None and card.total == 3
    StatusReport.objects.all().delete()
    _reports(project, 30)
    with django_assert_num_queries(2):
        card = reports.reports_panel(project, am, limit=8)
    assert card is not None and card.total == 30 and len(card.items) == 8


def test_the_project_page_costs_the_same_with_3_or_30_reports(http_as: Any, project: Project) -> None:
    http = http_as("am")
    url = reverse("plans:detail", args=[project.pk])
    counts = []
    for size in (3, 30):
        StatusReport.objects.all().delete()
        _reports(project, size)
        http.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert http.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
