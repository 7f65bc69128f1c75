"""Every care and agency settings page is reached by clicking: from the top bar to a section, then its
tabs. A tab shows exactly when its page opens for the person: shown → 200, hidden → refused."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

STAFF = ["admin", "am", "other_am", "finance", "specialist"]
TARGETS = {
    "surveys": "care:surveys",
    "analysis": "care:analysis",
    "care settings": "care:settings_sla",
    "health weights": "insights:health_settings",
    "agency settings": "settings:agency",
}
# Who reaches each page by clicking (and so who may open it).
REACHES = {
    "admin": {"surveys", "analysis", "care settings", "health weights", "agency settings"},
    "am": {"surveys", "analysis"},
    "other_am": {"surveys", "analysis"},
    "finance": {"surveys"},
    "specialist": set(),
}
HREF = re.compile(r'href="([^"#?]+)"')


def _navs(html: str, opening: str) -> list[str]:
    """The links inside every ``<nav`` element that opens with ``opening``."""
    links: list[str] = []
    start = html.find(opening)
    while start != -1:
        end = html.index("</nav>", start)
        links += HREF.findall(html[start:end])
        start = html.find(opening, end)
    return links


def _reached(http: Any) -> set[str]:
    """The pages two clicks away: a top bar link, then a tab of the page it opens."""
    top = _navs(http.get("/").content.decode(), '<nav class="topbar__nav"')
    found: set[str] = set(top)
    for link in top:
        if not link.startswith("/") or link.startswith("/api/"):
            continue
        response = http.get(link)
        if response.status_code == 200:
            found |= set(_navs(response.content.decode(), '<nav class="tabs"'))
    return found


@pytest.mark.parametrize("persona", STAFF)
def test_care_and_settings_pages_are_reached_from_the_top_bar_by_who_may_open_them(
    http_as: Any, persona: str
) -> None:
    http = http_as(persona)
    reached = _reached(http)
    shown = {name for name, url in TARGETS.items() if reverse(url) in reached}
    assert shown == REACHES[persona]
    for name, url in TARGETS.items():
        status = http.get(reverse(url)).status_code
        assert (status == 200) == (name in shown), (persona, name, status)


@pytest.mark.parametrize(
    ("url", "section"),
    [
        ("care:list", "claims"),
        ("care:surveys", "surveys"),
        ("care:analysis", "analysis"),
    ],
)
def test_each_care_page_marks_its_own_tab(http_as: Any, url: str, section: str) -> None:
    html = http_as("admin").get(reverse(url)).content.decode()
    tabs = html[html.index('<nav class="tabs"') : html.index("</nav>", html.index('<nav class="tabs"'))]
    assert tabs.count("tab--active") == 1
    assert f'tab--active" href="{reverse(url)}"' in tabs


@pytest.mark.parametrize("url", ["settings:agency", "care:settings_sla", "insights:health_settings"])
def test_each_settings_page_lists_the_agency_settings(http_as: Any, url: str) -> None:
    html = http_as("admin").get(reverse(url)).content.decode()
    links = _navs(html, '<nav class="tabs" aria-label="Agency settings"')
    assert links == [
        reverse("settings:agency"),
        reverse("care:settings_sla"),
        reverse("insights:health_settings"),
        reverse("billing:reminder_levels"),
    ]
    assert html.count('aria-current="page"') >= 1


@pytest.mark.parametrize(
    ("url", "active"),
    [("care:list", "care:list"), ("care:analysis", "care:list"), ("care:settings_sla", "settings:agency")],
)
def test_the_top_bar_marks_one_section(http_as: Any, url: str, active: str) -> None:
    """The care settings are the agency's settings: the top bar says Agency there, not Claims."""
    html = http_as("admin").get(reverse(url)).content.decode()
    start = html.index('<nav class="topbar__nav"')
    topbar = html[start : html.index("</nav>", start)]
    assert topbar.count("nav-link--active") == 1
    assert f'nav-link--active" href="{reverse(active)}"' in topbar
