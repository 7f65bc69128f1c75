"""Every read of projects and plans that depends on who asks.

A missing object and one the user may not see answer the same: ``Http404``.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from khata.clients.selectors import client_visible_to
from khata.people.models import User
from khata.people.policies import AnyUser
from khata.plans.models import PlanVersion, Project


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
