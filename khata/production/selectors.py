"""Every read of briefs and tasks that depends on who asks.

A missing object and one the user may not see answer the same: ``Http404``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db.models import Q, QuerySet, Sum
from django.http import Http404

from khata.clients.selectors import client_visible_to
from khata.people.models import User
from khata.people.policies import AnyUser
from khata.plans.selectors import project_visible_to
from khata.production.models import Brief, Task


def task_visible_to(user: AnyUser) -> QuerySet[Task]:
    if not isinstance(user, User) or not user.is_active:
        return Task.objects.none()
    if user.role == User.Role.SPECIALIST:
        return Task.objects.filter(assignee=user)
    if user.role == User.Role.CONTACT:
        return Task.objects.filter(visible_to_client=True, project__client__in=client_visible_to(user))
    return Task.objects.filter(project__in=project_visible_to(user))


def task_list_for(user: AnyUser) -> QuerySet[Task]:
    """The tasks this user may see, ready for a board (no N+1)."""
    return (
        task_visible_to(user)
        .select_related("project__client", "assignee", "specialty")
        .order_by("due_date", "id")
    )


def task_get_for(user: AnyUser, pk: int | str) -> Task:
    """One task this user may see, or 404."""
    try:
        return task_list_for(user).get(pk=pk)
    except (Task.DoesNotExist, ValueError, TypeError) as error:
        raise Http404("No such task.") from error


def late_tasks_for(user: AnyUser, today: dt.date) -> QuerySet[Task]:
    """The open tasks this user may see whose due date has passed."""
    return task_list_for(user).filter(due_date__lt=today).exclude(status=Task.Status.DONE)


def week_start(day: dt.date) -> dt.date:
    """The Monday of the ISO week of ``day``."""
    return day - dt.timedelta(days=day.weekday())


def workload_by_week(specialists: Iterable[User], weeks: Sequence[dt.date]) -> dict[int, dict[dt.date, int]]:
    """Estimated minutes of open tasks per specialist per ISO week (keyed by its Monday); one query."""
    mondays = sorted({week_start(day) for day in weeks})
    ids = [user.pk for user in specialists]
    load: dict[int, dict[dt.date, int]] = {pk: dict.fromkeys(mondays, 0) for pk in ids}
    if not mondays or not ids:
        return load
    rows = (
        Task.objects.filter(
            assignee__in=ids,
            due_date__gte=mondays[0],
            due_date__lt=mondays[-1] + dt.timedelta(days=7),
        )
        .exclude(status=Task.Status.DONE)
        .values("assignee", "due_date")
        .annotate(minutes=Sum("estimate_minutes"))
        .order_by()
    )
    totals: dict[tuple[int, dt.date], int] = defaultdict(int)
    for row in rows:
        due = row["due_date"]
        if due is None:
            continue
        totals[(row["assignee"], week_start(due))] += row["minutes"] or 0
    for (pk, monday), minutes in totals.items():
        if monday in load[pk]:
            load[pk][monday] = minutes
    return load


def brief_visible_to(user: AnyUser) -> QuerySet[Brief]:
    if not isinstance(user, User) or not user.is_active:
        return Brief.objects.none()
    if user.role == User.Role.CONTACT:
        return Brief.objects.filter(sent_to__user=user, sent_to__portal_access=True).exclude(
            status=Brief.Status.DRAFT
        )
    if user.role == User.Role.SPECIALIST:
        return Brief.objects.filter(Q(project__tasks__assignee=user)).distinct()
    return Brief.objects.filter(project__in=project_visible_to(user))


def brief_list_for(user: AnyUser) -> QuerySet[Brief]:
    """The briefs this user may see, newest first (no N+1)."""
    return (
        brief_visible_to(user)
        .select_related("project__client", "template", "sent_to")
        .order_by("-sent_at", "-id")
    )


def brief_get_for(user: AnyUser, pk: int | str) -> Brief:
    """One brief this user may see, or 404."""
    try:
        return brief_list_for(user).get(pk=pk)
    except (Brief.DoesNotExist, ValueError, TypeError) as error:
        raise Http404("No such brief.") from error
