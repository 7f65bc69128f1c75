"""The task boards: who may open and change what, moves and time through the pages, the Today
cards, and a fixed number of queries per board."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from khata.clients.models import Client
from khata.people.models import Specialty, User
from khata.plans.models import PlanVersion, Project
from khata.production.models import Task, TimeLog
from khata.production.services import task_assign, tasks_from_plan

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def task(agreed: PlanVersion, am: User, specialist: User) -> Task:
    """The SEO audit of client A's project, assigned to the specialist, late by two days."""
    tasks = tasks_from_plan(version=agreed, by=am)
    audit = next(t for t in tasks if t.title == "SEO audit")
    task_assign(task=audit, specialist=specialist, by=am)
    Task.objects.filter(pk=audit.pk).update(due_date=timezone.localdate() - dt.timedelta(days=2))
    audit.refresh_from_db()
    return audit


@pytest.fixture
def other_project(other_am: User, client_b: Client) -> Project:
    from khata.plans.services import project_create

    return project_create(client=client_b, by=other_am, name="Borealis ads")


PAGES: dict[str, dict[str, int]] = {
    "portfolio": {"admin": 200, "am": 200, "other_am": 200, "finance": 200, "specialist": 302},
    "mine": {"admin": 200, "am": 200, "other_am": 200, "finance": 200, "specialist": 200},
    "project": {"admin": 200, "am": 200, "other_am": 404, "finance": 200, "specialist": 404},
}


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize(
    "persona", ["anonymous", "contact_a", "contact_b", "admin", "am", "other_am", "finance", "specialist"]
)
def test_board_pages_answer_each_persona(http_as: Any, task: Task, page: str, persona: str) -> None:
    url = {
        "portfolio": reverse("production:portfolio"),
        "mine": reverse("production:mine"),
        "project": reverse("production:project", args=[task.project_id]),
    }[page]
    response = http_as(persona).get(url)
    if persona == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif persona.startswith("contact"):
        assert response.status_code == 403
    else:
        assert response.status_code == PAGES[page][persona]


def _writes(task: Task) -> dict[str, tuple[str, dict[str, str]]]:
    return {
        "move": (reverse("production:move", args=[task.pk]), {"status": "in_progress", "board": "mine"}),
        "time": (
            reverse("production:time", args=[task.pk]),
            {"hours": "1.5", "on": timezone.localdate().isoformat(), "board": "mine"},
        ),
        "visibility": (
            reverse("production:visibility", args=[task.pk]),
            {"visible": "on", "board": "project"},
        ),
        "assign": (reverse("production:assign", args=[task.pk]), {"assignee": "0", "board": "project"}),
    }


# Who may do each write on client A's task assigned to the specialist.
WRITES: dict[str, dict[str, int]] = {
    "move": {"am": 302, "admin": 302, "specialist": 302, "finance": 403, "other_am": 404},
    "time": {"am": 403, "admin": 403, "specialist": 302, "finance": 403, "other_am": 404},
    "visibility": {"am": 302, "admin": 302, "specialist": 403, "finance": 403, "other_am": 404},
}


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize(
    "persona", ["anonymous", "contact_a", "admin", "am", "other_am", "finance", "specialist"]
)
def test_task_writes_follow_roles_and_denied_ones_change_nothing(
    http_as: Any, task: Task, write: str, persona: str
) -> None:
    url, data = _writes(task)[write]
    before = (task.status, task.visible_to_client, TimeLog.objects.count())
    response = http_as(persona).post(url, data)
    if persona == "anonymous":
        expected = 302
        assert "/accounts/login/" in response["Location"]
    elif persona == "contact_a":
        expected = 403
    else:
        expected = WRITES[write][persona]
    assert response.status_code == expected
    task.refresh_from_db()
    after = (task.status, task.visible_to_client, TimeLog.objects.count())
    assert (after != before) == (expected == 302 and persona != "anonymous")


def test_specialist_gets_404_on_a_task_of_someone_else(http_as: Any, agreed: PlanVersion, am: User) -> None:
    copy_task = next(t for t in tasks_from_plan(version=agreed, by=am) if t.title == "Landing page copy")
    response = http_as("specialist").post(
        reverse("production:move", args=[copy_task.pk]), {"status": "in_progress"}
    )
    assert response.status_code == 404
    copy_task.refresh_from_db()
    assert copy_task.status == Task.Status.TO_DO


def test_my_tasks_shows_only_the_specialists_own_tasks(http_as: Any, task: Task) -> None:
    page = http_as("specialist").get(reverse("production:mine")).content.decode()
    assert "SEO audit" in page
    assert "Landing page copy" not in page


