"""The client's side of the work plan in the portal: projects, answers, requests and approval."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient

from khata.clients.models import Client
from khata.core.models import Event
from khata.people.models import User
from khata.plans.models import Approval, ClientRequest, ItemDecision, PlanVersion, Project
from khata.plans.services import (
    plan_approve,
    plan_item_add,
    plan_propose,
    plan_version_create,
    project_create,
)
from khata.plans.tests.conftest import _approver

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(am: User, client_a: Client) -> Project:
    return project_create(client=client_a, by=am, name="Spring SEO push", services="SEO")


@pytest.fixture
def proposed(am: User, project: Project) -> PlanVersion:
    version = plan_version_create(project=project, by=am)
    plan_item_add(version=version, by=am, deliverable="Keyword research", price_minor=20_000_00)
    return plan_propose(version=version, by=am)


@pytest.fixture
def approver_a(client_a: Client) -> User:
    """A portal contact of client A who approves its plans."""
    return _approver(client_a, "anita@acme.test", "Anita Approver")


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
        list(ItemDecision.objects.values()),
        list(ClientRequest.objects.values()),
        list(Approval.objects.values()),
        list(PlanVersion.objects.values("pk", "status")),
        Event.objects.count(),
    )


READS = {"anonymous": 302, "contact_a": 200, "approver_a": 200, "contact_b": 404, "am": 302, "admin": 302}


@pytest.mark.parametrize(("persona", "expected"), READS.items())
def test_the_plan_page_answers_by_persona(
    everyone: dict[str, User | None], proposed: PlanVersion, persona: str, expected: int
) -> None:
    http = _as(everyone[persona])
    for url in (f"/portal/plans/{proposed.pk}/", f"/portal/projects/{proposed.project_id}/"):
        response = http.get(url)
        assert response.status_code == expected, url
        if expected == 200:
            assert "Keyword research" in response.content.decode() or "Version 1" in response.content.decode()


def test_the_projects_list_shows_only_the_contacts_company(
    contact_a: User, contact_b: User, proposed: PlanVersion
) -> None:
    assert "Spring SEO push" in _as(contact_a).get("/portal/projects/").content.decode()
    assert "Spring SEO push" not in _as(contact_b).get("/portal/projects/").content.decode()


def test_a_draft_is_not_shown_to_the_client(am: User, contact_a: User, project: Project) -> None:
    draft = plan_version_create(project=project, by=am)
    assert _as(contact_a).get(f"/portal/plans/{draft.pk}/").status_code == 404


WRITES = {"anonymous": 302, "contact_a": 403, "contact_b": 404, "am": 403, "admin": 403}


@pytest.mark.parametrize(("persona", "expected"), WRITES.items())
def test_only_the_approver_answers_and_others_change_nothing(
    everyone: dict[str, User | None], proposed: PlanVersion, persona: str, expected: int
) -> None:
    item = proposed.items.get()
    http = _as(everyone[persona])
    before = _snapshot()
    posts = [
        (f"/portal/plans/items/{item.pk}/answer/", {f"item{item.pk}-decision": "accept"}),
        (f"/portal/plans/{proposed.pk}/request/", {"request-deliverable": "Blog posts"}),
        (f"/portal/plans/{proposed.pk}/approve/", {}),
    ]
    for url, data in posts:
        status = http.post(url, data).status_code
        # Staff are not portal users: the contact lookup refuses them with 404.
        assert status == (404 if persona in {"am", "admin"} else expected), url
    assert _snapshot() == before


def test_the_non_approver_reads_without_forms(contact_a: User, proposed: PlanVersion) -> None:
    page = _as(contact_a).get(f"/portal/plans/{proposed.pk}/").content.decode()
    assert "Keyword research" in page
    assert "Save answer" not in page and "Approve this plan" not in page


def test_the_approver_counters_requests_and_approves(approver_a: User, proposed: PlanVersion) -> None:
    item = proposed.items.get()
    http = _as(approver_a)
    assert "Save answer" in http.get(f"/portal/plans/{proposed.pk}/").content.decode()
    response = http.post(
        f"/portal/plans/items/{item.pk}/answer/",
        {
            f"item{item.pk}-decision": "counter",
            f"item{item.pk}-comment": "Too dear",
            f"item{item.pk}-proposed_price": "15000",
        },
    )
    assert response.status_code == 302
    decision = ItemDecision.objects.get(item=item)
    assert (decision.decision, decision.proposed_price_minor, decision.by) == (
        "counter",
        15_000_00,
        approver_a,
    )
    response = http.post(
        f"/portal/plans/{proposed.pk}/request/",
        {"request-deliverable": "Blog posts", "request-comment": "Four"},
    )
    assert response.status_code == 302
    assert ClientRequest.objects.get(version=proposed).deliverable == "Blog posts"
    # While the counter stands the page says why there is no approve button, and a forged post is refused.
    page = http.get(f"/portal/plans/{proposed.pk}/").content.decode()
    assert 'id="approve-blocked"' in page and "Approve this plan" not in page
    response = http.post(f"/portal/plans/{proposed.pk}/approve/", follow=True)
    assert "You countered or rejected Keyword research" in response.content.decode()
    assert not Approval.objects.filter(version=proposed).exists()
    # Accepting the item after all lets the approver approve.
    http.post(f"/portal/plans/items/{item.pk}/answer/", {f"item{item.pk}-decision": "accept"})
    assert http.post(f"/portal/plans/{proposed.pk}/approve/").status_code == 302
    assert Approval.objects.filter(version=proposed, side="client", by=approver_a).exists()


def test_a_counter_without_comment_answers_400_and_changes_nothing(
    approver_a: User, proposed: PlanVersion
) -> None:
    item = proposed.items.get()
    before = _snapshot()
    response = _as(approver_a).post(
        f"/portal/plans/items/{item.pk}/answer/", {f"item{item.pk}-decision": "counter"}
    )
    assert response.status_code == 400
    assert "comment" in dict(response.context["rows"])[item].errors
    assert _snapshot() == before


def test_an_empty_request_answers_400_and_changes_nothing(approver_a: User, proposed: PlanVersion) -> None:
    before = _snapshot()
    response = _as(approver_a).post(f"/portal/plans/{proposed.pk}/request/", {"request-deliverable": " "})
    assert response.status_code == 400
    assert "deliverable" in response.context["request_form"].errors
    assert _snapshot() == before


def test_plans_to_agree_wait_on_the_portal_home(am: User, approver_a: User, proposed: PlanVersion) -> None:
    http = _as(approver_a)
    page = http.get("/portal/").content.decode()
    assert "Spring SEO push" in page and f"/portal/plans/{proposed.pk}/" in page
    plan_approve(version=proposed, by=approver_a, side="client")
    assert f"/portal/plans/{proposed.pk}/" not in http.get("/portal/").content.decode()
