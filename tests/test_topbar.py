"""The top bar offers each role the pages that show it something."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.django_db

NAV = {
    "admin": [
        "/",
        "/clients/",
        "/projects/",
        "/documents/",
        "/billing/",
        "/care/",
        "/tasks/",
        "/briefs/templates/",
        "/people/",
        "/settings/agency/",
        "/api/v1/docs/",
    ],
    "am": [
        "/",
        "/clients/",
        "/projects/",
        "/documents/",
        "/billing/",
        "/care/",
        "/tasks/",
        "/briefs/templates/",
        "/people/",
        "/api/v1/docs/",
    ],
    "finance": [
        "/",
        "/clients/",
        "/projects/",
        "/documents/",
        "/billing/",
        "/care/",
        "/tasks/",
        "/people/",
        "/api/v1/docs/",
    ],
    "specialist": ["/", "/tasks/mine/", "/people/", "/api/v1/docs/"],
    "contact_a": ["/portal/"],
}


def _nav_links(html: str) -> list[str]:
    nav = html[html.index('<nav class="topbar__nav"') :]
    nav = nav[: nav.index("</nav>")]
    return re.findall(r'<a class="nav-link[^"]*" href="([^"]+)"', nav)


@pytest.mark.parametrize("persona", list(NAV))
def test_the_top_bar_links_each_role_to_its_pages(http_as: Any, persona: str) -> None:
    http = http_as(persona)
    home = "/portal/" if persona.startswith("contact") else "/"
    links = _nav_links(http.get(home).content.decode())
    assert links == NAV[persona]
    for link in links:
        if link != "/api/v1/docs/":
            assert http.get(link).status_code == 200, link
