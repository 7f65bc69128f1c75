"""Documents personas beside the shared cast: the production project with an agreed plan, and
done tasks with time logged, ready to go on an act."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from khata.clients.models import Client
from khata.documents.models import Document, DocumentKind
from khata.documents.services import document_create
from khata.people.models import User
from khata.plans.models import PlanVersion, Project
from khata.plans.tests.conftest import approver_a, approver_b
from khata.production.models import Task, TimeLog
from khata.production.services import tasks_from_plan
from khata.production.tests.conftest import START, agreed, copy, project, seo

__all__ = ["agreed", "approver_a", "approver_b", "copy", "project", "seo"]


def kind(code: str) -> DocumentKind:
    return DocumentKind.objects.get(code=code)


@pytest.fixture
def kinds(db: None) -> None:
    """The default kinds a fresh installation has from its migration (a transactional test flushes them)."""
    import importlib

    from django.apps import apps

    importlib.import_module("khata.documents.migrations.0002_default_kinds").create_defaults(apps, None)


@pytest.fixture
def done_tasks(agreed: PlanVersion, am: User, specialist: User) -> list[Task]:
    """Both items of the agreed plan as tasks, done, with time logged."""
    tasks = tasks_from_plan(version=agreed, by=am)
    done_at = timezone.make_aware(dt.datetime.combine(START + dt.timedelta(days=3), dt.time(12)))
    for minutes, task in zip((540, 200), tasks, strict=True):
        Task.objects.filter(pk=task.pk).update(status=Task.Status.DONE, done_at=done_at, assignee=specialist)
        TimeLog.objects.create(task=task, user=specialist, minutes=minutes, on=START)
    return list(Task.objects.filter(pk__in=[t.pk for t in tasks]).order_by("id"))


@pytest.fixture
def act(kinds: None, am: User, client_a: Client, project: Project) -> Document:
    """A draft act of the project for December 2026."""
    return document_create(
        by=am,
        kind=kind("act"),
        client=client_a,
        title="Work done in December",
        project=project,
        period_start=dt.date(2026, 12, 1),
        period_end=dt.date(2026, 12, 31),
        date=dt.date(2026, 12, 31),
    )


@pytest.fixture
def contract(kinds: None, am: User, client_a: Client) -> Document:
    return document_create(
        by=am,
        kind=kind("contract"),
        client=client_a,
        title="Master services agreement",
        parties="Acme Retail Private Limited and the agency",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
        notice_days=30,
        amount_minor=12_00_000_00,
        date=dt.date(2026, 1, 1),
    )
