"""Documents in a real Chromium: the AM drafts a contract (the kind redraws the form), sends it and
records the client's signature on paper; builds an act from the project's done tasks, sends it and
records its acceptance; the head sees the next number of a format as it is typed."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from khata.clients.models import Client
from khata.documents.models import Document
from khata.documents.tests.conftest import act, agreed, approver_a, copy, done_tasks, kinds, project, seo
from khata.people.models import User
from khata.production.models import Task
from tests.browser.steps import screenshot, sign_in, sign_out

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/desk")
__all__ = ["act", "agreed", "approver_a", "copy", "done_tasks", "kinds", "project", "seo"]


def test_the_am_drafts_sends_and_records_a_contract_and_an_act(
    page: Page,
    admin: User,
    am: User,
    client_a: Client,
    act: Document,
    done_tasks: list[Task],
) -> None:
    page.set_default_navigation_timeout(30_000)
    sign_in(page, email=am.email, password=PASSWORD)

    # A new contract: choosing the kind redraws the form with the contract's fields.
    page.goto(f"/documents/new/?client={client_a.pk}&kind=act")
    expect(page.get_by_label("Period from")).to_be_visible()
    page.get_by_label("Kind").select_option(label="Contract")
    expect(page.get_by_label("Parties")).to_be_visible()
    expect(page.get_by_label("Period from")).to_have_count(0)
    page.get_by_label("Title").fill("Retainer 2027")
    page.get_by_label("Parties").fill("Acme Retail Private Limited and the agency")
    page.get_by_label("Start date").fill("2027-01-01")
    page.get_by_label("End date").fill("2027-12-31")
    page.get_by_label("Notice period (days)").fill("30")
    page.get_by_label("Value").fill("1200000")
    screenshot(page, "new-document-form", folder=SHOTS)
    page.get_by_role("button", name="Create the draft").click()
    expect(page.get_by_text("Draft — no number yet").first).to_be_visible()
    page.get_by_role("button", name="Register and send").click()
    contract = Document.objects.get(title="Retainer 2027")
    expect(page.get_by_text(contract.number).first).to_be_visible()
    screenshot(page, "sent-contract", folder=SHOTS)
    page.get_by_text("Record a signature on paper").click()
    page.get_by_label("Signed by").fill("R. Mehta")
    page.get_by_role("button", name="Record", exact=True).click()
    expect(page.get_by_role("cell", name="On paper")).to_be_visible()
    expect(page.get_by_role("button", name="Put in force")).to_be_visible()

    # The act: its builder lists the project's done tasks, ticked.
    page.goto(f"/documents/{act.pk}/")
    expect(page.get_by_text("Add done work from the project")).to_be_visible()
    screenshot(page, "draft-act-builder", folder=SHOTS)
    page.get_by_role("button", name="Add the chosen work").click()
    expect(page.get_by_text("The chosen work is on the act.")).to_be_visible()
    expect(page.locator("#lines tbody tr")).to_have_count(len(done_tasks))
    page.get_by_role("button", name="Register and send").click()
    page.get_by_text("Record an acceptance on paper").click()
    page.get_by_label("Signed by").fill("R. Mehta")
    page.get_by_role("button", name="Record", exact=True).click()
    expect(page.get_by_text("Accepted").first).to_be_visible()
    screenshot(page, "accepted-act", folder=SHOTS)
    sign_out(page)

    # The head types a number format and sees the next number it gives.
    sign_in(page, email=admin.email, password=PASSWORD)
    page.goto("/documents/kinds/")
    page.get_by_label("Series").fill("SLA")
    page.get_by_label("Number format").fill("SLA/{yy}/{seq:03}")
    expect(page.locator("#number-example")).to_contain_text("SLA/")
    screenshot(page, "kinds-editor", folder=SHOTS)
