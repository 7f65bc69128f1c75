"""The staff document pages: who may open and change what, every action through its page, the act
builder, files, the kinds editor, frozen documents, and a fixed number of queries per page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from khata.clients.models import Client
from khata.core.models import Event
from khata.documents.models import ActLine, Document, DocumentDecision, DocumentFile, DocumentKind
from khata.documents.services import (
    act_line_add,
    act_lines_from_project,
    document_accept,
    document_create,
    document_dispute,
    document_file_add,
    document_send,
)
from khata.documents.tests.conftest import kind
from khata.people.models import User
from khata.plans.models import PlanItem, PlanVersion, Project
from khata.production.models import Task

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03" + b"\x00" * 64
PERSONAS = ["anonymous", "contact_a", "contact_b", "admin", "am", "other_am", "finance", "specialist"]


def pdf(name: str = "signed.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def snapshot(document: Document) -> tuple[Any, ...]:
    """What a denied request must leave as it was."""
    row = (
        Document.objects.filter(pk=document.pk)
        .values_list("status", "number", "title", "amount_minor")
        .first()
    )
    return (
        row,
        Document.objects.count(),
        sorted(ActLine.objects.values_list("deliverable", "minutes", "amount_minor")),
        DocumentFile.objects.count(),
        DocumentDecision.objects.count(),
        Event.objects.count(),
    )


def expect_denied_or(response: Any, persona: str, allowed: dict[str, int]) -> int:
    """Anonymous → sign in; a contact or someone who does not see it → 404; else the allowed code."""
    if persona == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        return 302
    expected = allowed.get(persona, 404)
    assert response.status_code == expected, (persona, response.status_code)
    return expected


@pytest.fixture
def sent_act(act: Document, am: User, done_tasks: list[Task]) -> Document:
    act_lines_from_project(document=act, by=am, task_ids=[t.pk for t in done_tasks])
    return document_send(document=act, by=am)


@pytest.fixture
def sent_contract(contract: Document, am: User) -> Document:
    return document_send(document=contract, by=am)


@pytest.fixture
def signed_contract(sent_contract: Document, am: User) -> Document:
    document_accept(document=sent_contract, by=am, name="R. Mehta", in_portal=False)
    sent_contract.refresh_from_db()
    return sent_contract


# --- who opens what -------------------------------------------------------------------------------

VIEWERS = {"admin": 200, "am": 200, "finance": 200}
CREATORS = {"admin": 200, "am": 200, "other_am": 200, "finance": 403, "specialist": 403}
EDITORS = {"admin": 200, "am": 200, "finance": 403}
KIND_READERS = {"admin": 200, "am": 200, "other_am": 200, "finance": 403, "specialist": 403}
KIND_EDITORS = {"admin": 200, "am": 403, "other_am": 403, "finance": 403, "specialist": 403}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    "page", ["detail", "new", "edit", "line_edit", "file", "kinds", "kind_edit", "kind_example"]
)
def test_pages_answer_each_persona(http_as: Any, act: Document, am: User, persona: str, page: str) -> None:
    stored = document_file_add(document=act, by=am, file=pdf())
    line = act_line_add(document=act, by=am, deliverable="Workshop", minutes=60, amount_minor=100_00)
    url, allowed = {
        "line_edit": (reverse("documents:line_edit", args=[line.pk]), EDITORS),
        "kind_example": (reverse("documents:kind_example") + "?number_format=X/{year}/{seq}", KIND_READERS),
        "detail": (reverse("documents:detail", args=[act.pk]), VIEWERS),
        "new": (reverse("documents:new"), CREATORS),
        "edit": (reverse("documents:edit", args=[act.pk]), EDITORS),
        "file": (reverse("documents:file", args=[stored.pk]), VIEWERS),
        "kinds": (reverse("documents:kinds"), KIND_READERS),
        "kind_edit": (reverse("documents:kind_edit", args=[act.kind_id]), KIND_EDITORS),
    }[page]
    response = http_as(persona).get(url)
    expect_denied_or(response, persona, allowed)
    if page == "file" and response.status_code == 200:
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == PDF


def test_a_contact_never_opens_a_staff_page_even_of_its_own_sent_document(
    http_as: Any, sent_act: Document
) -> None:
    assert http_as("contact_a").get(reverse("documents:detail", args=[sent_act.pk])).status_code == 404
    assert http_as("contact_a").get(reverse("documents:new")).status_code == 404


def test_a_missing_document_answers_404_like_someone_elses(http_as: Any, act: Document) -> None:
    assert http_as("am").get(reverse("documents:detail", args=[act.pk + 1000])).status_code == 404
    assert http_as("other_am").get(reverse("documents:detail", args=[act.pk])).status_code == 404


# --- every write: who may make it, and a denied one changes nothing --------------------------------


def _write(name: str, request: pytest.FixtureRequest) -> tuple[Document, str, dict[str, Any]]:
    """The document in the state the write needs, its URL and the posted data."""
    am: User = request.getfixturevalue("am")
    today = dt.date(2026, 12, 31).isoformat()
    if name in {"edit", "line_add", "act_build", "discard", "send", "file_add"}:
        act: Document = request.getfixturevalue("act")
        tasks: list[Task] = request.getfixturevalue("done_tasks")
        if name in {"send", "discard", "edit", "file_add"}:
            act_line_add(document=act, by=am, deliverable="Workshop", minutes=60, amount_minor=100_00)
        choices: dict[str, dict[str, Any]] = {
            "edit": {
                "title": "Work done in December, corrected",
                "date": today,
                "period_start": "2026-12-01",
            },
            "line_add": {"deliverable": "Workshop", "hours": "1.5", "amount": "2500"},
            "act_build": {"tasks": [t.pk for t in tasks]},
            "discard": {},
            "send": {"send-note": "Please sign"},
            "file_add": {"file": pdf(), "note": "as sent"},
        }
        data: dict[str, Any] = choices[name]
        return act, reverse(f"documents:{name}", args=[act.pk]), data
    if name in {"line_edit", "line_remove"}:
        act = request.getfixturevalue("act")
        line = act_line_add(document=act, by=am, deliverable="Workshop", minutes=60, amount_minor=100_00)
        data = (
            {"deliverable": "Workshop, two days", "hours": "2", "amount": "200"}
            if name == "line_edit"
            else {}
        )
        return act, reverse(f"documents:{name}", args=[line.pk]), data
    if name in {"sign", "reject", "reopen"}:
        sent: Document = request.getfixturevalue("sent_contract")
        data = {
            "sign": {"name": "R. Mehta"},
            "reject": {"reject-reason": "The client chose another agency"},
            "reopen": {"reopen-note": "A typo in the parties"},
        }[name]
        return sent, reverse(f"documents:{name}", args=[sent.pk]), data
    signed: Document = request.getfixturevalue("signed_contract")
    data = {
        "activate": {},
        "terminate": {"terminated_on": "2026-06-30", "reason": "The client closes the shop"},
        "archive": {},
        "revise": {},
    }[name]
    return signed, reverse(f"documents:{name}", args=[signed.pk]), data


WRITES = [
    "edit",
    "line_add",
    "line_edit",
    "line_remove",
    "act_build",
    "discard",
    "send",
    "file_add",
    "sign",
    "reject",
    "reopen",
    "activate",
    "terminate",
    "archive",
    "revise",
]
WRITERS = {"admin": 302, "am": 302, "finance": 403}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("write", WRITES)
def test_writes_follow_roles_and_a_denied_one_changes_nothing(
    http_as: Any, request: pytest.FixtureRequest, write: str, persona: str
) -> None:
    document, url, data = _write(write, request)
    before = snapshot(document)
    response = http_as(persona).post(url, data)
    expected = expect_denied_or(response, persona, WRITERS)
    changed = snapshot(document) != before
    assert changed == (expected == 302 and persona != "anonymous")


def test_writes_need_a_post(http_as: Any, act: Document) -> None:
    assert http_as("am").get(reverse("documents:send", args=[act.pk])).status_code == 405


def test_the_writes_check_the_csrf_token(personas: dict[str, User | None], act: Document) -> None:
    from django.test import Client as HttpClient

    client = HttpClient(enforce_csrf_checks=True)
    am = personas["am"]
    assert am is not None
    client.force_login(am, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("documents:line_add", args=[act.pk]), {"deliverable": "X"})
    assert response.status_code == 403
    assert not ActLine.objects.exists()


# --- a new document --------------------------------------------------------------------------------


def test_the_kind_decides_the_fields_of_a_new_document(http_as: Any, kinds: None, client_a: Client) -> None:
    am = http_as("am")
    contract = am.get(reverse("documents:new"), {"kind": "contract", "client": client_a.pk}).content.decode()
    assert 'name="parties"' in contract and 'name="notice_days"' in contract
    assert 'name="period_start"' not in contract
    act = am.get(reverse("documents:new"), {"kind": "act", "client": client_a.pk}).content.decode()
    assert 'name="period_start"' in act and 'name="milestone"' in act
    assert 'name="parties"' not in act and 'name="amount"' not in act
    # htmx redraws only the form when the kind changes.
    redrawn = am.get(
        reverse("documents:new"),
        {"kind": "act", "client": client_a.pk, "title": "Kept"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert redrawn.lstrip().startswith('<form id="document-form"') and 'value="Kept"' in redrawn


def test_a_link_from_the_project_preselects_its_client_and_project(
    http_as: Any, kinds: None, project: Project
) -> None:
    page = (
        http_as("am").get(reverse("documents:new"), {"project": project.pk, "kind": "act"}).content.decode()
    )
    assert f'<option value="{project.client_id}" selected>' in page
    assert f'<option value="{project.pk}" selected>' in page


def test_the_am_creates_a_contract_with_its_value_in_major_units(
    http_as: Any, kinds: None, client_a: Client
) -> None:
    response = http_as("am").post(
        reverse("documents:new"),
        {
            "kind": kind("contract").pk,
            "client": client_a.pk,
            "title": "Retainer 2027",
            "date": "2027-01-01",
            "parties": "Acme and the agency",
            "start_date": "2027-01-01",
            "end_date": "2027-12-31",
            "amount": "150000.50",
            "auto_renew": "on",
            "renewal_months": "12",
            "notice_days": "30",
        },
    )
    document = Document.objects.get(title="Retainer 2027")
    assert response.status_code == 302 and response["Location"] == reverse(
        "documents:detail", args=[document.pk]
    )
    assert document.amount_minor == 150_000_50 and document.currency == client_a.currency
    assert (
        document.is_draft and document.number == "" and document.auto_renew and document.renewal_months == 12
    )


def test_a_refused_new_document_shows_the_services_error_on_its_field(
    http_as: Any, kinds: None, client_a: Client
) -> None:
    response = http_as("am").post(
        reverse("documents:new"),
        {
            "kind": kind("contract").pk,
            "client": client_a.pk,
            "title": "Backwards",
            "date": "2027-01-01",
            "start_date": "2027-06-01",
            "end_date": "2027-01-01",
        },
    )
    assert response.status_code == 400
    assert "The end date comes before the start date." in response.content.decode()
    assert 'id="id_end_date_errors"' in response.content.decode()
    assert not Document.objects.filter(title="Backwards").exists()


def test_an_am_cannot_draft_for_another_client(http_as: Any, kinds: None, client_b: Client) -> None:
    response = http_as("am").post(
        reverse("documents:new"),
        {"kind": kind("other").pk, "client": client_b.pk, "title": "Sneaky", "date": "2027-01-01"},
    )
    assert response.status_code == 400
    assert not Document.objects.filter(title="Sneaky").exists()


# --- the document's page ---------------------------------------------------------------------------


def test_a_draft_says_it_has_no_number_and_offers_what_a_draft_may_do(http_as: Any, act: Document) -> None:
    page = http_as("am").get(reverse("documents:detail", args=[act.pk])).content.decode()
    assert "Draft — no number yet" in page
    for name in ("edit", "discard", "send", "line_add"):
        assert reverse(f"documents:{name}", args=[act.pk]) in page
    for name in ("sign", "reject", "archive", "revise", "activate", "terminate"):
        assert reverse(f"documents:{name}", args=[act.pk]) not in page


def test_finance_reads_the_page_without_any_action(http_as: Any, sent_act: Document) -> None:
    page = http_as("finance").get(reverse("documents:detail", args=[sent_act.pk])).content.decode()
    assert sent_act.number in page
    for name in ("sign", "reject", "reopen", "send", "file_add"):
        assert reverse(f"documents:{name}", args=[sent_act.pk]) not in page


def test_the_act_builder_round_trip(http_as: Any, act: Document, done_tasks: list[Task]) -> None:
    am = http_as("am")
    url = reverse("documents:detail", args=[act.pk])
    page = am.get(url).content.decode()
    for task in done_tasks:
        assert f'name="tasks" value="{task.pk}"' in page
    response = am.post(reverse("documents:act_build", args=[act.pk]), {"tasks": [t.pk for t in done_tasks]})
    assert response.status_code == 302 and response["Location"] == url + "#lines"
    lines = list(act.lines.order_by("position"))
    assert [line.task_id for line in lines] == [t.pk for t in done_tasks]
    assert [line.minutes for line in lines] == [540, 200]
    act.refresh_from_db()
    assert act.amount_minor == sum(line.amount_minor for line in lines) > 0
    page = am.get(url).content.decode()
    assert "12.33" in page  # 740 minutes in hours, the total of the lines
    assert 'name="tasks"' not in page  # nothing left to add
    # The same tasks again: refused with the service's reason, nothing added.
    again = am.post(reverse("documents:act_build", args=[act.pk]), {"tasks": [done_tasks[0].pk]})
    assert again.status_code == 400 and "Already on an act" in again.content.decode()
    assert act.lines.count() == 2
    # Edit a line, then remove one; the total follows.
    line = lines[0]
    assert am.get(reverse("documents:line_edit", args=[line.pk])).status_code == 200
    edited = am.post(
        reverse("documents:line_edit", args=[line.pk]),
        {"deliverable": "SEO audit, full", "hours": "8", "amount": "1000"},
    )
    assert edited.status_code == 302
    line.refresh_from_db()
    assert (line.deliverable, line.minutes, line.amount_minor) == ("SEO audit, full", 480, 1000_00)
    assert am.post(reverse("documents:line_remove", args=[lines[1].pk])).status_code == 302
    act.refresh_from_db()
    assert act.amount_minor == 1000_00
    # Sending registers it.
    sent = am.post(reverse("documents:send", args=[act.pk]), {"send-note": ""})
    assert sent.status_code == 302
    act.refresh_from_db()
    assert act.status == Document.Status.SENT and act.number.startswith("ACT/")


def test_the_builder_offers_plan_items_only_when_not_worked_as_tasks(
    http_as: Any, act: Document, agreed: PlanVersion
) -> None:
    items = list(PlanItem.objects.filter(version=agreed).order_by("id"))
    am = http_as("am")
    page = am.get(reverse("documents:detail", args=[act.pk])).content.decode()
    for item in items:
        assert f'name="plan_items" value="{item.pk}"' in page
    response = am.post(reverse("documents:act_build", args=[act.pk]), {"plan_items": [items[0].pk]})
    assert response.status_code == 302
    line = act.lines.get()
    assert (line.plan_item_id, line.minutes, line.amount_minor) == (
        items[0].pk,
        items[0].estimate_minutes,
        items[0].price_minor,
    )


def test_plan_items_worked_as_tasks_come_through_their_tasks(
    http_as: Any, act: Document, done_tasks: list[Task]
) -> None:
    page = http_as("am").get(reverse("documents:detail", args=[act.pk])).content.decode()
    assert 'name="tasks"' in page and 'name="plan_items"' not in page


def test_a_bad_builder_choice_is_refused(http_as: Any, act: Document, done_tasks: list[Task]) -> None:
    response = http_as("am").post(reverse("documents:act_build", args=[act.pk]), {"tasks": ["x"]})
    assert response.status_code == 400
    nothing = http_as("am").post(reverse("documents:act_build", args=[act.pk]), {})
    assert nothing.status_code == 400 and "Choose at least one done task" in nothing.content.decode()
    assert not act.lines.exists()


def test_sending_an_act_without_lines_shows_why(http_as: Any, act: Document) -> None:
    response = http_as("am").post(reverse("documents:send", args=[act.pk]), {})
    assert response.status_code == 400
    assert "An act needs at least one line." in response.content.decode()
    act.refresh_from_db()
    assert act.is_draft and act.number == ""


def test_frozen_documents_refuse_edit_posts(
    http_as: Any, sent_act: Document, am: User, done_tasks: list[Task]
) -> None:
    document_accept(document=sent_act, by=am, name="R. Mehta", in_portal=False)
    before = snapshot(sent_act)
    am_client = http_as("am")
    edit = am_client.post(
        reverse("documents:edit", args=[sent_act.pk]),
        {"title": "Rewritten", "date": "2026-12-31", "period_start": "2026-12-01"},
    )
    assert edit.status_code == 400 and "frozen" in edit.content.decode()
    line = am_client.post(
        reverse("documents:line_add", args=[sent_act.pk]), {"deliverable": "More", "hours": "1"}
    )
    assert line.status_code == 400
    one = sent_act.lines.first()
    assert one is not None
    assert am_client.post(reverse("documents:line_remove", args=[one.pk])).status_code == 400
    assert am_client.post(reverse("documents:discard", args=[sent_act.pk])).status_code == 400
    assert snapshot(sent_act) == before
    # The edit page of a frozen document sends the AM back to the document.
    assert am_client.get(reverse("documents:edit", args=[sent_act.pk])).status_code == 302


def test_a_contract_through_its_life_on_its_page(http_as: Any, contract: Document) -> None:
    am = http_as("am")
    url = reverse("documents:detail", args=[contract.pk])
    assert (
        am.post(reverse("documents:send", args=[contract.pk]), {"send-note": "For signature"}).status_code
        == 302
    )
    contract.refresh_from_db()
    assert contract.status == Document.Status.SENT and contract.number.startswith("CTR/")
    signed = am.post(reverse("documents:sign", args=[contract.pk]), {"name": "R. Mehta"})
    assert signed.status_code == 302
    decision = DocumentDecision.objects.get(document=contract)
    assert (decision.decision, decision.name, decision.in_portal) == ("signed", "R. Mehta", False)
    page = am.get(url).content.decode()
    assert "R. Mehta" in page and "On paper" in page and "signed by R. Mehta" in page
    assert am.post(reverse("documents:activate", args=[contract.pk])).status_code == 302
    terminated = am.post(
        reverse("documents:terminate", args=[contract.pk]),
        {"terminated_on": "2025-01-01", "reason": "Too early"},
    )
    assert (
        terminated.status_code == 400
        and "A contract cannot end before it starts." in terminated.content.decode()
    )
    revised = am.post(reverse("documents:revise", args=[contract.pk]))
    copy = Document.objects.get(replaces=contract)
    assert revised["Location"] == reverse("documents:detail", args=[copy.pk])
    page = am.get(reverse("documents:detail", args=[copy.pk])).content.decode()
    assert contract.number in page  # the chain of versions
    assert reverse("documents:revise", args=[contract.pk]) not in am.get(url).content.decode()


def test_a_disputed_act_shows_why_and_goes_out_again(
    http_as: Any, sent_act: Document, approver_a: User
) -> None:
    document_dispute(
        document=sent_act, by=approver_a, reason="The audit covered 40 pages, not 60", name="Anita"
    )
    am = http_as("am")
    page = am.get(reverse("documents:detail", args=[sent_act.pk])).content.decode()
    assert "Anita disputes it:" in page and "The audit covered 40 pages, not 60" in page
    assert "Send again as it is" in page and reverse("documents:reopen", args=[sent_act.pk]) in page
    assert (
        am.post(reverse("documents:reopen", args=[sent_act.pk]), {"reopen-note": "Fix pages"}).status_code
        == 302
    )
    sent_act.refresh_from_db()
    assert sent_act.is_draft and sent_act.number.startswith("ACT/")
    page = am.get(reverse("documents:detail", args=[sent_act.pk])).content.decode()
    assert "Send to the client" in page and "Discard the draft" not in page


def test_a_contract_offers_new_documents_under_it(http_as: Any, signed_contract: Document) -> None:
    page = http_as("am").get(reverse("documents:detail", args=[signed_contract.pk])).content.decode()
    assert f"contract={signed_contract.pk}" in page and "kind=addendum" in page
    form = http_as("am").get(
        reverse("documents:new"),
        {"kind": "addendum", "client": signed_contract.client_id, "contract": signed_contract.pk},
    )
    assert f'<option value="{signed_contract.pk}" selected>' in form.content.decode()
    assert (
        "contract="
        not in http_as("finance")
        .get(reverse("documents:detail", args=[signed_contract.pk]))
        .content.decode()
        .split("Terms", 1)[1]
        .split("</section>", 1)[0]
    )


def test_a_refused_action_shows_the_reason_and_changes_nothing(http_as: Any, sent_contract: Document) -> None:
    before = snapshot(sent_contract)
    no_name = http_as("am").post(reverse("documents:sign", args=[sent_contract.pk]), {"name": "  "})
    assert no_name.status_code == 400 and "Signed by" in no_name.content.decode()
    archive = http_as("am").post(reverse("documents:archive", args=[sent_contract.pk]))
    assert archive.status_code == 400
    assert "Only an accepted, signed or active document can be archived." in archive.content.decode()
    assert snapshot(sent_contract) == before


def test_a_discarded_draft_is_gone(http_as: Any, kinds: None, am: User, client_a: Client) -> None:
    draft = document_create(by=am, kind=kind("other"), client=client_a, title="Letter")
    response = http_as("am").post(reverse("documents:discard", args=[draft.pk]))
    assert response.status_code == 302 and response["Location"] == reverse(
        "clients:detail", args=[client_a.pk]
    )
    assert not Document.objects.filter(pk=draft.pk).exists()


def test_the_page_shows_the_documents_history(http_as: Any, sent_act: Document) -> None:
    page = http_as("am").get(reverse("documents:detail", args=[sent_act.pk])).content.decode()
    assert "sent to the client" in page and "drafted" in page and "from done work: 2" in page


def test_the_page_links_to_the_pdf(http_as: Any, sent_act: Document) -> None:
    page = http_as("am").get(reverse("documents:detail", args=[sent_act.pk])).content.decode()
    assert reverse("documents:pdf", args=[sent_act.pk]) in page


# --- files -----------------------------------------------------------------------------------------


def test_files_are_versions_newest_first(http_as: Any, signed_contract: Document) -> None:
    am = http_as("am")
    for name in ("first.pdf", "second.pdf"):
        response = am.post(reverse("documents:file_add", args=[signed_contract.pk]), {"file": pdf(name)})
        assert response.status_code == 302
    page = am.get(reverse("documents:detail", args=[signed_contract.pk])).content.decode()
    assert page.index("second.pdf") < page.index("first.pdf")
    assert "v2" in page and "v1" in page


def test_a_program_renamed_pdf_is_refused_and_nothing_is_stored(
    http_as: Any, act: Document, settings: Any
) -> None:
    before = sorted(Path(settings.MEDIA_ROOT).rglob("*"))
    response = http_as("am").post(
        reverse("documents:file_add", args=[act.pk]),
        {"file": SimpleUploadedFile("contract.pdf", EXE, content_type="application/pdf")},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Nothing was changed." in body and 'id="id_file_errors"' in body
    assert not DocumentFile.objects.exists()
    assert sorted(Path(settings.MEDIA_ROOT).rglob("*")) == before


def test_a_file_of_someone_elses_document_answers_404(http_as: Any, act: Document, am: User) -> None:
    stored = document_file_add(document=act, by=am, file=pdf())
    assert http_as("other_am").get(reverse("documents:file", args=[stored.pk])).status_code == 404
    assert http_as("am").get(reverse("documents:file", args=[stored.pk + 99])).status_code == 404


# --- the kinds editor ------------------------------------------------------------------------------


def test_the_head_adds_and_edits_a_kind(http_as: Any, kinds: None) -> None:
    head = http_as("admin")
    added = head.post(
        reverse("documents:kinds"),
        {
            "name": "Service level agreement",
            "code": "sla",
            "behaviour": "contract",
            "series": "sla",
            "number_format": "SLA/{yy}/{seq:03}",
            "needs_client_answer": "on",
            "active": "on",
            "position": "5",
        },
    )
    assert added.status_code == 302
    sla = DocumentKind.objects.get(code="sla")
    assert sla.series == "SLA" and sla.is_contract
    listing = head.get(reverse("documents:kinds")).content.decode()
    assert "Service level agreement" in listing and f"SLA/{dt.date.today().year % 100:02d}/001" in listing
    saved = head.post(
        reverse("documents:kind_edit", args=[sla.pk]),
        {
            "name": "SLA",
            "behaviour": "contract",
            "series": "SLA",
            "number_format": "SLA/{year}/{seq:04}",
            "position": "5",
        },
    )
    assert saved.status_code == 302
    sla.refresh_from_db()
    assert (sla.name, sla.number_format, sla.active, sla.needs_client_answer) == (
        "SLA",
        "SLA/{year}/{seq:04}",
        False,
        False,
    )


def test_a_bad_number_format_is_refused_with_its_reason(http_as: Any, kinds: None) -> None:
    response = http_as("admin").post(
        reverse("documents:kind_edit", args=[kind("act").pk]),
        {"name": "Act", "behaviour": "act", "series": "ACT", "number_format": "ACT/{seq}", "position": "0"},
    )
    assert (
        response.status_code == 400
        and "The format needs {year} or {yy} exactly once" in response.content.decode()
    )
    assert kind("act").number_format == "ACT/{year}/{seq:05}"


def test_the_number_example_follows_what_the_head_types(http_as: Any, kinds: None) -> None:
    url = reverse("documents:kind_example")
    year = dt.date.today().year
    good = http_as("admin").get(url, {"number_format": "X/{year}/{seq:03}", "series": "X"}).content.decode()
    assert f"X/{year}/001" in good
    bad = http_as("admin").get(url, {"number_format": "X/{seq}", "series": "X"}).content.decode()
    assert "exactly once" in bad


def test_an_am_reads_the_kinds_but_cannot_change_them(http_as: Any, kinds: None) -> None:
    page = http_as("am").get(reverse("documents:kinds")).content.decode()
    assert "Act of completed work" in page and 'action="/documents/kinds/"' not in page
    response = http_as("am").post(
        reverse("documents:kinds"),
        {
            "name": "X",
            "code": "x",
            "behaviour": "other",
            "series": "X",
            "number_format": "X/{year}/{seq}",
            "position": "0",
        },
    )
    assert response.status_code == 403 and not DocumentKind.objects.filter(code="x").exists()
    assert http_as("contact_a").post(reverse("documents:kinds"), {}).status_code == 404


# --- queries ---------------------------------------------------------------------------------------


def _page_queries(http: Any, document: Document) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = http.get(reverse("documents:detail", args=[document.pk]))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("persona", ["am", "finance"])
def test_the_document_page_costs_the_same_with_3_or_30_lines_and_files(
    http_as: Any, kinds: None, am: User, client_a: Client, project: Project, persona: str
) -> None:
    counts = []
    for size in (3, 30):
        act = document_create(
            by=am,
            kind=kind("act"),
            client=client_a,
            title=f"Act of {size}",
            project=project,
            period_start=dt.date(2026, 12, 1),
        )
        for n in range(size):
            act_line_add(document=act, by=am, deliverable=f"Line {n}", minutes=60, amount_minor=100_00)
            document_file_add(document=act, by=am, file=pdf(f"file-{n}.pdf"))
        counts.append(_page_queries(http_as(persona), act))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_head_adds_a_kind(http_as: Any, kinds: None, persona: str) -> None:
    before = DocumentKind.objects.count()
    response = http_as(persona).post(
        reverse("documents:kinds"),
        {
            "name": "Letter",
            "code": "letter",
            "behaviour": "other",
            "series": "LTR",
            "number_format": "LTR/{year}/{seq:03}",
            "position": "9",
        },
    )
    expected = expect_denied_or(
        response, persona, {"admin": 302, **{p: 403 for p in ("am", "other_am", "finance", "specialist")}}
    )
    assert (DocumentKind.objects.count() - before) == (1 if expected == 302 and persona != "anonymous" else 0)


def test_a_published_status_report_goes_into_the_register_once(
    http_as: Any, kinds: None, am: User, project: Any, done_tasks: Any
) -> None:
    from khata.production.reports import report_draft, report_publish, report_update

    report = report_update(report=report_draft(project=project, by=am), by=am, summary="On track.")
    url = reverse("documents:from_status_report", args=[report.pk])
    # A draft report is not a document yet.
    response = http_as("am").post(url)
    assert response.status_code == 302 and not Document.objects.filter(status_report=report).exists()
    report_publish(report=report, by=am, notify=False)
    # Another AM does not see the report at all.
    assert http_as("other_am").post(url).status_code == 404
    assert http_as("contact_a").post(url).status_code == 404
    response = http_as("am").post(url)
    document = Document.objects.get(status_report=report)
    assert response.headers["Location"] == reverse("documents:detail", args=[document.pk])
    assert document.is_draft and document.kind.code == "report" and document.project == project
    again = http_as("am").post(url)
    assert again.headers["Location"] == reverse("documents:detail", args=[document.pk])
    assert Document.objects.filter(status_report=report).count() == 1
    page = http_as("am").get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert url in page
