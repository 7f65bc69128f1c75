"""Every read of projects and plans that depends on who asks.

A missing object and one the user may not see answer the same: ``Http404``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext as _

from khata.clients.models import Client
from khata.clients.selectors import client_scope
from khata.core.boards import capped_count
from khata.people.models import Specialty, User
from khata.people.policies import AnyUser
from khata.plans.models import (
    Approval,
    ClientRequest,
    ItemDecision,
    Origin,
    PlanItem,
    PlanVersion,
    Project,
)
from khata.plans.services import plan_diff
from khata.plans.status import project_statuses


def project_visible_to(user: AnyUser) -> QuerySet[Project]:
    if not isinstance(user, User) or not user.is_active:
        return Project.objects.none()
    if user.role == User.Role.AM:
        return Project.objects.filter(Q(owner=user) | Q(client__owner=user) | Q(client__backup=user))
    scope = client_scope(user)
    if scope is None:
        return Project.objects.none()
    if not scope:
        # Those who see every client see every project: no "client IN (every client)" for the planner.
        return Project.objects.all()
    return Project.objects.filter(client__in=Client.objects.filter(scope))


def project_list_for(user: AnyUser) -> QuerySet[Project]:
    """The projects this user may see, ready for a list page (no N+1)."""
    return project_visible_to(user).select_related("client", "owner").order_by("name", "id")


def project_get_for(user: AnyUser, pk: int | str) -> Project:
    """One project this user may see, or 404."""
    try:
        return project_list_for(user).get(pk=pk)
    except (Project.DoesNotExist, ValueError, TypeError) as error:
        raise Http404("No such project.") from error


def plan_versions_for(project: Project, *, user: AnyUser | None = None) -> QuerySet[PlanVersion]:
    """A project's plan versions, newest first; a client contact does not see drafts."""
    versions = PlanVersion.objects.filter(project=project).select_related("created_by", "based_on")
    if isinstance(user, User) and user.role == User.Role.CONTACT:
        versions = versions.exclude(status=PlanVersion.Status.DRAFT)
    return versions.order_by("-number")


def plan_version_list_for(user: AnyUser) -> QuerySet[PlanVersion]:
    """Every plan version this user may see (a client contact: no drafts), newest first."""
    versions = PlanVersion.objects.filter(project__in=project_visible_to(user))
    if isinstance(user, User) and user.role == User.Role.CONTACT:
        versions = versions.exclude(status=PlanVersion.Status.DRAFT)
    return versions.select_related("project", "created_by").order_by("-id")


def plan_version_get_for(user: AnyUser, pk: int | str) -> PlanVersion:
    """One plan version this user may see, or 404."""
    try:
        return plan_version_list_for(user).select_related("project__client").get(pk=pk)
    except (PlanVersion.DoesNotExist, ValueError, TypeError) as error:
        raise Http404("No such plan version.") from error


def client_request_get_for(user: AnyUser, pk: int | str) -> ClientRequest:
    """One of the client's requests on a plan version this user may see, or 404."""
    try:
        return (
            ClientRequest.objects.filter(version__in=plan_version_list_for(user))
            .select_related("version__project__client")
            .get(pk=pk)
        )
    except (ClientRequest.DoesNotExist, ValueError, TypeError) as error:
        raise Http404("No such request.") from error


def plan_item_get_for(user: AnyUser, pk: int | str) -> PlanItem:
    """One item of a plan version this user may see, or 404."""
    try:
        return (
            PlanItem.objects.filter(version__in=plan_version_list_for(user))
            .select_related("version__project__client", "specialty")
            .get(pk=pk)
        )
    except (PlanItem.DoesNotExist, ValueError, TypeError) as error:
        raise Http404("No such plan item.") from error


# --- pages ----------------------------------------------------------------------------------------

PORTFOLIO_STAGE_LIMIT = 25
MAIN_STAGES = ("brief", "planning", "production", "acceptance", "done")
SIDE_STAGES = ("on_hold", "cancelled")


@dataclass
class StageGroup:
    """One stage of a portfolio: its first projects and how many there are."""

    stage: str
    label: str
    projects: Sequence[Project]
    total: int

    @property
    def more(self) -> int:
        return max(self.total - len(self.projects), 0)


def _latest_version(field: str) -> Subquery:
    return Subquery(PlanVersion.objects.filter(project=OuterRef("pk")).order_by("-number").values(field)[:1])


