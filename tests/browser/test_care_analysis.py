"""The analysis page in a real Chromium: the Pareto and trend charts draw on their canvases under the
Content-Security-Policy (no console error), in English and in Hindi."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from khata.care.tests.test_analysis import answer, file
from khata.clients.models import Client
from khata.people.models import User
from tests.browser.steps import screenshot, sign_in

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/care")


@pytest.fixture
def care_defaults(transactional_db: Any) -> None:
    importlib.import_module("khata.care.migrations.0002_defaults").create_defaults(apps, None)


def canvas_size(page: Page, chart: str) -> tuple[int, int]:
    size = page.locator(f"#chart-{chart}").evaluate("c => [c.width, c.height]")
    return int(size[0]), int(size[1])


def test_the_am_reads_the_pareto_chart(
    page: Page, live_server: Any, care_defaults: None, am: User, client_a: Client, contact_a: User
) -> None:
    page.set_default_navigation_timeout(30_000)
    for code in ("quality", "quality", "quality", "deadline", "deadline", "communication"):
        file(am, client_a, code)
    for score in (10, 9, 7, 3):
        answer(client_a, contact_a, "nps", score)
    answer(client_a, contact_a, "csat", 4)

    sign_in(page, email=am.email, password=PASSWORD)
    page.goto("/care/")
    page.get_by_role("link", name="Analysis", exact=True).click()
    expect(page.get_by_role("heading", name="Analysis of claims and scores", level=1)).to_be_visible()
    reasons = page.locator('table[data-table="reasons"] tbody tr')
    expect(reasons.first).to_contain_text("Quality")
    expect(reasons.first).to_contain_text("50.0")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-reasons'))")
    for chart in ("reasons", "root_causes", "trend"):
        width, height = canvas_size(page, chart)
        assert width > 0 and height > 0, chart
    screenshot(page, "analysis-en", folder=SHOTS)

    page.get_by_label("Language", exact=True).select_option("hi")
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-reasons'))")
    screenshot(page, "analysis-hi", folder=SHOTS)
