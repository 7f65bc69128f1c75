"""Headers and protections every page carries: CSP, framing, CSRF, cookies, no self sign-up."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import clear_url_caches

import khata.urls
from khata.people.models import User

pytestmark = pytest.mark.django_db


def test_pages_send_a_strict_content_security_policy() -> None:
    response = HttpClient().get("/accounts/login/")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_carry_no_inline_script_or_style_without_a_nonce() -> None:
    html = HttpClient().get("/accounts/login/").content.decode()
    assert " style=" not in html
    assert not re.search(r"\son[a-z]+=", html), "inline event handlers are blocked by the CSP"
    for script in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html):
        assert "nonce=" in script, script


def test_a_post_without_a_csrf_token_is_refused(am: User) -> None:
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(am)
    response = browser.post("/people/language/", {"language": "hi", "next": "/"})
    assert response.status_code == 403
    am.refresh_from_db()
    assert am.language == ""


def test_nobody_can_sign_themselves_up() -> None:
    response = HttpClient().post(
        "/accounts/signup/",
        {
            "email": "intruder@example.test",
            "password1": "a-long-password-1",
            "password2": "a-long-password-1",
        },
    )
    assert response.status_code in {200, 302, 403, 404}
    assert not User.objects.filter(email="intruder@example.test").exists()


def test_a_missing_page_answers_404_in_the_layout(am: User) -> None:
    browser = HttpClient()
    browser.force_login(am)
    response = browser.get("/clients/999999/")
    assert response.status_code == 404
    assert b"not yours to see" in response.content
    assert b"khata.css" in response.content


def test_a_forbidden_page_answers_403_in_the_layout(contact_a: User) -> None:
    browser = HttpClient()
    browser.force_login(contact_a)
    response = browser.get("/clients/")
    assert response.status_code == 403
    assert b"Not allowed" in response.content


@pytest.mark.parametrize("debug", [False, True])
def test_uploaded_files_are_never_served_by_their_path(
    settings: Any, tmp_path: Path, am: User, debug: bool
) -> None:
    """Brief and task files are reached only through views that check who asks, even in DEBUG."""
    settings.DEBUG = debug
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "briefs").mkdir()
    (tmp_path / "briefs" / "secret.txt").write_text("confidential")
    importlib.reload(khata.urls)
    clear_url_caches()
    try:
        client = HttpClient()
        client.force_login(am)
        response = client.get("/" + settings.MEDIA_URL.lstrip("/") + "briefs/secret.txt")
    finally:
        importlib.reload(khata.urls)
        clear_url_caches()
    assert response.status_code == 404
    assert b"confidential" not in response.content
