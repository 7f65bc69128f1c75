"""The staff pages of projects and plans: who sees and changes what, and refused input."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from khata.clients.models import Client
from khata.clients.services import client_create
from khata.core.models import Event
from khata.people.models import User
from khata.plans.models import Approval, PlanItem, PlanVersion, Project
from khata.plans.services import (
    item_decide,
    plan_approve,
    plan_item_add,
    plan_propose,
    plan_version_create,
    project_create,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(am: User, client_a: Client) -> Project:
    return project_create(client=client_a, by=am, name="Spring SEO push", services="SEO")


@pytest.fixture
def draft(am: User, project: Project) -> PlanVersion:
    version = plan_version_create(project=project, by=am)
    plan_item_add(
        version=version, by=am, deliverable="Keyword research", price_minor=20_000_00, estimate_minutes=600
    )
    return version


@pytest.fixture
def proposed(am: User, draft: PlanVersion) -> PlanVersion:
    return plan_propose(version=draft, by=am)


@pytest.fixture
def everyone(personas: dict[str, User | None], approver_a: User) -> dict[str, User | None]:
    return personas | {"approver_a": approver_a}


def _as(user: User | None) -> HttpClient:
    http = HttpClient()
    if user is not None:
        http.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return http


def _snapshot() -> tuple[Any, ...]:
    return (
        list(Project.objects.values()),
        list(PlanVersion.objects.values()),
        list(PlanItem.objects.values()),
        list(Approval.objects.values()),
        Event.objects.count(),
    )


READS = {"anonymous": 302, "admin": 200, "am": 200, "other_am": 404, "specialist": 404, "finance": 200}
READS |= {"contact_a": 403, "contact_b": 403, "approver_a": 403}


@pytest.mark.parametrize(("persona", "expected"), READS.items())
def test_the_project_page_answers_by_persona(
    everyone: dict[str, User | None], proposed: PlanVersion, persona: str, expected: int
) -> None:
    response = _as(everyone[persona]).get(f"/projects/{proposed.project_id}/")
    assert response.status_code == expected
    if expected == 200:
        assert "Keyword research" in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "expected"),
    {
        "anonymous": 302,
        "admin": 200,
        "am": 200,
        "other_am": 200,
        "specialist": 200,
        "finance": 200,
        "contact_a": 403,
        "approver_a": 403,
    }.items(),
)
def test_the_portfolio_answers_by_persona(
    everyone: dict[str, User | None], project: Project, persona: str, expected: int
) -> None:
    response = _as(everyone[persona]).get("/projects/")
    assert response.status_code == expected
    if persona in {"admin", "am", "finance"}:
        assert "Spring SEO push" in response.content.decode()
    if persona in {"other_am", "specialist"}:
        assert "Spring SEO push" not in response.content.decode()


WRITES = {"anonymous": 302, "other_am": 404, "specialist": 404, "finance": 403, "contact_a": 403}
WRITES |= {"approver_a": 403}


@pytest.mark.parametrize(("persona", "expected"), WRITES.items())
def test_denied_plan_writes_change_nothing(
    everyone: dict[str, User | None], draft: PlanVersion, persona: str, expected: int
) -> None:
    item = draft.items.get()
    http = _as(everyone[persona])
    before = _snapshot()
    posts = [
        (f"/projects/{draft.project_id}/edit/", {"name": "Taken", "owner": str(draft.project.owner_id)}),
        (f"/projects/{draft.project_id}/versions/new/", {}),
        (
            f"/projects/versions/{draft.pk}/items/new/",
            {"deliverable": "X", "estimate_hours": "1", "price": "1", "origin": "company"},
        ),
        (
            f"/projects/items/{item.pk}/edit/",
            {"deliverable": "X", "estimate_hours": "1", "price": "1", "origin": "company"},
        ),
        (f"/projects/items/{item.pk}/remove/", {}),
        (f"/projects/versions/{draft.pk}/propose/", {}),
    ]
    for url, data in posts:
        assert http.post(url, data).status_code == expected, url
    assert _snapshot() == before


def test_the_am_drafts_edits_proposes_and_approves(am: User, project: Project) -> None:
    http = _as(am)
    response = http.post(f"/projects/{project.pk}/versions/new/", {"note": "First cut"})
    assert response.status_code == 302
    version = PlanVersion.objects.get(project=project)
    response = http.post(
        f"/projects/versions/{version.pk}/items/new/",
        {
            "deliverable": "Site audit",
            "estimate_hours": "7.5",
            "price": "12500.50",
            "origin": "company",
            "due_date": "2026-12-20",
        },
    )
    assert response.status_code == 302
    item = version.items.get()
    assert (item.estimate_minutes, item.price_minor, item.due_date) == (450, 1_250_050, dt.date(2026, 12, 20))
    response = http.post(
        f"/projects/items/{item.pk}/edit/",
        {"deliverable": "Full site audit", "estimate_hours": "8", "price": "13000", "origin": "company"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.deliverable, item.price_minor) == ("Full site audit", 1_300_000)
    assert http.post(f"/projects/versions/{version.pk}/propose/").status_code == 302
    assert http.post(f"/projects/versions/{version.pk}/approve/").status_code == 302
    assert Approval.objects.filter(version=version, side="company", by=am).exists()
    page = http.get(f"/projects/{project.pk}/").content.decode()
    assert "Full site audit" in page and "Approved" in page


def test_bad_item_input_answers_400_with_errors_and_changes_nothing(am: User, draft: PlanVersion) -> None:
    before = _snapshot()
    response = _as(am).post(
        f"/projects/versions/{draft.pk}/items/new/",
        {"deliverable": "  ", "estimate_hours": "-1", "price": "abc", "origin": "company"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors.keys() >= {"deliverable", "estimate_hours", "price"}
    assert _snapshot() == before


def test_a_service_refusal_shows_next_to_the_field(am: User, project: Project) -> None:
    before = _snapshot()
    response = _as(am).post(
        f"/projects/{project.pk}/edit/",
        {"name": "Spring", "owner": str(am.pk), "start_date": "2026-12-10", "target_date": "2026-12-01"},
    )
    assert response.status_code == 400
    assert "target_date" in response.context["form"].errors
    assert _snapshot() == before


def test_editing_a_frozen_version_is_refused_with_400(am: User, proposed: PlanVersion) -> None:
    item = proposed.items.get()
    before = _snapshot()
    response = _as(am).post(f"/projects/items/{item.pk}/remove/")
    assert response.status_code == 400
    assert "frozen" in response.content.decode()
    assert _snapshot() == before


def test_the_am_creates_a_project_for_a_client(am: User, client_a: Client) -> None:
    response = _as(am).post(
        "/projects/new/",
        {"client": str(client_a.pk), "name": "Launch", "owner": str(am.pk), "budget": "1000"},
    )
    assert response.status_code == 302
    project = Project.objects.get(name="Launch")
    assert (project.client, project.budget_minor, project.stage) == (client_a, 100_000, "brief")


def test_finance_may_not_start_projects(finance: User) -> None:
    assert _as(finance).get("/projects/new/").status_code == 403


def test_the_project_page_shows_answers_requests_and_the_diff(
    am: User, approver_a: User, proposed: PlanVersion
) -> None:
    item = proposed.items.get()
    item_decide(
        item=item, by=approver_a, decision="counter", comment="Too dear", proposed_price_minor=15_000_00
    )
    revision = plan_version_create(project=proposed.project, by=am, based_on=proposed)
    plan_item_add(version=revision, by=am, deliverable="Link audit", price_minor=5_000_00)
    http = _as(am)
    old = http.get(f"/projects/{proposed.project_id}/?version=1").content.decode()
    assert "Too dear" in old and "Countered" in old
    new = http.get(f"/projects/{proposed.project_id}/").content.decode()
    assert "Changes since version 1" in new and "Link audit" in new


def test_a_plan_agreed_by_both_sides_offers_a_change_request(
    am: User, approver_a: User, proposed: PlanVersion
) -> None:
    plan_approve(version=proposed, by=am, side="company")
    plan_approve(version=proposed, by=approver_a, side="client")
    http = _as(am)
    assert "Request a change" in http.get(f"/projects/{proposed.project_id}/").content.decode()
    assert (
        http.post(f"/projects/{proposed.project_id}/change-request/", {"note": "More pages"}).status_code
        == 302
    )
    assert PlanVersion.objects.filter(project=proposed.project, status="draft", based_on=proposed).exists()


def _projects(am: User, count: int) -> None:
    client = client_create(
        by=am,
        display_name=f"Bulk {count}",
        legal_name=f"Bulk {count} Ltd",
        owner=am,
        country="IN",
        currency="INR",
    )
    stages = list(Project.Stage.values)
    for n in range(count):
        project = project_create(client=client, by=am, name=f"P{n}", stage=stages[n % len(stages)])
        version = plan_version_create(project=project, by=am)
        plan_item_add(version=version, by=am, deliverable="Work")


def _portfolio_queries(am: User) -> int:
    http = _as(am)
    http.get("/projects/")
    with CaptureQueriesContext(connection) as captured:
        assert http.get("/projects/").status_code == 200
    return len(captured)


def test_the_portfolio_costs_the_same_queries_for_3_and_30_projects(am: User) -> None:
    _projects(am, 3)
    few = _portfolio_queries(am)
    _projects(am, 27)
    assert _portfolio_queries(am) == few
