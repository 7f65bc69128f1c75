"""A project's status — on track, at risk, off track — and the factors that explain it.

The status is never typed in: it is computed from the project's plan and, through signals other
domains register, from its production (late tasks, slipping milestones, budget burn). Each signal
works in bulk: ``func(projects, *, today) -> {project_id: [Factor, ...]}`` costs a fixed number of
queries however many projects it is given, so the portfolio can show a status on every row.

The level is the worst severity among the factors: a "risk" factor makes the project at risk, an
"off" factor off track; no factor, on track. Done and cancelled projects have no status; a project on
hold is shown as paused and no risk is computed while it waits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from khata.plans.models import Approval, PlanVersion, Project

RISK = "risk"
OFF = "off"
_SEVERITY_RANK = {RISK: 1, OFF: 2}

# A proposed plan the client has not approved after this many days puts the project at risk.
PLAN_WAIT_DAYS = 5
# Stages in which the status is computed; on hold is shown as paused, done and cancelled not at all.
ACTIVE_STAGES = ("brief", "planning", "production", "acceptance")
# Stages in which the work should follow an agreed plan.
PLANNED_STAGES = ("production", "acceptance")


@dataclass(frozen=True)
class Factor:
    """One reason for a project's status, in words a person understands."""

    code: str
    label: str | Promise
    severity: str  # RISK or OFF
    detail: str | Promise = ""

    @property
    def tone(self) -> str:
        return "danger" if self.severity == OFF else "warning"


@dataclass
class ProjectStatus:
    """A project's level and the factors behind it, worst first."""

    level: str  # "on_track", "at_risk", "off_track" or "paused"
    factors: list[Factor] = field(default_factory=list)

    LABELS = {
        "on_track": _("On track"),
        "at_risk": _("At risk"),
        "off_track": _("Off track"),
        "paused": _("Paused"),
    }
    TONES = {"on_track": "success", "at_risk": "warning", "off_track": "danger", "paused": "muted"}

    @property
    def label(self) -> str | Promise:
        return self.LABELS[self.level]

    @property
    def tone(self) -> str:
        return self.TONES[self.level]

    @property
    def first(self) -> Factor | None:
        return self.factors[0] if self.factors else None


StatusSignal = Callable[..., dict[int, list[Factor]]]
_signals: dict[str, StatusSignal] = {}


def register_status_signal(key: str, func: StatusSignal) -> None:
    """A domain adds a signal: ``func(projects, *, today) -> {project_id: [Factor, ...]}`` in bulk."""
    _signals[key] = func


def status_signal_keys() -> list[str]:
    return sorted(_signals)


def _level(factors: Iterable[Factor]) -> str:
    worst = max((_SEVERITY_RANK.get(f.severity, 0) for f in factors), default=0)
    return {0: "on_track", 1: "at_risk", 2: "off_track"}[worst]


def project_statuses(
    projects: Sequence[Project], *, today: dt.date | None = None
) -> dict[int, ProjectStatus]:
    """Each project's status (none for done and cancelled ones), every signal asked once in bulk."""
    today = today or timezone.localdate()
    active = [p for p in projects if p.stage in ACTIVE_STAGES]
    found: dict[int, list[Factor]] = {p.pk: [] for p in active}
    if active:
        for key in sorted(_signals):
            for project_id, factors in _signals[key](active, today=today).items():
                found.setdefault(project_id, []).extend(factors)
    statuses = {
        pk: ProjectStatus(
            _level(factors),
            sorted(factors, key=lambda f: -_SEVERITY_RANK.get(f.severity, 0)),
        )
        for pk, factors in found.items()
    }
    for project in projects:
        if project.stage == Project.Stage.ON_HOLD:
            statuses[project.pk] = ProjectStatus("paused")
    return statuses


def project_status(project: Project, *, today: dt.date | None = None) -> ProjectStatus | None:
    """One project's status, or ``None`` when it is done or cancelled."""
    return project_statuses([project], today=today).get(project.pk)


# --- the plans domain's own signals ---------------------------------------------------------------


def _date(value: dt.date) -> str:
    return date_format(value, "j M Y")


def _days(count: int) -> str:
    return ngettext("%(count)s day", "%(count)s days", count) % {"count": count}


def target_date_signal(projects: Sequence[Project], *, today: dt.date) -> dict[int, list[Factor]]:
    """The target date has passed and the project is not done (no query)."""
    found: dict[int, list[Factor]] = {}
    for project in projects:
        if project.target_date is not None and project.target_date < today:
            late = (today - project.target_date).days
            found[project.pk] = [
                Factor(
                    code="target_passed",
                    label=_("Target date passed %(days)s ago") % {"days": _days(late)},
                    severity=OFF,
                    detail=_("It was %(date)s; the project is not done.")
                    % {"date": _date(project.target_date)},
                )
            ]
    return found


def plan_signal(projects: Sequence[Project], *, today: dt.date) -> dict[int, list[Factor]]:
    """A proposed plan waits for the client too long; production runs without an agreed plan.

    One query: the proposed and agreed versions of every project given.
    """
    found: dict[int, list[Factor]] = {}
    client_approved = Approval.objects.filter(version=OuterRef("pk"), side=Approval.Side.CLIENT)
    rows = (
        PlanVersion.objects.filter(
            project_id__in=[p.pk for p in projects],
            status__in=[PlanVersion.Status.PROPOSED, PlanVersion.Status.AGREED],
        )
        .annotate(client_approved=Exists(client_approved))
        .values_list("project_id", "status", "number", "proposed_at", "created_at", "client_approved")
    )
    agreed: set[int] = set()
    for project_id, status, number, proposed_at, created_at, approved in rows:
        if status == PlanVersion.Status.AGREED:
            agreed.add(project_id)
            continue
        if approved:
            continue
        since = timezone.localdate(proposed_at or created_at)
        waiting = (today - since).days
        if waiting > PLAN_WAIT_DAYS:
            found.setdefault(project_id, []).append(
                Factor(
                    code="plan_waiting",
                    label=_("Plan waiting for the client for %(days)s") % {"days": _days(waiting)},
                    severity=RISK,
                    detail=_("Version %(number)s was proposed on %(date)s and is not approved yet.")
                    % {"number": number, "date": _date(since)},
                )
            )
    for project in projects:
        if project.stage in PLANNED_STAGES and project.pk not in agreed:
            found.setdefault(project.pk, []).append(
                Factor(
                    code="no_agreed_plan",
                    label=_("Work goes on without an agreed plan"),
                    severity=RISK,
                    detail=_("The project is in %(stage)s with no plan approved by both sides.")
                    % {"stage": Project.Stage(project.stage).label},
                )
            )
    return found


def register_plan_signals() -> None:
    register_status_signal("plans.target_date", target_date_signal)
    register_status_signal("plans.plan", plan_signal)


# --- gates on stage changes -----------------------------------------------------------------------

StageGate = Callable[[Project, str], "str | Promise | None"]
_gates: dict[str, StageGate] = {}


def register_stage_gate(key: str, func: StageGate) -> None:
    """A domain objects to a stage change: ``func(project, to_stage) -> message | None``.

    An objection does not forbid the move: the AM may still make it with a recorded reason.
    """
    _gates[key] = func


def stage_objections(project: Project, to_stage: str) -> list[str]:
    """What the registered gates say against moving ``project`` to ``to_stage``."""
    return [str(message) for key in sorted(_gates) if (message := _gates[key](project, to_stage))]
