"""Documents through the API: the permission matrix, the act round trip, files, bad input, the register.

Client A belongs to ``am``. Its project has an agreed plan whose two tasks are done with time
logged. There is a draft act of the project with one line typed by hand, a sent act waiting for
the client, and a contract the client signed. ``other_am`` and ``contact_b`` belong elsewhere (404);
``finance`` reads every document and writes nothing (403); a ``specialist`` sees no document (404);
``contact_a`` reads its company's documents once sent (a draft is 404), answers them, and gets 403
for anything else. A refused request says why and changes nothing.
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

from khata.api import documents_serializers as ds
from khata.api.tests.helpers import call, results
from khata.clients.models import Client
from khata.core.models import Event
from khata.documents.models import ActLine, Document, DocumentDecision, DocumentFile, DocumentKind
from khata.documents.services import (
    act_line_add,
    document_accept,
    document_create,
    document_file_add,
    document_send,
)
from khata.documents.tests.conftest import (
    act,
    agreed,
    approver_a,
    contract,
    copy,
    done_tasks,
    kind,
    kinds,
    project,
    seo,
)
from khata.people.models import User
from khata.plans.models import Project
from khata.production.models import Task

__all__ = ["act", "agreed", "approver_a", "contract", "copy", "done_tasks", "kinds", "project", "seo"]

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "admin", "am", "other_am", "specialist", "finance", "contact_a", "contact_b"]
Expect = int | str

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Docs:
    draft: Document  # a draft act with one line typed by hand; the done tasks are its candidates
    line: ActLine
    sent: Document  # an act sent to the client, waiting for its answer, with a file
    signed: Document  # a contract the client signed
    stored: DocumentFile
    kind: DocumentKind
    tasks: list[Task]


def _sent_act(am: User, client: Client, project: Project, title: str = "Work done in November") -> Document:
    document = document_create(
        by=am,
        kind=kind("act"),
        client=client,
        title=title,
        project=project,
        period_start=dt.date(2026, 11, 1),
        period_end=dt.date(2026, 11, 30),
        date=dt.date(2026, 11, 30),
    )
    act_line_add(document=document, by=am, deliverable="Keyword research", minutes=120, amount_minor=5_000_00)
    return document_send(document=document, by=am)


@pytest.fixture
def docs(
    personas: dict[str, User | None],
    act: Document,
    contract: Document,
    done_tasks: list[Task],
    am: User,
    client_a: Client,
    project: Project,
) -> Docs:
    line = act_line_add(
        document=act, by=am, deliverable="Competitor review", minutes=60, amount_minor=2_000_00
    )
    sent = _sent_act(am, client_a, project)
    stored = document_file_add(
        document=sent, by=am, file=SimpleUploadedFile("act.pdf", PDF, content_type="application/pdf")
    )
    document_send(document=contract, by=am)
    document_accept(document=contract, by=am, name="Ravi Director", in_portal=False)
    contract.refresh_from_db()
    act.refresh_from_db()
    return Docs(
        draft=act,
        line=line,
        sent=sent,
        signed=contract,
        stored=stored,
        kind=kind("other"),
        tasks=done_tasks,
    )


def _http(personas: dict[str, User | None], name: str, **defaults: Any) -> HttpClient:
    http = HttpClient(**defaults)
    user = personas[name]
    if user is not None:
        http.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return http


def _state() -> list[Any]:
    models = (Document, ActLine, DocumentFile, DocumentDecision, DocumentKind)
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
    specialist="blind",
    finance="sees",
    contact_a="sees",
    contact_b="blind",
)
READ = row(
    anonymous=401, admin=200, am=200, other_am=404, specialist=404, finance=200, contact_a=200, contact_b=404
)
# A draft: the client does not see it.
READ_DRAFT = {**READ, "contact_a": 404}
EDIT_DRAFT = {**READ_DRAFT, "finance": 403}
# A document the client sees, changed by the agency: the contact may read it and nothing more.
EDIT_SENT = {**READ, "finance": 403, "contact_a": 403}
CREATED_DRAFT = {persona: (201 if status == 200 else status) for persona, status in EDIT_DRAFT.items()}
DELETED_DRAFT = {**EDIT_DRAFT, "admin": 204, "am": 204}
ANSWER = {**EDIT_SENT, "contact_a": 200}
DISPUTE = {**EDIT_SENT, "admin": 403, "am": 403, "contact_a": 200}
CREATE = row(
    anonymous=401, admin=201, am=201, other_am=400, specialist=403, finance=403, contact_a=403, contact_b=403
)
NO_PUT: dict[str, Expect] = {**{persona: 405 for persona in PERSONAS}, "anonymous": 401}
KIND_LIST = row(
    anonymous=401,
    admin="sees",
    am="sees",
    other_am="sees",
    specialist="sees",
    finance="sees",
    contact_a=403,
    contact_b=403,
)
KIND_READ = row(
    anonymous=401, admin=200, am=200, other_am=200, specialist=200, finance=200, contact_a=404, contact_b=404
)
KIND_CREATE = row(
    anonymous=401, admin=201, am=403, other_am=403, specialist=403, finance=403, contact_a=403, contact_b=403
)
KIND_EDIT = {**KIND_READ, "am": 403, "other_am": 403, "specialist": 403, "finance": 403}
CANDIDATES = {**READ_DRAFT}

Url = Callable[[Docs], str]
Body = Callable[[Docs], Any]
NOTHING: Body = lambda d: None  # noqa: E731

CASES: list[tuple[str, str, Url, Body, dict[str, Expect], Callable[[Docs], int]]] = [
    # (name, method, url, body, expectations, the id a list must show)
    ("list", "get", lambda d: "/api/v1/documents/", NOTHING, LIST, lambda d: d.sent.pk),
    ("read-sent", "get", lambda d: f"/api/v1/documents/{d.sent.pk}/", NOTHING, READ, lambda d: 0),
    ("read-draft", "get", lambda d: f"/api/v1/documents/{d.draft.pk}/", NOTHING, READ_DRAFT, lambda d: 0),
    (
        "create",
        "post",
        lambda d: "/api/v1/documents/",
        lambda d: {"kind": d.kind.pk, "client": d.sent.client_id, "title": "Letter of thanks"},
        CREATE,
        lambda d: 0,
    ),
    (
        "patch-draft",
        "patch",
        lambda d: f"/api/v1/documents/{d.draft.pk}/",
        lambda d: {"title": "Work done in December, corrected"},
        EDIT_DRAFT,
        lambda d: 0,
    ),
    (
        "patch-sent",
        "patch",
        lambda d: f"/api/v1/documents/{d.sent.pk}/",
        lambda d: {"title": "Changed behind the client's back"},
        {**EDIT_SENT, "admin": 400, "am": 400},
        lambda d: 0,
    ),
    (
        "put",
        "put",
        lambda d: f"/api/v1/documents/{d.draft.pk}/",
        lambda d: {"title": "x"},
        NO_PUT,
        lambda d: 0,
    ),
    (
        "delete-draft",
        "delete",
        lambda d: f"/api/v1/documents/{d.draft.pk}/",
        NOTHING,
        DELETED_DRAFT,
        lambda d: 0,
    ),
    (
        "delete-sent",
        "delete",
        lambda d: f"/api/v1/documents/{d.sent.pk}/",
        NOTHING,
        {**EDIT_SENT, "admin": 400, "am": 400},
        lambda d: 0,
    ),
    ("send", "post", lambda d: f"/api/v1/documents/{d.draft.pk}/send/", NOTHING, EDIT_DRAFT, lambda d: 0),
    (
        "reopen",
        "post",
        lambda d: f"/api/v1/documents/{d.sent.pk}/reopen/",
        lambda d: {"reason": "Wrong period"},
        EDIT_SENT,
        lambda d: 0,
    ),
    (
        "accept",
        "post",
        lambda d: f"/api/v1/documents/{d.sent.pk}/accept/",
        lambda d: {"name": "Priya Contact"},
        ANSWER,
        lambda d: 0,
    ),
    (
        "dispute",
        "post",
        lambda d: f"/api/v1/documents/{d.sent.pk}/dispute/",
        lambda d: {"reason": "The research took an hour, not two."},
        DISPUTE,
        lambda d: 0,
    ),
    (
        "reject",
        "post",
        lambda d: f"/api/v1/documents/{d.sent.pk}/reject/",
        lambda d: {"reason": "The client will not pay for research"},
        EDIT_SENT,
        lambda d: 0,
    ),
    (
        "activate",
        "post",
        lambda d: f"/api/v1/documents/{d.signed.pk}/activate/",
        NOTHING,
        EDIT_SENT,
        lambda d: 0,
    ),
    (
        "terminate",
        "post",
        lambda d: f"/api/v1/documents/{d.signed.pk}/terminate/",
        lambda d: {"on": "2026-06-30", "reason": "The client moves its marketing in-house"},
        EDIT_SENT,
        lambda d: 0,
    ),
    (
        "archive",
        "post",
        lambda d: f"/api/v1/documents/{d.signed.pk}/archive/",
        NOTHING,
        EDIT_SENT,
        lambda d: 0,
    ),
    (
        "revise",
        "post",
        lambda d: f"/api/v1/documents/{d.signed.pk}/revise/",
        NOTHING,
        {**EDIT_SENT, "admin": 201, "am": 201},
        lambda d: 0,
    ),
    (
        "add-line",
        "post",
        lambda d: f"/api/v1/documents/{d.draft.pk}/lines/",
        lambda d: {"deliverable": "Extra meeting", "minutes": 60, "amount_minor": 1_000_00},
        CREATED_DRAFT,
        lambda d: 0,
    ),
    (
        "lines-from-project",
        "post",
        lambda d: f"/api/v1/documents/{d.draft.pk}/lines-from-project/",
        lambda d: {"task_ids": [task.pk for task in d.tasks]},
        CREATED_DRAFT,
        lambda d: 0,
    ),
    (
        "candidates",
        "get",
        lambda d: f"/api/v1/documents/{d.draft.pk}/candidates/",
        NOTHING,
        CANDIDATES,
        lambda d: 0,
    ),
    (
        "candidates-of-sent",
        "get",
        lambda d: f"/api/v1/documents/{d.sent.pk}/candidates/",
        NOTHING,
        {**READ, "contact_a": 403},
        lambda d: 0,
    ),
    ("line-read", "get", lambda d: f"/api/v1/act-lines/{d.line.pk}/", NOTHING, READ_DRAFT, lambda d: 0),
    (
        "line-patch",
        "patch",
        lambda d: f"/api/v1/act-lines/{d.line.pk}/",
        lambda d: {"minutes": 90},
        EDIT_DRAFT,
        lambda d: 0,
    ),
    (
        "line-delete",
        "delete",
        lambda d: f"/api/v1/act-lines/{d.line.pk}/",
        NOTHING,
        DELETED_DRAFT,
        lambda d: 0,
    ),
    ("files", "get", lambda d: f"/api/v1/documents/{d.sent.pk}/files/", NOTHING, READ, lambda d: 0),
    ("file-read", "get", lambda d: f"/api/v1/document-files/{d.stored.pk}/", NOTHING, READ, lambda d: 0),
    (
        "file-download",
        "get",
        lambda d: f"/api/v1/document-files/{d.stored.pk}/download/",
        NOTHING,
        READ,
        lambda d: 0,
    ),
    ("kinds", "get", lambda d: "/api/v1/document-kinds/", NOTHING, KIND_LIST, lambda d: d.kind.pk),
    ("kind-read", "get", lambda d: f"/api/v1/document-kinds/{d.kind.pk}/", NOTHING, KIND_READ, lambda d: 0),
    (
        "kind-create",
        "post",
        lambda d: "/api/v1/document-kinds/",
        lambda d: {
            "code": "sow",
            "name": "Statement of work",
            "behaviour": "contract",
            "series": "SOW",
            "number_format": "SOW/{year}/{seq:03}",
        },
        KIND_CREATE,
        lambda d: 0,
    ),
    (
        "kind-patch",
        "patch",
        lambda d: f"/api/v1/document-kinds/{d.kind.pk}/",
        lambda d: {"name": "Letter"},
        KIND_EDIT,
        lambda d: 0,
    ),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "method", "url", "body", "expect", "shown"), CASES, ids=[case[0] for case in CASES]
)
def test_documents_api_permission_matrix(
    personas: dict[str, User | None],
    docs: Docs,
    persona: str,
    name: str,
    method: str,
    url: Url,
    body: Body,
    expect: dict[str, Expect],
    shown: Callable[[Docs], int],
) -> None:
    before = _state()
    response = call(_http(personas, persona), method, url(docs), body(docs))
    wanted = expect[persona]
    if isinstance(wanted, int):
        assert response.status_code == wanted, (persona, name, response.content[:300])
    else:
        assert response.status_code == 200, (persona, name, response.content[:300])
        ids = {item["id"] for item in results(response)}
        assert (shown(docs) in ids) is (wanted == "sees"), (persona, name, ids)
    if response.status_code >= 400:
        assert _state() == before, f"{persona} {name} changed something"
        assert response.json(), "a refusal says why"
    elif method != "get":
        assert Event.objects.count() > before[-1], "a write left no timeline event"


# --- the act, from the project's done work to the client's acceptance ------------------------------


def test_an_act_from_done_tasks_to_the_clients_acceptance(
    personas: dict[str, User | None],
    kinds: None,
    done_tasks: list[Task],
    project: Project,
    client_a: Client,
) -> None:
    am = _http(personas, "am")
    created = call(
        am,
        "post",
        "/api/v1/documents/",
        {
            "kind": kind("act").pk,
            "client": client_a.pk,
            "project": project.pk,
            "title": "Work done in December",
            "date": "2026-12-31",
            "period_start": "2026-12-01",
            "period_end": "2026-12-31",
        },
    )
    assert created.status_code == 201, created.content
    act_id = created.json()["id"]
    assert (created.json()["status"], created.json()["number"]) == ("draft", "")

    offered = call(am, "get", f"/api/v1/documents/{act_id}/candidates/").json()
    assert sorted(task["id"] for task in offered["tasks"]) == [task.pk for task in done_tasks]
    assert {task["logged_minutes"] for task in offered["tasks"]} == {540, 200}

    lines = call(
        am,
        "post",
        f"/api/v1/documents/{act_id}/lines-from-project/",
        {"task_ids": [task.pk for task in done_tasks]},
    )
    assert lines.status_code == 201, lines.content
    assert [line["minutes"] for line in lines.json()] == [540, 200]
    assert call(am, "get", f"/api/v1/documents/{act_id}/candidates/").json()["tasks"] == []

    # The client does not see the draft yet.
    contact = _http(personas, "contact_a", REMOTE_ADDR="203.0.113.7")
    assert call(contact, "get", f"/api/v1/documents/{act_id}/").status_code == 404

    sent = call(am, "post", f"/api/v1/documents/{act_id}/send/", {"note": "For your approval"})
    assert sent.status_code == 200, sent.content
    assert sent.json()["status"] == "sent"
    assert sent.json()["number"] == "ACT/2026/00001"
    assert sent.json()["amount_minor"] == 80_000_00 + 30_000_00

    seen = call(contact, "get", f"/api/v1/documents/{act_id}/").json()
    assert [line["deliverable"] for line in seen["lines"]] == [task.title for task in done_tasks]
    assert "note" not in seen and "created_by" not in seen

    accepted = call(contact, "post", f"/api/v1/documents/{act_id}/accept/", {"name": "Priya Sharma"})
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted"
    decision = DocumentDecision.objects.get(document_id=act_id)
    assert (decision.decision, decision.name, decision.ip_address, decision.in_portal) == (
        "accepted",
        "Priya Sharma",
        "203.0.113.7",
        True,
    )
    assert decision.by == personas["contact_a"]
    assert "ip_address" not in accepted.json()["decisions"][0]

    staff = call(am, "get", f"/api/v1/documents/{act_id}/").json()
    assert staff["decisions"][0]["ip_address"] == "203.0.113.7"
    assert Event.objects.filter(kind="documents.accepted", client=client_a).exists()

    # An accepted act is frozen: a change says why, and a second answer is refused.
    frozen = call(am, "patch", f"/api/v1/documents/{act_id}/", {"title": "Changed"})
    assert frozen.status_code == 400
    assert "frozen" in frozen.json()["document"][0]
    again = call(contact, "post", f"/api/v1/documents/{act_id}/accept/", {"name": "Priya Sharma"})
    assert again.status_code == 400 and again.json()["document"]


def test_the_client_disputes_and_the_agency_corrects_and_sends_again(
    personas: dict[str, User | None], docs: Docs
) -> None:
    contact, am = _http(personas, "contact_a"), _http(personas, "am")
    url = f"/api/v1/documents/{docs.sent.pk}"
    empty = call(contact, "post", f"{url}/dispute/", {"reason": "   "})
    assert empty.status_code == 400 and empty.json()["reason"]

    disputed = call(contact, "post", f"{url}/dispute/", {"reason": "The research took one hour."})
    assert disputed.status_code == 200 and disputed.json()["status"] == "disputed"
    assert disputed.json()["decisions"][0]["reason"] == "The research took one hour."

    reopened = call(am, "post", f"{url}/reopen/", {"reason": "Correcting the hours"})
    assert reopened.json()["status"] == "draft"
    assert reopened.json()["number"] == docs.sent.number
    line = reopened.json()["lines"][0]["id"]
    assert call(am, "patch", f"/api/v1/act-lines/{line}/", {"minutes": 60}).json()["minutes"] == 60
    assert call(contact, "get", f"{url}/").status_code == 404  # a draft again

    resent = call(am, "post", f"{url}/send/", {"note": "Corrected to one hour"})
    assert resent.json()["status"] == "sent" and resent.json()["number"] == docs.sent.number


def test_a_contact_who_does_not_speak_for_the_company_cannot_answer(
    personas: dict[str, User | None], docs: Docs, contact_a: User
) -> None:
    from khata.clients.models import Contact

    Contact.objects.filter(user=contact_a).update(role=Contact.Role.USER)
    before = _state()
    http = _http(personas, "contact_a")
    assert call(http, "get", f"/api/v1/documents/{docs.sent.pk}/").status_code == 200
    for suffix, body in (("accept", {"name": "Priya"}), ("dispute", {"reason": "Too many hours"})):
        response = call(http, "post", f"/api/v1/documents/{docs.sent.pk}/{suffix}/", body)
        assert response.status_code == 403 and response.json()["detail"]
    assert _state() == before


def test_the_agency_records_a_signature_given_on_paper(personas: dict[str, User | None], docs: Docs) -> None:
    response = call(
        _http(personas, "am", REMOTE_ADDR="198.51.100.1"),
        "post",
        f"/api/v1/documents/{docs.sent.pk}/accept/",
        {"name": "Ravi Director"},
    )
    assert response.status_code == 200, response.content
    decision = DocumentDecision.objects.get(document=docs.sent)
    assert (decision.name, decision.in_portal, decision.ip_address) == ("Ravi Director", False, None)


def test_a_contract_is_put_in_force_revised_and_terminated(
    personas: dict[str, User | None], docs: Docs
) -> None:
    am = _http(personas, "am")
    url = f"/api/v1/documents/{docs.signed.pk}"
    assert call(am, "post", f"{url}/activate/").json()["status"] == "active"
    revised = call(am, "post", f"{url}/revise/")
    assert revised.status_code == 201
    assert (revised.json()["status"], revised.json()["replaces"]) == ("draft", docs.signed.pk)
    assert call(am, "get", f"{url}/").json()["replaced_by"] == [revised.json()["id"]]
    early = call(am, "post", f"{url}/terminate/", {"on": "2025-06-30", "reason": "Moving in-house"})
    assert early.status_code == 400 and early.json()["on"]
    ended = call(am, "post", f"{url}/terminate/", {"on": "2026-06-30", "reason": "Moving in-house"})
    assert (ended.json()["status"], ended.json()["terminated_on"]) == ("terminated", "2026-06-30")


@pytest.mark.parametrize(
    ("method", "suffix", "body", "field"),
    [
        ("post", "send", None, "lines"),  # an act without lines (the draft's line is removed first)
        ("post", "activate", None, "document"),  # a draft is not a signed contract
        ("post", "archive", None, "document"),
        ("post", "revise", None, "document"),
        ("post", "reject", {"reason": "x"}, "document"),
        ("post", "lines-from-project", {}, "tasks"),
        ("post", "lines-from-project", {"task_ids": [2**40]}, "tasks"),
        ("post", "lines", {"deliverable": " "}, "deliverable"),
        ("post", "lines", {"deliverable": "x", "amount_minor": -1}, "amount_minor"),
        ("patch", "", {"start_date": "2026-01-01"}, "start_date"),  # acts have no contract dates
        ("patch", "", {"period_start": "2026-12-31", "period_end": "2026-12-01"}, "period_end"),
        ("patch", "", {"amount_minor": 100}, "amount_minor"),  # an act's amount is its lines'
        ("patch", "", {"title": ""}, "title"),
        ("patch", "", {"date": "yesterday"}, "date"),
        ("patch", "", {"project": 2**40}, "project"),
    ],
)
def test_a_refused_change_says_why_and_changes_nothing(
    personas: dict[str, User | None], docs: Docs, method: str, suffix: str, body: Any, field: str
) -> None:
    if suffix == "send":
        ActLine.objects.filter(document=docs.draft).delete()
    before = _state()
    url = f"/api/v1/documents/{docs.draft.pk}/" + (f"{suffix}/" if suffix else "")
    response = call(_http(personas, "am"), method, url, body)
    assert response.status_code == 400, response.content
    assert response.json()[field], response.json()
    assert _state() == before


def test_a_document_for_a_client_the_caller_does_not_hold_is_refused(
    personas: dict[str, User | None], docs: Docs, client_b: Client
) -> None:
    before = _state()
    body = {"kind": docs.kind.pk, "client": client_b.pk, "title": "Letter"}
    response = call(_http(personas, "am"), "post", "/api/v1/documents/", body)
    assert response.status_code == 400 and response.json()["client"]
    finance = call(_http(personas, "finance"), "post", "/api/v1/documents/", body)
    assert finance.status_code == 403
    assert _state() == before


# --- files ------------------------------------------------------------------------------------------


def test_a_file_version_is_added_listed_and_downloaded(personas: dict[str, User | None], docs: Docs) -> None:
    am = _http(personas, "am")
    upload = SimpleUploadedFile("signed act.pdf", PDF, content_type="application/pdf")
    added = am.post(f"/api/v1/documents/{docs.sent.pk}/files/", {"file": upload, "note": "Signed scan"})
    assert added.status_code == 201, added.content
    assert (added.json()["version"], added.json()["note"]) == (2, "Signed scan")
    listed = call(am, "get", f"/api/v1/documents/{docs.sent.pk}/files/").json()
    assert [item["version"] for item in listed] == [2, 1]

    for persona in ("am", "finance", "contact_a"):
        download = _http(personas, persona).get(added.json()["download_url"])
        assert download.status_code == 200, persona
        assert download["X-Content-Type-Options"] == "nosniff"
        assert download["Content-Disposition"].startswith("attachment")
        assert download.getvalue() == PDF
    for persona in ("contact_b", "other_am", "specialist"):
        assert _http(personas, persona).get(added.json()["download_url"]).status_code == 404


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("signed.pdf", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf"),
        SimpleUploadedFile(
            "page.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf"
        ),
        SimpleUploadedFile("empty.pdf", b"", content_type="application/pdf"),
        None,
    ],
    ids=["program-named-pdf", "web-page", "empty", "missing"],
)
def test_a_refused_file_is_a_field_error_and_nothing_is_stored(
    personas: dict[str, User | None], docs: Docs, upload: Any, settings: Any
) -> None:
    from pathlib import Path

    stored_before = sorted(str(path) for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file())
    before = _state()
    body = {"file": upload} if upload is not None else {}
    response = _http(personas, "am").post(f"/api/v1/documents/{docs.sent.pk}/files/", body)
    assert response.status_code == 400, response.content
    assert response.json()["file"]
    assert _state() == before
    assert (
        sorted(str(path) for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()) == stored_before
    )


@pytest.mark.parametrize("persona", ["finance", "contact_a"])
def test_who_only_reads_cannot_add_a_file(personas: dict[str, User | None], docs: Docs, persona: str) -> None:
    before = _state()
    upload = SimpleUploadedFile("act.pdf", PDF, content_type="application/pdf")
    response = _http(personas, persona).post(f"/api/v1/documents/{docs.sent.pk}/files/", {"file": upload})
    assert response.status_code == 403 and response.json()
    assert _state() == before


# --- the register -----------------------------------------------------------------------------------


def test_a_contact_never_lists_drafts(personas: dict[str, User | None], docs: Docs) -> None:
    listed = {item["id"] for item in results(call(_http(personas, "contact_a"), "get", "/api/v1/documents/"))}
    assert listed == {docs.sent.pk, docs.signed.pk}
    staff = {item["id"] for item in results(call(_http(personas, "am"), "get", "/api/v1/documents/"))}
    assert staff == {docs.draft.pk, docs.sent.pk, docs.signed.pk}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=draft", {"draft"}),
        ("status=sent", {"sent"}),
        ("behaviour=contract", {"signed"}),
        ("number=act/2026", {"sent"}),
        ("number=CTR", {"signed"}),
        ("date_from=2026-11-01&date_to=2026-11-30", {"sent"}),
        ("date_to=2026-06-30", {"signed"}),
        ("kind={act}", {"draft", "sent"}),
        ("project={project}", {"draft", "sent"}),
        ("client={client}", {"draft", "sent", "signed"}),
        ("ordering=date", {"draft", "sent", "signed"}),
    ],
)
def test_the_register_filters(
    personas: dict[str, User | None], docs: Docs, query: str, expected: set[str]
) -> None:
    ids = {"draft": docs.draft.pk, "sent": docs.sent.pk, "signed": docs.signed.pk}
    query = query.format(act=kind("act").pk, project=docs.sent.project_id, client=docs.sent.client_id)
    found = results(call(_http(personas, "am"), "get", f"/api/v1/documents/?{query}"))
    assert {item["id"] for item in found} == {ids[name] for name in expected}


@pytest.mark.parametrize(
    "query",
    ["status=lost", "date_from=yesterday", "kind=abc", "client=-1", "cursor=zzz", "number=" + "9" * 40],
)
def test_a_malformed_filter_is_a_field_error(
    personas: dict[str, User | None], docs: Docs, query: str
) -> None:
    response = call(_http(personas, "am"), "get", f"/api/v1/documents/?{query}")
    assert response.status_code == 400, response.content
    assert response.json()


def test_the_register_pages_by_keyset(personas: dict[str, User | None], docs: Docs) -> None:
    http = _http(personas, "am")
    first = call(http, "get", "/api/v1/documents/?page_size=2").json()
    assert len(first["results"]) == 2 and first["next"]
    second = call(http, "get", first["next"]).json()
    seen = [item["id"] for item in first["results"] + second["results"]]
    assert sorted(seen) == sorted({docs.draft.pk, docs.sent.pk, docs.signed.pk})
    dates = [item["date"] for item in first["results"] + second["results"]]
    assert dates == sorted(dates, reverse=True)


def _grow(am: User, client: Client, project: Project, count: int) -> None:
    """``count`` more sent documents of client A, each of another kind's series."""
    for n in range(count):
        letter = document_create(
            by=am,
            kind=kind("other"),
            client=client,
            title=f"Letter {n}",
            project=project,
            date=dt.date(2026, 10, 1),
        )
        document_send(document=letter, by=am)


