"""A task's page in a real Chromium: the specialist logs time, comments and attaches a file; the AM
sees the plan against the actual work; the client sees the progress and only the tasks shown to it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from khata.clients.models import Client
from khata.people.models import Specialty, User
from khata.plans.models import Approval
from khata.plans.services import (
    plan_approve,
    plan_item_add,
    plan_propose,
    plan_version_create,
    project_create,
)
from khata.plans.tests.conftest import approver_a
from khata.production.models import Task, TaskAttachment
from khata.production.services import task_assign, task_set_visibility, tasks_from_plan
from tests.browser.steps import BrowserLog, screenshot, sign_in, sign_out

__all__ = ["approver_a"]

pytestmark = pytest.mark.browser


def test_a_specialist_works_a_task_and_the_client_sees_the_progress(
    page: Page,
    browser_log: BrowserLog,
    tmp_path: Path,
    am: User,
    specialist: User,
    client_a: Client,
    contact_a: User,
    approver_a: User,
) -> None:
    seo = Specialty.objects.get(code="seo")
    project = project_create(client=client_a, by=am, name="Spring SEO push", services="seo")
    version = plan_version_create(project=project, by=am)
    start = timezone.localdate() - dt.timedelta(days=5)
    for n, (name, hours) in enumerate([("SEO audit", 10), ("Keyword map", 6), ("Landing page copy", 4)]):
        plan_item_add(
            version=version,
            by=am,
            deliverable=name,
            specialty=seo,
            estimate_minutes=hours * 60,
            due_date=start + dt.timedelta(days=3 * n),
            price_minor=10_000_00,
        )
    plan_propose(version=version, by=am)
    plan_approve(version=version, by=am, side=Approval.Side.COMPANY)
    plan_approve(version=version, by=approver_a, side=Approval.Side.CLIENT)
    version.refresh_from_db()
    tasks = {task.title: task for task in tasks_from_plan(version=version, by=am)}
    audit = task_assign(task=tasks["SEO audit"], specialist=specialist, by=am)
    task_set_visibility(task=audit, by=am, visible=True)

    # The specialist opens the task from "My tasks", starts it, logs time, comments and attaches a file.
    sign_in(page, email=specialist.email, password=PASSWORD)
    page.goto("/tasks/mine/")
    page.get_by_role("link", name="SEO audit").click()
    expect(page.get_by_role("heading", name="SEO audit", level=1)).to_be_visible()
    page.get_by_role("button", name="→ In progress").click()
    expect(page.locator(".page-header__meta .badge").first).to_have_text("In progress")
    page.locator("summary", has_text="Log time").click()
    page.get_by_label("Hours").fill("11")
    page.get_by_role("button", name="Log time").click()
    expect(page.get_by_text("11 of 10 h logged")).to_be_visible()
    page.get_by_role("textbox", name="Comment").fill("The crawl found 40 broken links.")
    page.get_by_role("button", name="Add the comment").click()
    expect(page.get_by_text("The crawl found 40 broken links.")).to_be_visible()
    good = tmp_path / "Audit findings.pdf"
    good.write_bytes(b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n")
    page.locator("#id_file").set_input_files(str(good))
    page.get_by_role("button", name="Attach").click()
    expect(page.get_by_role("link", name="Audit findings.pdf")).to_be_visible()
    renamed = tmp_path / "invoice.pdf"
    renamed.write_bytes(b"MZ\x90\x00" + b"\x00" * 64)
    page.locator("#id_file").set_input_files(str(renamed))
    page.get_by_role("button", name="Attach").click()
    expect(page.get_by_text("This file is not a PDF")).to_be_visible()
    assert TaskAttachment.objects.count() == 1
    screenshot(page, "task-page")
    sign_out(page)

    # The AM sees the plan against the actual work on the project page.
    Task.objects.filter(pk=tasks["Keyword map"].pk).update(due_date=start + dt.timedelta(days=9))
    sign_in(page, email=am.email, password=PASSWORD)
    page.goto(f"/projects/{project.pk}/")
    panel = page.locator("#panel-productionplan_vs_actual")
    expect(panel.get_by_role("heading", name="Plan against actual")).to_be_visible()
    expect(panel.get_by_text("+1", exact=True).first).to_be_visible()
    panel.screenshot(path="/tmp/khata-browser/plan-actual-panel.png")
    sign_out(page)

    # The client sees the progress and the one task shown to it, never the hidden ones.
    sign_in(page, email=contact_a.email, password=PASSWORD)
    page.goto(f"/portal/projects/{project.pk}/")
    expect(page.get_by_text("SEO audit")).to_be_visible()
    expect(page.get_by_text("Keyword map")).to_have_count(0)
    screenshot(page, "portal-progress")
    page.goto("/portal/projects/")
    expect(page.locator("progress")).to_have_count(1)
    screenshot(page, "portal-projects")
