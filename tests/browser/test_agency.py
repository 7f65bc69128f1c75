"""The agency's details in a real Chromium: the head opens them from the top bar, adds the legal
name and a logo, sees the logo on the page, and a wrong colour is refused with the reason beside it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from khata.core.agency import agency_get
from khata.people.models import User
from tests.browser.steps import screenshot, sign_in

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots/pdf")


def test_the_head_sets_the_letterhead_details_and_logo(page: Page, tmp_path: Path, admin: User) -> None:
    page.set_default_navigation_timeout(30_000)
    logo = tmp_path / "logo.png"
    buffer = io.BytesIO()
    Image.new("RGB", (240, 80), "#0F766E").save(buffer, format="PNG")
    logo.write_bytes(buffer.getvalue())

    sign_in(page, email=admin.email, password=PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Agency").click()
    expect(page.get_by_role("heading", name="Agency details")).to_be_visible()
    page.get_by_label("Legal name").fill("Khata Agency Private Limited")
    page.get_by_label("Tax id (GSTIN / VAT)").fill("27AAPFU0939F1ZV")
    page.get_by_label("Address").fill("Orchid Tower, Bandra Kurla Complex\nMumbai 400051")
    page.get_by_label("Logo", exact=True).set_input_files(str(logo))
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("The agency's details are saved.")).to_be_visible()
    expect(page.get_by_role("img", name="The agency logo")).to_be_visible()
    screenshot(page, "agency-settings", folder=SHOTS)
    agency = agency_get()
    assert agency.legal_name == "Khata Agency Private Limited" and agency.logo

    page.get_by_label("Accent colour").fill("teal")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Give the colour as # and six hexadecimal digits")).to_be_visible()
    screenshot(page, "agency-settings-refused", folder=SHOTS)
    assert agency_get().accent_colour == "#1F4E79"
