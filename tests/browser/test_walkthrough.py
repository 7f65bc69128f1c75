"""A person's walk through Khata in a real Chromium: an account manager's day, and a client contact's
view of the portal.

Every step is what a person does: type in labelled fields, press named buttons, pick from the
language switcher. The console of every page is watched for Content-Security-Policy violations
(see ``conftest.py``).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone, translation
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from khata.clients.models import Client, Contact, Interaction
from khata.clients.services import client_create
from khata.people.models import User
from tests.browser.steps import BrowserLog, screenshot, sign_in

pytestmark = pytest.mark.browser

DEVANAGARI = re.compile(r"[\u0900-\u097f]")


def hindi(text: str) -> str:
    """The Hindi of an interface string, as Khata's catalogue has it."""
    with translation.override("hi"):
        return translation.gettext(text)


def test_an_account_manager_runs_a_day_and_a_contact_sees_only_their_company(
    page: Page, browser_log: BrowserLog, am: User, client_b: Client, contact_a: User, contact_b: User
) -> None:
    today = timezone.localdate()

    # Sign in as an account manager: the Today board opens.
    sign_in(page, email=am.email, password=PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Today", level=1)).to_be_visible()

    # A new client, through the form.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clients").click()
    page.get_by_role("link", name="New client").first.click()
    page.get_by_label("Display name").fill("Chandni Textiles")
    page.get_by_label("Legal name").fill("Chandni Textiles Private Limited")
    page.get_by_label("Status").select_option(label="Active")
    page.get_by_label("Segment").select_option(label="Mid-market")
    page.get_by_label("Country").select_option("IN")
    page.get_by_label("Tax id").fill("27AAPFU0939F1ZV")
    page.get_by_label("Tags").fill("retail, textiles")
    page.get_by_role("button", name="Create client").click()
    expect(page.get_by_role("heading", name="Chandni Textiles", level=1)).to_be_visible()
    expect(page.get_by_text("Client Chandni Textiles created.")).to_be_visible()
    client = Client.objects.get(display_name="Chandni Textiles")
    assert client.owner == am
    assert client.tax_id == "27AAPFU0939F1ZV"

    # A contact for it.
    page.get_by_role("link", name="Add contact").first.click()
    page.get_by_role("textbox", name="Name", exact=True).fill("Kavya Rao")
    page.get_by_label("Position").fill("Marketing head")
    page.get_by_label("Email").fill("kavya@chandni.test")
    page.get_by_label("Stakeholder role").select_option(label="Decision maker")
    page.get_by_label("Influence").select_option(label="High")
    page.get_by_role("button", name="Add contact").click()
    expect(page.get_by_text("Contact Kavya Rao added.")).to_be_visible()
    contacts = page.get_by_role("region", name=re.compile("^Contacts"))
    expect(contacts.get_by_text("Kavya Rao")).to_be_visible()

    # A call with her, with a next step due today.
    page.get_by_role("link", name="Log interaction").first.click()
    page.get_by_label("Kind").select_option(label="Call")
    page.get_by_label("Summary").fill("Agreed the festive campaign calendar.")
    page.get_by_label("Kavya Rao").check()
    page.get_by_label("Sentiment").select_option(label="Positive")
    page.get_by_label("Next step", exact=True).fill("Send the campaign brief")
    page.get_by_label("Next step due").fill(today.isoformat())
    page.get_by_role("button", name="Log interaction").click()
    expect(page.get_by_text("Interaction logged.")).to_be_visible()
    interaction = Interaction.objects.get(client=client)
    assert interaction.next_step_due == today
    assert list(interaction.contacts.values_list("full_name", flat=True)) == ["Kavya Rao"]

    # The client's timeline tells the story, newest first.
    timeline = page.locator("#timeline")
    expect(timeline.locator(".timeline__summary")).to_have_text(
        [
            "Call: Agreed the festive campaign calendar.",
            "Contact Kavya Rao added",
            "Client Chandni Textiles created",
        ]
    )
    expect(page.get_by_role("region", name=re.compile("^Open next steps"))).to_contain_text(
        "Send the campaign brief"
    )
    screenshot(page, "01-client-page")

    # The next step waits on the Today board, and one click there completes it.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Today").click()
    step = page.get_by_role("listitem").filter(has_text="Send the campaign brief")
    expect(step).to_contain_text("Due today")
    expect(step).to_contain_text("Chandni Textiles")
    screenshot(page, "02-today-board")
    with page.expect_request(re.compile(r"/done/$")) as done_request:
        step.get_by_role("button", name="Done").click()
    # In place, without leaving the board: htmx swaps the item for its done state.
    assert done_request.value.headers.get("hx-request") == "true"
    done_item = page.locator(f"#step-{interaction.pk}")
    expect(done_item).to_have_text("Done: Send the campaign brief Chandni Textiles")
    expect(done_item).to_have_attribute("role", "status")
    expect(page.get_by_role("button", name="Done")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/$"))
    interaction.refresh_from_db()
    assert interaction.next_step_done_at is not None
    page.reload()
    expect(page.get_by_text("Send the campaign brief")).to_have_count(0)

    # Another AM's client does not exist for this AM.
    b_contact = Contact.objects.get(user=contact_b)
    for url in (f"/clients/{client_b.pk}/", f"/portal/preview/{b_contact.pk}/"):
        response = page.goto(url)
        assert response is not None and response.status == 404, url
        expect(page.locator("body")).not_to_contain_text("Borealis")

    # The interface in Hindi, picked from the language switcher.
    page.goto("/")
    page.get_by_label("Language", exact=True).select_option("hi")
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    today_in_hindi = hindi("Today")
    assert DEVANAGARI.search(today_in_hindi), f"'Today' has no Hindi translation: {today_in_hindi!r}"
    nav = page.get_by_role("navigation", name=hindi("Main"))
    expect(nav.get_by_role("link", name=today_in_hindi)).to_be_visible()
    expect(page.get_by_role("heading", name=today_in_hindi, level=1)).to_be_visible()
    am.refresh_from_db()
    assert am.language == "hi"
    screenshot(page, "03-today-in-hindi")

    # Back to English, and sign out.
    page.get_by_label(hindi("Language"), exact=True).select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    # The client contact signs in and sees their own company in the portal, and no other.
    sign_in(page, email=contact_a.email, password=PASSWORD)
    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(page.get_by_role("heading", name="Acme Retail", level=1)).to_be_visible()
    expect(page.get_by_text("Welcome, Priya Contact.")).to_be_visible()
    expect(page.get_by_role("region", name="Your company")).to_contain_text("Acme Retail Private Limited")
    expect(page.get_by_role("region", name="Your team at the agency")).to_contain_text("Arjun Manager")
    expect(page.locator("body")).not_to_contain_text("Borealis")
    expect(page.locator("body")).not_to_contain_text("Chandni")
    screenshot(page, "04-portal-home")

    # Client B's pages, in the portal, the staff pages and the API: nothing to see.
    client_a_pk = Client.objects.get(display_name="Acme Retail").pk
    for url, status in (
        (f"/portal/preview/{b_contact.pk}/", 404),
        (f"/api/v1/clients/{client_b.pk}/", 404),
        (f"/api/v1/contacts/{b_contact.pk}/", 404),
        (f"/clients/{client_b.pk}/", 403),
        (f"/clients/{client_a_pk}/", 403),
        ("/clients/", 403),
    ):
        if url.startswith("/api/"):
            # A JSON page makes Chromium ask for /favicon.ico at the same moment, and the live server shares
            # one in-memory SQLite connection between its threads: ask the API without opening a page.
            answer = page.request.get(url)
            assert answer.status == status, (url, answer.status)
            assert "Borealis" not in answer.text()
            continue
        response = page.goto(url)
        assert response is not None and response.status == status, (url, response and response.status)
        expect(page.locator("body")).not_to_contain_text("Borealis")
    # The Today board of a contact is the portal.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/portal/$"))
    # No page on the way broke the Content-Security-Policy or threw a script error.
    browser_log.assert_clean()


def test_a_bad_tax_id_is_shown_beside_the_field_and_creates_nothing(page: Page, am: User) -> None:
    sign_in(page, email=am.email, password=PASSWORD)
    page.goto("/clients/new/")
    page.get_by_label("Display name").fill("Dhruv Motors")
    page.get_by_label("Legal name").fill("Dhruv Motors Private Limited")
    page.get_by_label("Country").select_option("IN")
    page.get_by_label("Tax id").fill("27AAPFU0939F1ZX")
    page.get_by_role("button", name="Create client").click()

    field = page.locator(".field--error").filter(has=page.get_by_label("Tax id"))
    expect(field).to_be_visible()
    expect(field.locator(".field__errors")).to_contain_text("not a valid tax id")
    expect(page.get_by_role("heading", name="New client", level=1)).to_be_visible()
    # What was typed is still there to correct.
    expect(page.get_by_label("Display name")).to_have_value("Dhruv Motors")
    screenshot(page, "05-bad-gstin")
    assert not Client.objects.filter(display_name="Dhruv Motors").exists()

    page.get_by_label("Tax id").fill("27AAPFU0939F1ZV")
    page.get_by_role("button", name="Create client").click()
    expect(page.get_by_role("heading", name="Dhruv Motors", level=1)).to_be_visible()
    assert Client.objects.filter(display_name="Dhruv Motors", tax_id="27AAPFU0939F1ZV").count() == 1


def test_the_client_list_filters_by_status_with_a_click(page: Page, am: User, client_a: Client) -> None:
    for name, status in (("Ekta Foods", Client.Status.PROSPECT), ("Falak Travels", Client.Status.PAUSED)):
        client_create(
            by=am,
            display_name=name,
            legal_name=f"{name} LLP",
            country="IN",
            currency="INR",
            owner=am,
            status=status,
        )
    sign_in(page, email=am.email, password=PASSWORD)
    page.goto("/clients/")
    names = page.locator("#client-results tbody .table__primary")
    expect(names).to_have_text(["Acme Retail", "Ekta Foods", "Falak Travels"])

    page.get_by_label("Status").select_option(label="Prospect")
    expect(names).to_have_text(["Ekta Foods"])
    expect(page).to_have_url(re.compile(r"[?&]status=prospect"))
    screenshot(page, "06-list-prospects")

    page.get_by_label("Status").select_option(label="Paused")
    expect(names).to_have_text(["Falak Travels"])

    page.get_by_role("link", name="Clear filters").click()
    expect(names).to_have_text(["Acme Retail", "Ekta Foods", "Falak Travels"])
    expect(page.get_by_label("Status")).to_have_value("")

    # The filter survives a reload: the address holds it.
    page.get_by_label("Status").select_option(label="Active")
    expect(names).to_have_text(["Acme Retail"])
    page.reload()
    expect(names).to_have_text(["Acme Retail"])
    expect(page.get_by_label("Status")).to_have_value("active")


def test_a_contact_signs_in_with_a_code_from_their_email(
    page: Page, contact_a: User, contact_b: User, mailoutbox: Any
) -> None:
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Email me a sign-in code").click()
    page.get_by_label("Email").fill(contact_a.email)
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_role("heading", name="Enter your sign-in code")).to_be_visible()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [contact_a.email]
    found = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", str(message.body), re.MULTILINE)
    assert found is not None, message.body
    page.get_by_label("Code").fill(found.group(1))
    screenshot(page, "07-sign-in-code")
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(page.get_by_role("heading", name="Acme Retail", level=1)).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Borealis")


def test_the_console_watch_sees_a_content_security_policy_violation(
    page: Page, browser_log: BrowserLog
) -> None:
    """The watch on the console is not blind: an inline script is refused, and the watch says so."""
    page.goto("/accounts/login/")
    assert browser_log.csp_violations() == []
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "document.title = 'inline';";
                document.head.appendChild(script);
            }"""
        )
    assert page.title() != "inline"
    assert browser_log.csp_violations() != []
    browser_log.messages.clear()


@pytest.mark.browser_context_args(locale="hi-IN")
def test_a_browser_that_asks_for_hindi_gets_the_sign_in_page_and_board_in_hindi(page: Page, am: User) -> None:
    """Until a person picks a language, Khata follows the browser's Accept-Language."""
    assert am.language == ""
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    sign_in_in_hindi = hindi("Sign in")
    assert DEVANAGARI.search(sign_in_in_hindi), f"'Sign in' has no Hindi translation: {sign_in_in_hindi!r}"
    expect(page.get_by_role("heading", name=sign_in_in_hindi, level=1)).to_be_visible()
    page.get_by_label(hindi("Email"), exact=True).fill(am.email)
    page.get_by_label(hindi("Password"), exact=True).fill(PASSWORD)
    screenshot(page, "08-sign-in-in-hindi")
    page.get_by_role("button", name=sign_in_in_hindi, exact=True).click()
    expect(page.get_by_role("heading", name=hindi("Today"), level=1)).to_be_visible()