@pytest.mark.parametrize(
    ("url", "persona"),
    [
        ("/api/v1/documents/", "am"),
        ("/api/v1/documents/", "admin"),
        ("/api/v1/documents/", "contact_a"),
        ("/api/v1/documents/?status=active", "finance"),
    ],
)
def test_list_queries_do_not_grow_with_rows(
    personas: dict[str, User | None],
    docs: Docs,
    am: User,
    client_a: Client,
    project: Project,
    url: str,
    persona: str,
) -> None:
    http = _http(personas, persona)
    counts: list[int] = []
    sizes: list[int] = []
    for grow in (3, 27):
        _grow(am, client_a, project, grow)
        with CaptureQueriesContext(connection) as queries:
            response = call(http, "get", url + ("&" if "?" in url else "?") + "page_size=100")
        assert response.status_code == 200
        sizes.append(len(results(response)))
        counts.append(len(queries))
    assert sizes[1] - sizes[0] == 27 and sizes[1] >= 30, sizes
    assert counts[0] == counts[1], counts


def test_the_detail_costs_the_same_with_more_lines_and_files(
    personas: dict[str, User | None], docs: Docs, am: User
) -> None:
    http = _http(personas, "am")
    counts = []
    for _round in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert call(http, "get", f"/api/v1/documents/{docs.draft.pk}/").status_code == 200
        counts.append(len(queries))
        for n in range(10):
            act_line_add(document=docs.draft, by=am, deliverable=f"Line {n}", minutes=10)
    assert counts[0] == counts[1], counts


