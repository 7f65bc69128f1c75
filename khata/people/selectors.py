"""Reads of people."""

from __future__ import annotations

from django.db.models import QuerySet

from khata.people.models import User


def account_managers() -> QuerySet[User]:
    """People who may own or back up a client: AMs and heads of accounts."""
    return User.objects.filter(is_active=True, role__in=[User.Role.AM, User.Role.HEAD]).order_by("full_name")


def specialists() -> QuerySet[User]:
    return (
        User.objects.filter(is_active=True, role=User.Role.SPECIALIST)
        .prefetch_related("specialties")
        .order_by("full_name")
    )