def test_specialist_moves_a_task_along_the_board_with_htmx(http_as: Any, task: Task) -> None:
    http = http_as("specialist")
    response = http.post(
        reverse("production:move", args=[task.pk]),
        {"status": "in_progress", "board": "mine"},
        follow=True,
        **HTMX,
    )
    assert response.status_code == 200
    assert 'id="board"' in response.content.decode()
    task.refresh_from_db()
    assert task.status == Task.Status.IN_PROGRESS
    http.post(reverse("production:move", args=[task.pk]), {"status": "done", "board": "mine"})
    task.refresh_from_db()
    assert task.status == Task.Status.DONE


def test_blocking_needs_a_reason_and_a_refusal_changes_nothing(http_as: Any, task: Task) -> None:
    url = reverse("production:move", args=[task.pk])
    response = http_as("specialist").post(url, {"status": "blocked", "blocked_on": "client", "board": "mine"})
    assert response.status_code == 400
    assert "Say why the task is blocked." in response.content.decode()
    task.refresh_from_db()
    assert task.status == Task.Status.TO_DO
    http_as("specialist").post(
        url, {"status": "blocked", "blocked_on": "client", "reason": "Waiting for logins", "board": "mine"}
    )
    task.refresh_from_db()
    assert (task.status, task.blocked_on, task.blocked_reason) == ("blocked", "client", "Waiting for logins")


def test_a_refused_block_shows_its_error_in_that_card_and_keeps_the_choice(http_as: Any, task: Task) -> None:
    response = http_as("specialist").post(
        reverse("production:move", args=[task.pk]),
        {"status": "blocked", "blocked_on": "team", "reason": "  ", "board": "mine"},
        **HTMX,
    )
    assert response.status_code == 400
    page = response.content.decode()
    card = page[page.index(f'id="task-{task.pk}"') :]
    card = card[: card.index("</section>")]
    assert "Say why the task is blocked." in card
    assert '<details class="task-card__more" open>' in card
    assert '<option value="team" selected>' in card
    # The error is said once, in the card, not again above the columns.
    assert page.count("Say why the task is blocked.") == 1
    task.refresh_from_db()
    assert task.status == Task.Status.TO_DO