# --- kinds ------------------------------------------------------------------------------------------


def test_the_head_adds_and_changes_a_kind(personas: dict[str, User | None], docs: Docs) -> None:
    head = _http(personas, "admin")
    body = {"code": "sow", "name": "Statement of work", "behaviour": "contract", "series": "sow"}
    bad = call(head, "post", "/api/v1/document-kinds/", {**body, "number_format": "SOW/{seq}"})
    assert bad.status_code == 400 and "{year}" in bad.json()["number_format"][0]
    made = call(head, "post", "/api/v1/document-kinds/", {**body, "number_format": "SOW/{yy}/{seq:03}"})
    assert made.status_code == 201, made.content
    assert made.json()["series"] == "SOW"
    duplicate = call(
        head, "post", "/api/v1/document-kinds/", {**body, "code": "sow2", "number_format": "S/{yy}/{seq}"}
    )
    assert duplicate.status_code == 400 and duplicate.json()["series"]
    # Registered documents keep their series.
    moved = call(head, "patch", f"/api/v1/document-kinds/{kind('act').pk}/", {"series": "ACTS"})
    assert moved.status_code == 400 and moved.json()["series"]
    renamed = call(head, "patch", f"/api/v1/document-kinds/{made.json()['id']}/", {"active": False})
    assert renamed.json()["active"] is False
    listed = results(call(head, "get", "/api/v1/document-kinds/?active=false"))
    assert [item["code"] for item in listed] == ["sow"]


