"""A person's steps in the browser, shared by the browser tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import ConsoleMessage, Error, Page

# Where a run leaves its screenshots of the key steps, for a person to look at.
SCREENSHOTS = Path("/tmp/khata-browser")


@dataclass
class BrowserLog:
    """What the browser said while a test ran: console messages and uncaught script errors."""

    messages: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        self.messages.append(f"[{message.type}] {message.text} ({message.location.get('url', '')})")

    def on_error(self, error: Error) -> None:
        self.errors.append(f"{error.name}: {error.message}")

    def csp_violations(self) -> list[str]:
        return [
            line
            for line in self.messages + self.errors
            if "Content Security Policy" in line or "Refused to" in line
        ]

    def assert_clean(self) -> None:
        """No Content-Security-Policy violation and no uncaught script error on any page."""
        assert self.csp_violations() == [], "\n".join(self.csp_violations())
        assert self.errors == [], "\n".join(self.errors)


def screenshot(page: Page, name: str, *, folder: Path = SCREENSHOTS) -> None:
    """Keep what the page looked like at a key step, for a person to look at."""
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


# The sign-in page is often a run's first request, which also wakes the live server (URLs, templates,
# catalogues); on a busy machine that alone can outlast a step's timeout.
FIRST_PAGE_TIMEOUT_MS = 30_000


def sign_in(page: Page, *, email: str, password: str) -> None:
    """Type the email and password on the sign-in page and press the button, as a person does."""
    page.goto("/accounts/login/", timeout=FIRST_PAGE_TIMEOUT_MS)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def sign_out(page: Page) -> None:
    """Press "Sign out" in the top bar and wait for the sign-in page."""
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/")
