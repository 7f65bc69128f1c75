"""Production personas beside the shared cast: the plan approvers, and a project with an agreed plan."""

from __future__ import annotations

import datetime as dt

import pytest

from khata.clients.models import Client
from khata.people.models import Specialty, User
from khata.plans.models import Approval, PlanVersion, Project
from khata.plans.services import (
    plan_approve,
    plan_item_add,
    plan_propose,
    plan_version_create,
    project_create,
)
from khata.plans.tests.conftest import approver_a, approver_b

__all__ = ["approver_a", "approver_b"]

START = dt.date(2026, 12, 7)  # a Monday


@pytest.fixture
def seo() -> Specialty:
    return Specialty.objects.get_or_create(code="seo", defaults={"name": "SEO"})[0]


@pytest.fixture
def copy() -> Specialty:
    return Specialty.objects.get_or_create(code="copy", defaults={"name": "Copywriting"})[0]


@pytest.fixture
def project(am: User, client_a: Client) -> Project:
    return project_create(client=client_a, by=am, name="Spring SEO push", services="seo", start_date=START)


@pytest.fixture
def agreed(project: Project, am: User, approver_a: User, seo: Specialty, copy: Specialty) -> PlanVersion:
    """Version 1 of the project's plan, agreed by both sides: an SEO audit and landing-page copy."""
    version = plan_version_create(project=project, by=am)
    plan_item_add(
        version=version,
        by=am,
        deliverable="SEO audit",
        specialty=seo,
        estimate_minutes=600,
        due_date=START + dt.timedelta(days=2),
        price_minor=80_000_00,
    )
    plan_item_add(
        version=version,
        by=am,
        deliverable="Landing page copy",
        specialty=copy,
        estimate_minutes=240,
        due_date=START + dt.timedelta(days=9),
        price_minor=30_000_00,
    )
    plan_propose(version=version, by=am)
    plan_approve(version=version, by=am, side=Approval.Side.COMPANY)
    plan_approve(version=version, by=approver_a, side=Approval.Side.CLIENT)
    version.refresh_from_db()
    assert version.status == PlanVersion.Status.AGREED
    return version
