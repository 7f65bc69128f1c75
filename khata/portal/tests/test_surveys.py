"""Surveys in the portal: the contact's open surveys, answering one once, and the home's section."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from khata.care.models import Claim, Survey, SurveyAnswer
from khata.care.surveys import survey_answer, survey_send
from khata.clients.models import Client, Contact
from khata.clients.services import contact_create
from khata.people.models import User

pytestmark = pytest.mark.django_db

LIST = "/portal/surveys/"


def _send(client: Client, contact: Contact, kind: str = "nps") -> Survey:
    return survey_send(client=client, contact=contact, kind=kind, trigger=Survey.Trigger.QUARTERLY)


@pytest.fixture
def survey(client_a: Client, contact_a_row: Contact) -> Survey:
    return _send(client_a, contact_a_row)


def _detail(survey: Survey) -> str:
    return reverse("portal:survey", args=[survey.pk])


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 302), ("am", 302), ("contact_b", 404), ("contact_a", 200)],
)
def test_answer_page_persona_matrix(survey: Survey, http_as: Any, persona: str, status: int) -> None:
    response = http_as(persona).get(_detail(survey))
    assert response.status_code == status
    if persona == "anonymous":
        assert "/accounts/login/" in response["Location"]
    posted = http_as(persona).post(_detail(survey), {"score": "1", "why": "x"})
    assert posted.status_code in {302, 404}
    if persona != "contact_a":
        assert not SurveyAnswer.objects.exists()


@pytest.mark.parametrize(("persona", "status"), [("anonymous", 302), ("am", 302), ("contact_a", 200)])
def test_list_persona_matrix(survey: Survey, http_as: Any, persona: str, status: int) -> None:
    assert http_as(persona).get(LIST).status_code == status


def test_contact_b_sees_no_survey_of_client_a(survey: Survey, http_as: Any) -> None:
    page = http_as("contact_b").get(LIST)
    assert page.status_code == 200
    assert _detail(survey).encode() not in page.content


def test_a_colleagues_survey_is_404(client_a: Client, contact_a: User, am: User, http_as: Any) -> None:
    colleague = contact_create(
        by=am, client=client_a, full_name="Ravi Colleague", email="ravi@acme.test", role="decision_maker"
    )
    theirs = _send(client_a, colleague)
    assert http_as("contact_a").get(_detail(theirs)).status_code == 404
    assert http_as("contact_a").post(_detail(theirs), {"score": "2"}).status_code == 404
    assert not SurveyAnswer.objects.exists()


def test_contact_answers_once_in_the_portal(survey: Survey, http_as: Any) -> None:
    http = http_as("contact_a")
    listed = http.get(LIST)
    assert _detail(survey).encode() in listed.content
    done = http.post(_detail(survey), {"score": "4", "why": "Reports come late"})
    assert done.status_code == 302
    answer = SurveyAnswer.objects.get(survey=survey)
    assert (answer.score, answer.in_portal) == (4, True)
    assert Claim.objects.filter(survey=survey).count() == 1
    assert _detail(survey).encode() not in http.get(LIST).content
    again = http.post(_detail(survey), {"score": "10"})
    assert again.status_code == 400
    assert SurveyAnswer.objects.get(survey=survey).score == 4
    assert Claim.objects.filter(survey=survey).count() == 1


def test_score_out_of_range_is_shown_beside_the_field(
    client_a: Client, contact_a_row: Contact, http_as: Any
) -> None:
    survey = _send(client_a, contact_a_row, kind="csat")
    page = http_as("contact_a").post(_detail(survey), {"score": "0"})
    assert page.status_code == 400
    assert b"field--error" in page.content
    assert not SurveyAnswer.objects.exists()


def test_home_shows_surveys_waiting(survey: Survey, http_as: Any) -> None:
    home = http_as("contact_a").get("/portal/")
    assert b"Surveys waiting for you" in home.content
    assert _detail(survey).encode() in home.content
    survey_answer(survey=survey, score=9)
    assert _detail(survey).encode() not in http_as("contact_a").get("/portal/").content


def test_csrf_is_checked(survey: Survey, contact_a: User) -> None:
    http = HttpClient(enforce_csrf_checks=True)
    http.force_login(contact_a, backend="django.contrib.auth.backends.ModelBackend")
    assert http.post(_detail(survey), {"score": "9"}).status_code == 403
    assert not SurveyAnswer.objects.exists()


@pytest.mark.parametrize("rows", [3, 30])
def test_list_query_count_is_fixed(
    client_a: Client, contact_a_row: Contact, http_as: Any, rows: int, django_assert_num_queries: Any
) -> None:
    for _ in range(rows):
        _send(client_a, contact_a_row)
    http = http_as("contact_a")
    with django_assert_num_queries(4):
        assert http.get(LIST).status_code == 200
