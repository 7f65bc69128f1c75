"""What every real-browser test shares: the live server as the browser's base address, a browser
that speaks English until someone picks another language, short timeouts, and a watch on the
console that fails a test on any Content-Security-Policy violation or script error.

Chromium is Debian's (see ``browser_type_launch_args`` in the root conftest); the live server runs
in this process, so ``mail.outbox`` holds what it sends.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.steps import BrowserLog

# A step that takes longer than this is a bug, not slowness (the suites run side by side on two cores).
STEP_TIMEOUT_MS = 20_000


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any], live_server: Any) -> dict[str, Any]:
    return {
        **browser_context_args,
        "base_url": live_server.url,
        "locale": "en-GB",
        "timezone_id": "Asia/Kolkata",
        "viewport": {"width": 1280, "height": 900},
    }


@pytest.fixture
def browser_log(page: Page) -> Iterator[BrowserLog]:
    log = BrowserLog()
    page.on("console", log.on_console)
    page.on("pageerror", log.on_error)
    yield log


@pytest.fixture(autouse=True)
def _browser_page(page: Page, browser_log: BrowserLog, live_server: Any) -> Iterator[None]:
    """Every browser test: short timeouts, and a clean console checked at the end."""
    page.set_default_timeout(STEP_TIMEOUT_MS)
    expect.set_options(timeout=STEP_TIMEOUT_MS)
    yield
    browser_log.assert_clean()