def test_a_refused_time_log_keeps_the_hours_and_note_in_its_card(http_as: Any, task: Task) -> None:
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = http_as("specialist").post(
        reverse("production:time", args=[task.pk]),
        {"hours": "2.5", "on": future, "note": "Crawl", "board": "mine"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    card = page[page.index(f'id="task-{task.pk}"') :]
    card = card[: card.index("</section>")]
    assert 'value="2.5"' in card and 'value="Crawl"' in card and "Nothing was changed." in card
    assert not TimeLog.objects.exists()


def test_the_suggested_specialist_is_marked_with_a_short_star(
    http_as: Any, agreed: PlanVersion, am: User, specialist: User
) -> None:
    tasks_from_plan(version=agreed, by=am)
    page = http_as("am").get(reverse("production:project", args=[agreed.project_id])).content.decode()
    assert f'<option value="{specialist.pk}" selected title="suggested">★ ' in page
    assert "· suggested" not in page


def test_a_move_the_board_does_not_allow_answers_400(http_as: Any, task: Task) -> None:
    response = http_as("specialist").post(
        reverse("production:move", args=[task.pk]), {"status": "in_review", "board": "mine"}
    )
    assert response.status_code == 400
    task.refresh_from_db()
    assert task.status == Task.Status.TO_DO


def test_specialist_logs_time_and_a_future_day_is_refused(http_as: Any, task: Task) -> None:
    url = reverse("production:time", args=[task.pk])
    today = timezone.localdate()
    assert http_as("specialist").post(url, {"hours": "1.5", "on": today.isoformat()}).status_code == 302
    assert list(TimeLog.objects.values_list("minutes", flat=True)) == [90]
    future = (today + dt.timedelta(days=1)).isoformat()
    assert http_as("specialist").post(url, {"hours": "1", "on": future}).status_code == 400
    assert TimeLog.objects.count() == 1


def test_project_board_preselects_the_suggested_specialist_and_assigns(
    http_as: Any, agreed: PlanVersion, am: User, specialist: User, seo: Specialty
) -> None:
    tasks_from_plan(version=agreed, by=am)
    audit = Task.objects.get(title="SEO audit")
    page = http_as("am").get(reverse("production:project", args=[agreed.project_id])).content.decode()
    assert f'<option value="{specialist.pk}" selected' in page
    response = http_as("am").post(
        reverse("production:assign", args=[audit.pk]), {"assignee": str(specialist.pk), "board": "project"}
    )
    assert response.status_code == 302
    audit.refresh_from_db()
    assert audit.assignee == specialist


def test_assigning_a_specialist_of_another_specialty_is_refused(
    http_as: Any, agreed: PlanVersion, am: User, specialist: User
) -> None:
    tasks_from_plan(version=agreed, by=am)
    copy_task = Task.objects.get(title="Landing page copy")
    response = http_as("am").post(
        reverse("production:assign", args=[copy_task.pk]),
        {"assignee": str(specialist.pk), "board": "project"},
    )
    assert response.status_code == 400
    copy_task.refresh_from_db()
    assert copy_task.assignee is None


def test_am_creates_tasks_from_the_agreed_plan(http_as: Any, agreed: PlanVersion) -> None:
    url = reverse("production:project", args=[agreed.project_id])
    assert "Create tasks from the agreed plan" in http_as("am").get(url).content.decode()
    response = http_as("am").post(reverse("production:from_plan", args=[agreed.project_id]))
    assert response.status_code == 302
    assert Task.objects.filter(project_id=agreed.project_id).count() == 2
    assert "Create tasks from the agreed plan" not in http_as("am").get(url).content.decode()
    assert (
        http_as("finance").post(reverse("production:from_plan", args=[agreed.project_id])).status_code == 403
    )


def test_finance_reads_the_project_board_without_buttons(http_as: Any, task: Task) -> None:
    page = http_as("finance").get(reverse("production:project", args=[task.project_id])).content.decode()
    assert "SEO audit" in page
    assert reverse("production:move", args=[task.pk]) not in page


def test_today_board_shows_a_late_task_to_the_am_and_to_the_specialist(http_as: Any, task: Task) -> None:
    for persona in ("am", "specialist"):
        page = http_as(persona).get("/").content.decode()
        assert "SEO audit" in page
        assert "Late: due" in page


def test_today_board_shows_tasks_waiting_on_the_client(http_as: Any, task: Task, specialist: User) -> None:
    from khata.production.services import task_move

    task_move(task=task, status="blocked", by=specialist, blocked_on="client", reason="Waiting for logins")
    page = http_as("am").get("/").content.decode()
    assert "Tasks waiting on the client" in page
    assert "Waiting for logins" in page


def test_today_board_shows_tasks_blocked_in_the_team_to_their_am_only(
    http_as: Any, task: Task, specialist: User
) -> None:
    from khata.production.services import task_move

    task_move(task=task, status="blocked", by=specialist, blocked_on="team", reason="Needs the designer")
    board = http_as("am").get("/")
    card = next(card for card in board.context["board"].cards if card.key == "production.blocked_on_team")
    assert [item.pk for item in card.items] == [task.pk]
    assert "Needs the designer" in board.content.decode()
    other = http_as("other_am").get("/").context["board"].cards
    assert [card.total for card in other if card.key == "production.blocked_on_team"] == [0]


def test_portfolio_lists_late_tasks_and_the_workload(http_as: Any, task: Task) -> None:
    page = http_as("am").get(reverse("production:portfolio")).content.decode()
    assert "SEO audit" in page
    assert "Sunil Specialist" in page
    assert "SEO audit" not in http_as("other_am").get(reverse("production:portfolio")).content.decode()


def _plant(project: Project, specialist: User, seo: Specialty, n: int) -> None:
    today = timezone.localdate()
    statuses = ["todo", "in_progress", "in_review", "done"]
    Task.objects.bulk_create(
        Task(
            project=project,
            title=f"Task {i}",
            assignee=specialist if i % 2 == 0 else None,
            specialty=seo,
            status=statuses[i % 4],
            done_at=timezone.now() if statuses[i % 4] == "done" else None,
            due_date=today + dt.timedelta(days=(i % 9) - 4) if i % 5 else None,
            estimate_minutes=60,
        )
        for i in range(n)
    )


def _queries(http: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert http.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("board", ["mine", "project", "portfolio", "today"])
def test_boards_cost_the_same_queries_for_3_and_30_tasks(
    http_as: Any, project: Project, specialist: User, seo: Specialty, board: str
) -> None:
    persona = "specialist" if board == "mine" else "am"
    url = {
        "mine": reverse("production:mine"),
        "project": reverse("production:project", args=[project.pk]),
        "portfolio": reverse("production:portfolio"),
        "today": "/",
    }[board]
    http = http_as(persona)
    _plant(project, specialist, seo, 3)
    few = _queries(http, url)
    _plant(project, specialist, seo, 27)
    assert _queries(http, url) == few
