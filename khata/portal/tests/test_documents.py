"""The client's documents in the portal: who reaches them, the answer (accept, sign, dispute) with the
name, time and address, the refusals that change nothing, the emails of a sent document, the portal
home's waiting section and the project panel, and the list's fixed cost."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import reverse

from conftest import PASSWORD
from khata.clients.models import Client, Contact
from khata.clients.services import contact_create
from khata.core.models import Event
from khata.documents.models import Document, DocumentDecision, DocumentFile
from khata.documents.services import (
    act_lines_from_project,
    document_create,
    document_file_add,
    document_send,
)
from khata.documents.tests.conftest import (
    act,
    agreed,
    approver_a,
    approver_b,
    contract,
    copy,
    done_tasks,
    kind,
    kinds,
    project,
    seo,
)
from khata.people.models import User
from khata.production.models import Task

__all__ = [
    "act",
    "agreed",
    "approver_a",
    "approver_b",
    "contract",
    "copy",
    "done_tasks",
    "kinds",
    "project",
    "seo",
]

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def sent(act: Document, am: User, done_tasks: list[Task]) -> Document:
    """The December act with both done tasks, sent to client A, with a PDF attached."""
    act_lines_from_project(document=act, by=am, task_ids=[t.pk for t in done_tasks])
    document_file_add(document=act, by=am, file=SimpleUploadedFile("act-december.pdf", PDF))
    return document_send(document=act, by=am)


@pytest.fixture
def sent_contract(contract: Document, am: User) -> Document:
    return document_send(document=contract, by=am)


def _contact_user(client: Client, email: str, name: str, role: str, language: str = "en") -> User:
    contact = contact_create(
        client=client, by=client.owner, full_name=name, email=email, portal_access=True, language=language
    )
    Contact.objects.filter(pk=contact.pk).update(role=role)
    user = User.objects.get(contact=contact)
    user.set_password(PASSWORD)
    user.language = language
    user.save()
    return user


def _as(user: User) -> HttpClient:
    http = HttpClient()
    http.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return http


def _accept(http: HttpClient, document: Document, **data: Any) -> Any:
    return http.post(
        reverse("portal:document_accept", args=[document.pk]),
        {"name": "Priya Contact", "confirm": "on"} | data,
        REMOTE_ADDR="203.0.113.7",
    )


# --- who reaches what ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("admin", 302),
        ("am", 302),
        ("other_am", 302),
        ("specialist", 302),
        ("finance", 302),
        ("contact_a", 200),
        ("contact_b", 404),
    ],
)
def test_the_document_page_permission_matrix(
    http_as: Any, sent: Document, persona: str, expected: int
) -> None:
    response = http_as(persona).get(reverse("portal:document", args=[sent.pk]))
    assert response.status_code == expected
    assert ("Work done in December" in response.content.decode()) is (expected == 200)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 302), ("am", 302), ("finance", 302), ("contact_a", 200), ("contact_b", 200)],
)
def test_the_documents_list_permission_matrix(
    http_as: Any, sent: Document, persona: str, expected: int
) -> None:
    response = http_as(persona).get(reverse("portal:documents"))
    assert response.status_code == expected
    assert ("Work done in December" in response.content.decode()) is (persona == "contact_a")


@pytest.mark.parametrize(("persona", "expected"), [("contact_a", 200), ("contact_b", 404), ("am", 302)])
def test_a_file_downloads_only_for_the_documents_company(
    http_as: Any, sent: Document, persona: str, expected: int
) -> None:
    file = DocumentFile.objects.get(document=sent)
    response = http_as(persona).get(reverse("portal:document_file", args=[file.pk]))
    assert response.status_code == expected
    if expected == 200:
        assert b"".join(response.streaming_content) == PDF
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "attachment" in response["Content-Disposition"]


def test_a_draft_is_never_in_the_portal(http_as: Any, act: Document) -> None:
    http = http_as("contact_a")
    assert http.get(reverse("portal:document", args=[act.pk])).status_code == 404
    assert "Work done in December" not in http.get(reverse("portal:documents")).content.decode()
    assert _accept(http, act).status_code == 404


@pytest.mark.parametrize("route", ["portal:document_accept", "portal:document_dispute"])
def test_another_clients_contact_gets_404_and_changes_nothing(
    http_as: Any, sent: Document, route: str
) -> None:
    response = http_as("contact_b").post(
        reverse(route, args=[sent.pk]), {"name": "Bob", "confirm": "on", "reason": "No"}
    )
    assert response.status_code == 404
    sent.refresh_from_db()
    assert sent.status == Document.Status.SENT and not sent.decisions.exists()


# --- the answer ---------------------------------------------------------------------------------


def test_the_contact_accepts_an_act_with_name_time_and_address(
    http_as: Any, sent: Document, contact_a: User
) -> None:
    http = http_as("contact_a")
    page = http.get(reverse("portal:document", args=[sent.pk]))
    body = page.content.decode()
    assert 'value="Priya Contact"' in body  # the name is prefilled
    assert "SEO audit" in body and "Landing page copy" in body  # the act's lines
    assert "act-december.pdf" in body
    response = _accept(http, sent, name="Priya K. Contact")
    assert response.status_code == 302
    sent.refresh_from_db()
    assert sent.status == Document.Status.ACCEPTED
    decision = sent.decisions.get()
    assert (decision.decision, decision.name, decision.ip_address, decision.in_portal, decision.by) == (
        "accepted",
        "Priya K. Contact",
        "203.0.113.7",
        True,
        contact_a,
    )
    assert Event.objects.filter(kind="documents.accepted", subject_id=sent.pk).exists()
    after = http.get(reverse("portal:document", args=[sent.pk])).content.decode()
    assert "Priya K. Contact" in after and 'id="accept-form"' not in after


def test_a_contract_is_signed_in_the_portal(http_as: Any, sent_contract: Document) -> None:
    http = http_as("contact_a")
    body = http.get(reverse("portal:document", args=[sent_contract.pk])).content.decode()
    assert "Sign for your company" in body and "give notice by" in body
    assert _accept(http, sent_contract).status_code == 302
    sent_contract.refresh_from_db()
    assert sent_contract.status == Document.Status.SIGNED
    assert sent_contract.decisions.get().decision == DocumentDecision.Decision.SIGNED


def test_the_confirmation_and_the_name_are_required(http_as: Any, sent: Document) -> None:
    http = http_as("contact_a")
    response = _accept(http, sent, confirm="")
    assert response.status_code == 400
    assert "Tick the box to confirm your answer." in response.content.decode()
    response = _accept(http, sent, name="   ")
    assert response.status_code == 400
    sent.refresh_from_db()
    assert sent.status == Document.Status.SENT and not sent.decisions.exists()


def test_a_second_accept_is_refused_with_the_reason(http_as: Any, sent: Document) -> None:
    http = http_as("contact_a")
    assert _accept(http, sent).status_code == 302
    response = _accept(http, sent, name="Someone Else")
    assert response.status_code == 400
    assert "This document is not waiting for the client&#x27;s answer." in response.content.decode()
    assert sent.decisions.count() == 1


def test_the_contact_disputes_with_a_reason(http_as: Any, sent: Document) -> None:
    http = http_as("contact_a")
    url = reverse("portal:document_dispute", args=[sent.pk])
    refused = http.post(url, {"reason": "  "})
    assert refused.status_code == 400
    assert "Say what is wrong" in refused.content.decode()
    sent.refresh_from_db()
    assert sent.status == Document.Status.SENT
    response = http.post(url, {"reason": "The copy came a week late."}, REMOTE_ADDR="198.51.100.4")
    assert response.status_code == 302
    sent.refresh_from_db()
    decision = sent.decisions.get()
    assert sent.status == Document.Status.DISPUTED
    assert (decision.reason, decision.name, decision.ip_address) == (
        "The copy came a week late.",
        "Priya Contact",
        "198.51.100.4",
    )
    body = http.get(reverse("portal:document", args=[sent.pk])).content.decode()
    assert "Your company disputed this document." in body and 'id="dispute-form"' not in body
    again = http.post(url, {"reason": "Still late."})
    assert again.status_code == 400 and sent.decisions.count() == 1


def test_a_contact_who_is_an_end_user_cannot_answer(sent: Document, client_a: Client) -> None:
    user = _contact_user(client_a, "uma@acme.test", "Uma User", Contact.Role.USER)
    http = _as(user)
    body = http.get(reverse("portal:document", args=[sent.pk])).content.decode()
    assert 'id="cannot-answer"' in body and 'id="accept-form"' not in body
    response = _accept(http, sent, name="Uma User")
    assert response.status_code == 400
    assert "You cannot answer this document for your company." in response.content.decode()
    sent.refresh_from_db()
    assert sent.status == Document.Status.SENT and not sent.decisions.exists()
    home = http.get(reverse("portal:home"))
    section = next(section for section in home.context["home"].sections if section.key == "acts")
    assert section.items == []


# --- the emails of a sent document -------------------------------------------------------------


def test_sending_emails_each_contact_who_answers_in_their_language(
    act: Document,
    am: User,
    done_tasks: list[Task],
    client_a: Client,
    contact_a: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _contact_user(client_a, "rahul@acme.test", "Rahul Approver", Contact.Role.APPROVER, language="hi")
    _contact_user(client_a, "uma@acme.test", "Uma User", Contact.Role.USER)
    act_lines_from_project(document=act, by=am, task_ids=[t.pk for t in done_tasks])
    with django_capture_on_commit_callbacks(execute=True):
        document_send(document=act, by=am, site_url="https://khata.example")
    by_address = {message.to[0]: message for message in mail.outbox}
    # Anita approves plans, Priya works day to day, Rahul approves: all speak for Acme; Uma does not.
    assert sorted(by_address) == ["anita@acme.test", "priya@acme.test", "rahul@acme.test"]
    english = by_address["priya@acme.test"]
    url = f"https://khata.example/portal/documents/{act.pk}/"
    assert "ACT/2026/00001" in english.subject and "acceptance" in english.subject
    assert url in english.body and "Dear Priya Contact" in english.body
    hindi = by_address["rahul@acme.test"]
    assert url in hindi.body and "Dear" not in hindi.body  # written in Hindi
    events = Event.objects.filter(kind="documents.emailed", subject_id=act.pk)
    assert sorted(event.data["contact"] for event in events) == sorted(
        Contact.objects.filter(user__email__in=by_address).values_list("pk", flat=True)
    )


def test_a_kind_the_client_does_not_answer_sends_no_email(
    kinds: None, am: User, client_a: Client, contact_a: User, django_capture_on_commit_callbacks: Any
) -> None:
    report = document_create(by=am, kind=kind("report"), client=client_a, title="Quarterly report")
    with django_capture_on_commit_callbacks(execute=True):
        document_send(document=report, by=am)
    assert mail.outbox == []


def test_a_failed_email_is_an_event_and_the_document_stays_sent(
    act: Document,
    am: User,
    done_tasks: list[Task],
    contact_a: User,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    settings.MAILERS = {"default": {"BACKEND": "khata.portal.tests.test_documents.FailingBackend"}}
    act_lines_from_project(document=act, by=am, task_ids=[t.pk for t in done_tasks])
    with django_capture_on_commit_callbacks(execute=True):
        document_send(document=act, by=am)
    act.refresh_from_db()
    assert act.status == Document.Status.SENT
    assert Event.objects.filter(kind="documents.email_failed", subject_id=act.pk).count() == 2  # Priya, Anita


class FailingBackend:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        raise OSError("The mail server is down.")


# --- the portal home and the project page -------------------------------------------------------


def test_the_home_lists_what_waits_with_one_click_to_answer(
    http_as: Any, sent: Document, sent_contract: Document
) -> None:
    response = http_as("contact_a").get(reverse("portal:home"))
    section = next(section for section in response.context["home"].sections if section.key == "acts")
    assert section.total == 2
    assert [item["action"] for item in section.items] == ["Read and accept", "Read and sign"]
    body = response.content.decode()
    assert reverse("portal:document", args=[sent.pk]) in body
    assert reverse("portal:document", args=[sent_contract.pk]) in body
    other = http_as("contact_b").get(reverse("portal:home"))
    assert "Work done in December" not in other.content.decode()


def test_the_project_page_shows_its_documents(http_as: Any, sent: Document, act: Document) -> None:
    response = http_as("contact_a").get(reverse("portal:project", args=[sent.project_id]))
    body = response.content.decode()
    assert "ACT/2026/00001" in body and 'id="panel-documents"' in body


# --- the list's cost ----------------------------------------------------------------------------


def _many(count: int, *, am: User, client: Client) -> None:
    """Contracts that wait for the client and letters in force, each with a value."""
    for n in range(count):
        on = dt.date(2026, 1, 1) + dt.timedelta(days=n)
        extra: dict[str, Any] = {"start_date": on} if n % 2 == 0 else {}
        document = document_create(
            by=am,
            kind=kind("contract" if n % 2 == 0 else "other"),
            client=client,
            title=f"Document {n}",
            date=on,
            amount_minor=1000 * (n + 1),
            **extra,
        )
        document_send(document=document, by=am)


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_costs_the_same_with_3_or_30_documents(
    kinds: None,
    am: User,
    client_a: Client,
    contact_a: User,
    count: int,
    django_assert_num_queries: Any,
) -> None:
    _many(count, am=am, client=client_a)
    http = _as(contact_a)
    # session, user, contact; the waiting documents and one page of the list, each after the
    # contact's scope (``client_scope``)
    with django_assert_num_queries(7):
        response = http.get(reverse("portal:documents"))
    assert response.status_code == 200
    assert len(response.context["documents"]) == count


@pytest.mark.parametrize("count", [3, 30])
def test_the_document_page_costs_the_same_with_3_or_30_lines_and_files(
    kinds: None,
    am: User,
    client_a: Client,
    contact_a: User,
    project: Any,
    count: int,
    django_assert_num_queries: Any,
) -> None:
    from khata.documents.services import act_line_add

    document = document_create(
        by=am,
        kind=kind("act"),
        client=client_a,
        title="Many lines",
        project=project,
        period_start=dt.date(2026, 12, 1),
    )
    for n in range(count):
        act_line_add(document=document, by=am, deliverable=f"Line {n}", minutes=30, amount_minor=1000)
        document_file_add(document=document, by=am, file=SimpleUploadedFile(f"v{n}.pdf", PDF + b"%" * n))
    document_send(document=document, by=am)
    http = _as(contact_a)
    with django_assert_num_queries(14):
        response = http.get(reverse("portal:document", args=[document.pk]))
    assert response.status_code == 200
    assert len(response.context["page"].lines) == count


def test_the_am_previews_what_waits_for_the_contact(
    http_as: Any, sent: Document, contact_a_row: Contact
) -> None:
    response = http_as("am").get(reverse("portal:preview", args=[contact_a_row.pk]))
    assert response.status_code == 200
    section = next(section for section in response.context["home"].sections if section.key == "acts")
    assert [item["title"] for item in section.items] == ["ACT/2026/00001 · Work done in December"]
    assert 'aria-disabled="true">Read and accept' in response.content.decode()
