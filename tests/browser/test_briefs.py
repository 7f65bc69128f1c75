"""Briefs in a real Chromium: the head adds a question to a template, the AM sends the brief from the
project page, the client answers in two sittings (a wrong number is refused), attaches a file and
hands it in; the AM reads the answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from khata.clients.models import Client
from khata.people.models import User
from khata.plans.services import project_create
from khata.production.models import Brief, BriefTemplate
from tests.browser.steps import screenshot, sign_in, sign_out

pytestmark = pytest.mark.browser


def test_a_brief_is_sent_answered_in_parts_and_handed_in(
    page: Page,
    tmp_path: Path,
    admin: User,
    am: User,
    client_a: Client,
    contact_a: User,
    brief_defaults: None,
) -> None:
    # The first page of a live server can be slow on a busy machine; steps keep the short timeout.
    page.set_default_navigation_timeout(30_000)
    project = project_create(client=client_a, by=am, name="Autumn copy", services="copywriting")
    template = BriefTemplate.objects.get(service="copywriting")

    # The head adds a required question to the copywriting template.
    sign_in(page, email=admin.email, password=PASSWORD)
    page.goto("/briefs/templates/")
    screenshot(page, "briefs-templates")
    page.get_by_role("link", name=template.name).click()
    page.get_by_role("textbox", name="Question").fill("Deadline for the first draft")
    page.get_by_role("checkbox", name="Required").check()
    page.get_by_role("button", name="Add the question").click()
    expect(page.get_by_text("Deadline for the first draft")).to_be_visible()
    screenshot(page, "briefs-template-editor")
    sign_out(page)

    # The AM sends the brief from the project page.
    sign_in(page, email=am.email, password=PASSWORD)
    page.goto(f"/projects/{project.pk}/")
    page.locator("#panel-productionbriefs").get_by_role("link", name="Send a brief").click()
    page.get_by_label("Brief template").select_option(label=f"{template.name} (Copywriting)")
    screenshot(page, "briefs-send")
    page.get_by_role("button", name="Send the brief").click()
    expect(page.get_by_text("Not answered yet").first).to_be_visible()
    sign_out(page)

    # The client answers part of it, makes a mistake, comes back and hands it in.
    sign_in(page, email=contact_a.email, password=PASSWORD)
    page.goto("/portal/")
    page.get_by_role("link", name="Answer the brief").first.click()
    page.get_by_label("What is the text for").fill("The new landing page for winter sales")
    page.get_by_label("Approximate length in words").fill("about a thousand")
    page.get_by_role("button", name="Save answers").click()
    expect(page.get_by_text("Enter a number.")).to_be_visible()
    screenshot(page, "briefs-portal-error")
    page.get_by_label("Approximate length in words").fill("1000")
    page.get_by_role("button", name="Save answers").click()
    expect(page.get_by_text("Your answers are saved.")).to_be_visible()
    expect(page.get_by_role("button", name="Submit the brief")).to_have_count(0)
    page.goto("/portal/")
    page.get_by_role("link", name="Answer the brief").first.click()
    expect(page.get_by_label("What is the text for")).to_have_value("The new landing page for winter sales")
    page.get_by_label("Who is the reader?").fill("Parents buying school supplies")
    page.get_by_label("Deadline for the first draft").fill("Friday")
    guide = tmp_path / "brand-guide.pdf"
    guide.write_bytes(b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n")
    page.get_by_label("Brand guidelines (a file)").set_input_files(str(guide))
    page.get_by_role("button", name="Save answers").click()
    expect(page.get_by_role("link", name="Download the file you attached")).to_be_visible()
    screenshot(page, "briefs-portal-answering")
    page.get_by_role("button", name="Submit the brief").click()
    expect(page.get_by_text("the brief is handed in")).to_be_visible()
    assert Brief.objects.get().status == Brief.Status.ANSWERED
    sign_out(page)

    # The AM reads the answers and downloads the file.
    sign_in(page, email=am.email, password=PASSWORD)
    page.goto(f"/projects/{project.pk}/")
    panel = page.locator("#panel-productionbriefs")
    expect(panel.get_by_text("Answered")).to_be_visible()
    panel.screenshot(path="/tmp/khata-browser/briefs-project-panel.png")
    panel.get_by_role("link", name=template.name).click()
    expect(page.get_by_text("Parents buying school supplies")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the file").click()
    assert download.value.suggested_filename.endswith(".pdf")
    screenshot(page, "briefs-staff-detail")
