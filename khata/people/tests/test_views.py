"""The language switch and the staff directory."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client as HttpClient

from khata.core.models import Event
from khata.people.models import User

pytestmark = pytest.mark.django_db


def test_choosing_a_language_sets_the_cookie_and_the_signed_in_persons_preference(
    http_as: Any, am: User
) -> None:
    http = http_as("am")
    response = http.post("/people/language/", {"language": "hi", "next": "/clients/"})
    assert response.status_code == 302
    assert response["Location"] == "/clients/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "hi"
    am.refresh_from_db()
    assert am.language == "hi"
    assert Event.objects.filter(kind="people.language_changed", actor=am).exists()
    page = http.get("/", headers={"accept-language": "ru"})
    assert page.headers["Content-Language"] == "hi"


def test_an_anonymous_visitor_gets_the_cookie_only() -> None:
    http = HttpClient()
    response = http.post("/people/language/", {"language": "ru", "next": "/accounts/login/"})
    assert response["Location"] == "/accounts/login/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    assert not Event.objects.filter(kind="people.language_changed").exists()


def test_an_empty_choice_goes_back_to_the_browser_language(http_as: Any, am: User) -> None:
    am.language = "ru"
    am.save()
    http = http_as("am")
    response = http.post("/people/language/", {"language": "", "next": "/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""  # deleted
    am.refresh_from_db()
    assert am.language == ""
    assert http.get("/", headers={"accept-language": "hi"}).headers["Content-Language"] == "hi"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/path", "javascript:alert(1)", ""]
)
def test_the_language_switch_never_redirects_off_site(target: str) -> None:
    response = HttpClient().post("/people/language/", {"language": "hi", "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_an_unknown_language_is_refused_and_changes_nothing(http_as: Any, am: User) -> None:
    response = http_as("am").post("/people/language/", {"language": "xx", "next": "/"})
    assert response.status_code == 400
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    am.refresh_from_db()
    assert am.language == ""


def test_the_language_switch_takes_only_posts() -> None:
    assert HttpClient().get("/people/language/?language=hi").status_code == 405


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("admin", 200),
        ("am", 200),
        ("other_am", 200),
        ("specialist", 200),
        ("finance", 200),
        ("contact_a", 403),
        ("contact_b", 403),
    ],
)
def test_directory_permission_matrix(http_as: Any, persona: str, expected: int) -> None:
    response = http_as(persona).get("/people/")
    assert response.status_code == expected
    if persona == "anonymous":
        assert response["Location"].startswith("/accounts/login/")


def test_directory_lists_staff_by_role_with_specialties_and_client_counts(
    http_as: Any, client_a: Any, contact_a: User, specialist: User
) -> None:
    response = http_as("admin").get("/people/")
    html = response.content.decode()
    groups = {group.role: group for group in response.context["groups"]}
    assert set(groups) == {"head", "am", "specialist", "finance"}
    managers = {person.email: person.clients_owned for person in groups["am"].people}
    assert managers == {"am@agency.test": 1, "other.am@agency.test": 1}
    assert "SEO" in html
    assert contact_a.email not in html  # client contacts are not agency people


def test_directory_costs_the_same_queries_for_few_and_many_people(http_as: Any, personas: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    http = http_as("am")
    with CaptureQueriesContext(connection) as few:
        http.get("/people/")
    for index in range(30):
        User.objects.create_user(
            email=f"sp{index}@agency.test", password=None, full_name=f"Sp {index}", role=User.Role.SPECIALIST
        )
    with CaptureQueriesContext(connection) as many:
        http.get("/people/")
    assert len(few) == len(many)


@pytest.mark.parametrize(
    "persona", ["anonymous", "admin", "am", "other_am", "specialist", "finance", "contact_a", "contact_b"]
)
def test_everyone_may_switch_the_language(http_as: Any, personas: Any, persona: str) -> None:
    response = http_as(persona).post("/people/language/", {"language": "ru", "next": "/portal/"})
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    user = personas[persona]
    if user is not None:
        user.refresh_from_db()
        assert user.language == "ru"
