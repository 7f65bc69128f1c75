"""Reads of people."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from khata.people.models import User
from khata.people.policies import AnyUser, is_staff_user


def account_managers() -> QuerySet[User]:
    """People who may own or back up a client: AMs and heads of accounts."""
    return User.objects.filter(is_active=True, role__in=[User.Role.AM, User.Role.HEAD]).order_by("full_name")


def specialists() -> QuerySet[User]:
    return (
        User.objects.filter(is_active=True, role=User.Role.SPECIALIST)
        .prefetch_related("specialties")
        .order_by("full_name")
    )


@dataclass
class RoleGroup:
    """The people of one staff role on the directory page."""

    role: str
    label: str
    people: list[User]


def people_directory_for(user: AnyUser) -> list[RoleGroup]:
    """Agency staff grouped by role, with specialties and owned-client counts (two queries).

    Only staff see the directory; a client contact or a stranger gets an empty list.
    """
    if not is_staff_user(user):
        return []
    people = (
        User.objects.filter(is_active=True, role__in=User.STAFF_ROLES)
        .annotate(clients_owned=Count("owned_clients", distinct=True))
        .prefetch_related("specialties")
        .order_by("full_name", "email")
    )
    groups = {role: RoleGroup(role=role, label=str(label), people=[]) for role, label in User.Role.choices}
    for person in people:
        groups[person.role].people.append(person)
    return [group for role, group in groups.items() if role in User.STAFF_ROLES and group.people]
