"""The whole care story of issue 6 in a real Chromium, each step clicked as a person does it.

The client's contact files a claim in the portal with a screenshot and adds a second file while it is
open; the AM acknowledges the claim, finds the root cause, adds a corrective action and resolves it;
the contact confirms the fix; the closed claim's survey goes out through the scheduler's own job
(the only step not clicked); the contact answers it in the portal; and the AM and the head read the
answer and the claim on the analysis page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import FilePayload, Page, expect

from conftest import PASSWORD
from khata.care.models import Claim, Survey
from khata.care.survey_scheduling import CLAIM_JOB
from khata.core.scheduling import periodic_jobs, scheduler_pass
from khata.people.models import User
from khata.plans.services import project_create
from tests.browser.steps import screenshot, sign_in, sign_out

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/care-story")
TITLE = "Product pages load slowly"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f80f00000101000518d84e0000000049454e44ae426082"
)


def _png(name: str) -> list[FilePayload]:
    return [{"name": name, "mimeType": "image/png", "buffer": PNG}]


def _open_claim_as_staff(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Claims").click()
    page.get_by_role("row").filter(has_text=TITLE).get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()


def _status(page: Page) -> Any:
    return expect(page.locator(".page-header__meta .badge").first)


def _read_the_analysis(page: Page) -> None:
    """From the claims list to the analysis: the claim in the reason Pareto, the answer in CSAT."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Claims").click()
    page.get_by_role("navigation", name="Care").get_by_role("link", name="Analysis").click()
    expect(page.get_by_role("heading", name="Analysis of claims and scores", level=1)).to_be_visible()
    reasons = page.locator('table[data-table="reasons"] tbody tr')
    expect(reasons).to_have_count(1)
    expect(reasons.first.locator("td")).to_have_text(["Quality", "1", "100.0", "100.0"])
    causes = page.locator('table[data-table="root_causes"] tbody tr')
    expect(causes.first.locator("td").first).to_have_text("Quality")
    scores = page.locator('table[data-table="scores_clients"] tbody tr').filter(has_text="Acme Retail")
    # Client, NPS answers, NPS, CSAT answers, CSAT average.
    expect(scores.locator("td").nth(3)).to_have_text("1")
    expect(scores.locator("td").nth(4)).to_have_text("5.0")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-reasons'))")


