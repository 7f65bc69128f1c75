"""Tasks, time, comments and briefs through the API: the permission matrix, the flows, bad input.

Client A belongs to ``am``; its project's agreed plan became two tasks: the SEO audit, assigned to
``specialist`` and shown to the client, and the landing-page copy, unassigned and hidden. A brief
was sent to ``contact_a``. ``other_am`` and ``contact_b`` belong elsewhere (404); ``finance`` reads
and never moves, assigns or logs (403); a contact reads only the tasks shown to it (no internals,
no comments) and answers only the briefs sent to it. A refused request changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from khata.api import production_serializers as ps
from khata.api.tests.helpers import call, results
from khata.clients.models import Client, Contact
from khata.core.models import Event
from khata.people.models import Specialty, User
from khata.plans.models import PlanVersion, Project
from khata.production.models import (
    Brief,
    BriefAnswer,
    BriefQuestion,
    BriefTemplate,
    Task,
    TaskAttachment,
    TaskComment,
    TimeLog,
)
from khata.production.services import (
    brief_question_add,
    brief_send,
    brief_template_create,
    task_assign,
    task_comment_add,
    task_set_visibility,
    tasks_from_plan,
    time_log,
)
from khata.production.tests.conftest import agreed, approver_a, copy, project, seo

__all__ = ["agreed", "approver_a", "copy", "project", "seo"]

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "admin", "am", "other_am", "specialist", "finance", "contact_a", "contact_b"]
Expect = int | str


@dataclass
class Work:
    project: Project
    audit: Task  # assigned to the specialist, shown to the client
    copy: Task  # unassigned, hidden
    writer: User  # a copywriter
    template: BriefTemplate
    text_q: BriefQuestion  # required
    number_q: BriefQuestion
    choice_q: BriefQuestion  # required
    file_q: BriefQuestion
    brief: Brief
    log: TimeLog
    contact: Contact


@pytest.fixture
def writer(copy: Specialty) -> User:
    user = User.objects.create_user(
        email="copy@agency.test", password="x", full_name="Chitra Writer", role=User.Role.SPECIALIST
    )
    user.specialties.add(copy)
    return user


@pytest.fixture
def work(
    personas: dict[str, User | None],
    agreed: PlanVersion,
    am: User,
    admin: User,
    specialist: User,
    writer: User,
    contact_a_row: Contact,
) -> Work:
    audit, landing = sorted(tasks_from_plan(version=agreed, by=am), key=lambda task: task.pk)
    task_assign(task=audit, specialist=specialist, by=am)
    task_set_visibility(task=audit, by=am, visible=True)
    template = brief_template_create(by=admin, service="seo", name="SEO brief")
    text_q = brief_question_add(template=template, by=admin, text="What do you sell?", required=True)
    number_q = brief_question_add(template=template, by=admin, text="Monthly budget", kind="number")
    choice_q = brief_question_add(
        template=template,
        by=admin,
        text="Main market",
        kind="choice",
        choices=["India", "Abroad"],
        required=True,
    )
    file_q = brief_question_add(template=template, by=admin, text="Brand book", kind="file")
    brief = brief_send(project=agreed.project, template=template, contact=contact_a_row, by=am)
    log = time_log(task=audit, by=specialist, minutes=90, on=timezone.localdate(), note="Crawl")
    task_comment_add(task=audit, by=am, text="Start with the category pages")
    return Work(
        project=agreed.project,
        audit=audit,
        copy=landing,
        writer=writer,
        template=template,
        text_q=text_q,
        number_q=number_q,
        choice_q=choice_q,
        file_q=file_q,
        brief=brief,
        log=log,
        contact=contact_a_row,
    )


def _http(personas: dict[str, User | None], name: str) -> HttpClient:
    http = HttpClient()
    user = personas[name]
    if user is not None:
        http.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return http


def _state() -> list[Any]:
    models = (Task, TimeLog, TaskComment, TaskAttachment, Brief, BriefAnswer, BriefTemplate, BriefQuestion)
    rows = [list(model.objects.order_by("pk").values()) for model in models]
    return [*rows, Event.objects.count()]


def row(**expect: Expect) -> dict[str, Expect]:
    assert set(expect) == set(PERSONAS), set(PERSONAS) ^ set(expect)
    return expect


LIST = row(
    anonymous=401,
    admin="sees",
    am="sees",
    other_am="blind",
    specialist="sees",
    finance="sees",
    contact_a="sees",
    contact_b="blind",
)
READ = row(
    anonymous=401,
    admin=200,
    am=200,
    other_am=404,
    specialist=200,
    finance=200,
    contact_a=200,
    contact_b=404,
)
# The hidden, unassigned task: the specialist and the client do not see it.
MANAGE = row(
    anonymous=401,
    admin=200,
    am=200,
    other_am=404,
    specialist=404,
    finance=403,
    contact_a=404,
    contact_b=404,
)
STAFF_LIST = {**LIST, "contact_a": 403, "contact_b": 403}
STAFF_READ = {**READ, "contact_a": 404}
REPLY = row(
    anonymous=401,
    admin=403,
    am=403,
    other_am=404,
    specialist=403,
    finance=403,
    contact_a=200,
    contact_b=404,
)

Url = Callable[[Work], str]
Body = Callable[[Work], Any]
CASES: list[tuple[str, str, Url, Body, dict[str, Expect], Callable[[Work], int]]] = [
    # (name, method, url, body, expectations, the id a list must show)
    ("tasks-list", "get", lambda w: "/api/v1/tasks/", lambda w: None, LIST, lambda w: w.audit.pk),
    ("task-read", "get", lambda w: f"/api/v1/tasks/{w.audit.pk}/", lambda w: None, READ, lambda w: 0),
    (
        "hidden-task-read",
        "get",
        lambda w: f"/api/v1/tasks/{w.copy.pk}/",
        lambda w: None,
        {**READ, "specialist": 404, "contact_a": 404},
        lambda w: 0,
    ),
    (
        "task-move",
        "post",
        lambda w: f"/api/v1/tasks/{w.audit.pk}/move/",
        lambda w: {"status": "in_progress"},
        {**READ, "finance": 403, "contact_a": 403},
        lambda w: 0,
    ),
    (
        "task-assign",
        "post",
        lambda w: f"/api/v1/tasks/{w.copy.pk}/assign/",
        lambda w: {"assignee": w.writer.pk},
        MANAGE,
        lambda w: 0,
    ),
    (
        "task-visibility",
        "post",
        lambda w: f"/api/v1/tasks/{w.copy.pk}/visibility/",
        lambda w: {"visible": True},
        MANAGE,
        lambda w: 0,
    ),
    (
        "task-time",
        "post",
        lambda w: f"/api/v1/tasks/{w.audit.pk}/time/",
        lambda w: {"minutes": 45, "note": "Titles"},
        {**READ, "admin": 403, "am": 403, "specialist": 201, "finance": 403, "contact_a": 403},
        lambda w: 0,
    ),
    (
        "task-comments",
        "get",
        lambda w: f"/api/v1/tasks/{w.audit.pk}/comments/",
        lambda w: None,
        {**READ, "contact_a": 403},
        lambda w: 0,
    ),
    (
        "task-comment-add",
        "post",
        lambda w: f"/api/v1/tasks/{w.audit.pk}/comments/",
        lambda w: {"text": "Done with the crawl"},
        # Anyone on the agency side who sees the task may remark on it, as on the board.
        {**READ, "admin": 201, "am": 201, "specialist": 201, "finance": 201, "contact_a": 403},
        lambda w: 0,
    ),
    (
        "task-attachments",
        "get",
        lambda w: f"/api/v1/tasks/{w.audit.pk}/attachments/",
        lambda w: None,
        {**READ, "contact_a": 403},
        lambda w: 0,
    ),
    ("time-logs-list", "get", lambda w: "/api/v1/time-logs/", lambda w: None, STAFF_LIST, lambda w: w.log.pk),
    (
        "time-log-read",
        "get",
        lambda w: f"/api/v1/time-logs/{w.log.pk}/",
        lambda w: None,
        STAFF_READ,
        lambda w: 0,
    ),
    ("briefs-list", "get", lambda w: "/api/v1/briefs/", lambda w: None, LIST, lambda w: w.brief.pk),
    ("brief-read", "get", lambda w: f"/api/v1/briefs/{w.brief.pk}/", lambda w: None, READ, lambda w: 0),
    (
        "brief-send",
        "post",
        lambda w: "/api/v1/briefs/",
        lambda w: {"project": w.project.pk, "template": w.template.pk, "contact": w.contact.pk},
        row(
            anonymous=401,
            admin=201,
            am=201,
            other_am=400,  # the body names a project it cannot see: a field error, no hint it exists
            specialist=403,
            finance=403,
            contact_a=403,
            contact_b=403,
        ),
        lambda w: 0,
    ),
    (
        "brief-answers",
        "post",
        lambda w: f"/api/v1/briefs/{w.brief.pk}/answers/",
        lambda w: {"answers": [{"question": w.text_q.pk, "value": "Shoes"}]},
        REPLY,
        lambda w: 0,
    ),
    (
        "brief-submit",
        "post",
        lambda w: f"/api/v1/briefs/{w.brief.pk}/submit/",
        lambda w: None,
        {**REPLY, "contact_a": 400},  # two required questions are unanswered
        lambda w: 0,
    ),
    (
        "brief-templates-list",
        "get",
        lambda w: "/api/v1/brief-templates/",
        lambda w: None,
        # The agency's own questions, not a client's data: read by those who send briefs.
        {**STAFF_LIST, "other_am": "sees", "specialist": 403, "finance": 403},
        lambda w: w.template.pk,
    ),
    (
        "brief-template-read",
        "get",
        lambda w: f"/api/v1/brief-templates/{w.template.pk}/",
        lambda w: None,
        {**STAFF_READ, "other_am": 200, "specialist": 403, "finance": 403},
        lambda w: 0,
    ),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "method", "url", "body", "expect", "shown"), CASES, ids=[case[0] for case in CASES]
)
def test_production_api_permission_matrix(
    personas: dict[str, User | None],
    work: Work,
    persona: str,
    name: str,
    method: str,
    url: Url,
    body: Body,
    expect: dict[str, Expect],
    shown: Callable[[Work], int],
) -> None:
    before = _state()
    response = call(_http(personas, persona), method, url(work), body(work))
    wanted = expect[persona]
    if isinstance(wanted, int):
        assert response.status_code == wanted, (persona, name, response.content[:300])
    else:
        assert response.status_code == 200, (persona, name, response.content[:300])
        ids = {item["id"] for item in results(response)}
        assert (shown(work) in ids) is (wanted == "sees"), (persona, name, ids)
    if response.status_code >= 400:
        assert _state() == before, f"{persona} {name} changed something"
        assert response.json(), "a refusal says why"
    elif method != "get":
        assert Event.objects.count() > before[-1], "a write left no timeline event"


# --- tasks ------------------------------------------------------------------------------------------


def test_a_contact_reads_a_task_without_the_agencys_internals(
    personas: dict[str, User | None], work: Work
) -> None:
    http = _http(personas, "contact_a")
    listed = results(call(http, "get", "/api/v1/tasks/"))
    assert [task["id"] for task in listed] == [work.audit.pk]
    task = call(http, "get", f"/api/v1/tasks/{work.audit.pk}/").json()
    assert set(task) == {
        "id",
        "project",
        "project_name",
        "title",
        "status",
        "blocked_on",
        "due_date",
        "late",
        "done_at",
    }
    staff = call(_http(personas, "am"), "get", f"/api/v1/tasks/{work.audit.pk}/").json()
    assert staff["assignee_name"] == "Sunil Specialist" and staff["estimate_minutes"] == 600
    # A contact cannot narrow by the agency's fields: the filter is simply not there.
    assert len(results(call(http, "get", f"/api/v1/tasks/?assignee={work.writer.pk}"))) == 1


def test_a_specialist_sees_only_their_own_tasks(personas: dict[str, User | None], work: Work) -> None:
    http = _http(personas, "specialist")
    assert [task["id"] for task in results(call(http, "get", "/api/v1/tasks/"))] == [work.audit.pk]
    assert call(http, "get", f"/api/v1/tasks/{work.copy.pk}/").status_code == 404
    assert (
        call(http, "post", f"/api/v1/tasks/{work.audit.pk}/assign/", {"assignee": work.writer.pk}).status_code
        == 403
    )


def test_task_filters(personas: dict[str, User | None], work: Work, specialist: User) -> None:
    http = _http(personas, "am")
    Task.objects.filter(pk=work.copy.pk).update(due_date=timezone.localdate() - dt.timedelta(days=1))
    Task.objects.filter(pk=work.audit.pk).update(due_date=timezone.localdate() + dt.timedelta(days=5))

    def ids(query: str) -> list[int]:
        return [task["id"] for task in results(call(http, "get", f"/api/v1/tasks/{query}"))]

    assert ids(f"?assignee={specialist.pk}") == [work.audit.pk]
    assert ids("?late=true") == [work.copy.pk]
    assert ids("?late=false") == [work.audit.pk]
    assert ids(f"?project={work.project.pk}&status=todo") == [work.audit.pk, work.copy.pk]
    assert ids("?status=done") == []
    assert ids(f"?due_before={timezone.localdate()}") == [work.copy.pk]
    assert ids(f"?due_after={timezone.localdate()}") == [work.audit.pk]
    assert call(http, "get", "/api/v1/tasks/?status=elsewhere").status_code == 400
    assert "due_before" in call(http, "get", "/api/v1/tasks/?due_before=soon").json()
    late = call(http, "get", f"/api/v1/tasks/{work.copy.pk}/").json()
    assert late["late"] is True


@pytest.mark.parametrize(
    ("persona", "task", "body", "fields"),
    [
        ("am", "audit", {"status": "blocked"}, {"blocked_on", "reason"}),
        ("am", "audit", {"status": "blocked", "blocked_on": "client", "reason": "  "}, {"reason"}),
        ("am", "audit", {"status": "done"}, {"status"}),  # to do → done skips the work
        ("am", "audit", {"status": "nowhere"}, {"status"}),
        ("am", "audit", {}, {"status"}),
        ("specialist", "audit", {"status": "in_review"}, {"status"}),
    ],
)
def test_a_bad_move_is_a_field_error_and_changes_nothing(
    personas: dict[str, User | None], work: Work, persona: str, task: str, body: Any, fields: set[str]
) -> None:
    before = _state()
    target = getattr(work, task)
    response = call(_http(personas, persona), "post", f"/api/v1/tasks/{target.pk}/move/", body)
    assert response.status_code == 400, response.content
    assert fields <= set(response.json()), response.json()
    assert _state() == before


def test_assigning_a_specialist_of_another_specialty_is_refused(
    personas: dict[str, User | None], work: Work, finance: User
) -> None:
    http = _http(personas, "am")
    before = _state()
    for body in ({"assignee": work.writer.pk}, {"assignee": finance.pk}, {"assignee": 999_999}, {}):
        response = call(http, "post", f"/api/v1/tasks/{work.audit.pk}/assign/", body)
        assert response.status_code == 400, (body, response.content)
        assert "assignee" in response.json()
    assert _state() == before
    assert (
        call(http, "post", f"/api/v1/tasks/{work.copy.pk}/assign/", {"assignee": work.writer.pk}).json()[
            "assignee"
        ]
        == work.writer.pk
    )


ATTACH = row(
    anonymous=401,
    admin=201,
    am=201,
    other_am=404,
    specialist=201,
    finance=403,
    contact_a=403,
    contact_b=404,
)


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_attaches_files_to_a_task(personas: dict[str, User | None], work: Work, persona: str) -> None:
    before = _state()
    upload = SimpleUploadedFile("audit.pdf", b"%PDF-1.4\n% an audit\n", content_type="application/pdf")
    http = _http(personas, persona)
    response = http.post(f"/api/v1/tasks/{work.audit.pk}/attachments/", {"file": upload})
    assert response.status_code == ATTACH[persona], (persona, response.content[:300])
    if response.status_code >= 400:
        assert _state() == before
        return
    attached = response.json()
    assert (attached["name"], attached["content_type"]) == ("audit.pdf", "application/pdf")
    listed = call(http, "get", f"/api/v1/tasks/{work.audit.pk}/attachments/").json()
    assert [item["id"] for item in listed] == [attached["id"]]
    download = http.get(attached["download_url"])
    assert download.status_code == 200
    assert download.getvalue().startswith(b"%PDF-1.4")


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("tool.pdf", b"MZ\x90\x00 a program", content_type="application/pdf"),
        SimpleUploadedFile("page.txt", b"<html><script>alert(1)</script></html>", content_type="text/plain"),
        SimpleUploadedFile("empty.pdf", b"", content_type="application/pdf"),
        None,
    ],
    ids=["program", "web-page", "empty", "missing"],
)
def test_a_refused_file_is_a_field_error_and_changes_nothing(
    personas: dict[str, User | None], work: Work, upload: Any
) -> None:
    before = _state()
    body = {"file": upload} if upload is not None else {}
    response = _http(personas, "am").post(f"/api/v1/tasks/{work.audit.pk}/attachments/", body)
    assert response.status_code == 400, response.content
    assert response.json()["file"]
    assert _state() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"minutes": 0}, "minutes"),
        ({"minutes": -5}, "minutes"),
        ({"minutes": "an hour"}, "minutes"),
        ({"minutes": 30, "on": "2999-01-01"}, "on"),
        ({"minutes": 30, "on": "yesterday"}, "on"),
        ({"minutes": 30, "note": "x" * 301}, "note"),
    ],
)
def test_bad_time_is_a_field_error_and_changes_nothing(
    personas: dict[str, User | None], work: Work, body: Any, field: str
) -> None:
    before = _state()
    response = call(_http(personas, "specialist"), "post", f"/api/v1/tasks/{work.audit.pk}/time/", body)
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert _state() == before


def test_an_empty_comment_is_refused(personas: dict[str, User | None], work: Work) -> None:
    before = _state()
    for body in ({"text": "   "}, {}):
        response = call(_http(personas, "am"), "post", f"/api/v1/tasks/{work.audit.pk}/comments/", body)
        assert response.status_code == 400 and "text" in response.json()
    assert _state() == before


def test_a_task_from_assignment_to_done_through_the_api(
    personas: dict[str, User | None], work: Work, client_a: Client
) -> None:
    am, specialist, writer = _http(personas, "am"), _http(personas, "specialist"), HttpClient()
    writer.force_login(work.writer, backend="django.contrib.auth.backends.ModelBackend")
    assert (
        call(am, "post", f"/api/v1/tasks/{work.copy.pk}/assign/", {"assignee": work.writer.pk}).status_code
        == 200
    )
    assert call(am, "post", f"/api/v1/tasks/{work.copy.pk}/visibility/", {"visible": True}).json()[
        "visible_to_client"
    ]
    mine = results(call(writer, "get", "/api/v1/tasks/"))
    assert [task["id"] for task in mine] == [work.copy.pk]
    moved = call(writer, "post", f"/api/v1/tasks/{work.copy.pk}/move/", {"status": "in_progress"}).json()
    assert moved["status"] == "in_progress"
    blocked = call(
        writer,
        "post",
        f"/api/v1/tasks/{work.copy.pk}/move/",
        {"status": "blocked", "blocked_on": "client", "reason": "Waiting for product photos"},
    ).json()
    assert blocked["blocked_on"] == "client" and blocked["blocked_reason"] == "Waiting for product photos"
    assert (
        call(writer, "post", f"/api/v1/tasks/{work.copy.pk}/move/", {"status": "in_progress"}).status_code
        == 200
    )
    logged = call(writer, "post", f"/api/v1/tasks/{work.copy.pk}/time/", {"minutes": 120})
    assert logged.status_code == 201 and logged.json()["on"] == timezone.localdate().isoformat()
    assert call(writer, "post", f"/api/v1/tasks/{work.copy.pk}/move/", {"status": "done"}).json()["done_at"]
    seen = call(_http(personas, "contact_a"), "get", f"/api/v1/tasks/{work.copy.pk}/").json()
    assert seen["status"] == "done" and "blocked_reason" not in seen
    logs = results(call(am, "get", f"/api/v1/time-logs/?task={work.copy.pk}"))
    assert [(log["minutes"], log["user"]) for log in logs] == [(120, work.writer.pk)]
    kinds = set(Event.objects.filter(client=client_a).values_list("kind", flat=True))
    assert {"production.task_assigned", "production.task_moved", "production.time_logged"} <= kinds
    assert call(specialist, "get", f"/api/v1/tasks/{work.copy.pk}/").status_code == 404


def test_time_log_filters(personas: dict[str, User | None], work: Work, specialist: User) -> None:
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    older = time_log(task=work.audit, by=specialist, minutes=30, on=yesterday)
    http = _http(personas, "am")

    def ids(query: str) -> list[int]:
        return [log["id"] for log in results(call(http, "get", f"/api/v1/time-logs/{query}"))]

    assert ids("") == [work.log.pk, older.pk]  # newest day first
    assert ids(f"?on_before={yesterday}") == [older.pk]
    assert ids(f"?on_after={timezone.localdate()}&user={specialist.pk}") == [work.log.pk]
    assert ids(f"?project={work.project.pk}&task={work.copy.pk}") == []
    assert call(http, "get", "/api/v1/time-logs/?user=abc").status_code == 400


# --- briefs -----------------------------------------------------------------------------------------


def test_a_brief_shows_its_questions_answers_and_completeness(
    personas: dict[str, User | None], work: Work
) -> None:
    http = _http(personas, "contact_a")
    saved = call(
        http,
        "post",
        f"/api/v1/briefs/{work.brief.pk}/answers/",
        {
            "answers": [
                {"question": work.text_q.pk, "value": "  Running shoes  "},
                {"question": work.number_q.pk, "value": "1,50,000"},
            ]
        },
    )
    assert saved.status_code == 200, saved.content
    brief = saved.json()
    assert [question["id"] for question in brief["questions"]] == [
        work.text_q.pk,
        work.number_q.pk,
        work.choice_q.pk,
        work.file_q.pk,
    ]
    assert brief["questions"][2]["choices"] == ["India", "Abroad"]
    assert {answer["question"]: answer["value"] for answer in brief["answers"]} == {
        work.text_q.pk: "Running shoes",
        work.number_q.pk: "1,50,000",
    }
    assert (brief["questions_answered"], brief["questions_required"]) == (1, 2)
    listed = results(call(_http(personas, "am"), "get", "/api/v1/briefs/"))
    assert [(item["id"], item["questions_answered"], item["questions_required"]) for item in listed] == [
        (work.brief.pk, 1, 2)
    ]


@pytest.mark.parametrize(
    ("answers", "bad"),
    [
        ([("number_q", "lots")], ["number_q"]),
        ([("text_q", "Shoes"), ("choice_q", "Mars")], ["choice_q"]),
        ([("number_q", "NaN"), ("choice_q", "Elsewhere")], ["number_q", "choice_q"]),
        ([("file_q", "a link instead of a file")], ["file_q"]),
    ],
)
def test_a_bad_answer_names_its_question_and_saves_nothing(
    personas: dict[str, User | None], work: Work, answers: list[tuple[str, str]], bad: list[str]
) -> None:
    before = _state()
    body = {"answers": [{"question": getattr(work, name).pk, "value": value} for name, value in answers]}
    response = call(_http(personas, "contact_a"), "post", f"/api/v1/briefs/{work.brief.pk}/answers/", body)
    assert response.status_code == 400, response.content
    errors = response.json()["answers"]
    assert set(errors) == {str(getattr(work, name).pk) for name in bad}
    assert all(
        messages and all(isinstance(text, str) and text for text in messages) for messages in errors.values()
    )
    assert _state() == before


@pytest.mark.parametrize(
    "body",
    [
        {"answers": []},
        {"answers": "Shoes"},
        {"answers": [{"value": "Shoes"}]},
        {"answers": [{"question": "first", "value": "Shoes"}]},
        {},
    ],
)
def test_a_malformed_answers_body_is_a_field_error(
    personas: dict[str, User | None], work: Work, body: Any
) -> None:
    before = _state()
    response = call(_http(personas, "contact_a"), "post", f"/api/v1/briefs/{work.brief.pk}/answers/", body)
    assert response.status_code == 400, response.content
    assert "answers" in response.json()
    assert _state() == before


def test_a_question_of_another_template_is_refused(
    personas: dict[str, User | None], work: Work, admin: User
) -> None:
    other = brief_template_create(by=admin, service="ppc", name="PPC brief")
    foreign = brief_question_add(template=other, by=admin, text="Daily budget")
    before = _state()
    body = {"answers": [{"question": foreign.pk, "value": "100"}, {"question": 999_999, "value": "1"}]}
    response = call(_http(personas, "contact_a"), "post", f"/api/v1/briefs/{work.brief.pk}/answers/", body)
    assert response.status_code == 400
    assert set(response.json()["answers"]) == {str(foreign.pk), "999999"}
    assert _state() == before


def test_a_file_answer_arrives_as_a_form(personas: dict[str, User | None], work: Work) -> None:
    http = _http(personas, "contact_a")
    url = f"/api/v1/briefs/{work.brief.pk}/answers/"
    upload = SimpleUploadedFile("brand.txt", b"Our colours: teal and sand.\n", content_type="text/plain")
    response = http.post(url, {"question": work.file_q.pk, "file": upload})
    assert response.status_code == 200, response.content
    answer = next(item for item in response.json()["answers"] if item["question"] == work.file_q.pk)
    assert answer["file_name"].startswith("brand")
    assert BriefAnswer.objects.get(brief=work.brief, question=work.file_q).file

    before = _state()
    wrong = SimpleUploadedFile("notes.txt", b"Shoes", content_type="text/plain")
    refused = http.post(url, {"question": work.text_q.pk, "file": wrong})
    assert refused.status_code == 400
    assert str(work.text_q.pk) in refused.json()["answers"]
    assert (
        http.post(url, {"question": work.file_q.pk, "file": SimpleUploadedFile("e.txt", b"")}).status_code
        == 400
    )
    assert _state() == before


def test_a_brief_is_submitted_only_when_complete(personas: dict[str, User | None], work: Work) -> None:
    http = _http(personas, "contact_a")
    base = f"/api/v1/briefs/{work.brief.pk}"
    call(http, "post", f"{base}/answers/", {"answers": [{"question": work.text_q.pk, "value": "Shoes"}]})
    before = _state()
    refused = call(http, "post", f"{base}/submit/")
    assert refused.status_code == 400 and "brief" in refused.json()
    assert _state() == before
    call(http, "post", f"{base}/answers/", {"answers": [{"question": work.choice_q.pk, "value": "India"}]})
    submitted = call(http, "post", f"{base}/submit/").json()
    assert submitted["status"] == "answered" and submitted["answered_at"]
    assert (submitted["questions_answered"], submitted["questions_required"]) == (2, 2)
    # Handed in: no more answers, and no second submission.
    before = _state()
    late = call(
        http, "post", f"{base}/answers/", {"answers": [{"question": work.text_q.pk, "value": "Boots"}]}
    )
    assert late.status_code == 400 and "brief" in late.json()
    assert call(http, "post", f"{base}/submit/").status_code == 400
    assert _state() == before
    kinds = set(Event.objects.filter(subject_id=work.brief.pk).values_list("kind", flat=True))
    assert {"production.brief_answered", "production.brief_submitted"} <= kinds


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"template": "{template}", "contact": "{contact}"}, "project"),
        ({"project": "{project}", "contact": "{contact}"}, "template"),
        ({"project": "{project}", "template": "{template}", "contact": "{other_contact}"}, "contact"),
        ({"project": "{project}", "template": "{template}", "contact": "{plain_contact}"}, "contact"),
        ({"project": "{project}", "template": "{inactive}", "contact": "{contact}"}, "template"),
    ],
)
def test_a_bad_send_is_a_field_error_and_changes_nothing(
    personas: dict[str, User | None],
    work: Work,
    admin: User,
    am: User,
    client_a: Client,
    contact_b: User,
    body: dict[str, str],
    field: str,
) -> None:
    from khata.clients.services import contact_create

    inactive = brief_template_create(by=admin, service="seo", name="Old SEO brief", active=False)
    plain = contact_create(client=client_a, by=am, full_name="No Portal", email="np@acme.test")
    ids = {
        "project": work.project.pk,
        "template": work.template.pk,
        "contact": work.contact.pk,
        "other_contact": Contact.objects.get(user=contact_b).pk,
        "plain_contact": plain.pk,
        "inactive": inactive.pk,
    }
    before = _state()
    filled = {key: int(value.format(**ids)) for key, value in body.items()}
    response = call(_http(personas, "am"), "post", "/api/v1/briefs/", filled)
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert _state() == before


def test_a_brief_sent_through_the_api_reaches_its_contact(
    personas: dict[str, User | None], work: Work
) -> None:
    body = {"project": work.project.pk, "template": work.template.pk, "contact": work.contact.pk}
    sent = call(_http(personas, "am"), "post", "/api/v1/briefs/", body)
    assert sent.status_code == 201
    assert sent.json()["status"] == "sent" and len(sent.json()["questions"]) == 4
    mine = results(call(_http(personas, "contact_a"), "get", "/api/v1/briefs/"))
    assert {brief["id"] for brief in mine} == {work.brief.pk, sent.json()["id"]}


def test_brief_templates_come_with_their_questions(personas: dict[str, User | None], work: Work) -> None:
    http = _http(personas, "am")
    listed = results(call(http, "get", "/api/v1/brief-templates/?service=seo&active=true"))
    template = next(item for item in listed if item["id"] == work.template.pk)
    assert {item["service"] for item in listed} == {"seo"}
    assert [question["kind"] for question in template["questions"]] == ["text", "number", "choice", "file"]
    assert results(call(http, "get", "/api/v1/brief-templates/?service=no-such-service")) == []
    assert call(http, "post", "/api/v1/brief-templates/", {"service": "x", "name": "y"}).status_code == 405
    refused = call(_http(personas, "specialist"), "get", "/api/v1/brief-templates/")
    assert refused.status_code == 403 and refused.json()["detail"]


# --- tokens and query counts ------------------------------------------------------------------------


def test_token_authentication_works_for_tasks_and_briefs(
    work: Work, specialist: User, contact_a: User
) -> None:
    from khata.api.services import api_token_issue

    http = HttpClient()
    token, _ = api_token_issue(user=specialist, by=specialist)
    response = http.get("/api/v1/tasks/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert [task["id"] for task in response.json()["results"]] == [work.audit.pk]
    moved = http.post(
        f"/api/v1/tasks/{work.audit.pk}/move/",
        data={"status": "in_progress"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert moved.status_code == 200  # a token needs no CSRF token
    contact_token, _ = api_token_issue(user=contact_a, by=contact_a)
    briefs = http.get("/api/v1/briefs/", HTTP_AUTHORIZATION=f"Token {contact_token.key}")
    assert [brief["id"] for brief in briefs.json()["results"]] == [work.brief.pk]
    assert http.get("/api/v1/tasks/", HTTP_AUTHORIZATION="Token not-a-token").status_code == 401


def _grow(work: Work, specialist: User, am: User, count: int) -> None:
    """``count`` more of everything the lists show."""
    tasks = Task.objects.bulk_create(
        Task(
            project=work.project,
            title=f"Extra task {n}",
            assignee=specialist,
            specialty=work.audit.specialty,
            visible_to_client=True,
            due_date=timezone.localdate(),
        )
        for n in range(count)
    )
    for task in tasks:
        time_log(task=task, by=specialist, minutes=15, on=timezone.localdate())
        brief_send(project=work.project, template=work.template, contact=work.contact, by=am)
        template = BriefTemplate.objects.create(service="extra", name=f"Extra {task.pk}")
        BriefQuestion.objects.create(template=template, text="Anything else?")


@pytest.mark.parametrize(
    ("url", "persona"),
    [
        ("/api/v1/tasks/", "am"),
        ("/api/v1/tasks/", "specialist"),
        ("/api/v1/tasks/", "contact_a"),
        ("/api/v1/time-logs/", "am"),
        ("/api/v1/briefs/", "am"),
        ("/api/v1/briefs/", "contact_a"),
        ("/api/v1/brief-templates/", "am"),
    ],
)
def test_list_queries_do_not_grow_with_rows(
    personas: dict[str, User | None], work: Work, specialist: User, am: User, url: str, persona: str
) -> None:
    http = _http(personas, persona)
    counts: list[int] = []
    sizes: list[int] = []
    for grow in (2, 27):
        _grow(work, specialist, am, grow)
        with CaptureQueriesContext(connection) as queries:
            response = call(http, "get", url + "?page_size=100")
        assert response.status_code == 200
        sizes.append(len(results(response)))
        counts.append(len(queries))
    assert sizes[1] - sizes[0] == 27 and sizes[1] >= 30, sizes
    assert counts[0] == counts[1], counts


# --- whatever arrives ------------------------------------------------------------------------------

FUZZ = [
    ("specialist", "/api/v1/tasks/{audit}/move/", ps.TaskMoveSerializer),
    ("am", "/api/v1/tasks/{copy}/assign/", ps.TaskAssignSerializer),
    ("am", "/api/v1/tasks/{copy}/visibility/", ps.TaskVisibilitySerializer),
    ("specialist", "/api/v1/tasks/{audit}/time/", ps.TimeLogWriteSerializer),
    ("am", "/api/v1/tasks/{audit}/comments/", ps.TaskCommentWriteSerializer),
    ("am", "/api/v1/briefs/", ps.BriefSendSerializer),
    ("contact_a", "/api/v1/briefs/{brief}/answers/", ps.BriefAnswersSerializer),
    ("contact_a", "/api/v1/briefs/{brief}/answers/", ps.BriefAnswerWriteSerializer),
]


@pytest.mark.parametrize(("persona", "url", "serializer"), FUZZ)
def test_no_body_makes_the_production_api_fail(
    personas: dict[str, User | None], work: Work, persona: str, url: str, serializer: Any
) -> None:
    from hypothesis import HealthCheck, given, settings

    from khata.api.tests.test_fuzz import bodies

    http = _http(personas, persona)
    path = url.format(audit=work.audit.pk, copy=work.copy.pk, brief=work.brief.pk)

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(body=bodies(serializer))
    def check(body: dict[str, Any]) -> None:
        response = call(http, "post", path, body)
        assert response.status_code < 500, (body, response.content[:300])

    check()


def test_the_schema_documents_the_production_endpoints(client: Any) -> None:
    schema = client.get("/api/v1/schema/?format=json").json()
    paths = schema["paths"]
    assert {
        "/api/v1/tasks/",
        "/api/v1/tasks/{id}/move/",
        "/api/v1/tasks/{id}/assign/",
        "/api/v1/tasks/{id}/visibility/",
        "/api/v1/tasks/{id}/time/",
        "/api/v1/tasks/{id}/comments/",
        "/api/v1/tasks/{id}/attachments/",
        "/api/v1/time-logs/",
        "/api/v1/briefs/",
        "/api/v1/briefs/{id}/answers/",
        "/api/v1/briefs/{id}/submit/",
        "/api/v1/brief-templates/{id}/",
    } <= set(paths)
    answers = paths["/api/v1/briefs/{id}/answers/"]["post"]
    assert {"application/json", "multipart/form-data"} <= set(answers["requestBody"]["content"])
    refused = answers["responses"]["400"]["content"]["application/json"]["schema"]["$ref"]
    assert refused.endswith("BriefAnswersError")
    filters = {p["name"] for p in paths["/api/v1/tasks/"]["get"]["parameters"]}
    assert {"project", "assignee", "status", "due_before", "due_after", "late", "cursor"} <= filters
    enums = schema["components"]["schemas"]
    assert {"TaskStatusEnum", "BriefStatusEnum", "BriefQuestionKindEnum"} <= set(enums)