def test_a_kind_out_of_use_takes_no_new_documents(personas: dict[str, User | None], docs: Docs) -> None:
    DocumentKind.objects.filter(pk=docs.kind.pk).update(active=False)
    body = {"kind": docs.kind.pk, "client": docs.sent.client_id, "title": "Letter"}
    response = call(_http(personas, "am"), "post", "/api/v1/documents/", body)
    assert response.status_code == 400 and response.json()["kind"]


def test_a_patch_ending_the_period_before_its_start_is_a_400(
    personas: dict[str, User | None], docs: Docs
) -> None:
    draft = Document.objects.get(pk=docs.draft.pk)
    assert draft.period_start is not None
    before = list(Document.objects.filter(pk=draft.pk).values())
    response = call(
        _http(personas, "am"), "patch", f"/api/v1/documents/{draft.pk}/", {"period_end": "2000-01-01"}
    )
    assert response.status_code == 400 and response.json()["period_end"]
    assert list(Document.objects.filter(pk=draft.pk).values()) == before


# --- whatever arrives ------------------------------------------------------------------------------

FUZZ = [
    ("am", "post", "/api/v1/documents/", ds.DocumentCreateSerializer),
    ("am", "patch", "/api/v1/documents/{draft}/", ds.DocumentWriteSerializer),
    ("am", "post", "/api/v1/documents/{draft}/lines/", ds.ActLineWriteSerializer),
    ("am", "post", "/api/v1/documents/{draft}/lines-from-project/", ds.LinesFromProjectSerializer),
    ("am", "patch", "/api/v1/act-lines/{line}/", ds.ActLineUpdateSerializer),
    ("am", "post", "/api/v1/documents/{draft}/send/", ds.SendSerializer),
    ("am", "post", "/api/v1/documents/{signed}/terminate/", ds.TerminateSerializer),
    ("am", "post", "/api/v1/documents/{sent}/reject/", ds.RejectSerializer),
    ("contact_a", "post", "/api/v1/documents/{sent}/accept/", ds.AcceptSerializer),
    ("contact_a", "post", "/api/v1/documents/{sent}/dispute/", ds.DisputeSerializer),
    ("admin", "post", "/api/v1/document-kinds/", ds.DocumentKindWriteSerializer),
    ("admin", "patch", "/api/v1/document-kinds/{kind}/", ds.DocumentKindWriteSerializer),
]


