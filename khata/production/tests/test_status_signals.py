"""What production tells a project's status: late tasks, slipping milestones, budget burn; the brief gate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from khata.clients.models import Client
from khata.people.models import User
from khata.plans.models import PlanVersion, Project
from khata.plans.services import PlanError, project_create, project_set_stage
from khata.plans.status import OFF, RISK, project_status, project_statuses
from khata.production.models import Brief, BriefTemplate, Task, TimeLog
from khata.production.services import tasks_from_plan
from khata.production.status_signals import (
    BURN_AHEAD_POINTS,
    LATE_TASK_OFF_DAYS,
    LATE_TASKS_OFF_COUNT,
    MILESTONE_OFF_DAYS,
)

from .conftest import START

pytestmark = pytest.mark.django_db

TODAY = START + dt.timedelta(days=20)


def task(
    project: Project, *, due: dt.date | None, status: str = Task.Status.TO_DO, minutes: int = 60
) -> Task:
    done_at = timezone.now() if status == Task.Status.DONE else None
    return Task.objects.create(
        project=project, title="Work", due_date=due, status=status, estimate_minutes=minutes, done_at=done_at
    )


def codes(project: Project, today: dt.date = TODAY) -> dict[str, str]:
    status = project_status(project, today=today)
    assert status is not None
    return {factor.code: factor.severity for factor in status.factors}


@pytest.fixture
def running(am: User, client_a: Client) -> Project:
    """A project in the brief stage (no plan factor applies to it), with no target date."""
    return project_create(client=client_a, by=am, name="Running", start_date=START)


# --- late tasks -----------------------------------------------------------------------------------


def test_one_or_two_late_tasks_put_the_project_at_risk(running: Project) -> None:
    task(running, due=TODAY - dt.timedelta(days=2))
    task(running, due=TODAY)  # due today is not late
    task(running, due=TODAY - dt.timedelta(days=30), status=Task.Status.DONE)
    assert codes(running) == {"late_tasks": RISK}
    status = project_status(running, today=TODAY)
    assert status is not None and status.level == "at_risk"
    assert str(status.factors[0].label) == "1 task late"
    assert "2 days" in str(status.factors[0].detail)


def test_three_late_tasks_put_the_project_off_track(running: Project) -> None:
    for _ in range(LATE_TASKS_OFF_COUNT):
        task(running, due=TODAY - dt.timedelta(days=1))
    assert codes(running) == {"late_tasks": OFF}


def test_one_task_late_by_more_than_a_week_puts_it_off_track(running: Project) -> None:
    task(running, due=TODAY - dt.timedelta(days=LATE_TASK_OFF_DAYS))
    assert codes(running) == {"late_tasks": RISK}
    task(running, due=TODAY - dt.timedelta(days=LATE_TASK_OFF_DAYS + 1))
    status = project_status(running, today=TODAY)
    assert status is not None and status.level == "off_track"
    assert str(status.factors[0].label) == "2 tasks late"
    assert "8 days" in str(status.factors[0].detail)


# --- milestones -----------------------------------------------------------------------------------


def test_a_milestone_past_its_date_with_work_open_slips(agreed: PlanVersion, am: User) -> None:
    project = agreed.project
    tasks = tasks_from_plan(version=agreed, by=am)
    for each in tasks:  # the tasks themselves are not late: only the items' dates passed
        Task.objects.filter(pk=each.pk).update(due_date=None)
    first_due = agreed.items.order_by("due_date").first()
    assert first_due is not None and first_due.due_date is not None
    day_after = first_due.due_date + dt.timedelta(days=1)
    assert codes(project, day_after) == {"milestones": RISK}
    late = first_due.due_date + dt.timedelta(days=MILESTONE_OFF_DAYS + 1)
    found = codes(project, late)
    assert found["milestones"] == OFF


def test_a_task_due_after_its_milestone_slips_before_the_date(agreed: PlanVersion, am: User) -> None:
    project = agreed.project
    tasks_from_plan(version=agreed, by=am)
    item = agreed.items.order_by("due_date").first()
    assert item is not None and item.due_date is not None
    assert "milestones" not in codes(project, START)
    Task.objects.filter(plan_item=item).update(due_date=item.due_date + dt.timedelta(days=3))
    status = project_status(project, today=START)
    assert status is not None
    factor = next(f for f in status.factors if f.code == "milestones")
    assert factor.severity == RISK and str(factor.label) == "1 milestone slipping"


def test_a_done_milestone_does_not_slip(agreed: PlanVersion, am: User) -> None:
    tasks_from_plan(version=agreed, by=am)
    Task.objects.filter(project=agreed.project).update(status=Task.Status.DONE, done_at=timezone.now())
    assert "milestones" not in codes(agreed.project, START + dt.timedelta(days=60))


# --- budget burn ----------------------------------------------------------------------------------


def log(work: Task, user: User, minutes: int) -> None:
    TimeLog.objects.create(task=work, user=user, minutes=minutes, on=START)


def test_hours_over_the_budget_put_the_project_off_track(running: Project, specialist: User) -> None:
    Project.objects.filter(pk=running.pk).update(budget_hours=10)
    running.refresh_from_db()
    work = task(running, due=None, status=Task.Status.DONE, minutes=600)
    log(work, specialist, 600)
    assert codes(running) == {}
    log(work, specialist, 1)
    status = project_status(running, today=TODAY)
    assert status is not None and status.level == "off_track"
    assert status.factors[0].code == "budget_over"
    assert str(status.factors[0].detail) == "101% of the hour budget used, 100% of the work done."


def test_hours_burnt_ahead_of_the_work_done_put_it_at_risk(running: Project, specialist: User) -> None:
    Project.objects.filter(pk=running.pk).update(budget_hours=100)
    running.refresh_from_db()
    done = task(running, due=None, status=Task.Status.DONE, minutes=35 * 60)
    task(running, due=None, minutes=65 * 60)
    log(done, specialist, (35 + BURN_AHEAD_POINTS) * 60)  # exactly 20 points ahead: fine
    assert codes(running) == {}
    log(done, specialist, 7 * 60)
    status = project_status(running, today=TODAY)
    assert status is not None and status.level == "at_risk"
    assert str(status.factors[0].detail) == "62% of the hour budget used, 35% of the work done."


def test_a_project_without_an_hour_budget_has_no_burn_factor(running: Project, specialist: User) -> None:
    log(task(running, due=None), specialist, 10_000)
    assert codes(running) == {}


# --- in bulk --------------------------------------------------------------------------------------


def _projects(
    count: int, am: User, client: Client, specialist: User, today: dt.date = TODAY
) -> list[Project]:
    made = []
    for n in range(count):
        project = project_create(
            client=client,
            by=am,
            name=f"P{n}",
            stage="production",
            start_date=START,
            target_date=START + dt.timedelta(days=n % 40),
            budget_hours=10,
        )
        work = task(project, due=today - dt.timedelta(days=n % 9))
        log(work, specialist, 30 * (n + 1))
        made.append(project)
    return made


def test_statuses_cost_the_same_queries_for_3_or_30_projects(
    am: User, client_a: Client, specialist: User
) -> None:
    few = _projects(3, am, client_a, specialist)
    many = few + _projects(27, am, client_a, specialist)
    with CaptureQueriesContext(connection) as small:
        statuses = project_statuses(few, today=TODAY)
    with CaptureQueriesContext(connection) as large:
        statuses = project_statuses(many, today=TODAY)
    assert len(small) == len(large) <= 6
    assert len(statuses) == 30
    assert all(status.factors for status in statuses.values())


# --- the brief gate -------------------------------------------------------------------------------


def test_leaving_the_brief_stage_needs_a_reason_until_the_brief_is_answered(
    project: Project, am: User, contact_a: User
) -> None:
    with pytest.raises(PlanError) as caught:
        project_set_stage(project=project, by=am, stage=Project.Stage.PLANNING)
    assert "reason" in caught.value.message_dict
    template = BriefTemplate.objects.create(service="seo", name="SEO brief")
    brief = Brief.objects.create(project=project, template=template, sent_to=contact_a.contact, sent_by=am)
    with pytest.raises(PlanError):
        project_set_stage(project=project, by=am, stage=Project.Stage.PRODUCTION)
    Brief.objects.filter(pk=brief.pk).update(status=Brief.Status.ANSWERED)
    project_set_stage(project=project, by=am, stage=Project.Stage.PLANNING)
    project.refresh_from_db()
    assert project.stage == Project.Stage.PLANNING


def test_putting_a_brief_stage_project_on_hold_needs_no_reason(project: Project, am: User) -> None:
    project_set_stage(project=project, by=am, stage=Project.Stage.ON_HOLD)
    project.refresh_from_db()
    assert project.stage == Project.Stage.ON_HOLD
    status = project_status(project, today=TODAY)
    assert status is not None and status.level == "paused" and not status.factors


def _portfolio_queries(am: User) -> tuple[int, str]:
    from django.test import Client as HttpClient

    http = HttpClient()
    http.force_login(am, backend="django.contrib.auth.backends.ModelBackend")
    http.get("/projects/")
    with CaptureQueriesContext(connection) as captured:
        response = http.get("/projects/")
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_the_portfolio_shows_status_factors_in_fixed_queries(
    am: User, client_a: Client, specialist: User
) -> None:
    today = timezone.localdate()
    _projects(3, am, client_a, specialist, today)
    few, body = _portfolio_queries(am)
    assert "At risk" in body and "Off track" not in body, body[body.find("<tbody") : body.find("</tbody")]
    _projects(27, am, client_a, specialist, today)
    many, body = _portfolio_queries(am)
    assert many == few
    assert "Off track" in body and "Hour budget overrun" in body


def test_a_hold_does_not_get_round_the_brief_gate(project: Project, am: User) -> None:
    project_set_stage(project=project, by=am, stage=Project.Stage.ON_HOLD)
    with pytest.raises(PlanError) as caught:
        project_set_stage(project=project, by=am, stage=Project.Stage.PRODUCTION)
    assert "reason" in caught.value.message_dict
    project_set_stage(project=project, by=am, stage=Project.Stage.BRIEF)
    project_set_stage(project=project, by=am, stage=Project.Stage.ON_HOLD)
    project_set_stage(project=project, by=am, stage=Project.Stage.PLANNING, reason="Brief done on a call")
    project_set_stage(project=project, by=am, stage=Project.Stage.ON_HOLD)
    project_set_stage(project=project, by=am, stage=Project.Stage.PRODUCTION)  # held from planning: no gate
    project.refresh_from_db()
    assert project.stage == Project.Stage.PRODUCTION


def test_the_project_page_shows_every_factor_in_fixed_queries(
    agreed: PlanVersion, am: User, specialist: User
) -> None:
    from django.test import Client as HttpClient

    project = agreed.project
    Project.objects.filter(pk=project.pk).update(stage="production", budget_hours=5)
    today = timezone.localdate()
    http = HttpClient()
    http.force_login(am, backend="django.contrib.auth.backends.ModelBackend")

    def grow(count: int) -> int:
        for _ in range(count):
            log(task(project, due=today - dt.timedelta(days=2)), specialist, 60)
        http.get(f"/projects/{project.pk}/")
        with CaptureQueriesContext(connection) as captured:
            response = http.get(f"/projects/{project.pk}/")
        assert response.status_code == 200
        return len(captured)

    few = grow(3)
    assert grow(27) == few
    body = http.get(f"/projects/{project.pk}/").content.decode()
    assert "30 tasks late" in body and "Hour budget overrun" in body and "Off track" in body
