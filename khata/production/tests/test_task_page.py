"""The task page (comments, files, time, history), plan against actual, and the client's progress."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from khata.core.models import Event
from khata.people.models import Specialty, User
from khata.plans.models import PlanVersion, Project
from khata.production.models import Task, TaskAttachment, TaskComment, TimeLog
from khata.production.selectors import plan_actual_for, progress_by_project
from khata.production.services import task_assign, task_attach, task_move, tasks_from_plan, time_log

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n"
EXE = b"MZ\x90\x00\x03" + b"\x00" * 64


@pytest.fixture
def tasks(agreed: PlanVersion, am: User) -> dict[str, Task]:
    return {task.title: task for task in tasks_from_plan(version=agreed, by=am)}


@pytest.fixture
def task(tasks: dict[str, Task], am: User, specialist: User) -> Task:
    """The SEO audit of client A's project, assigned to the specialist."""
    return task_assign(task=tasks["SEO audit"], specialist=specialist, by=am)


@pytest.fixture
def other_specialist(db: Any, seo: Specialty) -> User:
    user = User.objects.create_user(
        email="sam@agency.test", password="x", role=User.Role.SPECIALIST, full_name="Sam Second"
    )
    user.specialties.add(seo)
    return user


def _http_user(user: User) -> Any:
    from django.test import Client as HttpClient

    http = HttpClient()
    http.force_login(user)
    return http


def _media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


# Client A's task assigned to the specialist: who opens its page.
PAGE = {"admin": 200, "am": 200, "other_am": 404, "finance": 200, "specialist": 200}


@pytest.mark.parametrize(
    "persona", ["anonymous", "contact_a", "contact_b", "admin", "am", "other_am", "finance", "specialist"]
)
def test_the_task_page_answers_each_persona(http_as: Any, task: Task, persona: str) -> None:
    response = http_as(persona).get(reverse("production:task", args=[task.pk]))
    if persona == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif persona.startswith("contact"):
        assert response.status_code == 403
    else:
        assert response.status_code == PAGE[persona]


def test_another_specialist_does_not_find_the_task(task: Task, other_specialist: User) -> None:
    http = _http_user(other_specialist)
    assert http.get(reverse("production:task", args=[task.pk])).status_code == 404