def project_portfolio_for(
    user: AnyUser, *, limit: int = PORTFOLIO_STAGE_LIMIT, today: dt.date | None = None
) -> list[StageGroup]:
    """The projects a user may see, grouped by stage, each group bounded; the latest plan version's
    number and status, and the project's computed status (``project.health``), ride on every
    project. One query per stage, one count and the status signals' few, whatever the size.
    """
    visible = project_visible_to(user)
    totals = dict(
        visible.order_by().values_list("stage").annotate(total=Count("id")).values_list("stage", "total")
    )
    rows = (
        visible.select_related("client", "owner")
        .annotate(plan_number=_latest_version("number"), plan_status=_latest_version("status"))
        .order_by("target_date", "name", "id")
    )
    groups = []
    for stage in MAIN_STAGES + SIDE_STAGES:
        projects = list(rows.filter(stage=stage)[:limit])
        groups.append(StageGroup(stage, str(Project.Stage(stage).label), projects, totals.get(stage, 0)))
    shown = [project for group in groups for project in group.projects]
    statuses = project_statuses(shown, today=today)
    for project in shown:
        project.health = statuses.get(project.pk)  # type: ignore[attr-defined]
    return groups


@dataclass(frozen=True)
class DiffRow:
    """One line of the differences between two versions, ready to show."""

    change: str
    deliverable: str
    field: str = ""
    kind: str = "text"  # how old/new are shown: text, money, date, hours
    old: Any = None
    new: Any = None


_DIFF_KINDS = {"price_minor": "money", "due_date": "date", "estimate_minutes": "hours"}


def plan_diff_rows(old: PlanVersion | None, new: PlanVersion) -> list[DiffRow]:
    """``plan_diff`` for people: field names, specialty and origin labels, hours for minutes."""
    changes = plan_diff(old, new)
    specialty_ids = {
        value for change in changes if change.field == "specialty" for value in (change.old, change.new)
    }
    names = {
        pk: name
        for pk, name in Specialty.objects.filter(pk__in=specialty_ids - {None}).values_list("pk", "name")
    }
    rows = []
    for change in changes:
        if change.change != "changed":
            rows.append(DiffRow(change.change, change.deliverable))
            continue
        name = change.field
        old_value, new_value = change.old, change.new
        if name == "specialty":
            old_value, new_value = names.get(old_value, "—"), names.get(new_value, "—")
        elif name == "origin":
            old_value, new_value = Origin(old_value).label, Origin(new_value).label
        elif name == "estimate_minutes":
            old_value = (Decimal(old_value) / 60).quantize(Decimal("0.01"))
            new_value = (Decimal(new_value) / 60).quantize(Decimal("0.01"))
        label = str(getattr(PlanItem._meta.get_field(name), "verbose_name", name))
        if name == "estimate_minutes":
            label = _("estimate (hours)")
        rows.append(
            DiffRow("changed", change.deliverable, label, _DIFF_KINDS.get(name, "text"), old_value, new_value)
        )
    return rows


@dataclass
class ProjectPage:
    """Everything the staff project page shows, read in a fixed number of queries."""

    project: Project
    versions: list[PlanVersion]
    version: PlanVersion | None
    items: list[PlanItem]
    disputed: list[PlanItem]
    requests: list[ClientRequest]
    approvals: dict[str, Approval]
    previous: PlanVersion | None
    diff: list[DiffRow]


def _previous_of(version: PlanVersion, versions: list[PlanVersion]) -> PlanVersion | None:
    if version.based_on_id is not None:
        return next((v for v in versions if v.pk == version.based_on_id), None)
    return next((v for v in versions if v.number < version.number), None)


def plan_version_items(version: PlanVersion) -> list[PlanItem]:
    """A version's items with their specialty and the client's answers (latest first)."""
    return list(
        version.items.select_related("specialty")
        .prefetch_related(
            Prefetch(
                "decisions",
                queryset=ItemDecision.objects.select_related("by").order_by("-created_at", "-id"),
            )
        )
        .order_by("id")
    )


def disputed_of(items: list[PlanItem]) -> list[PlanItem]:
    """Items (from ``plan_version_items``) whose latest client answer is a counter or a rejection."""
    return [
        item
        for item in items
        if (answers := item.decisions.all()) and answers[0].decision != ItemDecision.Decision.ACCEPT
    ]


