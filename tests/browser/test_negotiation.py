"""The whole negotiation of a work plan in a real Chromium, and the production it starts.

The account manager proposes a plan; the client's approver accepts one item, counters one and
rejects one in the portal; the AM answers with a new version; both sides approve it; its items
become tasks on the specialist's board; the specialist finishes one; the client sees the project
move in the portal. Only what a person would not click is set up through services: the people,
the client, its approver and the project. Everything else is typed and clicked, and the database
and the timeline are checked at the key steps.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from conftest import PASSWORD
from khata.clients.models import Client, Contact
from khata.clients.services import contact_create
from khata.core.models import Event
from khata.people.models import User
from khata.plans.models import Approval, ItemDecision, PlanItem, PlanVersion, Project
from khata.plans.services import plan_item_add, plan_propose, plan_version_create, project_create
from khata.production.models import Task
from tests.browser.steps import screenshot, sign_in, sign_out

pytestmark = pytest.mark.browser

# Where this story leaves its screenshots of the key pages.
SHOTS = Path("/tmp/shots")

AUDIT = "Technical SEO audit"
KEYWORDS = "Keyword research"
OUTREACH = "Backlink outreach"


def shot(page: Page, name: str) -> None:
    screenshot(page, f"negotiation-{name}", folder=SHOTS)


def _approver(client: Client) -> User:
    """The client's contact who speaks for its plans, with a password to sign in to the portal."""
    contact = contact_create(
        client=client,
        by=client.owner,
        full_name="Anita Approver",
        email="anita@acme.test",
        role=Contact.Role.APPROVER,
        portal_access=True,
    )
    user = contact.user
    assert user is not None
    user.set_password(PASSWORD)
    user.save()
    return user


def _add_item(
    page: Page, *, deliverable: str, specialty: str | None, hours: str, due: dt.date | None, price: str
) -> None:
    page.get_by_role("link", name="Add item").click()
    expect(page.get_by_role("heading", name="Add item", level=1)).to_be_visible()
    page.get_by_label("Deliverable").fill(deliverable)
    if specialty:
        page.get_by_label("Specialty").select_option(label=specialty)
    page.get_by_label("Estimate, hours").fill(hours)
    if due:
        page.get_by_label("Due date").fill(due.isoformat())
    page.get_by_label("Price").fill(price)
    page.get_by_role("button", name="Add item").click()
    expect(page.get_by_text("Item added.")).to_be_visible()


def _plan_row(page: Page, deliverable: str) -> Locator:
    return page.get_by_role("row").filter(has_text=deliverable)


def _portal_item(page: Page, deliverable: str) -> Locator:
    return page.get_by_role("listitem").filter(has=page.get_by_text(deliverable, exact=True))


def _answer(page: Page, deliverable: str, answer: str, outcome: str, **fields: str) -> None:
    """The approver opens an item's answer form, picks an answer, fills what it asks and saves it."""
    item = _portal_item(page, deliverable)
    if not item.get_by_role("button", name="Save answer").is_visible():
        item.get_by_text("Answer", exact=True).click()
    item.get_by_label(answer).check()
    for label, value in fields.items():
        item.get_by_label(label, exact=True).fill(value)
    item.get_by_role("button", name="Save answer").click()
    # The page comes back with the answer beside the item, its form folded away.
    expect(item.get_by_text(outcome, exact=True)).to_be_visible()
    expect(item.get_by_text("Change your answer", exact=True)).to_be_visible()


