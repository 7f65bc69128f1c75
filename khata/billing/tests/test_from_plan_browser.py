"""In a real Chromium: finance drafts an invoice from a project's agreed plan items, finding the page
from the project's invoices panel; an accepted act's page offers to invoice it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from khata.billing.models import Invoice
from khata.billing.services import invoice_from_plan_items, invoice_issue
from khata.documents.models import Document
from khata.people.models import User
from khata.plans.models import PlanItem, PlanVersion, Project
from tests.browser.steps import screenshot, sign_in

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
SHOTS = Path("/tmp/shots/billing-gaps")


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any], live_server: Any) -> dict[str, Any]:
    return {**browser_context_args, "base_url": live_server.url, "locale": "en-GB"}


@pytest.fixture
def on_live(page: Page) -> Page:
    page.set_default_timeout(30_000)
    page.set_viewport_size({"width": 1280, "height": 900})
    return page


def test_finance_drafts_an_invoice_from_the_agreed_plan(
    on_live: Page, finance: User, project: Project, agreed: PlanVersion
) -> None:
    page = on_live
    PlanItem.objects.create(version=agreed, deliverable="Monthly SEO report", price_minor=12_500_00)
    first = agreed.items.order_by("id").first()
    assert first is not None
    invoice_issue(
        invoice=invoice_from_plan_items(by=finance, project=project, plan_item_ids=[first.pk]), by=finance
    )
    sign_in(page, email=finance.email, password=PASSWORD)
    page.goto(f"/projects/{project.pk}/")
    page.get_by_role("link", name="Invoice agreed plan items").click()
    expect(page.get_by_role("heading", name="Invoice agreed plan items")).to_be_visible()
    expect(page.get_by_text("on invoice INV/")).to_be_visible()
    page.get_by_label("Landing page copy").check()
    page.get_by_label("Monthly SEO report").check()
    screenshot(page, "from-plan", folder=SHOTS)
    page.get_by_role("button", name="Draft the invoice").click()
    expect(page.get_by_text("The draft bills the chosen plan items")).to_be_visible()
    draft = Invoice.objects.filter(status=Invoice.Status.DRAFT).get()
    assert draft.total_minor == (30_000_00 + 12_500_00) * 118 // 100
    screenshot(page, "from-plan-draft", folder=SHOTS)
    page.goto("/billing/")
    screenshot(page, "invoice-list-tabs", folder=SHOTS)


def test_an_accepted_act_is_invoiced_from_its_page(
    on_live: Page, finance: User, accepted_act: Document
) -> None:
    page = on_live
    sign_in(page, email=finance.email, password=PASSWORD)
    page.goto(f"/documents/{accepted_act.pk}/")
    screenshot(page, "act-invoice-button", folder=SHOTS)
    page.get_by_role("link", name="Invoice this act").click()
    expect(page.get_by_label(accepted_act.number)).to_be_checked()
    page.get_by_role("button", name="Draft the invoice").click()
    expect(page.get_by_text("The draft bills the chosen acts")).to_be_visible()
    page.goto(f"/documents/{accepted_act.pk}/")
    page.get_by_role("link", name="Invoice this act").click()
    expect(page.get_by_text("This act is already on a draft invoice.")).to_be_visible()
    screenshot(page, "act-already-billed", folder=SHOTS)