def plan_version_page_data(version: PlanVersion, versions: list[PlanVersion]) -> dict[str, Any]:
    """A version's items, the client's requests, both sides' approvals and its differences."""
    previous = _previous_of(version, versions)
    items = plan_version_items(version)
    return {
        "items": items,
        "disputed": disputed_of(items),
        "requests": list(version.requests.select_related("by", "answered_by").order_by("id")),
        "approvals": {a.side: a for a in version.approvals.select_related("by")},
        "previous": previous,
        "diff": plan_diff_rows(previous, version) if previous is not None else [],
    }


def project_page_for(user: AnyUser, project: Project, *, number: int | str | None = None) -> ProjectPage:
    """A project's page: its versions, newest first, and one of them (the latest unless asked)."""
    versions = list(plan_versions_for(project, user=user))
    version = versions[0] if versions else None
    if number is not None:
        version = next((v for v in versions if str(v.number) == str(number)), version)
    data: dict[str, Any] = {
        "items": [],
        "disputed": [],
        "requests": [],
        "approvals": {},
        "previous": None,
        "diff": [],
    }
    if version is not None:
        data = plan_version_page_data(version, versions)
    return ProjectPage(project=project, versions=versions, version=version, **data)


# --- the portal -----------------------------------------------------------------------------------


def portal_project_list_for(user: AnyUser, *, limit: int = 100) -> list[Project]:
    """A contact's company's projects with the latest version before them (no drafts)."""
    shown = PlanVersion.objects.filter(project=OuterRef("pk")).exclude(status=PlanVersion.Status.DRAFT)
    return list(
        project_visible_to(user)
        .select_related("owner")
        .annotate(
            plan_pk=Subquery(shown.order_by("-number").values("pk")[:1]),
            plan_number=Subquery(shown.order_by("-number").values("number")[:1]),
            plan_status=Subquery(shown.order_by("-number").values("status")[:1]),
        )
        .order_by("name", "id")[:limit]
    )


def plans_to_agree_for(client_id: int, *, limit: int) -> tuple[list[PlanVersion], int, bool]:
    """Proposed versions of a client that wait for the client side's approval, and how many."""
    waiting = (
        PlanVersion.objects.filter(project__client_id=client_id, status=PlanVersion.Status.PROPOSED)
        .exclude(approvals__side=Approval.Side.CLIENT)
        .select_related("project")
        .order_by("-id")
    )
    total, capped = capped_count(waiting)
    return list(waiting[:limit]), total, capped


# --- the Today board ------------------------------------------------------------------------------


def _company_side_versions(user: AnyUser) -> QuerySet[PlanVersion]:
    """Proposed versions of the projects this AM or head runs, not yet approved by the company."""
    if not isinstance(user, User) or not user.is_active or user.role not in {User.Role.AM, User.Role.HEAD}:
        return PlanVersion.objects.none()
    projects = project_visible_to(user).filter(stage__in=("brief", "planning", "production", "acceptance"))
    return PlanVersion.objects.filter(status=PlanVersion.Status.PROPOSED, project__in=projects)


def plans_waiting_for_client_for(user: AnyUser) -> QuerySet[PlanVersion]:
    """Proposed versions of the user's projects the client has neither approved nor answered, the
    longest waiting first."""
    answered = ItemDecision.objects.filter(item__version=OuterRef("pk")).exclude(
        decision=ItemDecision.Decision.ACCEPT
    )
    return (
        _company_side_versions(user)
        .exclude(approvals__side=Approval.Side.CLIENT)
        .exclude(Exists(answered))
        .exclude(Exists(ClientRequest.objects.filter(version=OuterRef("pk"), answer="", answered_by=None)))
        .select_related("project__client")
        .order_by("proposed_at", "id")
    )


def plans_waiting_for_company_for(user: AnyUser) -> QuerySet[PlanVersion]:
    """Proposed versions the client has approved, countered, rejected or added requests to, and the
    company side has not approved: the AM's move."""
    countered = ItemDecision.objects.filter(item__version=OuterRef("pk")).exclude(
        decision=ItemDecision.Decision.ACCEPT
    )
    open_requests = ClientRequest.objects.filter(version=OuterRef("pk"), answer="", answered_by=None)
    client_approved = Approval.objects.filter(version=OuterRef("pk"), side=Approval.Side.CLIENT)
    return (
        _company_side_versions(user)
        .exclude(approvals__side=Approval.Side.COMPANY)
        .filter(Exists(client_approved) | Exists(countered) | Exists(open_requests))
        .annotate(client_approved=Exists(client_approved))
        .select_related("project__client")
        .order_by("proposed_at", "id")
    )
