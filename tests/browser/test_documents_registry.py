"""The registers of documents in a real Chromium: the AM narrows the registry with its filters, reads
the unsigned acts with their totals per currency, and resolves a disputed act from the Today board."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from khata.clients.models import Client
from khata.documents.models import Document
from khata.documents.services import act_lines_from_project, document_dispute, document_send
from khata.documents.tests.conftest import (
    act,
    agreed,
    approver_a,
    contract,
    copy,
    done_tasks,
    kinds,
    project,
    seo,
)
from khata.documents.tests.test_registry import planted
from khata.people.models import User
from khata.plans.models import Project
from khata.production.models import Task
from tests.browser.steps import screenshot, sign_in

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/registry")
__all__ = ["act", "agreed", "approver_a", "contract", "copy", "done_tasks", "kinds", "project", "seo"]


def test_the_am_filters_the_registry_and_resolves_a_disputed_act_from_today(
    page: Page,
    am: User,
    approver_a: User,
    client_a: Client,
    project: Project,
    act: Document,
    contract: Document,
    done_tasks: list[Task],
) -> None:
    page.set_default_navigation_timeout(30_000)
    act_lines_from_project(document=act, by=am, task_ids=[t.pk for t in done_tasks])
    document_send(document=act, by=am)
    document_dispute(document=act, by=approver_a, reason="The audit covered 9 pages, not 12.", name="Anita")
    for index in range(6):
        planted(
            client_a, project=project, sent_days_ago=9 + index * 5, title=f"Work done in month {index + 1}"
        )
    planted(
        client_a, code="report", status=Document.Status.ACTIVE, project=project, title="Quarterly SEO report"
    )
    ending = planted(client_a, code="contract", status=Document.Status.ACTIVE, title="Hosting and support")
    Document.objects.filter(pk=ending.pk).update(
        end_date=timezone.localdate() + dt.timedelta(days=40), notice_days=30, amount_minor=3_60_000_00
    )
    sign_in(page, email=am.email, password=PASSWORD)

    # The registry: everything, then the client's sent acts.
    page.goto("/documents/")
    expect(page.get_by_role("link", name="Work done in December")).to_be_visible()
    page.get_by_label("Client").select_option(label="Acme Retail")
    page.get_by_role("button", name="Filter").click()
    page.get_by_label("Status").select_option(label="Sent")
    page.get_by_label("Project").select_option(label="Spring SEO push")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name="Quarterly SEO report")).to_have_count(0)
    expect(page.get_by_role("link", name="Work done in month 1")).to_be_visible()
    screenshot(page, "registry-filtered", folder=SHOTS)

    # A date that is not one.
    page.goto("/documents/?date_from=abc")
    expect(page.get_by_text("Give the date as YYYY-MM-DD")).to_be_visible()
    screenshot(page, "registry-bad-filter", folder=SHOTS)

    page.get_by_role("link", name="Unsigned acts").click()
    expect(page.get_by_text("7 acts in INR")).to_be_visible()
    screenshot(page, "unsigned-acts", folder=SHOTS)

    page.get_by_role("link", name="Contracts coming up").click()
    page.get_by_role("link", name="60 days").click()
    expect(page.get_by_text("Hosting and support").first).to_be_visible()
    screenshot(page, "contracts", folder=SHOTS)

    # Today: the disputed act, one click from its page's next step.
    page.goto("/")
    card = page.locator("#card-documentsdisputed_acts")
    expect(card.get_by_text("The audit covered 9 pages, not 12.")).to_be_visible()
    screenshot(page, "today", folder=SHOTS)
    card.get_by_role("link", name="Resolve").click()
    expect(page).to_have_url(f"/documents/{act.pk}/#actions")

    page.goto(f"/clients/{client_a.pk}/")
    expect(page.locator("#panel-documentsclient")).to_be_visible()
    screenshot(page, "client-page", folder=SHOTS)
    page.goto(f"/projects/{project.pk}/")
    expect(page.locator("#panel-documentsproject").get_by_role("link", name="New act")).to_be_visible()
    screenshot(page, "project-page", folder=SHOTS)
