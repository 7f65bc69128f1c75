"""The client's claims in the portal: who reaches each page, filing one (and the refusals that change
nothing), files judged by their content, confirming or reopening a fix, what stays internal, the home
section and project panel, another company's claims answering 404, and the list's fixed cost."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import reverse

from khata.care.models import Claim, ClaimAttachment
from khata.care.services import claim_attachment_add, claim_file
from khata.care.tests.conftest import ClaimAt, Clock, claim_at, clock, reason
from khata.care.tests.test_services import PNG
from khata.clients.models import Client
from khata.core.models import Event
from khata.people.models import User
from khata.plans.models import Project
from khata.plans.services import project_create

__all__ = ["claim_at", "clock"]

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "contact_a", "contact_b", "admin", "am", "other_am", "finance", "specialist"]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def expect(response: Any, persona: str, allowed: int = 200) -> None:
    """Anonymous → sign in; staff → their Today board; another company's contact → 404."""
    if persona == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif persona in ("admin", "am", "other_am", "finance", "specialist"):
        assert response.status_code == 302 and response["Location"] == reverse("insights:today")
    elif persona == "contact_b":
        assert response.status_code == 404
    else:
        assert response.status_code == allowed, (persona, response.status_code)


def state(claim: Claim | None = None) -> tuple[Any, ...]:
    if claim is not None:
        claim.refresh_from_db()
    return (
        Claim.objects.count(),
        ClaimAttachment.objects.count(),
        Event.objects.count(),
        None if claim is None else (claim.status, claim.reopened_count, claim.closed_at),
    )


@pytest.fixture
def launch(am: User, client_a: Client) -> Project:
    return project_create(client=client_a, by=am, name="Website launch", services="SEO")


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", ["list", "new", "detail", "file"])
def test_pages_answer_each_persona(
    http_as: Any, claim_at: ClaimAt, am: User, persona: str, page: str
) -> None:
    claim = claim_at("in_progress")
    stored = claim_attachment_add(claim=claim, by=am, file=SimpleUploadedFile("shot.png", PNG))
    url = {
        "list": reverse("portal:claims"),
        "new": reverse("portal:claim_new"),
        "detail": reverse("portal:claim", args=[claim.pk]),
        "file": reverse("portal:claim_file", args=[stored.pk]),
    }[page]
    response = http_as(persona).get(url)
    if persona == "contact_b" and page in ("list", "new"):
        assert response.status_code == 200  # their own company's (empty) list and form
        if page == "list":
            assert not response.context["open"] and not response.context["closed"]
        return
    expect(response, persona)
    if persona == "contact_a" and page == "file":
        assert response["Content-Disposition"].startswith("attachment")
        assert b"".join(response.streaming_content) == PNG


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", ["confirm", "reopen"])
def test_answers_are_refused_to_all_but_the_company(
    http_as: Any, claim_at: ClaimAt, persona: str, action: str
) -> None:
    claim = claim_at("resolved")
    before = state(claim)
    url = reverse(f"portal:claim_{action}", args=[claim.pk])
    response = http_as(persona).post(url, {"reason": "Still broken on mobile", "note": ""})
    if persona == "contact_a":
        assert response.status_code == 302
        claim.refresh_from_db()
        assert claim.status == ("closed" if action == "confirm" else "in_progress")
        return
    expect(response, persona)
    assert state(claim) == before


def test_contact_files_a_claim_with_files_about_its_project(
    http_as: Any, clock: Clock, launch: Project, contact_a: User, am: User
) -> None:
    response = http_as("contact_a").post(
        reverse("portal:claim_new"),
        {
            "title": "The new pages load slowly",
            "description": "Since Monday every product page takes ten seconds.",
            "reason": reason("quality").pk,
            "severity": "high",
            "project": launch.pk,
            "attachments": [
                SimpleUploadedFile("timing.pdf", PDF),
                SimpleUploadedFile("screen.png", PNG),
            ],
        },
    )
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert response["Location"] == reverse("portal:claim", args=[claim.pk])
    assert (claim.source, claim.severity, claim.project, claim.owner) == ("portal", "high", launch, am)
    assert claim.contact is not None and claim.contact.user == contact_a
    assert sorted(claim.attachments.values_list("name", flat=True)) == ["screen.png", "timing.pdf"]
    # The AM learns of it on the client's timeline.
    filed = Event.objects.get(kind="care.filed", subject_id=claim.pk)
    assert filed.actor == contact_a and filed.client_id == claim.client_id
    # …and by email from the worker, with a timeline event saying so.
    assert [message.to for message in mail.outbox] == [[am.email]]
    assert "The new pages load slowly" in mail.outbox[0].subject
    assert reverse("care:detail", args=[claim.pk]) in mail.outbox[0].body
    assert Event.objects.filter(kind="care.owner_told", subject_id=claim.pk).count() == 1

    page = http_as("contact_a").get(response["Location"])
    text = page.content.decode()
    assert "The new pages load slowly" in text and "Website launch" in text
    assert "We answer by" in text
    assert "timing.pdf" in text


