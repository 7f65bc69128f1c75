"""An act from end to end in a real Chromium: the AM drafts it, builds it from the project's done tasks
and sends it; the client's contact is emailed, finds it waiting on the portal home and accepts it;
the AM sees the act accepted, with the client's answer on its history."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from khata.documents.models import Document, DocumentKind
from khata.documents.services import act_lines_from_project, document_create, document_file_add, document_send
from khata.documents.tests.conftest import agreed, approver_a, copy, done_tasks, kinds, project, seo
from khata.people.models import User
from khata.plans.models import Project
from khata.production.models import Task
from tests.browser.steps import screenshot, sign_in, sign_out

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/portal")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
__all__ = ["agreed", "approver_a", "copy", "done_tasks", "kinds", "project", "seo"]


def test_an_act_goes_from_done_tasks_to_the_clients_acceptance(
    page: Page,
    live_server: Any,
    kinds: None,
    am: User,
    contact_a: User,
    project: Project,
    done_tasks: list[Task],
) -> None:
    page.set_default_navigation_timeout(30_000)

    # The AM drafts an act of the project for December.
    sign_in(page, email=am.email, password=PASSWORD)
    page.goto(f"/documents/new/?kind=act&project={project.pk}")
    expect(page.get_by_label("Period from")).to_be_visible()
    # The link from the project chose the kind, the client and the project (choosing another one
    # redraws the form): only the title and the period are typed.
    expect(page.get_by_label("Project")).to_have_value(str(project.pk))
    page.get_by_label("Title").fill("Work done in December")
    page.get_by_label("Period from").fill("2026-12-01")
    page.get_by_label("Period to").fill("2026-12-31")
    page.get_by_role("button", name="Create the draft").click()
    expect(page.get_by_role("heading", name="Work done in December", level=1)).to_be_visible()

    # It builds the act from the two done tasks and sends it.
    builder = page.locator("#builder")
    expect(builder.get_by_text("SEO audit")).to_be_visible()
    builder.get_by_role("button", name="Add the chosen work").click()
    lines = page.locator("#lines")
    expect(lines.get_by_role("cell", name="SEO audit")).to_be_visible()
    expect(lines.get_by_role("cell", name="Landing page copy")).to_be_visible()
    page.get_by_role("button", name="Register and send").click()
    expect(page.locator(".page-header__meta .badge").first).to_have_text("Sent")
    act = Document.objects.get(title="Work done in December")
    assert act.number == "ACT/2026/00001"
    sign_out(page)

    # The contact is told by email, in their language, with the way to the act in the portal.
    to_priya = [message for message in mail.outbox if message.to == [contact_a.email]]
    assert len(to_priya) == 1 and f"{live_server.url}/portal/documents/{act.pk}/" in to_priya[0].body

    # The contact finds it waiting on the portal home and opens it with one click.
    sign_in(page, email=contact_a.email, password=PASSWORD)
    page.goto("/portal/")
    waiting = page.locator("#section-acts")
    expect(waiting.get_by_text("ACT/2026/00001 · Work done in December")).to_be_visible()
    screenshot(page, "portal-home", folder=SHOTS)
    waiting.get_by_role("link", name="Read and accept").click()
    expect(page.get_by_role("heading", name="Act of completed work ACT/2026/00001", level=1)).to_be_visible()
    expect(page.get_by_role("cell", name="SEO audit")).to_be_visible()
    expect(page.get_by_label("Your full name")).to_have_value("Priya Contact")
    screenshot(page, "portal-document-waiting", folder=SHOTS)

    # Accepting without the confirmation is refused with the reason; then the contact accepts.
    page.get_by_role("button", name="Accept", exact=True).click()
    expect(page.get_by_text("Tick the box to confirm your answer.")).to_be_visible()
    screenshot(page, "portal-document-refused", folder=SHOTS)
    page.get_by_label("I confirm the work listed here was done").check()
    page.get_by_role("button", name="Accept", exact=True).click()
    expect(page.locator("#document-status")).to_have_text("Accepted")
    expect(page.locator("#answers").get_by_text("Priya Contact")).to_be_visible()
    expect(page.locator("#accept-form")).to_have_count(0)
    screenshot(page, "portal-document-accepted", folder=SHOTS)
    page.goto("/portal/documents/")
    expect(page.locator("#documents-waiting").get_by_text("Nothing waits for your answer")).to_be_visible()
    screenshot(page, "portal-documents", folder=SHOTS)
    page.goto(f"/portal/projects/{project.pk}/")
    expect(
        page.locator("#panel-documents").get_by_role("link", name="ACT/2026/00001 · Work done in December")
    ).to_be_visible()
    screenshot(page, "portal-project", folder=SHOTS)
    sign_out(page)

    # The AM sees the act accepted, and the client's answer on its history.
    sign_in(page, email=am.email, password=PASSWORD)
    page.goto(f"/documents/{act.pk}/")
    expect(page.locator(".page-header__meta .badge").first).to_have_text("Accepted")
    expect(page.get_by_text("ACT/2026/00001 accepted by Priya Contact")).to_be_visible()
    screenshot(page, "staff-document-accepted", folder=SHOTS)


def test_the_client_signs_a_contract_and_disputes_an_act(
    page: Page,
    kinds: None,
    am: User,
    contact_a: User,
    project: Project,
    done_tasks: list[Task],
) -> None:
    contract = document_create(
        by=am,
        kind=DocumentKind.objects.get(code="contract"),
        client=project.client,
        title="Master services agreement",
        parties="Acme Retail Private Limited and Khata Agency",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
        notice_days=30,
        auto_renew=True,
        renewal_months=12,
        amount_minor=12_00_000_00,
    )
    document_file_add(
        document=contract,
        by=am,
        file=SimpleUploadedFile("msa-signed-by-agency.pdf", PDF),
        note="Our signature",
    )
    document_send(document=contract, by=am)
    act = document_create(
        by=am,
        kind=DocumentKind.objects.get(code="act"),
        client=project.client,
        title="Work done in December",
        project=project,
        period_start=dt.date(2026, 12, 1),
        period_end=dt.date(2026, 12, 31),
    )
    act_lines_from_project(document=act, by=am, task_ids=[task.pk for task in done_tasks])
    document_send(document=act, by=am)

    sign_in(page, email=contact_a.email, password=PASSWORD)
    page.goto("/portal/documents/")
    waiting = page.locator("#documents-waiting")
    expect(waiting.get_by_role("link", name="Read and sign")).to_be_visible()
    screenshot(page, "portal-documents-waiting", folder=SHOTS)

    # The contract: its terms and the agency's signed copy, then the contact's signature.
    waiting.get_by_role("link", name="Read and sign").click()
    expect(page.get_by_role("heading", name="Sign for your company")).to_be_visible()
    expect(page.get_by_text("Renews automatically for 12 months")).to_be_visible()
    expect(page.get_by_role("link", name="msa-signed-by-agency.pdf")).to_be_visible()
    screenshot(page, "portal-contract-waiting", folder=SHOTS)
    page.get_by_label("Your full name").fill("Priya K. Contact")
    page.get_by_label("I have read this document and I sign it").check()
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.locator("#document-status")).to_have_text("Signed")
    expect(page.locator("#answers").get_by_text("Priya K. Contact")).to_be_visible()

    # The act: a dispute needs a reason; with one, the act waits for the agency.
    page.goto(f"/portal/documents/{act.pk}/")
    page.locator("summary", has_text="Something is wrong?").click()
    page.get_by_role("button", name="Dispute").click()
    expect(page.get_by_text("Say what is wrong, so that the agency can put it right.")).to_be_visible()
    page.get_by_label("What is wrong").fill("The audit covered 9 pages, not 12.")
    page.get_by_role("button", name="Dispute").click()
    expect(page.locator("#document-status")).to_have_text("Disputed")
    expect(page.get_by_text("Your company disputed this document.")).to_be_visible()
    screenshot(page, "portal-act-disputed", folder=SHOTS)
    act.refresh_from_db()
    assert act.status == Document.Status.DISPUTED

    # The same page in Hindi, picked from the language switcher.
    page.get_by_label("Language", exact=True).select_option("hi")
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    with translation.override("hi"):
        disputed, kind = translation.gettext("Disputed"), translation.gettext("Act of completed work")
    expect(page.locator("#document-status")).to_have_text(disputed)
    expect(page.get_by_role("heading", name=f"{kind} {act.number}", level=1)).to_be_visible()
    screenshot(page, "portal-act-disputed-hi", folder=SHOTS)