def test_a_plan_is_negotiated_agreed_and_worked_on_until_the_client_sees_progress(
    page: Page, am: User, specialist: User, client_a: Client
) -> None:
    today = timezone.localdate()
    audit_due, keywords_due = today + dt.timedelta(days=14), today + dt.timedelta(days=21)
    approver = _approver(client_a)
    project = project_create(
        client=client_a, by=am, name="Festive season SEO", services="SEO", stage=Project.Stage.PLANNING
    )

    # The AM drafts the plan: three items through the item form, then proposes it.
    sign_in(page, email=am.email, password=PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects").click()
    page.get_by_role("link", name="Festive season SEO").click()
    expect(page.get_by_role("heading", name="Festive season SEO", level=1)).to_be_visible()
    page.get_by_role("button", name="Start the plan").click()
    expect(page.get_by_text("Draft version 1 started.")).to_be_visible()
    _add_item(page, deliverable=AUDIT, specialty="SEO", hours="16", due=audit_due, price="40000")
    _add_item(page, deliverable=KEYWORDS, specialty="SEO", hours="8", due=keywords_due, price="20000")
    _add_item(page, deliverable=OUTREACH, specialty=None, hours="20", due=None, price="50000")
    expect(_plan_row(page, KEYWORDS)).to_contain_text("₹20,000.00")
    shot(page, "01-draft")
    page.get_by_role("button", name="Propose to the client").click()
    expect(page.get_by_text("Version 1 proposed to the client.")).to_be_visible()
    first = PlanVersion.objects.get(project=project, number=1)
    assert first.status == PlanVersion.Status.PROPOSED
    assert first.items.count() == 3
    sign_out(page)

    # The client's approver finds the plan waiting on the portal home and answers each item.
    sign_in(page, email=approver.email, password=PASSWORD)
    expect(page).to_have_url(re.compile(r"/portal/$"))
    waiting = page.locator("#section-plans")
    expect(waiting).to_contain_text("Festive season SEO")
    expect(waiting).to_contain_text("Work plan, version 1")
    waiting.get_by_role("link", name="Review the plan").click()
    expect(page.get_by_role("heading", name="Work plan, version 1", level=1)).to_be_visible()
    _answer(page, AUDIT, "Accept", "Accepted")
    # A counter without a word of why is refused beside the comment field, and nothing is saved.
    keywords = _portal_item(page, KEYWORDS)
    keywords.get_by_text("Answer", exact=True).click()
    keywords.get_by_label("Counter: propose a change").check()
    keywords.get_by_label("Proposed price").fill("15000")
    keywords.get_by_role("button", name="Save answer").click()
    comment = keywords.locator(".field--error").filter(has=page.get_by_label("Comment", exact=True))
    expect(comment).to_contain_text("A counter needs a comment.")
    expect(keywords.get_by_label("Proposed price")).to_have_value("15000")
    shot(page, "02-portal-counter-refused")
    assert not ItemDecision.objects.filter(item__version=first, item__deliverable=KEYWORDS).exists()
    _answer(
        page,
        KEYWORDS,
        "Counter: propose a change",
        "Countered",
        Comment="Our budget for research is 15,000.",
        **{"Proposed price": "15000"},
    )
    _answer(page, OUTREACH, "Reject", "Rejected", Comment="We do outreach ourselves.")
    expect(page.get_by_text("Your answer is saved.")).to_be_visible()
    expect(_portal_item(page, AUDIT)).to_contain_text("Accepted")
    expect(_portal_item(page, KEYWORDS)).to_contain_text("₹15,000.00")
    expect(_portal_item(page, KEYWORDS)).to_contain_text("Our budget for research is 15,000.")
    shot(page, "03-portal-answers")
    answers = {
        item.deliverable: item.decisions.get()
        for item in PlanItem.objects.filter(version=first).prefetch_related("decisions")
    }
    assert answers[AUDIT].decision == ItemDecision.Decision.ACCEPT
    assert answers[KEYWORDS].decision == ItemDecision.Decision.COUNTER
    assert answers[KEYWORDS].proposed_price_minor == 15_000_00
    assert answers[OUTREACH].decision == ItemDecision.Decision.REJECT
    sign_out(page)

    # The AM sees the answers, starts version 2 from version 1, meets the counter, drops the rejected item.
    sign_in(page, email=am.email, password=PASSWORD)
    waiting = page.locator("#card-planswaiting_for_you")
    expect(waiting.get_by_role("listitem").filter(has_text="Festive season SEO")).to_contain_text("Version 1")
    shot(page, "03b-today-board")
    waiting.get_by_role("link", name="Festive season SEO").click()
    expect(_plan_row(page, AUDIT)).to_contain_text("Accepted")
    expect(_plan_row(page, KEYWORDS)).to_contain_text("Countered")
    expect(_plan_row(page, KEYWORDS)).to_contain_text("Our budget for research is 15,000.")
    expect(_plan_row(page, OUTREACH)).to_contain_text("Rejected")
    shot(page, "04-am-sees-answers")
    page.get_by_role("button", name="Start a draft from the latest version").click()
    expect(page.get_by_text("Draft version 2 started.")).to_be_visible()
    _plan_row(page, KEYWORDS).get_by_role("link", name="Edit").click()
    expect(page.get_by_label("Price")).to_have_value("20000.00")
    page.get_by_label("Price").fill("15000")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Item saved.")).to_be_visible()
    _plan_row(page, OUTREACH).get_by_role("button", name="Remove").click()
    expect(page.get_by_text("Item removed.")).to_be_visible()
    expect(_plan_row(page, OUTREACH)).to_have_count(0)
    page.get_by_role("button", name="Propose to the client").click()
    expect(page.get_by_text("Version 2 proposed to the client.")).to_be_visible()
    first.refresh_from_db()
    second = PlanVersion.objects.get(project=project, number=2)
    assert (first.status, second.status) == (PlanVersion.Status.SUPERSEDED, PlanVersion.Status.PROPOSED)
    assert second.based_on == first
    assert sorted(second.items.values_list("deliverable", "price_minor")) == [
        (KEYWORDS, 15_000_00),
        (AUDIT, 40_000_00),
    ]
    sign_out(page)

    # The approver sees what changed, with the old and new values, and approves version 2.
    sign_in(page, email=approver.email, password=PASSWORD)
    page.get_by_role("link", name="Your projects").click()
    page.get_by_role("link", name="Festive season SEO").click()
    page.get_by_role("link", name="Version 2").click()
    changes = page.get_by_role("region", name="Changes since version 1")
    expect(changes).to_contain_text("Changed")
    expect(changes.get_by_role("listitem").filter(has_text=KEYWORDS)).to_contain_text(
        re.compile(r"price\s+₹20,000\.00\s+→\s+₹15,000\.00", re.IGNORECASE)
    )
    expect(changes.get_by_role("listitem").filter(has_text=OUTREACH)).to_contain_text("Removed")
    shot(page, "05-portal-diff")
    page.get_by_role("button", name="Approve this plan").click()
    expect(page.get_by_text("You approved this plan for your company.")).to_be_visible()
    second.refresh_from_db()
    assert second.status == PlanVersion.Status.PROPOSED
    assert list(second.approvals.values_list("side", "by")) == [(Approval.Side.CLIENT, approver.pk)]
    sign_out(page)

    # The AM approves for the company: the plan is agreed by both sides.
    sign_in(page, email=am.email, password=PASSWORD)
    waiting = page.locator("#card-planswaiting_for_you").get_by_role("listitem").filter(has_text="Festive")
    expect(waiting).to_contain_text("Version 2")
    expect(waiting).to_contain_text("Approved by the client")
    waiting.get_by_role("link", name="Open").click()
    page.get_by_role("button", name="Approve for the company").click()
    expect(page.get_by_text("Version 2 approved for the company.")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Work plan"))).to_contain_text("Agreed")
    second.refresh_from_db()
    assert second.status == PlanVersion.Status.AGREED
    assert sorted(second.approvals.values_list("side", flat=True)) == ["client", "company"]
    shot(page, "06-agreed")

    # Production starts: the AM moves the project on.
    page.get_by_label("New stage").select_option(label="Production")
    page.get_by_role("button", name="Move the project").click()
    expect(page.get_by_text("The project moved to Production.")).to_be_visible()
    project.refresh_from_db()
    assert project.stage == Project.Stage.PRODUCTION

    # Its items become tasks; the AM gives each to the suggested specialist and shows one to the client.
    page.get_by_role("region", name="Plan against actual").get_by_role("link", name="Open").click()
    expect(page.get_by_role("heading", name="Tasks of Festive season SEO", level=1)).to_be_visible()
    page.get_by_role("button", name="Create tasks from the agreed plan").click()
    expect(page.get_by_text("Tasks created: 2")).to_be_visible()
    board = page.locator("#board")
    for title in (AUDIT, KEYWORDS):
        card = board.get_by_role("listitem").filter(has_text=title)
        assignee = card.get_by_label("Assignee")
        expect(assignee).to_have_value(str(specialist.pk))
        expect(assignee.get_by_role("option", selected=True)).to_have_text("★ Sunil Specialist")
        card.get_by_role("button", name="Assign").click()
        # htmx swaps the board in place: the card now offers to reassign.
        expect(card.get_by_role("button", name="Reassign")).to_be_visible()
    audit_card = board.get_by_role("listitem").filter(has_text=AUDIT)
    audit_card.get_by_role("button", name="Show to the client").click()
    expect(board.get_by_role("listitem").filter(has_text=AUDIT)).to_contain_text("Client sees it")
    shot(page, "07-project-board")
    tasks = {task.title: task for task in Task.objects.filter(project=project)}
    assert set(tasks) == {AUDIT, KEYWORDS}
    assert all(task.assignee_id == specialist.pk for task in tasks.values())
    assert tasks[AUDIT].visible_to_client and not tasks[KEYWORDS].visible_to_client

    # The client's timeline on its page tells the AM the story so far.
    page.get_by_role("link", name="Acme Retail").first.click()
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Plan version 2 of Festive season SEO agreed by both sides")
    expect(timeline).to_contain_text("Tasks created from plan version 2 of Festive season SEO: 2")
    sign_out(page)

    # The specialist finds both on "my tasks" and moves the audit to in progress, then to done.
    sign_in(page, email=specialist.email, password=PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Tasks").click()
    expect(page.get_by_role("heading", name="My tasks", level=1)).to_be_visible()
    board = page.locator("#board")
    to_do = board.get_by_role("region", name=re.compile("^To do"))
    expect(to_do.get_by_role("listitem")).to_have_count(2)
    # Blocking without a reason is refused on the board itself, in place, and the task stays put.
    keywords_card = to_do.get_by_role("listitem").filter(has_text=KEYWORDS)
    keywords_card.get_by_text("Block", exact=True).click()
    keywords_card.get_by_label("Waiting on").select_option(label="On the team")
    keywords_card.get_by_role("button", name="Block the task").click()
    # The error sits in that task's card, the form stays open and the choice is kept.
    expect(keywords_card.get_by_role("alert")).to_contain_text("Say why the task is blocked.")
    expect(keywords_card.get_by_label("Waiting on")).to_have_value("team")
    shot(page, "08a-block-refused")
    expect(page).to_have_url(re.compile(r"/tasks/mine/$"))
    expect(to_do.get_by_role("listitem")).to_have_count(2)
    to_do.get_by_role("listitem").filter(has_text=AUDIT).get_by_role("button", name="→ In progress").click()
    in_progress = board.get_by_role("region", name=re.compile("^In progress"))
    expect(in_progress.get_by_role("listitem").filter(has_text=AUDIT)).to_be_visible()
    in_progress.get_by_role("listitem").filter(has_text=AUDIT).get_by_role("button", name="→ Done").click()
    done = board.get_by_role("region", name=re.compile("^Done"))
    expect(done.get_by_role("listitem").filter(has_text=AUDIT)).to_be_visible()
    shot(page, "08-my-tasks")
    tasks[AUDIT].refresh_from_db()
    tasks[KEYWORDS].refresh_from_db()
    assert (tasks[AUDIT].status, tasks[KEYWORDS].status) == (Task.Status.DONE, Task.Status.TO_DO)
    assert tasks[KEYWORDS].blocked_reason == ""
    sign_out(page)

    # The client sees the project with its agreed plan in the portal; no plan waits on the home page.
    sign_in(page, email=approver.email, password=PASSWORD)
    expect(page.locator("#section-plans")).to_contain_text("No work plan waits for your approval.")
    page.get_by_role("link", name="Your projects").click()
    page.get_by_role("link", name="Festive season SEO").click()
    expect(page.get_by_role("heading", name="Festive season SEO", level=1)).to_be_visible()
    expect(page.locator(".page-header__meta")).to_contain_text("Production")
    # Two thirds of the agreed estimate is done (16 of 24 hours); the task the AM showed is there, done.
    progress = page.get_by_role("region", name="Progress")
    expect(progress).to_contain_text("67% of the agreed work is done")
    expect(progress.get_by_role("listitem").filter(has_text=AUDIT)).to_contain_text("Done")
    versions = page.get_by_role("region", name="Work plan versions")
    expect(versions.get_by_role("listitem").filter(has_text="Version 2")).to_contain_text("Agreed")
    # The task the AM did not show stays out of sight.
    expect(page.locator("body")).not_to_contain_text(KEYWORDS)
    shot(page, "09-portal-project")

    # Every step left its event on the client's timeline.
    kinds = list(Event.objects.filter(client=client_a).order_by("at", "id").values_list("kind", flat=True))
    for kind, count in {
        "plans.version_created": 2,
        "plans.item_added": 3,
        "plans.version_proposed": 2,
        "plans.item_decided": 3,
        "plans.item_updated": 1,
        "plans.item_removed": 1,
        "plans.version_approved": 2,
        "plans.version_agreed": 1,
        "plans.project_stage_changed": 1,
        "production.tasks_created": 1,
        "production.task_assigned": 2,
        "production.task_visibility": 1,
        "production.task_moved": 2,
    }.items():
        assert kinds.count(kind) == count, (kind, kinds)
    assert kinds.index("plans.version_agreed") < kinds.index("production.tasks_created")


def test_a_contact_who_is_not_the_approver_reads_the_plan_and_another_client_finds_nothing(
    page: Page, am: User, contact_a: User, contact_b: User, client_a: Client
) -> None:
    project = project_create(client=client_a, by=am, name="Festive season SEO", stage=Project.Stage.PLANNING)
    version = plan_version_create(project=project, by=am)
    item = plan_item_add(version=version, by=am, deliverable=AUDIT, price_minor=40_000_00)
    plan_propose(version=version, by=am)

    # Priya speaks for Acme but does not approve its plans: she reads the plan, with nothing to press.
    sign_in(page, email=contact_a.email, password=PASSWORD)
    page.get_by_role("link", name="Your projects").click()
    page.get_by_role("link", name="Festive season SEO").click()
    page.get_by_role("link", name="Version 1").click()
    expect(page.get_by_role("heading", name="Work plan, version 1", level=1)).to_be_visible()
    expect(page.get_by_role("note")).to_contain_text("Only your company's approver can answer and approve")
    expect(_portal_item(page, AUDIT)).to_contain_text("₹40,000.00")
    for name in ("Save answer", "Approve this plan", "Send request"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)
    expect(page.get_by_text("Answer", exact=True)).to_have_count(0)
    shot(page, "10-portal-read-only")
    sign_out(page)

    # Bob, of another client, finds neither the project nor its plan.
    sign_in(page, email=contact_b.email, password=PASSWORD)
    for url in (f"/portal/projects/{project.pk}/", f"/portal/plans/{version.pk}/"):
        response = page.goto(url)
        assert response is not None and response.status == 404, url
        expect(page.locator("body")).not_to_contain_text("Festive season SEO")
    assert not ItemDecision.objects.filter(item=item).exists()
