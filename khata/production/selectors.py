"""Every read of briefs and tasks that depends on who asks.

A missing object and one the user may not see answer the same: ``Http404``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from khata.clients.selectors import client_scope, client_visible_to
from khata.core.models import Event
from khata.people.models import User
from khata.people.policies import AnyUser
from khata.plans.models import PlanItem, PlanVersion, Project
from khata.plans.selectors import project_visible_to
from khata.production.models import (
    Brief,
    Task,
    TaskAttachment,
    TaskComment,
    TimeLog,
)


def task_visible_to(user: AnyUser) -> QuerySet[Task]:
    if not isinstance(user, User) or not user.is_active:
        return Task.objects.none()
    if user.role == User.Role.SPECIALIST:
        return Task.objects.filter(assignee=user)
    if user.role == User.Role.CONTACT:
        return Task.objects.filter(visible_to_client=True, project__client__in=client_visible_to(user))
    if (scope := client_scope(user)) is not None and not scope:
        return Task.objects.all()  # sees every client: no "project IN (every project)" for the planner
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


OPEN_STATUSES = [status for status in Task.Status if status != Task.Status.DONE]


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
    # The weeks asked for, next weeks run together into one range of due dates.
    spans: list[list[dt.date]] = []
    for monday in mondays:
        if spans and spans[-1][1] == monday:
            spans[-1][1] = monday + dt.timedelta(days=7)
        else:
            spans.append([monday, monday + dt.timedelta(days=7)])
    in_weeks = Q()
    for first, end in spans:
        in_weeks |= Q(due_date__gte=first, due_date__lt=end)
    rows = (
        # The open statuses by name, so that the (assignee, status, due date) index seeks each range.
        Task.objects.filter(in_weeks, assignee__in=ids, status__in=OPEN_STATUSES)
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


# --- boards ----------------------------------------------------------------------------------------

# A board's column shows this many cards, most urgent first; "show all" opens one column up to
# ``BOARD_LIMIT``. The rest are counted, not shown.
COLUMN_LIMIT = 10
BOARD_LIMIT = 200
# The portfolio's lists each show this many.
PORTFOLIO_LIMIT = 20
# Done tasks stay on "My tasks" this long.
DONE_RECENT_DAYS = 14
# A task due within this many days and not started is at risk.
AT_RISK_DAYS = 3


@dataclass
class BoardColumns:
    """A board's first cards of each status and how many tasks each status holds."""

    tasks: dict[str, list[Task]]
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _board_columns(
    tasks: QuerySet[Task],
    *,
    statuses: Sequence[str],
    open_column: str = "",
    done_since: dt.date | None = None,
) -> BoardColumns:
    """One query per column, each stopping after its first cards (an index on the board's owner,
    status and due date walks them in order), and one count per status."""
    if done_since is not None:
        # From the start of that day in the agency's zone: a plain range an index can seek.
        start = timezone.make_aware(dt.datetime.combine(done_since, dt.time.min))
        tasks = tasks.filter(~Q(status=Task.Status.DONE) | Q(done_at__gte=start))
    columns: dict[str, list[Task]] = {}
    for status in statuses:
        limit = BOARD_LIMIT if status == open_column else COLUMN_LIMIT
        ordered = tasks.filter(status=status)
        if status == Task.Status.DONE:
            ordered = ordered.order_by("-done_at", "-id")  # the latest done first
        columns[status] = list(ordered[:limit])
    counts = dict(tasks.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return BoardColumns(tasks=columns, counts=counts)


def my_board_for(
    user: AnyUser, *, today: dt.date, statuses: Sequence[str], open_column: str = ""
) -> BoardColumns:
    """The user's own tasks for "My tasks": open ones and those done in the last two weeks."""
    if not isinstance(user, User):
        return BoardColumns(tasks={status: [] for status in statuses}, counts={})
    return _board_columns(
        task_list_for(user).filter(assignee=user),
        statuses=statuses,
        open_column=open_column,
        done_since=today - dt.timedelta(days=DONE_RECENT_DAYS),
    )


def project_board_for(
    user: AnyUser, project: Project, *, statuses: Sequence[str], open_column: str = ""
) -> BoardColumns:
    """The tasks of a project the caller has checked the user may see, for its board."""
    tasks = task_list_for(user)
    if isinstance(user, User) and user.role != User.Role.SPECIALIST:
        # Whoever sees the project sees all its tasks: no second visibility check per column.
        tasks = Task.objects.select_related("project__client", "assignee", "specialty").order_by(
            "due_date", "id"
        )
    return _board_columns(tasks.filter(project=project), statuses=statuses, open_column=open_column)


def at_risk_tasks_for(user: AnyUser, today: dt.date) -> QuerySet[Task]:
    """Tasks not started yet and due within three days."""
    return task_list_for(user).filter(
        status=Task.Status.TO_DO, due_date__gte=today, due_date__lte=today + dt.timedelta(days=AT_RISK_DAYS)
    )


def blocked_tasks_for(user: AnyUser, *, on: str = "") -> QuerySet[Task]:
    """Blocked tasks this user may see; ``on`` narrows to those waiting on the client or the team."""
    tasks = task_list_for(user).filter(status=Task.Status.BLOCKED)
    return tasks.filter(blocked_on=on) if on else tasks


def assignee_choices(tasks: Sequence[Task]) -> tuple[dict[int, list[User]], dict[int, User | None]]:
    """For each task, the active specialists of its specialty and the one with the lightest load.

    The same choice as ``services.assignee_suggest`` made for a whole board in four queries (none
    without tasks): the specialists and their specialties, their open minutes per ISO week and their
    open minutes overall.
    """
    if not tasks:
        return {}, {}
    specialists = list(
        User.objects.filter(is_active=True, role=User.Role.SPECIALIST)
        .prefetch_related("specialties")
        .order_by("full_name", "id")
    )
    weeks = sorted({week_start(task.due_date) for task in tasks if task.due_date is not None})
    # Both loads are read whatever the tasks' dates, so that a board costs the same queries.
    weekly = workload_by_week(specialists, weeks or [week_start(timezone.localdate())])
    overall: dict[int, int] = dict(
        Task.objects.filter(assignee__in=[person.pk for person in specialists], status__in=OPEN_STATUSES)
        .values_list("assignee")
        .annotate(minutes=Sum("estimate_minutes"))
        .order_by()
    )
    skills = {person.pk: {specialty.pk for specialty in person.specialties.all()} for person in specialists}
    choices: dict[int, list[User]] = {}
    suggested: dict[int, User | None] = {}
    for task in tasks:
        fit = [p for p in specialists if task.specialty_id is None or task.specialty_id in skills[p.pk]]
        choices[task.pk] = fit

        def load(person: User, task: Task = task) -> int:
            if task.due_date is None:
                return overall.get(person.pk, 0) or 0
            return weekly.get(person.pk, {}).get(week_start(task.due_date), 0)

        suggested[task.pk] = min(fit, key=lambda p: (load(p), p.full_name, p.pk)) if fit else None
    return choices, suggested


# --- the API's reads ---------------------------------------------------------------------------------


def time_log_list_for(user: AnyUser) -> QuerySet[TimeLog]:
    """Time logged on the tasks this user may see (agency staff only), newest first (no N+1)."""
    if not isinstance(user, User) or not user.is_agency_staff:
        return TimeLog.objects.none()
    return (
        TimeLog.objects.filter(task__in=task_visible_to(user).values("pk"))
        .select_related("task", "user")
        .order_by("-on", "-id")
    )


# --- the task page ---------------------------------------------------------------------------------

# The task page shows at most this many of each list; the rest stay in the timeline.
TASK_PAGE_LOGS = 50
TASK_PAGE_COMMENTS = 100
TASK_PAGE_FILES = 50
TASK_PAGE_EVENTS = 50


@dataclass
class TaskPage:
    """Everything the task page shows, read in a fixed number of queries."""

    task: Task
    logs: list[TimeLog]
    logged_minutes: int
    comments: list[TaskComment]
    attachments: list[TaskAttachment]
    events: list[Event]

    @property
    def over_estimate(self) -> bool:
        return self.task.estimate_minutes > 0 and self.logged_minutes > self.task.estimate_minutes


def task_page_for(user: AnyUser, pk: int | str) -> TaskPage:
    """One task this user may see with its time, comments, files and history, or 404 (seven queries)."""
    try:
        task = task_list_for(user).select_related("plan_item__version").get(pk=pk)
    except (Task.DoesNotExist, ValueError, TypeError) as error:
        raise Http404("No such task.") from error
    logs = list(task.time_logs.select_related("user").order_by("-on", "-id")[:TASK_PAGE_LOGS])
    logged = task.time_logs.aggregate(total=Coalesce(Sum("minutes"), Value(0)))["total"]
    comments = list(
        TaskComment.objects.filter(task=task)
        .select_related("author")
        .order_by("-created_at", "-id")[:TASK_PAGE_COMMENTS]
    )
    comments.reverse()  # the newest hundred, read top to bottom
    attachments = list(
        TaskAttachment.objects.filter(task=task).select_related("uploaded_by")[:TASK_PAGE_FILES]
    )
    events = list(
        Event.objects.filter(
            client_id=task.project.client_id,
            subject_type=ContentType.objects.get_for_model(Task),
            subject_id=task.pk,
        )
        .select_related("actor")
        .order_by("-at", "-id")[:TASK_PAGE_EVENTS]
    )
    return TaskPage(
        task=task,
        logs=logs,
        logged_minutes=int(logged or 0),
        comments=comments,
        attachments=attachments,
        events=events,
    )


def attachment_get_for(user: AnyUser, pk: int | str) -> TaskAttachment:
    """One file of a task this user may see, or 404."""
    try:
        return TaskAttachment.objects.select_related("task__project__client").get(
            pk=pk, task__in=task_visible_to(user).values("pk")
        )
    except (TaskAttachment.DoesNotExist, ValueError, TypeError) as error:
        raise Http404("No such file.") from error


# --- plan against actual ---------------------------------------------------------------------------


@dataclass
class PlanActualRow:
    """One item of the agreed plan beside the work done on it."""

    item: PlanItem
    task: Task | None
    logged_minutes: int
    # The day the work was done, or (``forecast``) the latest due date of its open task.
    finish: dt.date | None
    forecast: bool

    @property
    def estimate_minutes(self) -> int:
        return self.item.estimate_minutes

    @property
    def variance_minutes(self) -> int:
        """Time logged beyond the estimate (negative: under it)."""
        return self.logged_minutes - self.item.estimate_minutes

    @property
    def over_hours(self) -> bool:
        return self.logged_minutes > self.item.estimate_minutes

    @property
    def done(self) -> bool:
        return self.task is not None and self.task.status == Task.Status.DONE

    @property
    def not_started(self) -> bool:
        return not self.done and self.logged_minutes == 0

    @property
    def variance_known(self) -> bool:
        """Whether the difference means something: the work is done, or it already took longer than
        estimated. Open work under its estimate is not "under budget" yet."""
        return self.done or self.over_hours

    @property
    def days_late(self) -> int | None:
        """Days past the planned due date (negative: early); None without both dates."""
        if self.finish is None or self.item.due_date is None:
            return None
        return (self.finish - self.item.due_date).days

    @property
    def late(self) -> bool:
        return (self.days_late or 0) > 0


@dataclass
class PlanActual:
    version: PlanVersion
    rows: list[PlanActualRow]
    estimate_minutes: int
    logged_minutes: int
    # Time logged on the project's tasks that no item of the plan asked for.
    outside_minutes: int

    @property
    def variance_minutes(self) -> int:
        return self.logged_minutes - self.estimate_minutes

    @property
    def over_hours(self) -> bool:
        return self.logged_minutes > self.estimate_minutes

    @property
    def not_started(self) -> bool:
        return all(row.not_started for row in self.rows)

    @property
    def variance_known(self) -> bool:
        """The total's difference means something once every item is done or the time is over."""
        return self.over_hours or (bool(self.rows) and all(row.done for row in self.rows))

    @property
    def late_count(self) -> int:
        return sum(1 for row in self.rows if row.late)


def _logged_minutes() -> Coalesce:
    logged = (
        TimeLog.objects.filter(task=OuterRef("pk"))
        .order_by()
        .values("task")
        .annotate(total=Sum("minutes"))
        .values("total")
    )
    return Coalesce(Subquery(logged, output_field=IntegerField()), Value(0))


def plan_actual_for(project: Project) -> PlanActual | None:
    """The agreed plan's items against the hours logged and the dates reached (four queries);
    None while the project has no agreed plan. The caller has checked that the user sees the project."""
    version = PlanVersion.objects.filter(project=project, status=PlanVersion.Status.AGREED).first()
    if version is None:
        return None
    items = list(PlanItem.objects.filter(version=version).select_related("specialty").order_by("id"))
    tasks = {
        task.plan_item.key: task  # type: ignore[union-attr]  # filtered on the plan item
        for task in Task.objects.filter(project=project, plan_item__key__in=[item.key for item in items])
        .select_related("plan_item", "assignee")
        .annotate(logged=_logged_minutes())
    }
    outside = (
        TimeLog.objects.filter(task__project=project)
        .exclude(task__plan_item__key__in=[item.key for item in items])
        .aggregate(total=Coalesce(Sum("minutes"), Value(0)))["total"]
    )
    today = timezone.localdate()
    rows = []
    for item in items:
        task = tasks.get(item.key)
        finish: dt.date | None = None
        forecast = False
        if task is not None:
            if task.done_at is not None:
                finish = timezone.localdate(task.done_at)
            elif task.due_date is not None:
                # Open work past its due date finishes today at the earliest.
                finish, forecast = max(task.due_date, today), True
        rows.append(
            PlanActualRow(
                item=item,
                task=task,
                logged_minutes=int(getattr(task, "logged", 0) or 0),
                finish=finish,
                forecast=forecast,
            )
        )
    return PlanActual(
        version=version,
        rows=rows,
        estimate_minutes=sum(item.estimate_minutes for item in items),
        logged_minutes=sum(row.logged_minutes for row in rows),
        outside_minutes=int(outside or 0),
    )


# --- the client's view of progress ------------------------------------------------------------------


@dataclass
class Progress:
    """How far a project is: the share of the agreed plan's estimate done, or of its tasks."""

    percent: int
    done: int
    total: int
    by_estimate: bool


def percent_of(done: int, total: int) -> int:
    """``done`` of ``total`` as a whole percent, rounded to the nearest (half up), but never 100
    before all is done nor 0 once something is."""
    if total <= 0 or done <= 0:
        return 0
    if done >= total:
        return 100
    return min(99, max(1, (done * 200 + total) // (total * 2)))


def progress_by_project(project_ids: Sequence[int]) -> dict[int, Progress]:
    """Progress of many projects in two queries: by the agreed plan's estimated hours where there
    are some, else by the count of done tasks. A project with neither is left out."""
    if not project_ids:
        return {}
    done_task = Task.objects.filter(
        project_id=OuterRef("version__project_id"), plan_item__key=OuterRef("key"), status=Task.Status.DONE
    )
    planned = (
        PlanItem.objects.filter(
            version__project_id__in=project_ids, version__status=PlanVersion.Status.AGREED
        )
        .annotate(is_done=Exists(done_task))
        .values("version__project_id")
        .annotate(total=Sum("estimate_minutes"), done=Sum("estimate_minutes", filter=Q(is_done=True)))
        .order_by()
    )
    result: dict[int, Progress] = {}
    for row in planned:
        total, done = int(row["total"] or 0), int(row["done"] or 0)
        if total > 0:
            result[row["version__project_id"]] = Progress(
                percent=percent_of(done, total), done=done, total=total, by_estimate=True
            )
    counted = (
        Task.objects.filter(project_id__in=[pk for pk in project_ids if pk not in result])
        .values("project_id")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(status=Task.Status.DONE)))
        .order_by()
    )
    for counts in counted:
        if counts["total"]:
            result[counts["project_id"]] = Progress(
                percent=percent_of(counts["done"], counts["total"]),
                done=counts["done"],
                total=counts["total"],
                by_estimate=False,
            )
    return result


def client_tasks_for(user: AnyUser, project: Project) -> QuerySet[Task]:
    """The tasks of a project the AM made visible to the client, for a contact of that client."""
    return (
        task_visible_to(user)
        .filter(project=project, visible_to_client=True)
        .select_related("specialty")
        .order_by("due_date", "id")
    )
