from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client as HttpClient

pytestmark = pytest.mark.django_db


def test_migrations_are_committed() -> None:
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)


def test_healthz_answers_ok_with_database() -> None:
    response = HttpClient().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_the_browser_favicon_request_finds_the_icon() -> None:
    response = HttpClient().get("/favicon.ico")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("khata/favicon.svg")
