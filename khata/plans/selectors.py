"""Every read of projects and plans that depends on who asks.

A missing object and one the user may not see answer the same: ``Http404``.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from khata.clients.selectors import client_visible_to
from khata.people.models import User
from khata.people.policies import AnyUser
from khata.plans.models import PlanItem, PlanVersion, Project


def project_visible_to(user: AnyUser) -> QuerySet[Project]:
    if not isinstance(user, User) or not user.is_active:
        return Project.objects.none()
    if user.role == User.Role.AM:
        return Project.objects.filter(Q(owner=user) | Q(client__owner=user) | Q(client__backup=user))
    return Project.objects.filter(client__in=client_visible_to(user))


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
