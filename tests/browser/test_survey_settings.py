"""The head's survey settings in a real Chromium: a link's life outside 1–90 days is refused beside
its field, then the corrected settings are saved and the page says who changed them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from khata.care.configuration import survey_settings_get
from khata.people.models import User
from tests.browser.steps import screenshot, sign_in

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots/survey-settings")


def test_the_head_changes_the_survey_settings(page: Page, live_server: Any, admin: User) -> None:
    page.set_default_navigation_timeout(30_000)
    sign_in(page, email=admin.email, password=PASSWORD)
    page.goto(f"{live_server.url}/care/settings/")
    page.get_by_role("navigation", name="Care settings").get_by_role("link", name="Surveys").click()
    expect(page.get_by_role("heading", name="What each event sends")).to_be_visible()
    screenshot(page, "survey-settings", folder=SHOTS)

    page.get_by_label("Every quarter").select_option("off")
    page.get_by_label("The link works for (days)").fill("120")
    page.get_by_label("A task for the client's AM").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("A link works from 1 to 90 days.")).to_be_visible()
    screenshot(page, "survey-settings-refused", folder=SHOTS)
    assert survey_settings_get().quarterly == "nps"

    page.get_by_label("The link works for (days)").fill("30")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The survey settings are saved.")).to_be_visible()
    expect(page.get_by_text(f"Last changed by {admin.full_name}")).to_be_visible()
    screenshot(page, "survey-settings-saved", folder=SHOTS)
    config = survey_settings_get()
    assert (config.quarterly, config.expiry_days, config.follow_up) == ("off", 30, "task")

    # The same page in Hindi, picked from the language switcher.
    page.get_by_label("Language", exact=True).select_option("hi")
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    with translation.override("hi"):
        heading = translation.gettext("What each event sends")
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    screenshot(page, "survey-settings-hi", folder=SHOTS)
