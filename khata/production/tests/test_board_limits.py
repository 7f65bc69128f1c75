"""Big boards stay cheap: each column shows its most urgent cards and counts the rest, one column
opens further on request, the links and the assign menu are built once per board, and those who see
every client read tasks and projects without a filter."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from khata.people.models import Specialty, User
from khata.plans.models import Project
from khata.plans.selectors import project_visible_to
from khata.production.models import Task
from khata.production.selectors import BOARD_LIMIT, COLUMN_LIMIT, task_visible_to

pytestmark = pytest.mark.django_db


def _plant(
    project: Project, n: int, *, status: str = "todo", assignee: User | None = None, **extra: Any
) -> None:
    today = timezone.localdate()
    Task.objects.bulk_create(
        Task(
            project=project,
            title=f"Planted {status} {i:03d}",
            status=status,
            assignee=assignee,
            due_date=today + dt.timedelta(days=i),
            done_at=timezone.now() if status == "done" else None,
            **extra,
        )
        for i in range(n)
    )


def _queries(http: Any, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = http.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_a_column_shows_its_most_urgent_cards_and_offers_the_rest(http_as: Any, project: Project) -> None:
    _plant(project, COLUMN_LIMIT + 5)
    _, page = _queries(http_as("am"), reverse("production:project", args=[project.pk]))
    assert page.count('<li class="task-card') == COLUMN_LIMIT
    assert "Planted todo 000" in page and f"Planted todo {COLUMN_LIMIT:03d}" not in page
    assert f"{COLUMN_LIMIT + 5} tasks" in page
    assert 'href="?column=todo#col-todo">Show 5 more</a>' in page


def test_opening_a_column_shows_the_rest_for_the_same_queries(http_as: Any, project: Project) -> None:
    http = http_as("am")
    url = reverse("production:project", args=[project.pk])
    _plant(project, COLUMN_LIMIT + 5)
    closed, _ = _queries(http, url)
    opened, page = _queries(http, url + "?column=todo")
    assert opened == closed
    assert page.count('<li class="task-card') == COLUMN_LIMIT + 5
    assert "Show fewer" in page
    _, page = _queries(http, url + "?column=nonsense")
    assert page.count('<li class="task-card') == COLUMN_LIMIT


def test_an_opened_column_still_stops_at_the_board_limit(http_as: Any, project: Project) -> None:
    _plant(project, BOARD_LIMIT + 1)
    _, page = _queries(http_as("am"), reverse("production:project", args=[project.pk]) + "?column=todo")
    assert page.count('<li class="task-card') == BOARD_LIMIT
    assert "1 more not shown" in page


def test_my_tasks_columns_are_bounded_and_the_latest_done_come_first(
    http_as: Any, project: Project, specialist: User
) -> None:
    _plant(project, COLUMN_LIMIT + 2, assignee=specialist)
    _plant(project, 3, status="done", assignee=specialist)
    Task.objects.filter(title="Planted done 002").update(done_at=timezone.now() + dt.timedelta(minutes=5))
    _, page = _queries(http_as("specialist"), reverse("production:mine"))
    assert page.count('<li class="task-card') == COLUMN_LIMIT + 3
    done = page[page.index('id="col-done"') :]
    assert done.index("Planted done 002") < done.index("Planted done 000")
    assert "Show 2 more" in page


def test_cards_of_the_same_specialty_share_one_assign_menu_with_the_suggestion_starred(
    http_as: Any, project: Project, specialist: User, seo: Specialty
) -> None:
    _plant(project, 4, specialty=seo)
    _, page = _queries(http_as("am"), reverse("production:project", args=[project.pk]))
    menu = f'<option value="{specialist.pk}" selected title="suggested">★ Sunil Specialist</option>'
    assert page.count(menu) == 4
    task = Task.objects.filter(project=project).first()
    assert task is not None
    assert f'action="{reverse("production:assign", args=[task.pk])}"' in page
    assert f'href="{reverse("production:task", args=[task.pk])}"' in page


def test_those_who_see_every_client_read_tasks_and_projects_without_a_filter(
    admin: User, finance: User, am: User, project: Project
) -> None:
    _plant(project, 2)
    for user in (admin, finance):
        assert " IN " not in str(task_visible_to(user).query)
        assert " IN " not in str(project_visible_to(user).query)
        assert task_visible_to(user).count() == 2
        assert list(project_visible_to(user)) == [project]
    assert " IN " in str(task_visible_to(am).query)


@pytest.fixture
def assigned(project: Project, specialist: User, seo: Specialty) -> Task:
    _plant(project, 1, assignee=specialist, specialty=seo)
    return Task.objects.get(project=project)


FORMS = {
    # url name: who gets what (the specialist is the assignee; finance reads without changing)
    "assign_menu": {"am": 200, "admin": 200, "other_am": 404, "finance": 403, "specialist": 403},
    "block_form": {"am": 200, "admin": 200, "other_am": 404, "finance": 403, "specialist": 200},
    "time_form": {"am": 403, "admin": 403, "other_am": 404, "finance": 403, "specialist": 200},
}


@pytest.mark.parametrize("name", sorted(FORMS))
@pytest.mark.parametrize(
    "persona", ["anonymous", "am", "admin", "other_am", "finance", "specialist", "contact_a"]
)
def test_a_cards_form_answers_each_persona(http_as: Any, assigned: Task, name: str, persona: str) -> None:
    url = reverse(f"production:{name}", args=[assigned.pk]) + "?board=project"
    response = http_as(persona).get(url)
    if persona == "anonymous":
        assert response.status_code == 302
    elif persona == "contact_a":
        assert response.status_code in {403, 404}
    else:
        assert response.status_code == FORMS[name][persona]


def test_the_reassign_menu_keeps_the_assignee_and_stars_the_suggestion(
    http_as: Any, assigned: Task, specialist: User
) -> None:
    board = http_as("am").get(reverse("production:project", args=[assigned.project_id])).content.decode()
    # An assigned card asks for its menu when the AM wants to reassign; no specialist is listed yet.
    assert f'hx-get="{reverse("production:assign_menu", args=[assigned.pk])}?board=project"' in board
    assert 'name="assignee"' not in board
    menu = http_as("am").get(reverse("production:assign_menu", args=[assigned.pk]) + "?board=project")
    html = menu.content.decode()
    assert f'<option value="{specialist.pk}" selected title="suggested">★ Sunil Specialist</option>' in html
    assert f'hx-post="{reverse("production:assign", args=[assigned.pk])}"' in html
    assert 'name="board" value="project"' in html and ">Reassign</button>" in html
    assert "<html" not in html


def test_the_block_and_time_forms_come_when_a_card_opens_them(http_as: Any, assigned: Task) -> None:
    board = http_as("specialist").get(reverse("production:mine")).content.decode()
    assert 'name="blocked_on"' not in board and 'name="hours"' not in board
    assert f'hx-get="{reverse("production:block_form", args=[assigned.pk])}?board=mine"' in board
    block = http_as("specialist").get(reverse("production:block_form", args=[assigned.pk]) + "?board=mine")
    assert 'name="blocked_on"' in block.content.decode() and 'value="mine"' in block.content.decode()
    time = http_as("specialist").get(reverse("production:time_form", args=[assigned.pk]) + "?board=mine")
    assert 'name="hours"' in time.content.decode() and "Log time" in time.content.decode()


def test_a_done_task_has_no_block_form_or_menu(http_as: Any, assigned: Task) -> None:
    Task.objects.filter(pk=assigned.pk).update(status="done", done_at=timezone.now())
    assert http_as("am").get(reverse("production:block_form", args=[assigned.pk])).status_code == 403
    assert http_as("am").get(reverse("production:assign_menu", args=[assigned.pk])).status_code == 403
