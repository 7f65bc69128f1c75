"""Production's cards on the Today board: late tasks and tasks waiting on the client for the people
who run projects, and a specialist's own tasks falling due. Each costs two queries whatever the size."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from khata.core.boards import (
    Card,
    Counter,
    capped_count,
    register_portal_project_panel,
    register_project_panel,
    today_board,
)
from khata.people.models import User
from khata.people.policies import AnyUser, is_staff_user
from khata.plans.models import Project
from khata.production.models import Task
from khata.production.selectors import (
    PlanActual,
    Progress,
    blocked_tasks_for,
    client_tasks_for,
    late_tasks_for,
    plan_actual_for,
    progress_by_project,
    task_list_for,
)

MY_HORIZON_DAYS = 7


def _runs_projects(user: AnyUser) -> bool:
    """Heads, AMs and (read-only) finance see the portfolio's task cards."""
    return (
        isinstance(user, User)
        and user.is_active
        and user.role in {User.Role.HEAD, User.Role.AM, User.Role.FINANCE}
    )


def _card(
    *,
    key: str,
    title: str | Promise,
    tasks: QuerySet[Task],
    limit: int,
    empty: str | Promise,
    label: str | Promise,
    tone: str,
) -> Card:
    total, capped = capped_count(tasks)
    return Card(
        key=key,
        title=title,
        template="production/cards/tasks.html",
        items=list(tasks[:limit]),
        total=total,
        capped=capped,
        empty=empty,
        counters=[Counter(label=label, value=total, capped=capped, tone=tone if total else "")],
        more_url=reverse("production:portfolio"),
    )


def late_tasks_card(user: AnyUser, *, today: dt.date, limit: int) -> Card | None:
    """Open tasks of the user's projects past their due date, the latest first."""
    if not _runs_projects(user):
        return None
    return _card(
        key="production.late",
        title=_("Late tasks"),
        tasks=late_tasks_for(user, today),
        limit=limit,
        empty=_("No task is late."),
        label=_("late tasks"),
        tone="danger",
    )


def blocked_on_client_card(user: AnyUser, *, today: dt.date, limit: int) -> Card | None:
    """Tasks of the user's projects that wait on the client."""
    if not _runs_projects(user):
        return None
    return _card(
        key="production.blocked_on_client",
        title=_("Tasks waiting on the client"),
        tasks=blocked_tasks_for(user, on=Task.BlockedOn.CLIENT),
        limit=limit,
        empty=_("No task waits on a client."),
        label=_("waiting on clients"),
        tone="warn",
    )


def blocked_on_team_card(user: AnyUser, *, today: dt.date, limit: int) -> Card | None:
    """Tasks of the user's projects stopped by something inside the agency: the AM unblocks them."""
    if not _runs_projects(user):
        return None
    return _card(
        key="production.blocked_on_team",
        title=_("Tasks blocked in the team"),
        tasks=blocked_tasks_for(user, on=Task.BlockedOn.TEAM),
        limit=limit,
        empty=_("No task is blocked in the team."),
        label=_("blocked in the team"),
        tone="danger",
    )


def my_tasks_card(user: AnyUser, *, today: dt.date, limit: int) -> Card | None:
    """A specialist's own open tasks that are late or due within a week."""
    if not isinstance(user, User) or not user.is_active or user.role != User.Role.SPECIALIST:
        return None
    tasks = (
        task_list_for(user)
        .filter(assignee=user, due_date__lte=today + dt.timedelta(days=MY_HORIZON_DAYS))
        .exclude(status=Task.Status.DONE)
    )
    card = _card(
        key="production.mine",
        title=_("My tasks due this week"),
        tasks=tasks,
        limit=limit,
        empty=_("Nothing of yours falls due this week."),
        label=_("tasks due"),
        tone="",
    )
    card.more_url = reverse("production:mine")
    late = sum(1 for task in card.items if task.due_date is not None and task.due_date < today)
    card.counters.insert(0, Counter(label=_("late"), value=late, tone="danger" if late else ""))
    return card


@dataclass
class PlanActualCard(Card):
    """The agreed plan against the work done: the first rows, and the totals of all of them."""

    plan: PlanActual | None = None


def plan_actual_panel(project: Project, user: AnyUser, *, limit: int) -> Card | None:
    """On the staff project page, once a plan is agreed: hours and dates planned against reached."""
    if not is_staff_user(user):
        return None
    plan = plan_actual_for(project)
    if plan is None or not plan.rows:
        return None
    return PlanActualCard(
        key="production.plan_vs_actual",
        title=_("Plan against actual"),
        template="production/panels/plan_actual.html",
        items=plan.rows[:limit],
        total=len(plan.rows),
        more_url=reverse("production:project", args=[project.pk]) + "#plan-actual",
        plan=plan,
    )


@dataclass
class ProgressCard(Card):
    """The client's view of a project's progress: the bar, then the tasks shown to the client."""

    progress: Progress | None = None
    tasks: list[Task] = field(default_factory=list)
    tasks_total: int = 0
    tasks_capped: bool = False


def progress_panel(project: Project, user: AnyUser, *, limit: int) -> Card | None:
    """On the portal's project page: how far the work is, and the tasks the AM chose to show."""
    progress = progress_by_project([project.pk]).get(project.pk)
    tasks = client_tasks_for(user, project)
    total, capped = capped_count(tasks)
    if progress is None and not total:
        return None
    return ProgressCard(
        key="production.progress",
        title=_("Progress"),
        template="production/panels/progress.html",
        items=["progress"],  # one block: the bar and the list are drawn from the fields below
        total=0,
        progress=progress,
        tasks=list(tasks[:limit]),
        tasks_total=total,
        tasks_capped=capped,
    )


def register_cards() -> None:
    """Called once from ``ProductionConfig.ready()``."""
    register_project_panel("production.plan_vs_actual", plan_actual_panel, order=40)
    register_portal_project_panel("production.progress", progress_panel, order=10)
    today_board.register("production.mine", my_tasks_card, order=5)
    today_board.register("production.late", late_tasks_card, order=30)
    today_board.register("production.blocked_on_client", blocked_on_client_card, order=40)
    today_board.register("production.blocked_on_team", blocked_on_team_card, order=35)