def test_the_task_page_shows_the_plan_item_time_comments_and_history(
    http_as: Any, task: Task, specialist: User
) -> None:
    time_log(task=task, by=specialist, minutes=90, on=timezone.localdate(), note="Crawled the site")
    response = http_as("specialist").get(reverse("production:task", args=[task.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "SEO audit" in page and "Spring SEO push" in page and "Acme Retail" in page
    assert "Crawled the site" in page
    assert "1.5 of 10 h logged" in page
    assert "assigned" in page  # the history: the assignment event
    assert "Log time" in page and "→ In progress" in page


def test_board_cards_lead_to_the_task_page(http_as: Any, task: Task) -> None:
    url = reverse("production:task", args=[task.pk])
    assert url in http_as("specialist").get(reverse("production:mine")).content.decode()
    assert url in http_as("am").get(reverse("production:project", args=[task.project_id])).content.decode()


def test_a_comment_is_added_from_the_task_page(http_as: Any, task: Task) -> None:
    url = reverse("production:comment", args=[task.pk])
    response = http_as("am").post(url, {"text": "  Start with speed  "})
    assert response.status_code == 302
    assert response["Location"].endswith(reverse("production:task", args=[task.pk]) + "#comments")
    comment = TaskComment.objects.get(task=task)
    assert comment.text == "Start with speed"
    assert Event.objects.filter(kind="production.task_commented", subject_id=task.pk).exists()


def test_an_empty_comment_is_refused_and_changes_nothing(http_as: Any, task: Task) -> None:
    events = Event.objects.count()
    response = http_as("am").post(reverse("production:comment", args=[task.pk]), {"text": "   "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not TaskComment.objects.exists() and Event.objects.count() == events


def test_a_contact_cannot_comment_on_a_staff_task(http_as: Any, task: Task) -> None:
    response = http_as("contact_a").post(reverse("production:comment", args=[task.pk]), {"text": "Hi"})
    assert response.status_code == 403
    assert not TaskComment.objects.exists()


def test_time_logged_from_the_task_page_returns_to_it(http_as: Any, task: Task) -> None:
    url = reverse("production:time", args=[task.pk])
    today = timezone.localdate().isoformat()
    response = http_as("specialist").post(url, {"hours": "2", "on": today, "board": "task"})
    assert response.status_code == 302 and response["Location"] == reverse("production:task", args=[task.pk])
    assert TimeLog.objects.get(task=task).minutes == 120
    refused = http_as("specialist").post(url, {"hours": "0", "on": today, "board": "task"})
    assert refused.status_code == 400
    assert "Nothing was changed." in refused.content.decode() and "SEO audit" in refused.content.decode()
    assert TimeLog.objects.count() == 1


def test_a_move_from_the_task_page_returns_to_it(http_as: Any, task: Task) -> None:
    response = http_as("specialist").post(
        reverse("production:move", args=[task.pk]), {"status": "in_progress", "board": "task"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("production:task", args=[task.pk])
    task.refresh_from_db()
    assert task.status == Task.Status.IN_PROGRESS


# --- files -----------------------------------------------------------------------------------------


def test_a_file_is_attached_checked_and_recorded(http_as: Any, task: Task, specialist: User) -> None:
    # The browser's word on the type is ignored.
    upload = SimpleUploadedFile("Audit plan.pdf", PDF, content_type="text/html")
    response = http_as("specialist").post(reverse("production:attach", args=[task.pk]), {"file": upload})
    assert response.status_code == 302
    attachment = TaskAttachment.objects.get(task=task)
    assert (attachment.name, attachment.content_type) == ("Audit plan.pdf", "application/pdf")
    assert attachment.size == len(PDF)
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    assert attachment.uploaded_by == specialist
    assert not str(attachment.file.name).endswith("Audit plan.pdf")  # stored under a name of our own
    event = Event.objects.get(kind="production.task_file_attached")
    assert event.subject_id == task.pk and event.data["sha256"] == attachment.sha256
    page = http_as("am").get(reverse("production:task", args=[task.pk])).content.decode()
    assert "Audit plan.pdf" in page and reverse("production:attachment", args=[attachment.pk]) in page


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("invoice.pdf", EXE, "This file is not a PDF"),
        ("page.html", b"<html><script>alert(1)</script></html>", "Web pages and SVG images are not accepted"),
        ("empty.txt", b"", "The submitted file is empty."),
    ],
)
def test_a_refused_file_leaves_nothing_behind(
    http_as: Any, task: Task, name: str, content: bytes, message: str
) -> None:
    events = Event.objects.count()
    response = http_as("specialist").post(
        reverse("production:attach", args=[task.pk]), {"file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not TaskAttachment.objects.exists() and Event.objects.count() == events
    assert _media_files() == []


def test_a_file_over_the_limit_is_refused(http_as: Any, task: Task, settings: Any) -> None:
    settings.KHATA_UPLOAD_MAX_BYTES = 20
    response = http_as("am").post(
        reverse("production:attach", args=[task.pk]), {"file": SimpleUploadedFile("a.pdf", PDF)}
    )
    assert response.status_code == 400 and "too large" in response.content.decode()
    assert not TaskAttachment.objects.exists()


# Who attaches a file to client A's task (assigned to the specialist).
ATTACH = {"admin": 302, "am": 302, "specialist": 302, "finance": 403, "other_am": 404, "contact_a": 403}


@pytest.mark.parametrize("persona", list(ATTACH))
def test_who_may_attach_a_file(http_as: Any, task: Task, persona: str) -> None:
    response = http_as(persona).post(
        reverse("production:attach", args=[task.pk]), {"file": SimpleUploadedFile("a.pdf", PDF)}
    )
    assert response.status_code == ATTACH[persona]
    assert TaskAttachment.objects.exists() == (ATTACH[persona] == 302)


# Who downloads it.
DOWNLOAD = {"admin": 200, "am": 200, "specialist": 200, "finance": 200, "other_am": 404, "contact_a": 403}


@pytest.mark.parametrize("persona", [*DOWNLOAD, "anonymous", "contact_b"])
def test_a_file_is_downloaded_only_by_those_who_see_the_task(
    http_as: Any, task: Task, specialist: User, persona: str
) -> None:
    attachment = task_attach(task=task, by=specialist, file=SimpleUploadedFile('../Audit "plan".pdf', PDF))
    response = http_as(persona).get(reverse("production:attachment", args=[attachment.pk]))
    if persona == "anonymous":
        assert response.status_code == 302
        return
    assert response.status_code == DOWNLOAD.get(persona, 403)
    if response.status_code == 200:
        assert response["Content-Disposition"] == 'attachment; filename="Audit plan.pdf"'
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == PDF


def test_another_specialist_cannot_download(task: Task, specialist: User, other_specialist: User) -> None:
    attachment = task_attach(task=task, by=specialist, file=SimpleUploadedFile("a.pdf", PDF))
    http = _http_user(other_specialist)
    assert http.get(reverse("production:attachment", args=[attachment.pk])).status_code == 404


def test_the_task_page_costs_the_same_queries_for_3_and_30_rows(
    http_as: Any, task: Task, specialist: User, am: User
) -> None:
    url = reverse("production:task", args=[task.pk])
    http = http_as("am")

    def plant(n: int) -> None:
        for i in range(n):
            time_log(task=task, by=specialist, minutes=30, on=timezone.localdate(), note=f"Work {i}")
            TaskComment.objects.create(task=task, author=am, text=f"Comment {i}")
            task_attach(task=task, by=specialist, file=SimpleUploadedFile(f"f{i}.txt", b"notes\n"))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert http.get(url).status_code == 200
        return len(captured)

    plant(3)
    few = queries()
    plant(27)
    assert queries() == few


# --- plan against actual ---------------------------------------------------------------------------


def test_plan_against_actual_compares_hours_and_dates(
    task: Task, tasks: dict[str, Task], project: Project, specialist: User, am: User
) -> None:
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    time_log(task=task, by=specialist, minutes=660, on=yesterday)  # 11 h against 10
    task_move(task=task, status="in_progress", by=specialist)
    task_move(task=task, status="done", by=specialist)
    copy = tasks["Landing page copy"]
    assert copy.due_date is not None
    Task.objects.filter(pk=copy.pk).update(due_date=copy.due_date + dt.timedelta(days=3))
    outside = Task.objects.create(project=project, title="Extra call", assignee=specialist)
    time_log(task=outside, by=specialist, minutes=45, on=yesterday)

    plan = plan_actual_for(project)
    assert plan is not None
    audit, landing = plan.rows
    assert (audit.estimate_minutes, audit.logged_minutes, audit.variance_minutes) == (600, 660, 60)
    assert audit.over_hours and not audit.forecast
    assert audit.finish == timezone.localdate()
    assert audit.days_late == (timezone.localdate() - audit.item.due_date).days  # type: ignore[operator]
    assert landing.forecast and landing.finish == landing.item.due_date + dt.timedelta(days=3)  # type: ignore[operator]
    assert landing.days_late == 3 and landing.late
    assert (plan.estimate_minutes, plan.logged_minutes, plan.outside_minutes) == (840, 660, 45)


def test_plan_against_actual_shows_no_difference_before_work_starts(
    http_as: Any, task: Task, tasks: dict[str, Task], project: Project, specialist: User
) -> None:
    plan = plan_actual_for(project)
    assert plan is not None
    assert all(row.not_started and not row.variance_known for row in plan.rows)
    assert plan.not_started and not plan.variance_known
    board = http_as("am").get(reverse("production:project", args=[project.pk])).content.decode()
    table = board[board.index('id="plan-actual"') :]
    assert "not started" in table and "−" not in table and "-10" not in table
    assert "expected" not in table  # open work due on its planned day: nothing to add to the date
    # Work under way below its estimate is not "under budget" yet; over it, it is over.
    time_log(task=task, by=specialist, minutes=120, on=timezone.localdate())
    audit = plan_actual_for(project).rows[0]  # type: ignore[union-attr]
    assert not audit.not_started and not audit.variance_known
    time_log(task=task, by=specialist, minutes=600, on=timezone.localdate())
    audit = plan_actual_for(project).rows[0]  # type: ignore[union-attr]
    assert audit.variance_known and audit.variance_minutes == 120
    # Done under the estimate: the saving is real now.
    Task.objects.filter(pk=tasks["Landing page copy"].pk).update(status="done", done_at=timezone.now())
    plan = plan_actual_for(project)
    assert plan is not None
    landing = plan.rows[1]
    assert landing.done and landing.variance_known and landing.variance_minutes == -240
    # 720 logged against 840 reads as a saving, yet the audit is open and over: no total yet.
    assert not plan.variance_known and not plan.not_started


def test_no_plan_against_actual_before_a_plan_is_agreed(project: Project) -> None:
    assert plan_actual_for(project) is None


def test_the_project_page_shows_plan_against_actual(http_as: Any, task: Task, specialist: User) -> None:
    time_log(task=task, by=specialist, minutes=120, on=timezone.localdate())
    page = http_as("am").get(reverse("plans:detail", args=[task.project_id])).content.decode()
    assert "Plan against actual" in page and "panel-productionplan_vs_actual" in page
    assert reverse("production:task", args=[task.pk]) in page
    board = http_as("am").get(reverse("production:project", args=[task.project_id])).content.decode()
    assert 'id="plan-actual"' in board


@pytest.mark.parametrize("url_name", ["plans:detail", "production:project"])
def test_plan_against_actual_costs_the_same_queries_for_3_and_30_items(
    http_as: Any, project: Project, am: User, approver_a: User, seo: Specialty, url_name: str
) -> None:
    from khata.plans.models import Approval
    from khata.plans.services import (
        plan_approve,
        plan_item_add,
        plan_propose,
        plan_version_create,
        project_create,
    )

    def agree(target: Project, n: int) -> None:
        version = plan_version_create(project=target, by=am)
        for i in range(n):
            plan_item_add(
                version=version,
                by=am,
                deliverable=f"Item {i}",
                specialty=seo,
                estimate_minutes=60,
                due_date=dt.date(2026, 12, 1) + dt.timedelta(days=i),
                price_minor=100,
            )
        plan_propose(version=version, by=am)
        plan_approve(version=version, by=am, side=Approval.Side.COMPANY)
        plan_approve(version=version, by=approver_a, side=Approval.Side.CLIENT)
        version.refresh_from_db()
        tasks_from_plan(version=version, by=am)

    http = http_as("am")

    def queries(target: Project) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert http.get(reverse(url_name, args=[target.pk])).status_code == 200
        return len(captured)

    bigger = project_create(client=project.client, by=am, name="Bigger push", services="seo")
    agree(project, 3)
    agree(bigger, 30)
    assert queries(bigger) == queries(project)


# --- the client's view of progress ----------------------------------------------------------------


def test_the_portal_shows_progress_and_only_the_tasks_made_visible(
    http_as: Any, tasks: dict[str, Task], task: Task, am: User, specialist: User
) -> None:
    from khata.production.services import task_set_visibility

    task_set_visibility(task=task, by=am, visible=True)
    task_move(task=task, status="in_progress", by=specialist)
    task_move(task=task, status="done", by=specialist)
    url = reverse("portal:project", args=[task.project_id])
    page = http_as("contact_a").get(url).content.decode()
    assert "SEO audit" in page
    assert "Landing page copy" not in page  # hidden from the client
    assert "71% of the agreed work is done." in page  # 600 of 840 estimated minutes
    assert http_as("contact_b").get(url).status_code == 404


def test_progress_counts_done_tasks_without_an_agreed_estimate(project: Project, specialist: User) -> None:
    Task.objects.create(project=project, title="One")
    Task.objects.create(project=project, title="Two", status="done", done_at=timezone.now())
    progress = progress_by_project([project.pk])[project.pk]
    assert (progress.percent, progress.done, progress.total, progress.by_estimate) == (50, 1, 2, False)


@pytest.mark.parametrize(
    ("done", "total", "percent"),
    [(0, 3, 0), (1, 3, 33), (2, 3, 67), (3, 3, 100), (1, 1000, 1), (999, 1000, 99), (1, 2, 50)],
)
def test_progress_rounds_to_the_nearest_percent_but_never_claims_all_or_nothing(
    project: Project, done: int, total: int, percent: int
) -> None:
    from khata.production.selectors import percent_of

    assert percent_of(done, total) == percent


def test_two_of_three_tasks_done_read_67_percent(project: Project) -> None:
    for i in range(3):
        done = i < 2
        Task.objects.create(
            project=project,
            title=f"T{i}",
            status="done" if done else "todo",
            done_at=timezone.now() if done else None,
        )
    assert progress_by_project([project.pk])[project.pk].percent == 67


def test_the_portal_project_page_costs_the_same_queries_for_3_and_30_tasks(
    http_as: Any, project: Project
) -> None:
    http = http_as("contact_a")
    url = reverse("portal:project", args=[project.pk])

    def plant(n: int) -> None:
        Task.objects.bulk_create(
            Task(project=project, title=f"Shown {i}", visible_to_client=True, due_date=dt.date(2026, 12, 1))
            for i in range(n)
        )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert http.get(url).status_code == 200
        return len(captured)

    plant(3)
    few = queries()
    plant(27)
    assert queries() == few


def test_the_portal_projects_list_shows_progress_in_fixed_queries(
    http_as: Any, project: Project, am: User
) -> None:
    from khata.plans.services import project_create

    http = http_as("contact_a")
    url = reverse("portal:projects")
    Task.objects.create(project=project, title="One", status="done", done_at=timezone.now())
    Task.objects.create(project=project, title="Two")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = http.get(url)
            assert response.status_code == 200
        assert 'value="50"' in response.content.decode()
        return len(captured)

    few = queries()
    for n in range(12):
        other = project_create(client=project.client, by=am, name=f"Project {n}")
        Task.objects.create(project=other, title="Work", status="done", done_at=timezone.now())
    assert queries() == few
