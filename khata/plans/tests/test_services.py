"""Projects and the negotiated work plan: every transition, and every refused one changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.db import models
from django.http import Http404

from khata.clients.models import Client
from khata.core.models import Event
from khata.people.models import Specialty, User
from khata.plans.models import (
    Approval,
    ClientRequest,
    ItemDecision,
    Origin,
    PlanItem,
    PlanVersion,
    Project,
)
from khata.plans.policies import can_approve_plan, can_decide_plan, can_edit_project, can_view_project
from khata.plans.selectors import plan_versions_for, project_get_for, project_list_for
from khata.plans.services import (
    PlanError,
    client_item_request,
    item_decide,
    plan_approve,
    plan_change_request,
    plan_diff,
    plan_item_add,
    plan_item_remove,
    plan_item_update,
    plan_propose,
    plan_version_create,
    project_create,
    project_set_stage,
    project_update,
)

pytestmark = pytest.mark.django_db

START = dt.date(2026, 12, 1)
COMPANY, CLIENT = Approval.Side.COMPANY, Approval.Side.CLIENT


@pytest.fixture
def project(am: User, client_a: Client) -> Project:
    return project_create(
        client=client_a,
        by=am,
        name="Spring SEO push",
        services="seo",
        start_date=START,
        budget_minor=500_000_00,
    )


@pytest.fixture
def seo() -> Specialty:
    return Specialty.objects.get_or_create(code="seo", defaults={"name": "SEO"})[0]


@pytest.fixture
def proposed(project: Project, am: User, seo: Specialty) -> PlanVersion:
    """Version 1, proposed to client A, with an audit and a content plan."""
    version = plan_version_create(project=project, by=am)
    plan_item_add(
        version=version,
        by=am,
        deliverable="SEO audit",
        specialty=seo,
        estimate_minutes=600,
        due_date=START + dt.timedelta(days=14),
        price_minor=80_000_00,
    )
    plan_item_add(
        version=version, by=am, deliverable="Content plan", estimate_minutes=240, price_minor=30_000_00
    )
    return plan_propose(version=version, by=am)


def agree(version: PlanVersion, company: User, client: User) -> PlanVersion:
    plan_approve(version=version, by=company, side=COMPANY)
    plan_approve(version=version, by=client, side=CLIENT)
    version.refresh_from_db()
    return version


ROW_MODELS: tuple[type[models.Model], ...] = (
    Project,
    PlanVersion,
    PlanItem,
    ItemDecision,
    ClientRequest,
    Approval,
    Event,
)


def snapshot() -> dict[str, Any]:
    """Every plan row with its values, and the event count: a refused move must leave it equal."""
    state: dict[str, Any] = {
        model.__name__: sorted(map(repr, model._default_manager.values())) for model in ROW_MODELS[:-1]
    }
    state["events"] = Event.objects.count()
    return state


def refused(move: Callable[[], Any], field: str) -> PlanError:
    """Run a move that must be refused with an error on ``field`` and change nothing."""
    before = snapshot()
    with pytest.raises(PlanError) as caught:
        move()
    assert field in caught.value.message_dict, caught.value.message_dict
    assert snapshot() == before
    return caught.value


def kinds(project: Project) -> list[str]:
    return list(
        Event.objects.filter(client=project.client, kind__startswith="plans.")
        .order_by("id")
        .values_list("kind", flat=True)
    )


# --- projects -------------------------------------------------------------------------------------


def test_project_is_created_for_the_clients_am_with_an_event(project: Project, am: User) -> None:
    assert project.owner == am
    assert project.stage == Project.Stage.BRIEF
    event = Event.objects.get(kind="plans.project_created")
    assert event.client_id == project.client_id
    assert event.display_summary == "Project Spring SEO push created"


def test_project_of_another_amss_client_is_refused(other_am: User, client_a: Client) -> None:
    refused(lambda: project_create(client=client_a, by=other_am, name="Poach"), "client")


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": " "}, "name"),
        ({"name": "X", "start_date": START, "target_date": START - dt.timedelta(days=1)}, "target_date"),
        ({"name": "X", "budget_minor": -1}, "budget_minor"),
    ],
)
def test_bad_project_values_are_refused(
    am: User, client_a: Client, values: dict[str, Any], field: str
) -> None:
    refused(lambda: project_create(client=client_a, by=am, **values), field)


def test_project_target_before_start_is_refused_by_the_database_too(project: Project) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(target_date=START - dt.timedelta(days=1))


def test_project_update_records_the_changed_fields(project: Project, am: User) -> None:
    project_update(project=project, by=am, target_date=START + dt.timedelta(days=60), budget_hours=120)
    project.refresh_from_db()
    assert project.budget_hours == 120
    event = Event.objects.get(kind="plans.project_updated")
    assert sorted(event.data["changed"]) == ["budget_hours", "target_date"]


def test_project_update_by_an_outsider_is_refused(project: Project, other_am: User) -> None:
    refused(lambda: project_update(project=project, by=other_am, name="Mine now"), "project")


def test_project_stage_moves_with_its_reason(project: Project, am: User) -> None:
    project_set_stage(project=project, by=am, stage=Project.Stage.PLANNING, reason="Brief answered by call")
    project.refresh_from_db()
    assert project.stage == Project.Stage.PLANNING
    event = Event.objects.get(kind="plans.project_stage_changed")
    assert (event.data["from"], event.data["to"]) == ("brief", "planning")
    assert event.data["reason"] == "Brief answered by call"
    assert event.display_summary == "Project Spring SEO push moved from Brief to Planning"


@pytest.mark.parametrize("stage", ["brief", "nowhere"])
def test_project_stage_to_same_or_unknown_is_refused(project: Project, am: User, stage: str) -> None:
    refused(lambda: project_set_stage(project=project, by=am, stage=stage), "stage")


# --- drafting -------------------------------------------------------------------------------------


def test_versions_are_numbered_per_project_and_copy_items_with_their_keys(
    proposed: PlanVersion, am: User
) -> None:
    second = plan_version_create(
        project=proposed.project, by=am, based_on=proposed, note="Answering counters"
    )
    assert (proposed.number, second.number) == (1, 2)
    assert second.status == PlanVersion.Status.DRAFT
    assert sorted(second.items.values_list("key", flat=True)) == sorted(
        proposed.items.values_list("key", flat=True)
    )
    assert plan_diff(proposed, second) == []


def test_only_one_draft_at_a_time(project: Project, am: User) -> None:
    plan_version_create(project=project, by=am)
    refused(lambda: plan_version_create(project=project, by=am), "version")


def test_draft_items_are_added_changed_and_removed_with_events(project: Project, am: User) -> None:
    version = plan_version_create(project=project, by=am)
    item = plan_item_add(version=version, by=am, deliverable="Keyword research", price_minor=10_000_00)
    plan_item_update(item=item, by=am, price_minor=12_000_00)
    item.refresh_from_db()
    assert item.price_minor == 12_000_00
    plan_item_remove(item=item, by=am)
    assert not version.items.exists()
    assert kinds(project)[-4:] == [
        "plans.version_created",
        "plans.item_added",
        "plans.item_updated",
        "plans.item_removed",
    ]


def test_estimate_is_kept_in_minutes_and_read_in_hours(proposed: PlanVersion) -> None:
    item = proposed.items.get(deliverable="Content plan")
    assert item.estimate_minutes == 240
    assert str(item.estimate_hours) == "4.00"


@pytest.mark.parametrize(
    ("values", "field"),
    [({"deliverable": ""}, "deliverable"), ({"deliverable": "X", "price_minor": -5}, "price_minor")],
)
def test_bad_items_are_refused(project: Project, am: User, values: dict[str, Any], field: str) -> None:
    version = plan_version_create(project=project, by=am)
    refused(lambda: plan_item_add(version=version, by=am, **values), field)


def test_an_outsider_cannot_draft(
    project: Project, other_am: User, specialist: User, contact_a: User
) -> None:
    for person in (other_am, specialist, contact_a):
        refused(partial(plan_version_create, project=project, by=person), "project")


def test_propose_needs_an_item(project: Project, am: User) -> None:
    version = plan_version_create(project=project, by=am)
    refused(lambda: plan_propose(version=version, by=am), "version")


def test_a_proposed_version_is_frozen(proposed: PlanVersion, am: User) -> None:
    item = proposed.items.first()
    assert item is not None
    refused(lambda: plan_item_add(version=proposed, by=am, deliverable="Sneaked in"), "version")
    refused(lambda: plan_item_update(item=item, by=am, price_minor=1), "version")
    refused(lambda: plan_item_remove(item=item, by=am), "version")
    refused(lambda: plan_propose(version=proposed, by=am), "version")


def test_an_agreed_version_is_frozen(proposed: PlanVersion, am: User, approver_a: User) -> None:
    agreed = agree(proposed, am, approver_a)
    item = agreed.items.first()
    assert item is not None
    refused(lambda: plan_item_update(item=item, by=am, deliverable="Rewritten"), "version")
    refused(lambda: plan_item_remove(item=item, by=am), "version")
    refused(lambda: plan_item_add(version=agreed, by=am, deliverable="Extra"), "version")


# --- the client's answers -------------------------------------------------------------------------


def test_approver_accepts_counters_and_rejects_items(proposed: PlanVersion, approver_a: User) -> None:
    audit, content = proposed.items.order_by("id")
    item_decide(item=audit, by=approver_a, decision="accept")
    counter = item_decide(
        item=content,
        by=approver_a,
        decision="counter",
        comment="Too dear for four hours",
        proposed_price_minor=20_000_00,
        proposed_due_date=START + dt.timedelta(days=30),
    )
    assert counter.proposed_price_minor == 20_000_00
    item_decide(item=content, by=approver_a, decision="reject", comment="On second thought, no")
    latest = content.decisions.first()
    assert latest is not None and latest.decision == ItemDecision.Decision.REJECT
    events = Event.objects.filter(kind="plans.item_decided").order_by("id")
    assert [event.data["decision"] for event in events] == ["accept", "counter", "reject"]
    assert events[1].display_summary == (
        "The client's answer to Content plan in plan version 1 of Spring SEO push: Countered"
    )


def test_counter_without_comment_is_refused(proposed: PlanVersion, approver_a: User) -> None:
    item = proposed.items.first()
    assert item is not None
    refused(
        lambda: item_decide(item=item, by=approver_a, decision="counter", proposed_price_minor=100),
        "comment",
    )


def test_counter_with_a_negative_price_is_refused(proposed: PlanVersion, approver_a: User) -> None:
    item = proposed.items.first()
    assert item is not None
    refused(
        lambda: item_decide(
            item=item, by=approver_a, decision="counter", comment="Pay us", proposed_price_minor=-1
        ),
        "proposed_price_minor",
    )


def test_contact_of_another_client_cannot_decide(proposed: PlanVersion, approver_b: User) -> None:
    item = proposed.items.first()
    assert item is not None
    refused(lambda: item_decide(item=item, by=approver_b, decision="accept"), "by")
    refused(lambda: client_item_request(version=proposed, by=approver_b, deliverable="Ours"), "by")


def test_non_approver_contact_cannot_decide(proposed: PlanVersion, contact_a: User) -> None:
    item = proposed.items.first()
    assert item is not None
    refused(lambda: item_decide(item=item, by=contact_a, decision="accept"), "by")


def test_staff_cannot_decide_for_the_client(proposed: PlanVersion, am: User, admin: User) -> None:
    item = proposed.items.first()
    assert item is not None
    for person in (am, admin):
        refused(partial(item_decide, item=item, by=person, decision="accept"), "by")


def test_a_draft_cannot_be_answered(project: Project, am: User, approver_a: User) -> None:
    version = plan_version_create(project=project, by=am)
    item = plan_item_add(version=version, by=am, deliverable="Audit")
    refused(lambda: item_decide(item=item, by=approver_a, decision="accept"), "version")


def test_client_request_becomes_a_client_item_in_the_next_version(
    proposed: PlanVersion, am: User, approver_a: User
) -> None:
    request = client_item_request(
        version=proposed, by=approver_a, deliverable="Monthly ranking report", proposed_price_minor=5_000_00
    )
    assert Event.objects.filter(kind="plans.item_requested").count() == 1
    second = plan_version_create(project=proposed.project, by=am, based_on=proposed)
    item = plan_item_add(version=second, by=am, answers=request, price_minor=6_000_00)
    assert (item.origin, item.deliverable) == (Origin.CLIENT, "Monthly ranking report")
    request.refresh_from_db()
    assert request.answered_by == item
    assert [change.change for change in plan_diff(proposed, second)] == ["added"]


# --- approval -------------------------------------------------------------------------------------


def test_agreed_only_when_both_sides_approve_the_same_version(
    proposed: PlanVersion, am: User, approver_a: User
) -> None:
    plan_approve(version=proposed, by=am, side=COMPANY)
    proposed.refresh_from_db()
    assert proposed.status == PlanVersion.Status.PROPOSED
    plan_approve(version=proposed, by=approver_a, side=CLIENT)
    proposed.refresh_from_db()
    assert proposed.status == PlanVersion.Status.AGREED
    assert kinds(proposed.project)[-3:] == [
        "plans.version_approved",
        "plans.version_approved",
        "plans.version_agreed",
    ]


def test_the_client_cannot_approve_a_version_it_disputes(
    proposed: PlanVersion, am: User, approver_a: User
) -> None:
    audit, content = proposed.items.order_by("id")
    item_decide(item=audit, by=approver_a, decision="accept")
    item_decide(item=content, by=approver_a, decision="counter", comment="Too dear")
    plan_approve(version=proposed, by=am, side=COMPANY)
    error = refused(lambda: plan_approve(version=proposed, by=approver_a, side=CLIENT), "version")
    assert "Content plan" in error.message_dict["version"][0]
    # Accepting the countered item, the latest answer, lifts the objection and the plan is agreed.
    item_decide(item=content, by=approver_a, decision="accept")
    plan_approve(version=proposed, by=approver_a, side=CLIENT)
    proposed.refresh_from_db()
    assert proposed.status == PlanVersion.Status.AGREED


def test_a_rejected_item_also_stops_the_clients_approval(proposed: PlanVersion, approver_a: User) -> None:
    audit, _content = proposed.items.order_by("id")
    item_decide(item=audit, by=approver_a, decision="reject", comment="Not this quarter")
    refused(lambda: plan_approve(version=proposed, by=approver_a, side=CLIENT), "version")


def test_approvals_of_different_versions_do_not_agree_either(
    proposed: PlanVersion, am: User, approver_a: User
) -> None:
    plan_approve(version=proposed, by=approver_a, side=CLIENT)
    second = plan_version_create(project=proposed.project, by=am, based_on=proposed)
    plan_item_update(item=second.items.order_by("id")[0], by=am, price_minor=70_000_00)
    plan_propose(version=second, by=am)
    plan_approve(version=second, by=am, side=COMPANY)
    proposed.refresh_from_db()
    second.refresh_from_db()
    assert proposed.status == PlanVersion.Status.SUPERSEDED
    assert second.status == PlanVersion.Status.PROPOSED
    assert not PlanVersion.objects.filter(status=PlanVersion.Status.AGREED).exists()


def test_approving_an_old_version_is_refused(proposed: PlanVersion, am: User, approver_a: User) -> None:
    second = plan_version_create(project=proposed.project, by=am, based_on=proposed)
    plan_propose(version=second, by=am)
    proposed.refresh_from_db()
    error = refused(lambda: plan_approve(version=proposed, by=approver_a, side=CLIENT), "version")
    assert "latest proposed" in str(error.message_dict["version"][0])
    refused(lambda: plan_approve(version=proposed, by=am, side=COMPANY), "version")


def test_approving_a_draft_is_refused(project: Project, am: User) -> None:
    version = plan_version_create(project=project, by=am)
    plan_item_add(version=version, by=am, deliverable="Audit")
    refused(lambda: plan_approve(version=version, by=am, side=COMPANY), "version")


def test_approving_twice_for_one_side_is_refused(proposed: PlanVersion, am: User, admin: User) -> None:
    plan_approve(version=proposed, by=am, side=COMPANY)
    refused(lambda: plan_approve(version=proposed, by=admin, side=COMPANY), "side")


@pytest.mark.parametrize("name", ["contact_a", "approver_b", "am", "admin"])
def test_only_this_clients_approver_approves_for_the_client(
    proposed: PlanVersion, name: str, request: pytest.FixtureRequest
) -> None:
    person = request.getfixturevalue(name)
    refused(lambda: plan_approve(version=proposed, by=person, side=CLIENT), "by")


@pytest.mark.parametrize("name", ["other_am", "specialist", "finance", "approver_a"])
def test_only_the_am_or_head_approves_for_the_company(
    proposed: PlanVersion, name: str, request: pytest.FixtureRequest
) -> None:
    person = request.getfixturevalue(name)
    refused(lambda: plan_approve(version=proposed, by=person, side=COMPANY), "by")


@pytest.mark.parametrize("name", ["admin", "backup"])
def test_head_or_backup_am_approves_for_the_company(
    proposed: PlanVersion, name: str, other_am: User, admin: User, approver_a: User
) -> None:
    client = proposed.project.client
    if name == "backup":
        Client.objects.filter(pk=client.pk).update(backup=other_am)
        proposed = PlanVersion.objects.get(pk=proposed.pk)
    person = admin if name == "admin" else other_am
    assert agree(proposed, person, approver_a).status == PlanVersion.Status.AGREED


def test_unknown_side_is_refused(proposed: PlanVersion, am: User) -> None:
    refused(lambda: plan_approve(version=proposed, by=am, side="anyone"), "side")


# --- change requests ------------------------------------------------------------------------------


def test_change_request_drafts_from_the_baseline_and_needs_both_approvals_again(
    proposed: PlanVersion, am: User, approver_a: User, seo: Specialty
) -> None:
    baseline = agree(proposed, am, approver_a)
    change = plan_change_request(project=proposed.project, by=am, note="Client wants a PPC launch")
    assert (change.status, change.based_on, change.number) == (PlanVersion.Status.DRAFT, baseline, 2)
    assert kinds(proposed.project)[-1] == "plans.change_requested"
    plan_item_add(version=change, by=am, deliverable="PPC launch", price_minor=40_000_00)
    plan_propose(version=change, by=am)
    plan_approve(version=change, by=am, side=COMPANY)
    baseline.refresh_from_db()
    assert baseline.status == PlanVersion.Status.AGREED  # still the baseline until the client agrees
    plan_approve(version=change, by=approver_a, side=CLIENT)
    baseline.refresh_from_db()
    change.refresh_from_db()
    assert (baseline.status, change.status) == (PlanVersion.Status.SUPERSEDED, PlanVersion.Status.AGREED)
    assert PlanVersion.objects.filter(project=proposed.project, status=PlanVersion.Status.AGREED).count() == 1


def test_change_request_without_a_baseline_is_refused(proposed: PlanVersion, am: User) -> None:
    refused(lambda: plan_change_request(project=proposed.project, by=am), "project")


def test_change_request_by_an_outsider_is_refused(
    proposed: PlanVersion, am: User, approver_a: User, other_am: User
) -> None:
    agree(proposed, am, approver_a)
    refused(lambda: plan_change_request(project=proposed.project, by=other_am), "project")


def test_approving_a_superseded_baseline_is_refused(
    proposed: PlanVersion, am: User, approver_a: User
) -> None:
    baseline = agree(proposed, am, approver_a)
    change = plan_change_request(project=proposed.project, by=am)
    plan_propose(version=change, by=am)
    agree(change, am, approver_a)
    baseline.refresh_from_db()
    assert baseline.status == PlanVersion.Status.SUPERSEDED
    refused(lambda: plan_approve(version=baseline, by=am, side=COMPANY), "version")


# --- differences ----------------------------------------------------------------------------------


def test_diff_lists_items_added_removed_and_changed(proposed: PlanVersion, am: User, seo: Specialty) -> None:
    second = plan_version_create(project=proposed.project, by=am, based_on=proposed)
    audit, content = second.items.order_by("id")
    new_due = START + dt.timedelta(days=21)
    plan_item_update(item=audit, by=am, price_minor=70_000_00, due_date=new_due)
    plan_item_remove(item=content, by=am)
    plan_item_add(version=second, by=am, deliverable="Link building", specialty=seo)
    changes = {
        (change.change, change.deliverable, change.field): change for change in plan_diff(proposed, second)
    }
    assert set(changes) == {
        ("changed", "SEO audit", "price_minor"),
        ("changed", "SEO audit", "due_date"),
        ("removed", "Content plan", ""),
        ("added", "Link building", ""),
    }
    price = changes[("changed", "SEO audit", "price_minor")]
    assert (price.old, price.new) == (80_000_00, 70_000_00)
    assert changes[("changed", "SEO audit", "due_date")].new == new_due


def test_diff_of_a_first_version_lists_every_item_as_added(proposed: PlanVersion) -> None:
    assert [change.change for change in plan_diff(None, proposed)] == ["added", "added"]


# --- policies and selectors -----------------------------------------------------------------------


def test_who_sees_and_edits_a_project(
    proposed: PlanVersion, personas: dict[str, User | None], approver_a: User, approver_b: User
) -> None:
    project = proposed.project
    people = dict(personas, approver_a=approver_a, approver_b=approver_b)
    visible = {name for name, user in people.items() if user is not None and can_view_project(user, project)}
    editable = {name for name, user in people.items() if user is not None and can_edit_project(user, project)}
    deciders = {name for name, user in people.items() if user is not None and can_decide_plan(user, proposed)}
    company = {
        name
        for name, user in people.items()
        if user is not None and can_approve_plan(user, proposed, COMPANY)
    }
    assert visible == {"admin", "am", "finance", "contact_a", "approver_a"}
    assert editable == {"admin", "am"}
    assert deciders == {"approver_a"}
    assert company == {"admin", "am"}
    for name, user in people.items():
        listed = user is not None and project_list_for(user).filter(pk=project.pk).exists()
        assert listed == (name in visible), name


def test_project_get_for_answers_404_to_an_outsider(
    project: Project, other_am: User, contact_b: User
) -> None:
    for person in (other_am, contact_b):
        with pytest.raises(Http404):
            project_get_for(person, project.pk)
    with pytest.raises(Http404):
        project_get_for(other_am, "not-a-number")


def test_project_owner_sees_a_project_of_a_client_they_do_not_hold(
    client_b: Client, other_am: User, am: User
) -> None:
    project = project_create(client=client_b, by=other_am, name="Loaned", owner=am)
    assert project_get_for(am, project.pk) == project
    assert can_edit_project(am, project)


def test_plan_versions_for_hides_drafts_from_the_client(
    proposed: PlanVersion, am: User, approver_a: User
) -> None:
    plan_version_create(project=proposed.project, by=am, based_on=proposed)
    assert [version.number for version in plan_versions_for(proposed.project)] == [2, 1]
    assert [version.number for version in plan_versions_for(proposed.project, user=approver_a)] == [1]


def test_project_list_costs_the_same_queries_for_3_or_30(
    am: User, client_a: Client, django_assert_num_queries: Any
) -> None:
    for count in (3, 30):
        Project.objects.bulk_create(
            Project(client=client_a, owner=am, name=f"P{count}-{n}")
            for n in range(count - Project.objects.count())
        )
        with django_assert_num_queries(1):
            rows = list(project_list_for(am))
            assert {row.client.display_name for row in rows} == {"Acme Retail"}
            assert len({row.owner.full_name for row in rows}) == 1


def test_one_baseline_per_project_is_kept_by_the_database_too(
    proposed: PlanVersion, am: User, approver_a: User
) -> None:
    from django.db import IntegrityError, transaction

    agree(proposed, am, approver_a)
    change = plan_change_request(project=proposed.project, by=am)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanVersion.objects.filter(pk=change.pk).update(status=PlanVersion.Status.AGREED)


def test_every_step_of_a_negotiation_leaves_a_timeline_event(
    project: Project, am: User, approver_a: User
) -> None:
    first = plan_version_create(project=project, by=am)
    item = plan_item_add(version=first, by=am, deliverable="SEO audit", price_minor=80_000_00)
    plan_propose(version=first, by=am)
    item_decide(item=item, by=approver_a, decision="counter", comment="Less, please", proposed_price_minor=1)
    request = client_item_request(version=first, by=approver_a, deliverable="Ranking report")
    second = plan_version_create(project=project, by=am, based_on=first)
    plan_item_update(item=second.items.get(), by=am, price_minor=70_000_00)
    plan_item_add(version=second, by=am, answers=request)
    plan_propose(version=second, by=am)
    agree(second, am, approver_a)
    assert kinds(project) == [
        "plans.project_created",
        "plans.version_created",
        "plans.item_added",
        "plans.version_proposed",
        "plans.item_decided",
        "plans.item_requested",
        "plans.version_created",
        "plans.item_updated",
        "plans.item_added",
        "plans.version_proposed",
        "plans.version_approved",
        "plans.version_approved",
        "plans.version_agreed",
    ]
    events = Event.objects.filter(kind__startswith="plans.").exclude(kind="plans.project_created")
    assert {event.subject_id for event in events} == {first.pk, second.pk}
    assert all(event.actor_id in {am.pk, approver_a.pk} for event in events)