@pytest.mark.parametrize(("persona", "method", "url", "serializer"), FUZZ)
def test_no_body_makes_the_documents_api_fail(
    personas: dict[str, User | None], docs: Docs, persona: str, method: str, url: str, serializer: Any
) -> None:
    from hypothesis import HealthCheck, given, settings

    from khata.api.tests.test_fuzz import bodies

    http = _http(personas, persona)
    path = url.format(
        draft=docs.draft.pk, line=docs.line.pk, signed=docs.signed.pk, sent=docs.sent.pk, kind=docs.kind.pk
    )

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(body=bodies(serializer))
    def check(body: dict[str, Any]) -> None:
        response = call(http, method, path, body)
        assert response.status_code < 500, (body, response.content[:300])

    check()


def test_the_schema_documents_the_documents_endpoints(client: Any) -> None:
    schema = client.get("/api/v1/schema/?format=json").json()
    paths = schema["paths"]
    assert {
        "/api/v1/documents/",
        "/api/v1/documents/{id}/",
        "/api/v1/documents/{id}/send/",
        "/api/v1/documents/{id}/accept/",
        "/api/v1/documents/{id}/dispute/",
        "/api/v1/documents/{id}/lines-from-project/",
        "/api/v1/documents/{id}/candidates/",
        "/api/v1/documents/{id}/files/",
        "/api/v1/act-lines/{id}/",
        "/api/v1/document-files/{id}/download/",
        "/api/v1/document-kinds/",
        "/api/v1/document-kinds/{id}/",
    } <= set(paths)
    upload = paths["/api/v1/documents/{id}/files/"]["post"]
    assert set(upload["requestBody"]["content"]) == {"multipart/form-data"}
    refused = upload["responses"]["400"]["content"]["application/json"]["schema"]["$ref"]
    assert refused.endswith("DocumentFileValidationError")
    filters = {p["name"] for p in paths["/api/v1/documents/"]["get"]["parameters"]}
    assert {"kind", "status", "client", "project", "date_from", "date_to", "number", "cursor"} <= filters
    assert "put" not in paths["/api/v1/documents/{id}/"]
    enums = schema["components"]["schemas"]
    assert {"DocumentStatusEnum", "DocumentDecisionEnum", "DocumentBehaviourEnum"} <= set(enums)


def test_a_published_status_report_goes_into_the_register_once(
    personas: dict[str, User | None], docs: Docs, am: User, project: Project
) -> None:
    from khata.production.reports import report_draft, report_publish, report_update

    draft = report_update(report=report_draft(project=project, by=am), by=am, summary="On track.")
    url = "/api/v1/documents/from-status-report/"
    refused = call(_http(personas, "am"), "post", url, {"status_report": draft.pk})
    assert refused.status_code == 400 and "status_report" in refused.json()
    report = report_publish(report=draft, by=am, notify=False)
    before = _state()
    assert call(_http(personas, "other_am"), "post", url, {"status_report": report.pk}).status_code == 404
    assert call(_http(personas, "contact_a"), "post", url, {"status_report": report.pk}).status_code == 403
    assert call(_http(personas, "am"), "post", url, {"status_report": "x"}).status_code == 400
    assert _state() == before
    made = call(_http(personas, "am"), "post", url, {"status_report": report.pk})
    assert made.status_code == 201, made.content
    assert made.json()["status"] == "draft" and made.json()["number"] == ""
    again = call(_http(personas, "am"), "post", url, {"status_report": report.pk})
    assert again.status_code == 400 and Document.objects.filter(status_report=report).count() == 1
