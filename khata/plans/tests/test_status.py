"""A project's status and its factors from the plan; stage changes; answering the client's requests;
the plans' cards on the Today board."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from khata.clients.models import Client
from khata.core.models import Event
from khata.people.models import User
from khata.plans.boards import today_plans_waiting_for_client, today_plans_waiting_for_you
from khata.plans.models import Approval, ClientRequest, Origin, PlanVersion, Project
from khata.plans.services import (
    PlanError,
    client_item_request,
    client_request_add,
    client_request_decline,
    item_decide,
    plan_approve,
    plan_item_add,
    plan_propose,
    plan_version_create,
    project_create,
    project_set_stage,
)
from khata.plans.status import (
    OFF,
    PLAN_WAIT_DAYS,
    RISK,
    Factor,
    project_status,
    project_statuses,
    register_stage_gate,
    register_status_signal,
)
from khata.plans.status import _gates as gates
from khata.plans.status import _signals as signals

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 20)


def _as(user: User | None) -> HttpClient:
    http = HttpClient()
    if user is not None:
        http.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return http


@pytest.fixture
def project(am: User, client_a: Client) -> Project:
    return project_create(client=client_a, by=am, name="Spring SEO push", stage="planning")


@pytest.fixture
def proposed(am: User, project: Project) -> PlanVersion:
    version = plan_version_create(project=project, by=am)
    plan_item_add(version=version, by=am, deliverable="Keyword research", price_minor=20_000_00)
    return plan_propose(version=version, by=am)


@pytest.fixture
def requested(proposed: PlanVersion, approver_a: User) -> ClientRequest:
    return client_item_request(
        version=proposed,
        by=approver_a,
        deliverable="Competitor review",
        comment="Three rivals, please",
        proposed_price_minor=5_000_00,
        proposed_due_date=dt.date(2027, 1, 15),
    )


def codes(project: Project, today: dt.date = TODAY) -> dict[str, str]:
    status = project_status(project, today=today)
    assert status is not None
    return {factor.code: factor.severity for factor in status.factors}


# --- the plan's own factors -----------------------------------------------------------------------


def test_a_project_with_nothing_wrong_is_on_track(project: Project) -> None:
    status = project_status(project, today=TODAY)
    assert status is not None and status.level == "on_track" and status.factors == []
    assert str(status.label) == "On track"


def test_a_passed_target_date_puts_the_project_off_track(project: Project) -> None:
    Project.objects.filter(pk=project.pk).update(target_date=TODAY)
    project.refresh_from_db()
    assert codes(project) == {}
    project.target_date = TODAY - dt.timedelta(days=3)
    status = project_status(project, today=TODAY)
    assert status is not None and status.level == "off_track"
    assert str(status.factors[0].label) == "Target date passed 3 days ago"


def test_done_and_cancelled_projects_have_no_status(project: Project) -> None:
    for stage in ("done", "cancelled"):
        project.stage = stage
        assert project_status(project, today=TODAY) is None


def test_a_plan_waiting_for_the_client_too_long_puts_it_at_risk(
    proposed: PlanVersion, approver_a: User
) -> None:
    project = proposed.project
    proposed_on = timezone.localdate(proposed.proposed_at)
    assert codes(project, proposed_on + dt.timedelta(days=PLAN_WAIT_DAYS)) == {}
    status = project_status(project, today=proposed_on + dt.timedelta(days=PLAN_WAIT_DAYS + 1))
    assert status is not None and status.level == "at_risk"
    assert status.factors[0].code == "plan_waiting"
    assert str(status.factors[0].label) == "Plan waiting for the client for 6 days"
    plan_approve(version=proposed, by=approver_a, side=Approval.Side.CLIENT)
    assert codes(project, proposed_on + dt.timedelta(days=30)) == {}


def test_production_without_an_agreed_plan_is_at_risk(
    proposed: PlanVersion, am: User, approver_a: User
) -> None:
    project = proposed.project
    Project.objects.filter(pk=project.pk).update(stage="production")
    project.refresh_from_db()
    today = timezone.localdate()
    assert codes(project, today) == {"no_agreed_plan": RISK}
    plan_approve(version=proposed, by=am, side=Approval.Side.COMPANY)
    plan_approve(version=proposed, by=approver_a, side=Approval.Side.CLIENT)
    assert codes(project, today) == {}


def test_the_worst_factor_sets_the_level_and_comes_first(project: Project) -> None:
    def both(projects: Any, *, today: dt.date) -> dict[int, list[Factor]]:
        return {p.pk: [Factor("a", "minor", RISK), Factor("b", "major", OFF)] for p in projects}

    signals["test.both"] = both
    try:
        status = project_status(project, today=TODAY)
    finally:
        del signals["test.both"]
    assert status is not None and status.level == "off_track"
    assert [f.code for f in status.factors] == ["b", "a"]


def test_every_signal_is_asked_once_for_all_projects(am: User, client_a: Client) -> None:
    calls: list[int] = []

    def counting(projects: Any, *, today: dt.date) -> dict[int, list[Factor]]:
        calls.append(len(projects))
        return {}

    projects = [project_create(client=client_a, by=am, name=f"P{n}") for n in range(5)]
    register_status_signal("test.counting", counting)
    try:
        statuses = project_statuses(projects, today=TODAY)
    finally:
        del signals["test.counting"]
    assert calls == [5] and len(statuses) == 5


# --- stage changes --------------------------------------------------------------------------------


def _refused(move: Any, field: str) -> None:
    before = (list(Project.objects.values()), Event.objects.count())
    with pytest.raises(PlanError) as caught:
        move()
    assert field in caught.value.message_dict, caught.value.message_dict
    assert (list(Project.objects.values()), Event.objects.count()) == before


def test_every_refused_stage_change_changes_nothing(
    project: Project, am: User, other_am: User, contact_a: User
) -> None:
    _refused(lambda: project_set_stage(project=project, by=am, stage="planning"), "stage")
    _refused(lambda: project_set_stage(project=project, by=am, stage="nowhere"), "stage")
    _refused(lambda: project_set_stage(project=project, by=contact_a, stage="done"), "project")
    _refused(lambda: project_set_stage(project=project, by=other_am, stage="done"), "project")


def test_a_gate_objection_needs_the_ams_reason_and_the_event_keeps_it(project: Project, am: User) -> None:
    register_stage_gate("test.gate", lambda p, to: "Not yet." if to == "production" else None)
    try:
        _refused(lambda: project_set_stage(project=project, by=am, stage="production", reason="  "), "reason")
        project_set_stage(project=project, by=am, stage="production", reason="The client said go")
    finally:
        del gates["test.gate"]
    event = Event.objects.filter(kind="plans.project_stage_changed").latest("id")
    assert event.data["reason"] == "The client said go"
    assert event.data["objections"] == ["Not yet."]


def test_the_stage_form_moves_the_project(project: Project, am: User) -> None:
    page = _as(am).get(f"/projects/{project.pk}/")
    assert f'action="/projects/{project.pk}/stage/"' in page.content.decode()
    response = _as(am).post(f"/projects/{project.pk}/stage/", {"stage": "production", "reason": "Signed"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.stage == "production"


def test_a_refused_stage_change_answers_400_with_the_message(project: Project, am: User) -> None:
    register_stage_gate("test.gate", lambda p, to: "The brief is missing.")
    try:
        response = _as(am).post(f"/projects/{project.pk}/stage/", {"stage": "production", "reason": ""})
    finally:
        del gates["test.gate"]
    assert response.status_code == 400
    assert "The brief is missing." in response.content.decode()
    project.refresh_from_db()
    assert project.stage == "planning"
    assert _as(am).post(f"/projects/{project.pk}/stage/", {"stage": "planning"}).status_code == 400
    assert _as(am).post(f"/projects/{project.pk}/stage/", {"stage": "bogus"}).status_code == 400


@pytest.mark.parametrize(
    ("persona", "expected"),
    {"anonymous": 302, "other_am": 404, "specialist": 404, "finance": 403, "contact_a": 403}.items(),
)
def test_who_may_not_change_the_stage(
    personas: dict[str, User | None], project: Project, persona: str, expected: int
) -> None:
    response = _as(personas[persona]).post(f"/projects/{project.pk}/stage/", {"stage": "done", "reason": "x"})
    assert response.status_code == expected
    project.refresh_from_db()
    assert project.stage == "planning"


# --- the status on the pages ----------------------------------------------------------------------


def test_the_pages_show_the_status_and_its_factors(project: Project, am: User) -> None:
    Project.objects.filter(pk=project.pk).update(target_date=dt.date(2020, 1, 1))
    listing = _as(am).get("/projects/").content.decode()
    assert "Off track" in listing and "Target date passed" in listing
    page = _as(am).get(f"/projects/{project.pk}/").content.decode()
    assert "Off track" in page and "Target date passed" in page and "the project is not done" in page


# --- answering the client's requests --------------------------------------------------------------


def test_adding_a_request_starts_a_draft_with_an_item_of_the_clients(
    requested: ClientRequest, am: User
) -> None:
    page = _as(am).get(f"/projects/{requested.version.project_id}/").content.decode()
    assert "Competitor review" in page and "Three rivals, please" in page
    assert f"/projects/requests/{requested.pk}/add/" in page and "Decline with a comment" in page
    assert f'name="decline-{requested.pk}-comment"' in page
    form = _as(am).get(f"/projects/requests/{requested.pk}/add/")
    assert form.status_code == 200
    body = form.content.decode()
    assert 'value="Competitor review"' in body and 'value="5000.00"' in body and 'value="2027-01-15"' in body
    response = _as(am).post(
        f"/projects/requests/{requested.pk}/add/",
        {"deliverable": "Competitor review", "estimate_hours": "6", "price": "5000", "origin": "client"},
    )
    assert response.status_code == 302
    requested.refresh_from_db()
    assert requested.answered_by is not None
    item = requested.answered_by
    assert (
        item.version.status == PlanVersion.Status.DRAFT and item.version.based_on_id == requested.version_id
    )
    assert item.origin == Origin.CLIENT and item.key == requested.item_key
    assert requested.answer == ClientRequest.Answer.ADDED and requested.answered_at is not None
    assert Event.objects.filter(kind="plans.request_added").exists()
    # answered once: a second answer is refused
    _refused(lambda: client_request_decline(request=requested, by=am, comment="No"), "request")


def test_adding_a_request_to_an_existing_draft(requested: ClientRequest, am: User) -> None:
    draft = plan_version_create(project=requested.version.project, by=am, based_on=requested.version)
    item = client_request_add(request=requested, by=am, deliverable="Competitor review", price_minor=1)
    assert item.version_id == draft.pk


def test_bad_item_input_on_a_request_answers_400_and_starts_nothing(
    requested: ClientRequest, am: User
) -> None:
    response = _as(am).post(
        f"/projects/requests/{requested.pk}/add/",
        {"deliverable": "", "estimate_hours": "1", "price": "1", "origin": "client"},
    )
    assert response.status_code == 400
    assert not PlanVersion.objects.filter(status="draft").exists()
    requested.refresh_from_db()
    assert not requested.is_answered


def test_declining_a_request_needs_a_comment_the_client_reads(
    requested: ClientRequest, am: User, approver_a: User
) -> None:
    response = _as(am).post(
        f"/projects/requests/{requested.pk}/decline/", {f"decline-{requested.pk}-comment": " "}
    )
    assert response.status_code == 400
    requested.refresh_from_db()
    assert requested.answer == ""
    response = _as(am).post(
        f"/projects/requests/{requested.pk}/decline/",
        {f"decline-{requested.pk}-comment": "Out of scope this quarter"},
    )
    assert response.status_code == 302
    requested.refresh_from_db()
    assert requested.answer == ClientRequest.Answer.DECLINED
    assert Event.objects.filter(kind="plans.request_declined").exists()
    portal = _as(approver_a).get(f"/portal/plans/{requested.version_id}/")
    assert portal.status_code == 200
    assert "Out of scope this quarter" in portal.content.decode()
    assert "Declined" in portal.content.decode()


@pytest.mark.parametrize(
    ("persona", "expected"),
    {"anonymous": 302, "other_am": 404, "specialist": 404, "finance": 403, "contact_a": 403}.items(),
)
def test_who_may_not_answer_requests(
    personas: dict[str, User | None], requested: ClientRequest, persona: str, expected: int
) -> None:
    http = _as(personas[persona])
    decline = {f"decline-{requested.pk}-comment": "No"}
    assert http.post(f"/projects/requests/{requested.pk}/decline/", decline).status_code == expected
    data = {"deliverable": "X", "estimate_hours": "1", "price": "1", "origin": "client"}
    assert http.post(f"/projects/requests/{requested.pk}/add/", data).status_code == expected
    requested.refresh_from_db()
    assert not requested.is_answered
    assert PlanVersion.objects.count() == 1


# --- the Today board ------------------------------------------------------------------------------


def test_a_proposed_plan_waits_for_the_client_until_the_client_answers(
    proposed: PlanVersion, am: User, approver_a: User, other_am: User, specialist: User
) -> None:
    today = timezone.localdate() + dt.timedelta(days=3)
    card = today_plans_waiting_for_client(am, today=today, limit=5)
    assert card is not None and [v.pk for v in card.items] == [proposed.pk]
    assert card.items[0].days_waiting == 3
    you = today_plans_waiting_for_you(am, today=today, limit=5)
    assert you is not None and you.total == 0
    other = today_plans_waiting_for_client(other_am, today=today, limit=5)
    assert other is not None and other.total == 0
    assert today_plans_waiting_for_client(specialist, today=today, limit=5) is None

    item = proposed.items.get()
    item_decide(item=item, by=approver_a, decision="counter", comment="Cheaper please")
    card = today_plans_waiting_for_client(am, today=today, limit=5)
    you = today_plans_waiting_for_you(am, today=today, limit=5)
    assert card is not None and card.total == 0
    assert you is not None and [v.pk for v in you.items] == [proposed.pk]


def test_a_plan_the_client_approved_waits_for_the_company(
    proposed: PlanVersion, am: User, approver_a: User
) -> None:
    plan_approve(version=proposed, by=approver_a, side=Approval.Side.CLIENT)
    you = today_plans_waiting_for_you(am, today=TODAY, limit=5)
    assert you is not None and you.total == 1 and you.items[0].client_approved
    plan_approve(version=proposed, by=am, side=Approval.Side.COMPANY)
    you = today_plans_waiting_for_you(am, today=TODAY, limit=5)
    assert you is not None and you.total == 0


def test_the_today_board_shows_the_plan_cards_in_fixed_queries(
    am: User, client_a: Client, approver_a: User, django_assert_max_num_queries: Any
) -> None:
    def grow(count: int) -> None:
        for n in range(count):
            project = project_create(client=client_a, by=am, name=f"Bulk {count}-{n}", stage="planning")
            version = plan_version_create(project=project, by=am)
            plan_item_add(version=version, by=am, deliverable="Work")
            plan_propose(version=version, by=am)
            if n % 2:
                plan_approve(version=version, by=approver_a, side=Approval.Side.CLIENT)

    def queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            for func in (today_plans_waiting_for_client, today_plans_waiting_for_you):
                card = func(am, today=TODAY, limit=5)
                assert card is not None
                list(card.items)
        return len(captured)

    grow(3)
    few = queries()
    grow(27)
    assert queries() == few == 4
    page = _as(am).get("/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Plans waiting for the client" in body and "Plans waiting for you" in body