def test_a_claim_from_the_portal_to_the_analysis(
    page: Page, live_server: Any, admin: User, am: User, specialist: User, contact_a: User
) -> None:
    page.set_default_navigation_timeout(30_000)
    client = contact_a.contact.client
    project_create(client=client, by=am, name="Website launch", services="SEO")

    # 1. The contact files the claim in the portal, with a screenshot.
    sign_in(page, email=contact_a.email, password=PASSWORD)
    page.get_by_role("link", name="Your claims").first.click()
    page.get_by_role("link", name="File a claim").click()
    page.get_by_label("In a few words").fill(TITLE)
    page.get_by_label("What went wrong").fill("Since Monday every product page takes ten seconds to open.")
    page.get_by_label("Kind of problem").select_option(label="Quality")
    page.get_by_label("How serious is it").select_option(label="High")
    page.get_by_label("Project").select_option(label="Website launch")
    page.get_by_label("Files").set_input_files(_png("slow-page.png"))
    page.get_by_role("button", name="Send the claim").click()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(page.locator("#claim-promise")).to_contain_text("We answer by")
    screenshot(page, "01-client-filed", folder=SHOTS)
    claim = Claim.objects.get()
    assert (claim.source, claim.severity, claim.status) == ("portal", "high", "new")
    sign_out(page)

    # 2. The AM finds it under Claims and acknowledges it.
    sign_in(page, email=am.email, password=PASSWORD)
    _open_claim_as_staff(page)
    expect(page.locator("#files")).to_contain_text("slow-page.png")
    page.locator("#next").get_by_label("Note").fill("Called Priya: we look into it today.")
    page.get_by_role("button", name="Acknowledge").click()
    _status(page).to_have_text("Acknowledged")
    screenshot(page, "02-am-acknowledged", folder=SHOTS)
    sign_out(page)

    # 3. While the claim is open, the contact adds a second file to it.
    sign_in(page, email=contact_a.email, password=PASSWORD)
    page.get_by_role("link", name="Your claims").first.click()
    page.locator("#claims-open .board-item").filter(has_text=TITLE).get_by_role("link").first.click()
    files = page.locator("#files")
    files.get_by_label("File").set_input_files(_png("timings.png"))
    files.get_by_role("button", name="Add the file").click()
    expect(page.get_by_text("File added: your account manager sees it on the claim.")).to_be_visible()
    expect(files).to_contain_text("timings.png")
    expect(page.locator("#progress")).to_contain_text("A file was added")
    screenshot(page, "03-client-added-a-file", folder=SHOTS)
    sign_out(page)

    # 4. The AM sees the file, starts work, sets the root cause, adds an action and resolves.
    sign_in(page, email=am.email, password=PASSWORD)
    _open_claim_as_staff(page)
    expect(page.locator("#files")).to_contain_text("timings.png")
    page.get_by_role("button", name="Start work").click()
    _status(page).to_have_text("In progress")
    page.get_by_text("Edit the analysis").click()
    analysis = page.locator("#analysis")
    analysis.get_by_label("Root cause").select_option(label="Quality")
    analysis.get_by_label("Responsible person").select_option(label=specialist.get_full_name())
    analysis.get_by_label("Preventive action").fill("Page timings are checked before each release.")
    analysis.get_by_role("button", name="Save the analysis").click()
    expect(page.locator("#analysis dl")).to_contain_text("Quality")
    page.get_by_text("Add a corrective action").click()
    page.get_by_label("What to do").fill("Cache the product images and watch the page timings weekly")
    page.get_by_label("Owner").select_option(label=specialist.get_full_name())
    page.get_by_role("button", name="Add the action").click()
    expect(page.locator("#actions-list")).to_contain_text("Cache the product images")
    page.locator("#next").get_by_label("What was done").fill(
        "Product images are cached now; pages open in under a second."
    )
    page.locator("#next").get_by_role("button", name="Resolve").click()
    _status(page).to_have_text("Resolved")
    screenshot(page, "04-am-resolved", folder=SHOTS)
    sign_out(page)

    # 5. The contact confirms the fix from the portal home.
    sign_in(page, email=contact_a.email, password=PASSWORD)
    page.get_by_role("link", name="Confirm the fix").first.click()
    expect(page.get_by_text("Product images are cached now")).to_be_visible()
    page.locator("#confirm-form").get_by_role("button", name="Confirm the fix").click()
    expect(page.locator("#claim-promise")).to_contain_text("Closed on")
    screenshot(page, "05-client-confirmed", folder=SHOTS)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.CLOSED and not claim.closed_automatically

    # 6. The scheduler's closed-claim job sends the survey (the product's own job and task).
    passed = scheduler_pass(jobs=[job for job in periodic_jobs() if job.name == CLAIM_JOB])
    assert passed.enqueued[CLAIM_JOB] == 1
    survey = Survey.objects.get(claim=claim)
    assert (survey.trigger, survey.kind, survey.contact.user) == ("claim_closed", "csat", contact_a)
    assert [message.to for message in mail.outbox if "survey" in message.subject.lower()] == [
        [contact_a.email]
    ]

    # 7. The contact answers it in the portal.
    page.get_by_role("link", name="Portal").click()
    surveys = page.locator("section").filter(has_text="Surveys waiting for you")
    surveys.get_by_role("link", name="Answer").first.click()
    page.locator("label.survey-scale__option", has_text="5").click()
    page.get_by_label("Why did you give this score?").fill("Fixed the same week, and we were told each step.")
    screenshot(page, "06-client-answers", folder=SHOTS)
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_text("Your answer has been recorded")).to_be_visible()
    survey.refresh_from_db()
    assert survey.answered_at is not None
    sign_out(page)

    # 8. The AM finds the answer among the surveys; the AM and the head read it and the claim on the
    # analysis page.
    sign_in(page, email=am.email, password=PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Claims").click()
    page.get_by_role("navigation", name="Care").get_by_role("link", name="Surveys").click()
    answered = page.get_by_role("row").filter(has_text="Priya Contact")
    expect(answered).to_contain_text("Acme Retail")
    expect(answered).to_contain_text("5")
    screenshot(page, "07-am-surveys", folder=SHOTS)
    _read_the_analysis(page)
    screenshot(page, "08-am-analysis", folder=SHOTS)
    sign_out(page)
    sign_in(page, email=admin.email, password=PASSWORD)
    _read_the_analysis(page)
    screenshot(page, "09-head-analysis", folder=SHOTS)
