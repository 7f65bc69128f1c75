"""Briefs and tasks: every transition, and every refused one changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.utils import timezone

from khata.clients.models import Client, Contact
from khata.clients.services import contact_create
from khata.core.models import Event
from khata.people.models import Specialty, User
from khata.plans.models import PlanItem, PlanVersion, Project
from khata.plans.services import plan_approve, plan_change_request, plan_item_add, plan_propose
from khata.production.models import (
    Brief,
    BriefAnswer,
    BriefQuestion,
    BriefTemplate,
    Task,
    TaskComment,
    TimeLog,
)
from khata.production.selectors import late_tasks_for, task_list_for, workload_by_week
from khata.production.services import (
    TRANSITIONS,
    ProductionError,
    assignee_suggest,
    brief_answer_save,
    brief_completeness,
    brief_question_add,
    brief_send,
    brief_submit,
    brief_template_create,
    project_leave_brief_stage,
    task_assign,
    task_comment_add,
    task_move,
    task_set_visibility,
    tasks_from_plan,
    time_log,
)

from .conftest import START

pytestmark = pytest.mark.django_db

ROW_MODELS: tuple[type[models.Model], ...] = (
    Project,
    BriefTemplate,
    BriefQuestion,
    Brief,
    BriefAnswer,
    Task,
    TimeLog,
    TaskComment,
)


def snapshot() -> dict[str, Any]:
    """Every production row with its values, and the event count: a refused move must leave it equal."""
    state: dict[str, Any] = {
        model.__name__: sorted(map(repr, model._default_manager.values())) for model in ROW_MODELS
    }
    state["events"] = Event.objects.count()
    return state


def refused(move: Callable[[], Any], field: str) -> ProductionError:
    """Run a move that must be refused with an error on ``field`` and change nothing."""
    before = snapshot()
    with pytest.raises(ProductionError) as caught:
        move()
    assert field in caught.value.message_dict, caught.value.message_dict
    assert snapshot() == before
    return caught.value


# --- briefs ---------------------------------------------------------------------------------------


@pytest.fixture
def template(admin: User) -> BriefTemplate:
    """An SEO brief with one question of every kind; the text, choice and link are required."""
    template = brief_template_create(by=admin, service="seo", name="SEO brief")
    brief_question_add(template=template, by=admin, text="Your main competitors?", required=True)
    brief_question_add(
        template=template,
        by=admin,
        text="Main market",
        kind=BriefQuestion.Kind.CHOICE,
        choices=["India", "Abroad"],
        required=True,
    )
    brief_question_add(template=template, by=admin, text="Monthly visitors", kind=BriefQuestion.Kind.NUMBER)
    brief_question_add(template=template, by=admin, text="Site", kind=BriefQuestion.Kind.URL, required=True)
    brief_question_add(template=template, by=admin, text="Brand book", kind=BriefQuestion.Kind.FILE)
    return template


def question(template: BriefTemplate, kind: str) -> BriefQuestion:
    return template.questions.get(kind=kind)


@pytest.fixture
def brief(project: Project, template: BriefTemplate, am: User, contact_a_row: Contact) -> Brief:
    return brief_send(project=project, template=template, contact=contact_a_row, by=am)


def test_templates_are_edited_by_the_head_only(am: User, admin: User, template: BriefTemplate) -> None:
    refused(lambda: brief_template_create(by=am, service="seo", name="Mine"), "by")
    refused(lambda: brief_question_add(template=template, by=am, text="More?"), "by")
    assert [q.order for q in template.questions.all()] == [1, 2, 3, 4, 5]
    assert Event.objects.filter(kind="production.brief_question_added").count() == 5


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"text": " "}, "text"),
        ({"text": "Q", "kind": "essay"}, "kind"),
        ({"text": "Q", "kind": "choice", "choices": ["Only one"]}, "choices"),
        ({"text": "Q", "kind": "text", "choices": ["A", "B"]}, "choices"),
    ],
)
def test_bad_questions_are_refused(
    admin: User, template: BriefTemplate, values: dict[str, Any], field: str
) -> None:
    refused(lambda: brief_question_add(template=template, by=admin, **values), field)


def test_brief_is_sent_to_a_contact_of_the_client_with_an_event(brief: Brief, contact_a_row: Contact) -> None:
    assert brief.status == Brief.Status.SENT
    assert brief.sent_at is not None
    assert brief.sent_to == contact_a_row
    event = Event.objects.get(kind="production.brief_sent")
    assert event.client_id == brief.project.client_id
    assert event.display_summary == "Brief SEO brief of Spring SEO push sent to the client"


def test_brief_to_another_clients_contact_is_refused(
    project: Project, template: BriefTemplate, am: User, contact_b: User
) -> None:
    other = Contact.objects.get(user=contact_b)
    refused(lambda: brief_send(project=project, template=template, contact=other, by=am), "contact")


def test_brief_to_a_contact_without_portal_access_is_refused(
    project: Project, template: BriefTemplate, am: User, client_a: Client
) -> None:
    offline = contact_create(client=client_a, by=am, full_name="Ravi Offline", email="ravi@acme.test")
    refused(lambda: brief_send(project=project, template=template, contact=offline, by=am), "contact")


def test_brief_sent_by_an_outsider_is_refused(
    project: Project, template: BriefTemplate, other_am: User, specialist: User, contact_a_row: Contact
) -> None:
    for outsider in (other_am, specialist):
        refused(
            partial(brief_send, project=project, template=template, contact=contact_a_row, by=outsider),
            "project",
        )


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [
        (BriefQuestion.Kind.NUMBER, "12,500", "lots"),
        (BriefQuestion.Kind.NUMBER, "3.5", "NaN"),
        (BriefQuestion.Kind.URL, "https://acme.test/shop", "acme shop"),
        (BriefQuestion.Kind.URL, "http://acme.test", "ftp://acme.test"),
        (BriefQuestion.Kind.CHOICE, "India", "Mars"),
    ],
)
def test_answers_are_checked_by_the_kind_of_question(
    brief: Brief, template: BriefTemplate, contact_a: User, kind: str, good: str, bad: str
) -> None:
    asked = question(template, kind)
    refused(lambda: brief_answer_save(brief=brief, by=contact_a, question=asked, value=bad), "value")
    answer = brief_answer_save(brief=brief, by=contact_a, question=asked, value=good)
    assert answer.value == good


def test_a_file_question_takes_a_file_and_others_do_not(
    brief: Brief, template: BriefTemplate, contact_a: User
) -> None:
    upload = SimpleUploadedFile("brand.pdf", b"%PDF-1.4 brand", content_type="application/pdf")
    asked = question(template, BriefQuestion.Kind.FILE)
    refused(lambda: brief_answer_save(brief=brief, by=contact_a, question=asked, value="see mail"), "value")
    text = question(template, BriefQuestion.Kind.TEXT)
    refused(lambda: brief_answer_save(brief=brief, by=contact_a, question=text, file=upload), "file")
    answer = brief_answer_save(brief=brief, by=contact_a, question=asked, file=upload)
    assert str(answer.file.name).endswith(".pdf")
    assert answer.is_given


def test_contact_saves_in_parts_comes_back_and_submits(
    brief: Brief, template: BriefTemplate, contact_a: User
) -> None:
    assert brief_completeness(brief) == (0, 3)
    brief_answer_save(brief=brief, by=contact_a, question=question(template, "text"), value="Beta, Gamma")
    brief_answer_save(brief=brief, by=contact_a, question=question(template, "number"), value="900")
    assert brief_completeness(brief) == (1, 3)
    refused(lambda: brief_submit(brief=brief, by=contact_a), "brief")
    # Coming back: the same answer is saved again, not duplicated.
    brief_answer_save(brief=brief, by=contact_a, question=question(template, "text"), value="Beta")
    brief_answer_save(brief=brief, by=contact_a, question=question(template, "choice"), value="India")
    brief_answer_save(
        brief=brief, by=contact_a, question=question(template, "url"), value="https://acme.test"
    )
    assert BriefAnswer.objects.filter(brief=brief).count() == 4
    assert brief_completeness(brief) == (3, 3)
    brief_submit(brief=brief, by=contact_a)
    brief.refresh_from_db()
    assert brief.status == Brief.Status.ANSWERED
    assert brief.answered_at is not None
    refused(
        lambda: brief_answer_save(brief=brief, by=contact_a, question=question(template, "text"), value="x"),
        "brief",
    )


def test_clearing_a_required_answer_makes_the_brief_incomplete_again(
    brief: Brief, template: BriefTemplate, contact_a: User
) -> None:
    asked = question(template, "text")
    brief_answer_save(brief=brief, by=contact_a, question=asked, value="Beta")
    assert brief_completeness(brief) == (1, 3)
    brief_answer_save(brief=brief, by=contact_a, question=asked, value="  ")
    assert brief_completeness(brief) == (0, 3)


def test_only_the_contact_it_was_sent_to_answers(
    brief: Brief, template: BriefTemplate, am: User, contact_b: User, approver_a: User
) -> None:
    asked = question(template, "text")
    for someone in (am, contact_b, approver_a):
        refused(
            partial(brief_answer_save, brief=brief, by=someone, question=asked, value="x"),
            "by",
        )
        refused(partial(brief_submit, brief=brief, by=someone), "by")


def test_a_question_of_another_template_is_refused(brief: Brief, admin: User, contact_a: User) -> None:
    other = brief_template_create(by=admin, service="copy", name="Copy brief")
    stray = brief_question_add(template=other, by=admin, text="Tone of voice?")
    refused(lambda: brief_answer_save(brief=brief, by=contact_a, question=stray, value="warm"), "question")


def answer_all(brief: Brief, template: BriefTemplate, contact: User) -> None:
    brief_answer_save(brief=brief, by=contact, question=question(template, "text"), value="Beta")
    brief_answer_save(brief=brief, by=contact, question=question(template, "choice"), value="India")
    brief_answer_save(brief=brief, by=contact, question=question(template, "url"), value="https://acme.test")
    brief_submit(brief=brief, by=contact)


def test_project_leaves_the_brief_stage_once_the_brief_is_complete(
    brief: Brief, template: BriefTemplate, contact_a: User, am: User
) -> None:
    project = brief.project
    refused(lambda: project_leave_brief_stage(project=project, by=am), "reason")
    answer_all(brief, template, contact_a)
    project_leave_brief_stage(project=project, by=am)
    project.refresh_from_db()
    assert project.stage == Project.Stage.PLANNING
    assert Event.objects.get(kind="plans.project_stage_changed").data["reason"] == ""


def test_project_leaves_the_brief_stage_early_only_with_the_ams_reason(
    brief: Brief, am: User, other_am: User
) -> None:
    project = brief.project
    refused(lambda: project_leave_brief_stage(project=project, by=am, reason="  "), "reason")
    refused(lambda: project_leave_brief_stage(project=project, by=other_am, reason="Mine"), "project")
    project_leave_brief_stage(project=project, by=am, reason="Answered on a call on Monday")
    project.refresh_from_db()
    assert project.stage == Project.Stage.PLANNING
    event = Event.objects.get(kind="plans.project_stage_changed")
    assert event.data["reason"] == "Answered on a call on Monday"
    refused(lambda: project_leave_brief_stage(project=project, by=am, reason="Again"), "stage")


def test_project_without_any_brief_needs_a_reason(project: Project, am: User) -> None:
    refused(lambda: project_leave_brief_stage(project=project, by=am), "reason")


# --- tasks from the plan --------------------------------------------------------------------------


@pytest.fixture
def tasks(agreed: PlanVersion, am: User) -> list[Task]:
    return tasks_from_plan(version=agreed, by=am)


@pytest.fixture
def audit(tasks: list[Task]) -> Task:
    return Task.objects.get(title="SEO audit")


def test_each_item_of_an_agreed_plan_becomes_a_task(tasks: list[Task], agreed: PlanVersion) -> None:
    rows = Task.objects.order_by("id")
    assert [(t.title, t.estimate_minutes, t.status) for t in rows] == [
        ("SEO audit", 600, "todo"),
        ("Landing page copy", 240, "todo"),
    ]
    assert {t.plan_item_id for t in rows} == set(agreed.items.values_list("id", flat=True))
    event = Event.objects.get(kind="production.tasks_created")
    assert event.display_summary == "Tasks created from plan version 1 of Spring SEO push: 2"


def test_tasks_from_plan_twice_makes_no_duplicates(tasks: list[Task], agreed: PlanVersion, am: User) -> None:
    before = snapshot()
    assert tasks_from_plan(version=agreed, by=am) == []
    assert snapshot() == before


def test_a_changed_plan_adds_tasks_only_for_new_items(
    tasks: list[Task], agreed: PlanVersion, am: User, approver_a: User
) -> None:
    change = plan_change_request(project=agreed.project, by=am)
    plan_item_add(version=change, by=am, deliverable="Backlinks", estimate_minutes=120)
    plan_propose(version=change, by=am)
    plan_approve(version=change, by=am, side="company")
    plan_approve(version=change, by=approver_a, side="client")
    added = tasks_from_plan(version=change, by=am)
    assert [t.title for t in added] == ["Backlinks"]
    assert Task.objects.count() == 3


def test_only_an_agreed_plan_becomes_tasks(project: Project, am: User) -> None:
    from khata.plans.services import plan_version_create

    draft = plan_version_create(project=project, by=am)
    plan_item_add(version=draft, by=am, deliverable="Audit")
    refused(lambda: tasks_from_plan(version=draft, by=am), "version")


def test_tasks_from_plan_by_an_outsider_is_refused(agreed: PlanVersion, other_am: User) -> None:
    refused(lambda: tasks_from_plan(version=agreed, by=other_am), "project")


def test_one_task_per_plan_item_is_kept_by_the_database_too(audit: Task) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.create(project=audit.project, plan_item=audit.plan_item, title="Again")


# --- assignment -----------------------------------------------------------------------------------


def make_specialist(email: str, *specialties: Specialty) -> User:
    user = User.objects.create_user(email=email, full_name=email.split("@")[0], role=User.Role.SPECIALIST)
    user.specialties.add(*specialties)
    return user


def test_am_assigns_a_specialist_of_the_tasks_specialty(audit: Task, am: User, specialist: User) -> None:
    task_assign(task=audit, specialist=specialist, by=am)
    audit.refresh_from_db()
    assert audit.assignee == specialist
    assert Event.objects.get(kind="production.task_assigned").data["assignee"] == specialist.pk


def test_assignment_to_someone_without_the_specialty_is_refused(
    tasks: list[Task], am: User, specialist: User, other_am: User, copy: Specialty
) -> None:
    copy_task = Task.objects.get(title="Landing page copy")
    refused(lambda: task_assign(task=copy_task, specialist=specialist, by=am), "assignee")
    refused(lambda: task_assign(task=copy_task, specialist=other_am, by=am), "assignee")
    writer = make_specialist("writer@agency.test", copy)
    writer.is_active = False
    writer.save()
    refused(lambda: task_assign(task=copy_task, specialist=writer, by=am), "assignee")


def test_assignment_by_an_outsider_is_refused(
    audit: Task, other_am: User, specialist: User, contact_a: User
) -> None:
    for outsider in (other_am, specialist, contact_a):
        refused(partial(task_assign, task=audit, specialist=specialist, by=outsider), "task")


def test_suggestion_picks_the_lightest_load_in_the_tasks_week(
    audit: Task, project: Project, specialist: User, seo: Specialty, copy: Specialty
) -> None:
    busy = specialist
    light = make_specialist("light@agency.test", seo)
    make_specialist("writer@agency.test", copy)  # no SEO: never suggested
    week = audit.due_date
    assert week is not None
    Task.objects.create(
        project=project, title="Big", assignee=busy, specialty=seo, estimate_minutes=900, due_date=week
    )
    Task.objects.create(
        project=project, title="Small", assignee=light, specialty=seo, estimate_minutes=60, due_date=week
    )
    # Work in another week, or already done, does not weigh.
    Task.objects.create(
        project=project,
        title="Later",
        assignee=light,
        specialty=seo,
        estimate_minutes=5000,
        due_date=week + dt.timedelta(days=14),
    )
    Task.objects.create(
        project=project,
        title="Finished",
        assignee=light,
        specialty=seo,
        estimate_minutes=5000,
        due_date=week,
        status=Task.Status.DONE,
        done_at=timezone.now(),
    )
    assert assignee_suggest(audit) == light
    Task.objects.filter(title="Small").update(estimate_minutes=1000)
    assert assignee_suggest(audit) == busy


def test_no_suggestion_without_a_specialist(tasks: list[Task], specialist: User) -> None:
    assert assignee_suggest(Task.objects.get(title="Landing page copy")) is None


# --- moving tasks ---------------------------------------------------------------------------------


def put(task: Task, status: str) -> Task:
    """Place a task at a status directly, as the database allows it."""
    Task.objects.filter(pk=task.pk).update(
        status=status,
        blocked_on="team" if status == Task.Status.BLOCKED else "",
        blocked_reason="Waiting" if status == Task.Status.BLOCKED else "",
        done_at=timezone.now() if status == Task.Status.DONE else None,
    )
    task.refresh_from_db()
    return task


ALLOWED = [(old, new) for old, targets in TRANSITIONS.items() for new in sorted(targets)]
FORBIDDEN = [
    (old, new) for old in Task.Status.values for new in Task.Status.values if new not in TRANSITIONS[old]
]


@pytest.fixture
def assigned(audit: Task, am: User, specialist: User) -> Task:
    return task_assign(task=audit, specialist=specialist, by=am)


@pytest.mark.parametrize(("old", "new"), ALLOWED)
def test_every_allowed_move_by_the_assignee(assigned: Task, specialist: User, old: str, new: str) -> None:
    put(assigned, old)
    events = Event.objects.count()
    blocked = {"blocked_on": "client", "reason": "Waiting for the site access"} if new == "blocked" else {}
    task_move(task=assigned, status=new, by=specialist, **blocked)
    assigned.refresh_from_db()
    assert assigned.status == new
    assert (assigned.done_at is not None) == (new == Task.Status.DONE)
    assert assigned.blocked_on == ("client" if new == "blocked" else "")
    assert Event.objects.count() == events + 1
    event = Event.objects.filter(kind="production.task_moved").latest("id")
    assert (event.data["from"], event.data["to"]) == (old, new)


@pytest.mark.parametrize(("old", "new"), FORBIDDEN)
def test_every_forbidden_move_is_refused(assigned: Task, specialist: User, old: str, new: str) -> None:
    put(assigned, old)
    blocked = {"blocked_on": "client", "reason": "Waiting"} if new == "blocked" else {}
    refused(lambda: task_move(task=assigned, status=new, by=specialist, **blocked), "status")


def test_unknown_status_is_refused(assigned: Task, am: User) -> None:
    refused(lambda: task_move(task=assigned, status="shipped", by=am), "status")


@pytest.mark.parametrize(
    ("blocked_on", "reason", "field"),
    [("", "Waiting", "blocked_on"), ("vendor", "Waiting", "blocked_on"), ("client", " ", "reason")],
)
def test_blocking_needs_on_whom_and_why(
    assigned: Task, am: User, blocked_on: str, reason: str, field: str
) -> None:
    refused(
        lambda: task_move(task=assigned, status="blocked", by=am, blocked_on=blocked_on, reason=reason), field
    )


def test_unblocking_and_reopening_clear_the_block_and_the_done_time(assigned: Task, am: User) -> None:
    task_move(task=assigned, status="blocked", by=am, blocked_on="team", reason="Analyst away")
    assigned.refresh_from_db()
    assert (assigned.blocked_on, assigned.blocked_reason) == ("team", "Analyst away")
    task_move(task=assigned, status="in_progress", by=am)
    task_move(task=assigned, status="done", by=am)
    task_move(task=assigned, status="in_progress", by=am)
    assigned.refresh_from_db()
    assert (assigned.blocked_on, assigned.blocked_reason, assigned.done_at) == ("", "", None)
    assert Event.objects.filter(kind="production.task_moved").latest("id").display_summary == (
        "Task SEO audit of Spring SEO push moved from Done to In progress"
    )


def test_a_task_is_moved_only_by_its_assignee_or_the_am(
    assigned: Task, other_am: User, contact_a: User, seo: Specialty, admin: User
) -> None:
    colleague = make_specialist("colleague@agency.test", seo)
    for outsider in (other_am, contact_a, colleague):
        refused(partial(task_move, task=assigned, status="in_progress", by=outsider), "task")
    task_move(task=assigned, status="in_progress", by=admin)


# --- time and comments ----------------------------------------------------------------------------


def test_assignee_logs_time(assigned: Task, specialist: User) -> None:
    log = time_log(task=assigned, by=specialist, minutes=90, on=timezone.localdate(), note="Crawl")
    assert (log.minutes, log.user) == (90, specialist)
    event = Event.objects.get(kind="production.time_logged")
    assert event.display_summary == "90 minutes logged on task SEO audit of Spring SEO push"


def test_time_log_by_anyone_but_the_assignee_is_refused(
    assigned: Task, am: User, admin: User, seo: Specialty
) -> None:
    colleague = make_specialist("colleague@agency.test", seo)
    for someone in (am, admin, colleague):
        refused(
            partial(time_log, task=assigned, by=someone, minutes=30, on=timezone.localdate()),
            "by",
        )


@pytest.mark.parametrize(("minutes", "field"), [(0, "minutes"), (-5, "minutes")])
def test_time_log_needs_positive_minutes(assigned: Task, specialist: User, minutes: int, field: str) -> None:
    refused(lambda: time_log(task=assigned, by=specialist, minutes=minutes, on=timezone.localdate()), field)


def test_time_log_for_a_future_day_is_refused(assigned: Task, specialist: User) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    refused(lambda: time_log(task=assigned, by=specialist, minutes=30, on=tomorrow), "on")


def test_comments_from_those_who_see_the_task(
    assigned: Task, specialist: User, am: User, contact_a: User, contact_b: User
) -> None:
    task_comment_add(task=assigned, by=specialist, text="Started the crawl")
    task_comment_add(task=assigned, by=am, text="Thanks")
    refused(lambda: task_comment_add(task=assigned, by=contact_a, text="Hi"), "task")
    task_set_visibility(task=assigned, by=am, visible=True)
    task_comment_add(task=assigned, by=contact_a, text="Looking forward")
    refused(lambda: task_comment_add(task=assigned, by=contact_b, text="Hi"), "task")
    refused(lambda: task_comment_add(task=assigned, by=am, text=" "), "text")
    assert TaskComment.objects.count() == 3


def test_visibility_is_the_ams_decision(assigned: Task, specialist: User, am: User) -> None:
    refused(lambda: task_set_visibility(task=assigned, by=specialist, visible=True), "task")
    task_set_visibility(task=assigned, by=am, visible=True)
    assert Event.objects.get(kind="production.task_visibility").data["visible"] is True


# --- reads ----------------------------------------------------------------------------------------


def test_who_sees_which_tasks(
    assigned: Task,
    am: User,
    admin: User,
    other_am: User,
    specialist: User,
    contact_a: User,
    contact_b: User,
    finance: User,
) -> None:
    titles = {"SEO audit", "Landing page copy"}
    assert {t.title for t in task_list_for(am)} == titles
    assert {t.title for t in task_list_for(admin)} == titles
    assert {t.title for t in task_list_for(finance)} == titles
    assert list(task_list_for(other_am)) == []
    assert [t.title for t in task_list_for(specialist)] == ["SEO audit"]
    assert list(task_list_for(contact_a)) == []
    task_set_visibility(task=assigned, by=am, visible=True)
    assert [t.title for t in task_list_for(contact_a)] == ["SEO audit"]
    assert list(task_list_for(contact_b)) == []
    assert list(task_list_for(AnonymousUser())) == []


def test_contact_sees_only_visible_tasks_of_its_own_client(
    assigned: Task, contact_b: User, other_am: User, client_b: Client
) -> None:
    from khata.plans.services import project_create

    theirs = project_create(client=client_b, by=other_am, name="Borealis launch")
    Task.objects.create(project=theirs, title="B visible", visible_to_client=True)
    Task.objects.create(project=theirs, title="B hidden")
    Task.objects.filter(pk=assigned.pk).update(visible_to_client=True)
    assert [t.title for t in task_list_for(contact_b)] == ["B visible"]


def test_late_tasks_are_open_tasks_past_their_due_date(assigned: Task, am: User, specialist: User) -> None:
    today = START + dt.timedelta(days=3)  # the audit was due on the 9th
    assert [t.title for t in late_tasks_for(am, today)] == ["SEO audit"]
    assert [t.title for t in late_tasks_for(specialist, today)] == ["SEO audit"]
    put(assigned, Task.Status.DONE)
    assert list(late_tasks_for(am, today)) == []


def test_workload_by_week_sums_open_estimates_in_one_query(
    assigned: Task, specialist: User, project: Project, seo: Specialty, django_assert_num_queries: Any
) -> None:
    light = make_specialist("light@agency.test", seo)
    next_week = START + dt.timedelta(days=7)
    Task.objects.create(
        project=project, title="More", assignee=specialist, estimate_minutes=60, due_date=next_week
    )
    Task.objects.create(
        project=project,
        title="Done",
        assignee=specialist,
        estimate_minutes=999,
        due_date=START,
        status=Task.Status.DONE,
        done_at=timezone.now(),
    )
    with django_assert_num_queries(1):
        load = workload_by_week([specialist, light], [START, next_week + dt.timedelta(days=3)])
    assert load == {
        specialist.pk: {START: 600, next_week: 60},
        light.pk: {START: 0, next_week: 0},
    }


@pytest.mark.parametrize(("persona", "queries"), [("am", 1), ("specialist", 1), ("contact_a", 2)])
def test_task_list_costs_the_same_queries_for_3_or_30(
    personas: dict[str, User | None],
    project: Project,
    persona: str,
    queries: int,
    seo: Specialty,
    django_assert_num_queries: Any,
) -> None:
    user, specialist = personas[persona], personas["specialist"]
    assert user is not None
    for count in (3, 30):
        Task.objects.bulk_create(
            Task(
                project=project,
                title=f"T{count}-{n}",
                assignee=specialist,
                specialty=seo,
                visible_to_client=True,
                due_date=START,
            )
            for n in range(count - Task.objects.count())
        )
        with django_assert_num_queries(queries):
            rows = list(task_list_for(user))
            assert len(rows) == count
            assert {row.project.client.display_name for row in rows} == {"Acme Retail"}
            assert {(row.assignee.full_name if row.assignee else "", str(row.specialty)) for row in rows} == {
                ("Sunil Specialist", "SEO")
            }


def test_every_task_write_leaves_an_event_on_the_client(
    assigned: Task, specialist: User, am: User, client_a: Client
) -> None:
    task_move(task=assigned, status="in_progress", by=specialist)
    time_log(task=assigned, by=specialist, minutes=30, on=timezone.localdate())
    task_comment_add(task=assigned, by=specialist, text="On it")
    kinds = list(
        Event.objects.filter(kind__startswith="production.").order_by("id").values_list("kind", flat=True)
    )
    assert kinds == [
        "production.tasks_created",
        "production.task_assigned",
        "production.task_moved",
        "production.time_logged",
        "production.task_commented",
    ]
    assert set(Event.objects.filter(kind__startswith="production.").values_list("client", flat=True)) == {
        client_a.pk
    }


def test_plan_items_keep_their_tasks_when_the_plan_is_superseded(tasks: list[Task]) -> None:
    assert PlanItem.objects.filter(tasks__isnull=False).count() == 2
