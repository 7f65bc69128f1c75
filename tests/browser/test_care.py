"""A claim worked in a real Chromium: the AM records it after a call, finds it on the claims list
with its SLA clock, acknowledges it, starts work, adds a corrective action, and resolves it with the
root cause."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from khata.care.models import Claim
from khata.clients.models import Client
from khata.people.models import User
from tests.browser.steps import screenshot, sign_in

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/care")


@pytest.fixture
def care_defaults(transactional_db: Any) -> None:
    """The reasons, root causes and SLA policies of a fresh installation (a live-server test flushes them)."""
    importlib.import_module("khata.care.migrations.0002_defaults").create_defaults(apps, None)


def test_the_am_works_a_claim_to_its_resolution(
    page: Page, live_server: Any, care_defaults: None, am: User, specialist: User, client_a: Client
) -> None:
    page.set_default_navigation_timeout(30_000)
    sign_in(page, email=am.email, password=PASSWORD)
    page.goto("/care/")
    page.get_by_role("link", name="Record a claim").click()
    page.get_by_label("Client", exact=False).first.select_option(label="Acme Retail")
    page.get_by_label("Reason").select_option(label="Deadline")
    page.get_by_label("Severity").select_option(label="High")
    page.get_by_label("Title").fill("The SEO audit came a week late")
    page.get_by_label("What the client says").fill(
        "We were promised the audit on Friday; it arrived the next Friday."
    )
    screenshot(page, "new", folder=SHOTS)
    page.get_by_role("button", name="Record the claim").click()
    expect(page.get_by_role("heading", name="The SEO audit came a week late", level=1)).to_be_visible()
    claim = Claim.objects.get()

    page.get_by_role("link", name="Claims", exact=True).first.click()
    row = page.get_by_role("row").filter(has_text="The SEO audit came a week late")
    expect(row).to_contain_text("Acme Retail")
    expect(row).to_contain_text("working hours left")
    screenshot(page, "list", folder=SHOTS)

    row.get_by_role("link", name="The SEO audit came a week late").click()
    expect(page.get_by_role("heading", name="The SEO audit came a week late", level=1)).to_be_visible()
    page.locator("#next").get_by_label("Note").fill("Called the client: we look into it today.")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".page-header__meta .badge").first).to_have_text("Acknowledged")
    page.get_by_role("button", name="Start work").click()
    expect(page.locator(".page-header__meta .badge").first).to_have_text("In progress")

    page.get_by_text("Add a corrective action").click()
    page.get_by_label("What to do").fill("Plan the audit with a two-day buffer")
    page.get_by_label("Owner").select_option(label=specialist.get_full_name())
    page.get_by_role("button", name="Add the action").click()
    expect(page.locator("#actions-list")).to_contain_text("Plan the audit with a two-day buffer")

    next_step = page.locator("#next")
    next_step.get_by_label("What was done").fill(
        "The audit is delivered; the next one is planned with a buffer."
    )
    next_step.get_by_label("Root cause").select_option(label="Process")
    next_step.get_by_role("button", name="Resolve").click()
    expect(page.locator(".page-header__meta .badge").first).to_have_text("Resolved")
    screenshot(page, "detail", folder=SHOTS)
    claim.refresh_from_db()
    assert claim.status == "resolved" and claim.root_cause is not None and claim.root_cause.code == "process"
