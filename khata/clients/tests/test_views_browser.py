"""The client list and client page in a real Chromium: htmx refreshes the results in place, the
address bar follows the filters, a next step is ticked off without leaving the page, and the
Content-Security-Policy lets every script and style of the page run."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import ConsoleMessage, Page, expect

from conftest import PASSWORD
from khata.clients.models import Client
from khata.clients.services import client_create, interaction_log
from khata.people.models import User

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any], live_server: Any) -> dict[str, Any]:
    return {
        **browser_context_args,
        "base_url": live_server.url,
        "locale": "en-GB",
        "viewport": {"width": 1280, "height": 900},
    }


@pytest.fixture
def console(page: Page) -> Iterator[list[str]]:
    """Every console message and script error; the test ends with none about the CSP."""
    lines: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        lines.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: lines.append(f"error: {error}"))
    page.set_default_timeout(20_000)
    yield lines
    problems = [line for line in lines if "Content Security Policy" in line or line.startswith("error:")]
    assert problems == []


def sign_in(page: Page, user: User) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.fixture
def many_clients(am: User) -> list[Client]:
    made = [
        client_create(
            by=am,
            display_name=f"Client {index:02d}",
            legal_name=f"Client {index:02d} Ltd",
            country="IN",
            currency="INR",
            owner=am,
            status="paused" if index % 10 == 0 else "active",
        )
        for index in range(60)
    ]
    due = timezone.localdate()
    interaction_log(client=made[0], by=am, summary="Kick-off", next_step="Send the plan", next_step_due=due)
    return made


def test_filters_sorting_and_pages_refresh_the_list_in_place(
    page: Page, console: list[str], am: User, many_clients: list[Client]
) -> None:
    sign_in(page, am)
    page.goto("/clients/")
    rows = page.locator("#client-results tbody tr")
    expect(rows).to_have_count(50)
    expect(page.get_by_text("50 shown")).to_be_visible()
    # A mark on the window survives only if the page is never reloaded.
    page.evaluate("window.khataMark = 'still here'")

    page.get_by_label("Search").fill("Client 1")
    expect(rows).to_have_count(10)
    expect(page).to_have_url(re.compile(r"/clients/\?q=Client(%20|\+)1$"))

    page.get_by_label("Search").fill("")
    # The cleared search answers first: no delayed search is left to overtake the next clicks.
    expect(rows).to_have_count(50)
    page.get_by_label("Status").select_option(label="Paused")
    expect(rows).to_have_count(6)
    expect(page).to_have_url(re.compile(r"/clients/\?status=paused$"))

    page.get_by_role("link", name="Client", exact=True).click()
    expect(page.locator("th[aria-sort=descending]")).to_have_count(1)
    expect(rows.first).to_contain_text("Client 50")
    expect(page).to_have_url(re.compile(r"status=paused&sort=-name"))

    # The sort survives a change of filter.
    page.get_by_label("Status").select_option(label="Active")
    expect(page).to_have_url(re.compile(r"status=active&sort=-name"))
    expect(rows.first).to_contain_text("Client 59")
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name="Next →").first.click()
    expect(rows).to_have_count(4)
    expect(rows.last).to_contain_text("Client 01")
    # Let the swap and its history entry settle before the next click (a click mid-swap lands on a
    # link that is being replaced).
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name="← Previous").first.click()
    expect(rows).to_have_count(50)

    assert page.evaluate("window.khataMark") == "still here"


def test_a_next_step_is_done_without_leaving_the_client_page(
    page: Page, console: list[str], am: User, many_clients: list[Client]
) -> None:
    sign_in(page, am)
    page.goto(f"/clients/{many_clients[0].pk}/")
    page.evaluate("window.khataMark = 'still here'")
    steps = page.get_by_role("region", name=re.compile("Open next steps"))
    steps.get_by_role("button", name="Done").click()
    expect(steps.get_by_text("Done", exact=True)).to_be_visible()
    expect(steps.get_by_role("button", name="Done")).to_have_count(0)
    assert page.evaluate("window.khataMark") == "still here"
    page.reload()
    expect(page.get_by_role("region", name=re.compile("Open next steps"))).to_have_count(0)
