"""What production tells a project's status: late tasks, slipping milestones and budget burn; and the
brief gate on leaving the brief stage.

Registered with ``khata.plans.status`` from ``ProductionConfig.ready()`` — plans cannot import
production, so production speaks to it through the registry. Each signal is one or two grouped
queries for any number of projects.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, Min, Q, Sum
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from khata.core.models import Event
from khata.plans.models import PlanVersion, Project
from khata.plans.status import OFF, RISK, Factor, register_stage_gate, register_status_signal
from khata.production.models import Brief, Task, TimeLog

# Late tasks: this many or more, or any late by more than LATE_TASK_OFF_DAYS, and the project is off track.
LATE_TASKS_OFF_COUNT = 3
LATE_TASK_OFF_DAYS = 7
# A milestone whose date passed more than this many days ago with its work open puts it off track.
MILESTONE_OFF_DAYS = 7
# Hours logged beyond this share of the hour budget: off track.
BUDGET_OFF_PERCENT = 100
# Hours burnt ahead of the work done by more than this many points: at risk.
BURN_AHEAD_POINTS = 20


def _ids(projects: Sequence[Project]) -> list[int]:
    return [project.pk for project in projects]


def late_tasks_signal(projects: Sequence[Project], *, today: dt.date) -> dict[int, list[Factor]]:
    """Open tasks past their due date: 1–2 at risk; 3 or more, or one late by over a week, off track."""
    rows = (
        Task.objects.filter(project_id__in=_ids(projects), due_date__lt=today)
        .exclude(status=Task.Status.DONE)
        .order_by()
        .values("project_id")
        .annotate(late=Count("id"), oldest=Min("due_date"))
    )
    found: dict[int, list[Factor]] = {}
    for row in rows:
        count, days = row["late"], (today - row["oldest"]).days
        severity = OFF if count >= LATE_TASKS_OFF_COUNT or days > LATE_TASK_OFF_DAYS else RISK
        label = ngettext("%(count)s task late", "%(count)s tasks late", count) % {"count": count}
        detail = ngettext(
            "The oldest is %(days)s day past its due date.",
            "The oldest is %(days)s days past its due date.",
            days,
        ) % {"days": days}
        found[row["project_id"]] = [Factor(code="late_tasks", label=label, severity=severity, detail=detail)]
    return found


def milestones_signal(projects: Sequence[Project], *, today: dt.date) -> dict[int, list[Factor]]:
    """Items of the agreed plan slipping: their date passed with work open, or their tasks are due
    after the item's own date."""
    slipping = Q(plan_item__due_date__lt=today) | Q(due_date__gt=F("plan_item__due_date"))
    rows = (
        Task.objects.filter(
            project_id__in=_ids(projects),
            plan_item__version__status=PlanVersion.Status.AGREED,
            plan_item__due_date__isnull=False,
        )
        .exclude(status=Task.Status.DONE)
        .filter(slipping)
        .order_by()
        .values("project_id")
        .annotate(
            items=Count("plan_item", distinct=True),
            passed=Min("plan_item__due_date", filter=Q(plan_item__due_date__lt=today)),
        )
    )
    found: dict[int, list[Factor]] = {}
    for row in rows:
        count, passed = row["items"], row["passed"]
        days = (today - passed).days if passed is not None else 0
        severity = OFF if days > MILESTONE_OFF_DAYS else RISK
        label = ngettext("%(count)s milestone slipping", "%(count)s milestones slipping", count) % {
            "count": count
        }
        detail: str | Promise
        if passed is not None:
            detail = ngettext(
                "The earliest was due %(date)s, %(days)s day ago, and its work is not done.",
                "The earliest was due %(date)s, %(days)s days ago, and its work is not done.",
                days,
            ) % {"date": date_format(passed, "j M Y"), "days": days}
        else:
            detail = _("Their tasks are due after the dates agreed in the plan.")
        found[row["project_id"]] = [Factor(code="milestones", label=label, severity=severity, detail=detail)]
    return found


def budget_signal(projects: Sequence[Project], *, today: dt.date) -> dict[int, list[Factor]]:
    """Hours logged against the hour budget and against the share of the estimated work done.

    Two queries: time logged per project, estimates (all and done) per project.
    """
    budgets = {p.pk: p.budget_hours * 60 for p in projects if p.budget_hours}
    if not budgets:
        return {}
    logged = dict(
        TimeLog.objects.filter(task__project_id__in=list(budgets))
        .order_by()
        .values("task__project_id")
        .annotate(minutes=Sum("minutes"))
        .values_list("task__project_id", "minutes")
    )
    estimates = {
        row["project_id"]: (row["total"] or 0, row["done"] or 0)
        for row in Task.objects.filter(project_id__in=list(budgets))
        .order_by()
        .values("project_id")
        .annotate(
            total=Sum("estimate_minutes"),
            done=Sum("estimate_minutes", filter=Q(status=Task.Status.DONE)),
        )
    }
    found: dict[int, list[Factor]] = {}
    for project_id, budget in budgets.items():
        minutes = logged.get(project_id) or 0
        # Hours round up and progress down: a status errs on the side of warning.
        used = math.ceil(100 * minutes / budget)
        total, done = estimates.get(project_id, (0, 0))
        progress = math.floor(100 * done / total) if total else None
        if progress is None:
            detail = _("%(used)s%% of the hour budget used.") % {"used": used}
        else:
            detail = _("%(used)s%% of the hour budget used, %(done)s%% of the work done.") % {
                "used": used,
                "done": progress,
            }
        if 100 * minutes > BUDGET_OFF_PERCENT * budget:
            found[project_id] = [
                Factor(code="budget_over", label=_("Hour budget overrun"), severity=OFF, detail=detail)
            ]
        elif progress is not None and used - progress > BURN_AHEAD_POINTS:
            found[project_id] = [
                Factor(
                    code="burn_ahead",
                    label=_("Hours burn ahead of the work done"),
                    severity=RISK,
                    detail=detail,
                )
            ]
    return found


def _stage_before_hold(project: Project) -> str:
    """The stage a project on hold was put on hold from, read from its last stage change."""
    event = (
        Event.objects.filter(
            client_id=project.client_id,
            kind="plans.project_stage_changed",
            subject_type=ContentType.objects.get_for_model(Project),
            subject_id=project.pk,
        )
        .order_by("-at", "-id")
        .first()
    )
    return str((event.data or {}).get("from", "")) if event is not None else ""


def brief_gate(project: Project, to_stage: str) -> str | Promise | None:
    """A project leaves the brief stage only with its briefs answered (else with the AM's reason).

    Putting it on hold first does not get round the gate: resuming asks the same question.
    """
    stage = _stage_before_hold(project) if project.stage == Project.Stage.ON_HOLD else project.stage
    if stage != Project.Stage.BRIEF or to_stage in {
        Project.Stage.BRIEF,
        Project.Stage.ON_HOLD,
        Project.Stage.CANCELLED,
    }:
        return None
    statuses = list(Brief.objects.filter(project=project).values_list("status", flat=True))
    if statuses and all(status == Brief.Status.ANSWERED for status in statuses):
        return None
    return _("The brief is not complete: say why the project moves on without it.")


def register() -> None:
    """Called once from ``ProductionConfig.ready()``."""
    register_status_signal("production.late_tasks", late_tasks_signal)
    register_status_signal("production.milestones", milestones_signal)
    register_status_signal("production.budget", budget_signal)
    register_stage_gate("production.brief", brief_gate)