def test_severity_is_normal_unless_the_client_says(http_as: Any, clock: Clock) -> None:
    form = http_as("contact_a").get(reverse("portal:claim_new")).context["form"]
    assert form["severity"].value() == "normal"
    http_as("contact_a").post(
        reverse("portal:claim_new"),
        {"title": "Late report", "description": "The report came a week late.", "reason": reason().pk},
    )
    # A missing severity is a field error, not a silent default: the form sends "normal" itself.
    assert Claim.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"description": "  "}, "description"),
        ({"reason": ""}, "reason"),
        ({"severity": "apocalyptic"}, "severity"),
        ({"project": "other"}, "project"),
        ({"attachments": "exe"}, "attachments"),
    ],
)
def test_bad_input_is_refused_beside_the_field_and_changes_nothing(
    http_as: Any, clock: Clock, am: User, other_am: User, client_b: Client, change: dict[str, str], field: str
) -> None:
    foreign = project_create(client=client_b, by=other_am, name="Their project", services="SEO")
    data: dict[str, Any] = {
        "title": "Broken form",
        "description": "The contact form sends nothing.",
        "reason": reason().pk,
        "severity": "normal",
    }
    data.update(change)
    if data.get("project") == "other":
        data["project"] = foreign.pk
    if data.get("attachments") == "exe":
        data["attachments"] = [SimpleUploadedFile("invoice.pdf", EXE)]
    before = state()
    response = http_as("contact_a").post(reverse("portal:claim_new"), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors, response.context["form"].errors
    assert state() == before


def test_an_executable_renamed_pdf_is_refused(http_as: Any, clock: Clock) -> None:
    response = http_as("contact_a").post(
        reverse("portal:claim_new"),
        {
            "title": "Broken form",
            "description": "The contact form sends nothing.",
            "reason": reason().pk,
            "severity": "normal",
            "attachments": [SimpleUploadedFile("report.pdf", EXE)],
        },
    )
    assert response.status_code == 400
    assert "report.pdf" in " ".join(response.context["form"].errors["attachments"])
    assert not Claim.objects.exists() and not ClaimAttachment.objects.exists()


# --- files added to an open claim ------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_companys_contact_adds_a_file_in_the_portal(
    http_as: Any, claim_at: ClaimAt, persona: str, contact_a: User
) -> None:
    claim = claim_at("in_progress")
    before = state(claim)
    url = reverse("portal:claim_file_add", args=[claim.pk])
    response = http_as(persona).post(url, {"file": SimpleUploadedFile("later.png", PNG)})
    if persona == "contact_a":
        assert response.status_code == 302
        assert response["Location"] == reverse("portal:claim", args=[claim.pk]) + "#files"
        stored = ClaimAttachment.objects.get(claim=claim)
        assert (stored.name, stored.uploaded_by) == ("later.png", contact_a)
        added = Event.objects.get(kind="care.file_added", subject_id=claim.pk)
        assert added.actor == contact_a
        return
    if persona == "contact_b":
        assert response.status_code == 404
    else:
        expect(response, persona)
    assert state(claim) == before


