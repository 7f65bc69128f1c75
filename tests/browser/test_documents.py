"""An act from end to end in a real Chromium: the AM drafts it, builds it from the project's done tasks
and sends it; the client's contact is emailed, finds it waiting on the portal home and accepts it;
the AM sees the act accepted, with the client's answer on its history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from khata.documents.models import Document
from khata.documents.tests.conftest import agreed, approver_a, copy, done_tasks, kinds, project, seo
from khata.people.models import User
from khata.plans.models import Project
from khata.production.models import Task
from tests.browser.steps import screenshot, sign_in, sign_out

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/portal")
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
