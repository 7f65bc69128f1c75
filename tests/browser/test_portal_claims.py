"""A claim filed by the client in a real Chromium: the contact files it in the portal with a file,
finds it on its claims page with the date the agency answers by, the agency fixes it, and the contact
confirms the fix; the three pages are kept in English and in Hindi."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.utils import translation
from playwright.sync_api import FilePayload, Page, expect

from conftest import PASSWORD
from khata.care.models import Claim, RootCause
from khata.care.services import claim_acknowledge, claim_resolve, claim_start, corrective_action_add
from khata.clients.models import Client
from khata.people.models import User
from khata.plans.services import project_create
from tests.browser.steps import screenshot, sign_in

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/portal-claims")
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f80f00000101000518d84e0000000049454e44ae426082"
)


@pytest.fixture
def care_defaults(transactional_db: Any) -> None:
    """The reasons, root causes and SLA policies of a fresh installation (a live-server test flushes them)."""
    importlib.import_module("khata.care.migrations.0002_defaults").create_defaults(apps, None)


def test_the_client_files_a_claim_and_confirms_the_fix(
    page: Page, live_server: Any, care_defaults: None, am: User, contact_a: User, client_a: Client
) -> None:
    page.set_default_navigation_timeout(30_000)
    project_create(client=client_a, by=am, name="Website launch", services="SEO")
    sign_in(page, email=contact_a.email, password=PASSWORD)
    page.goto("/portal/")
    page.get_by_role("link", name="Your claims").first.click()
    page.get_by_role("link", name="File a claim").click()
    page.get_by_label("In a few words").fill("Product pages load slowly")
    page.get_by_label("What went wrong").fill("Since Monday every product page takes ten seconds to open.")
    page.get_by_label("Kind of problem").select_option(label="Quality")
    page.get_by_label("How serious is it").select_option(label="High")
    page.get_by_label("Project").select_option(label="Website launch")
    files: list[FilePayload] = [{"name": "slow-page.png", "mimeType": "image/png", "buffer": PNG}]
    page.get_by_label("Files").set_input_files(files)
    screenshot(page, "new", folder=SHOTS)
    page.get_by_role("button", name="Send the claim").click()
    expect(page.get_by_role("heading", name="Product pages load slowly", level=1)).to_be_visible()
    expect(page.locator("#claim-promise")).to_contain_text("We answer by")
    claim = Claim.objects.get()
    assert claim.project is not None
    assert (claim.source, claim.severity, claim.project.name) == ("portal", "high", "Website launch")

    # The agency works the claim and resolves it.
    claim = claim_start(claim=claim_acknowledge(claim=claim, by=am), by=am)
    corrective_action_add(claim=claim, by=am, description="Cache the product images")
    claim_resolve(
        claim=claim,
        by=am,
        resolution="Product images are cached now; pages open in under a second.",
        root_cause=RootCause.objects.get(code="quality"),
    )

    page.get_by_role("link", name="Your claims").click()
    row = page.locator("#claims-open .board-item").filter(has_text="Product pages load slowly")
    expect(row).to_contain_text("Fixed: please tell us whether it works")
    screenshot(page, "list", folder=SHOTS)
    row.get_by_role("link", name="Confirm the fix").click()
    expect(page.get_by_text("Product images are cached now")).to_be_visible()
    screenshot(page, "detail", folder=SHOTS)

    # The same pages in Hindi, picked from the language switcher.
    page.get_by_label("Language", exact=True).select_option("hi")
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    with translation.override("hi"):
        confirm = translation.gettext("Confirm the fix")
    screenshot(page, "detail-hi", folder=SHOTS)
    page.goto("/portal/claims/")
    screenshot(page, "list-hi", folder=SHOTS)
    page.goto("/portal/claims/new/")
    screenshot(page, "new-hi", folder=SHOTS)
    page.goto(f"/portal/claims/{claim.pk}/")
    page.get_by_role("button", name=confirm).click()
    page.locator("#lang-switch-select").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#claim-promise")).to_contain_text("Closed on")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.CLOSED
