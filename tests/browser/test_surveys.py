"""Surveys in a real Chromium: a contact answers by the emailed link (in English and in Hindi), the
link then refuses a second answer, and another survey is answered in the portal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from khata.care.models import Claim, Survey, SurveyAnswer
from khata.care.surveys import survey_send, survey_token
from khata.clients.models import Client, Contact
from khata.people.models import User
from tests.browser.steps import screenshot, sign_in, sign_out

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots/surveys")


def _send(client: Client, contact: Contact, kind: str) -> Survey:
    return survey_send(client=client, contact=contact, kind=kind, trigger=Survey.Trigger.QUARTERLY)


def test_a_contact_answers_by_link_and_in_the_portal(
    page: Page, live_server: Any, client_a: Client, contact_a: User, contact_a_row: Contact, am: User
) -> None:
    page.set_default_navigation_timeout(30_000)
    nps = _send(client_a, contact_a_row, "nps")
    page.goto(f"{live_server.url}/s/{survey_token(nps)}/")
    expect(page.get_by_text("How likely are you to recommend us")).to_be_visible()
    page.locator("label.survey-scale__option", has_text="9").click()
    page.get_by_label("Why did you give this score?").fill("Careful work, quick answers.")
    screenshot(page, "survey-link-en", folder=SHOTS)
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    assert SurveyAnswer.objects.get(survey=nps).score == 9
    page.goto(f"{live_server.url}/s/{survey_token(nps)}/")
    expect(page.get_by_text("already been answered")).to_be_visible()

    Contact.objects.filter(pk=contact_a_row.pk).update(language="hi")
    csat = _send(client_a, contact_a_row, "csat")
    page.goto(f"{live_server.url}/s/{survey_token(csat)}/")
    page.locator("label.survey-scale__option", has_text="2").click()
    screenshot(page, "survey-link-hi", folder=SHOTS)

    portal = _send(client_a, contact_a_row, "csat")
    Contact.objects.filter(pk=contact_a_row.pk).update(language="en")
    sign_in(page, email=contact_a.email, password=PASSWORD)
    page.goto(f"{live_server.url}/portal/")
    expect(page.get_by_text("Surveys waiting for you")).to_be_visible()
    page.goto(f"{live_server.url}/portal/surveys/")
    screenshot(page, "portal-surveys", folder=SHOTS)
    page.goto(f"{live_server.url}/portal/surveys/{portal.pk}/")
    page.locator("label.survey-scale__option", has_text="1").click()
    page.get_by_label("Why did you give this score?").fill("The report came a week late.")
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_text("Your answer has been recorded")).to_be_visible()
    assert Claim.objects.filter(survey=portal).count() == 1

    sign_out(page)
    sign_in(page, email=am.email, password=PASSWORD)
    page.goto(f"{live_server.url}/care/surveys/")
    expect(page.get_by_role("heading", name="Surveys")).to_be_visible()
    expect(page.get_by_role("link", name="Claim:")).to_be_visible()
    screenshot(page, "staff-surveys", folder=SHOTS)