def test_a_file_added_by_either_side_shows_to_both_with_its_step(
    http_as: Any, claim_at: ClaimAt, am: User
) -> None:
    claim = claim_at("acknowledged")
    http_as("contact_a").post(
        reverse("portal:claim_file_add", args=[claim.pk]), {"file": SimpleUploadedFile("client.pdf", PDF)}
    )
    staff = http_as("am").post(
        reverse("care:file_add", args=[claim.pk]), {"file": SimpleUploadedFile("agency.png", PNG)}
    )
    assert staff.status_code == 302
    portal = http_as("contact_a").get(reverse("portal:claim", args=[claim.pk])).content.decode()
    desk = http_as("am").get(reverse("care:detail", args=[claim.pk])).content.decode()
    for text in (portal, desk):
        assert "client.pdf" in text and "agency.png" in text
    assert "A file was added: client.pdf" in portal and "A file was added: agency.png" in portal
    assert Event.objects.filter(kind="care.file_added", subject_id=claim.pk).count() == 2


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [("report.pdf", EXE, "report.pdf"), ("empty.png", b"", "")],
)
def test_a_bad_file_is_refused_on_the_claim_page_and_changes_nothing(
    http_as: Any, claim_at: ClaimAt, name: str, content: bytes, message: str
) -> None:
    claim = claim_at("new")
    before = state(claim)
    response = http_as("contact_a").post(
        reverse("portal:claim_file_add", args=[claim.pk]), {"file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 400
    form = response.context["file_form"]
    assert form.errors and message in " ".join(str(e) for errors in form.errors.values() for e in errors)
    assert 'id="file-form"' in response.content.decode()
    assert state(claim) == before


def test_a_closed_claim_takes_no_more_files(http_as: Any, claim_at: ClaimAt) -> None:
    claim = claim_at("closed")
    before = state(claim)
    page = http_as("contact_a").get(reverse("portal:claim", args=[claim.pk])).content.decode()
    assert 'id="file-form"' not in page
    response = http_as("contact_a").post(
        reverse("portal:claim_file_add", args=[claim.pk]), {"file": SimpleUploadedFile("late.png", PNG)}
    )
    assert response.status_code == 400
    assert "A closed claim takes no more files." in response.content.decode()
    assert state(claim) == before


def test_client_confirms_the_fix_and_the_claim_closes(
    http_as: Any, claim_at: ClaimAt, contact_a: User
) -> None:
    claim = claim_at("resolved")
    page = http_as("contact_a").get(reverse("portal:claim", args=[claim.pk]))
    text = page.content.decode()
    assert page.context["can_answer"] and "Confirm the fix" in text and "Typos fixed" in text
    response = http_as("contact_a").post(
        reverse("portal:claim_confirm", args=[claim.pk]), {"note": "Looks right now"}
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == "closed" and not claim.closed_automatically
    assert Event.objects.filter(kind="care.confirmed", subject_id=claim.pk, actor=contact_a).exists()
    after = http_as("contact_a").get(reverse("portal:claim", args=[claim.pk]))
    assert not after.context["can_answer"] and "Closed on" in after.content.decode()


def test_client_says_it_is_not_fixed_and_must_say_why(
    http_as: Any, claim_at: ClaimAt, contact_a: User
) -> None:
    claim = claim_at("resolved")
    url = reverse("portal:claim_reopen", args=[claim.pk])
    before = state(claim)
    refused = http_as("contact_a").post(url, {"reason": "   "})
    assert refused.status_code == 400
    assert "reason" in refused.context["reopen_form"].errors
    assert state(claim) == before

    response = http_as("contact_a").post(url, {"reason": "Page 3 still has typos"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.reopened_count) == ("in_progress", 1)
    page = http_as("contact_a").get(reverse("portal:claim", args=[claim.pk]))
    assert "We aim to fix it by" in page.content.decode()
    assert [str(step.label) for step in page.context["steps"]][-1].startswith("The fix did not work")


@pytest.mark.parametrize("status", ["new", "acknowledged", "in_progress", "closed"])
@pytest.mark.parametrize("action", ["confirm", "reopen"])
def test_only_a_resolved_claim_takes_an_answer(
    http_as: Any, claim_at: ClaimAt, status: str, action: str
) -> None:
    claim = claim_at(status)
    before = state(claim)
    response = http_as("contact_a").post(
        reverse(f"portal:claim_{action}", args=[claim.pk]), {"reason": "Still broken", "note": ""}
    )
    assert response.status_code == 400
    assert response.context["errors"]  # said on top: the answer forms are not drawn
    assert state(claim) == before


def test_internal_analysis_stays_with_the_agency(http_as: Any, claim_at: ClaimAt) -> None:
    claim = claim_at("resolved")
    Claim.objects.filter(pk=claim.pk).update(
        responsible_team="Night shift copy desk", preventive_action="Second proofreader on every page"
    )
    text = http_as("contact_a").get(reverse("portal:claim", args=[claim.pk])).content.decode()
    for internal in ("Proofread every page again", "Night shift copy desk", "Second proofreader", "Process"):
        assert internal not in text
    assert "Typos fixed" in text


def test_another_companys_claim_and_files_answer_404_to_every_method(
    http_as: Any, clock: Clock, other_am: User, client_b: Client
) -> None:
    theirs = claim_file(by=other_am, client=client_b, reason=reason(), title="Their claim", severity="low")
    stored = claim_attachment_add(claim=theirs, by=other_am, file=SimpleUploadedFile("t.png", PNG))
    before = state(theirs)
    http: HttpClient = http_as("contact_a")
    urls = [
        reverse("portal:claim", args=[theirs.pk]),
        reverse("portal:claim_confirm", args=[theirs.pk]),
        reverse("portal:claim_reopen", args=[theirs.pk]),
        reverse("portal:claim_file", args=[stored.pk]),
        reverse("portal:claim_file_add", args=[theirs.pk]),
    ]
    for url in urls:
        for method in ("get", "post", "put", "patch", "delete"):
            status = getattr(http, method)(url).status_code
            assert status in (404, 405), (url, method, status)
    assert http.get(urls[0]).status_code == 404
    assert http.post(urls[1]).status_code == 404
    assert http.get(urls[3]).status_code == 404
    upload = {"file": SimpleUploadedFile("mine.png", PNG)}
    assert http.post(urls[4], upload).status_code == 404
    listed = http.get(reverse("portal:claims"))
    assert "Their claim" not in listed.content.decode()
    assert state(theirs) == before


def test_home_section_and_project_panel_show_the_claims(
    http_as: Any, clock: Clock, launch: Project, contact_a: User
) -> None:
    claim_file(
        by=contact_a,
        client=launch.client,
        reason=reason(),
        title="Slow pages",
        description="Ten seconds a page.",
        project=launch,
    )
    home = http_as("contact_a").get(reverse("portal:home"))
    section = next(card for card in home.context["home"].sections if card.key == "claims")
    assert section.total == 1 and section.items[0]["title"] == "Slow pages"
    assert reverse("portal:claims") in home.content.decode()
    page = http_as("contact_a").get(reverse("portal:project", args=[launch.pk]))
    panel = next(card for card in page.context["panels"] if card.key == "claims")
    assert [row.claim.title for row in panel.items] == ["Slow pages"]
    quiet = project_create(client=launch.client, by=launch.client.owner, name="Quiet project", services="SEO")
    page = http_as("contact_a").get(reverse("portal:project", args=[quiet.pk]))
    panel = next(card for card in page.context["panels"] if card.key == "claims")
    assert panel.items == [] and panel.action_url == reverse("portal:claim_new") + f"?project={quiet.pk}"
    assert "No claim about this project." in page.content.decode()
    empty = http_as("contact_b").get(reverse("portal:home"))
    theirs = next(card for card in empty.context["home"].sections if card.key == "claims")
    assert theirs.total == 0


def test_open_claims_come_first_with_the_fix_to_confirm_on_top(http_as: Any, claim_at: ClaimAt) -> None:
    closed = claim_at("closed")
    new = claim_at("new")
    resolved = claim_at("resolved")
    response = http_as("contact_a").get(reverse("portal:claims"))
    assert [row.claim for row in response.context["open"]] == [resolved, new]
    assert [row.claim for row in response.context["closed"]] == [closed]


@pytest.mark.parametrize("count", [3, 30])
def test_list_costs_the_same_with_3_or_30_claims(
    http_as: Any, claim_at: ClaimAt, django_assert_num_queries: Any, count: int
) -> None:
    for n in range(count):
        claim_at(["new", "in_progress", "closed"][n % 3])
    http = http_as("contact_a")
    with django_assert_num_queries(QUERIES):
        response = http.get(reverse("portal:claims"))
    assert len(response.context["open"]) + len(response.context["closed"]) == count


QUERIES = 7
