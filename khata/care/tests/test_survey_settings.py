"""The agency's survey settings: the head changes which events send which survey, how long a link
works and what a low score opens; bad values are refused beside their field and change nothing; the
scheduler and the answers follow what is stored."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from khata.care.configuration import survey_settings_get, survey_settings_update
from khata.care.models import Claim, Survey, SurveySettings
from khata.care.survey_scheduling import QUARTER_JOB, survey_quarterly_task
from khata.care.surveys import survey_answer, survey_send
from khata.care.tests.conftest import Clock
from khata.clients.models import Client, Contact
from khata.core.models import Event
from khata.core.scheduling import periodic_jobs, scheduler_pass
from khata.people.models import User
from khata.plans.models import Project

pytestmark = pytest.mark.django_db

URL = "/care/settings/surveys/"
# Anonymous → sign in; a client contact → 404; staff but the head → 403; the head → 200 / 302.
EXPECTED = {
    "contact_a": 404,
    "contact_b": 404,
    "am": 403,
    "other_am": 403,
    "finance": 403,
    "specialist": 403,
}
PERSONAS = ["anonymous", "admin", *EXPECTED]
DEFAULTS = {
    "act_accepted": "csat",
    "claim_closed": "csat",
    "quarterly": "nps",
    "expiry_days": 14,
    "follow_up": "claim",
}


def stored() -> dict[str, Any]:
    row = SurveySettings.objects.values(*DEFAULTS).get()
    return {**row, "events": Event.objects.count()}


def check(response: Any, persona: str, allowed: int) -> None:
    if persona == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        return
    assert response.status_code == EXPECTED.get(persona, allowed), (persona, response.status_code)


def test_the_url_is_the_care_settings_surveys_page() -> None:
    assert reverse("care:settings_surveys") == URL


def test_the_migration_stores_todays_behaviour() -> None:
    # The row the data migration wrote (no get_or_create needed) holds the defaults.
    assert SurveySettings.objects.count() == 1
    config = SurveySettings.objects.get()
    assert {name: getattr(config, name) for name in DEFAULTS} == DEFAULTS
    assert config.triggers() == {"act_accepted": "csat", "claim_closed": "csat", "quarterly": "nps"}


def test_a_missing_row_is_made_with_the_defaults() -> None:
    SurveySettings.objects.all().delete()
    config = survey_settings_get()
    assert config.pk == SurveySettings.SINGLETON
    assert config.expiry_days == 14 and config.follow_up == "claim"


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_page_answers_each_persona(http_as: Any, persona: str) -> None:
    response = http_as(persona).get(URL)
    check(response, persona, 200)
    if persona == "admin":
        body = response.content.decode()
        for name in ("act_accepted", "claim_closed", "quarterly", "expiry_days", "follow_up"):
            assert f'name="{name}"' in body
        assert "no one has changed them yet" in body


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_head_changes_the_survey_settings(http_as: Any, persona: str, admin: User) -> None:
    before = stored()
    post = {**DEFAULTS, "quarterly": "off", "act_accepted": "nps", "expiry_days": 30, "follow_up": "task"}
    response = http_as(persona).post(URL, post)
    check(response, persona, 302)
    if persona != "admin":
        assert stored() == before
        return
    config = SurveySettings.objects.get()
    assert config.triggers() == {"act_accepted": "nps", "claim_closed": "csat"}
    assert (config.expiry_days, config.follow_up, config.updated_by_id) == (30, "task", admin.pk)
    event = Event.objects.get(kind="care.survey_settings_changed")
    assert event.actor_id == admin.pk
    assert "expiry_days 14 → 30" in event.summary and "quarterly nps → off" in event.summary
    page = http_as("admin").get(URL).content.decode()
    assert f"Last changed by {admin.full_name}" in page


def test_the_page_costs_the_same_queries_before_and_after_a_change(
    http_as: Any, django_assert_num_queries: Any
) -> None:
    http = http_as("admin")
    http.get(URL)  # the session's first read of the user is not the page's
    # The session, the user, the settings with who changed them last.
    with django_assert_num_queries(3):
        http.get(URL)
    assert http.post(URL, {**DEFAULTS, "expiry_days": 21}).status_code == 302
    with django_assert_num_queries(3):
        assert "Last changed by" in http.get(URL).content.decode()


def test_saving_the_same_values_records_nothing(http_as: Any) -> None:
    before = stored()
    assert http_as("admin").post(URL, DEFAULTS).status_code == 302
    assert stored() == before


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"expiry_days": 0}, "expiry_days", "from 1 to 90 days"),
        ({"expiry_days": 91}, "expiry_days", "from 1 to 90 days"),
        ({"expiry_days": -5}, "expiry_days", "from 1 to 90 days"),
        ({"expiry_days": "two weeks"}, "expiry_days", "whole number of days"),
        ({"expiry_days": ""}, "expiry_days", "whole number of days"),
        ({"quarterly": "sms"}, "quarterly", "NPS, CSAT or no survey"),
        ({"act_accepted": ""}, "act_accepted", "NPS, CSAT or no survey"),
        ({"follow_up": "email"}, "follow_up", "a claim or a task"),
    ],
)
def test_bad_values_are_refused_beside_the_field_and_nothing_changes(
    http_as: Any, changes: dict[str, Any], field: str, message: str
) -> None:
    before = stored()
    # A valid change in the same form is not saved either: all or nothing.
    response = http_as("admin").post(URL, {**DEFAULTS, "claim_closed": "nps", **changes})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert message in response.content.decode()
    assert stored() == before


def test_the_service_refuses_bad_values_and_other_people(admin: User, am: User) -> None:
    before = stored()
    with pytest.raises(ValidationError) as refused:
        survey_settings_update(by=admin, expiry_days=120, follow_up="call", claim_closed="csat")
    assert set(refused.value.message_dict) == {"expiry_days", "follow_up"}
    with pytest.raises(ValidationError):
        survey_settings_update(by=am, expiry_days=30)
    with pytest.raises(ValidationError):
        survey_settings_update(by=admin, expiry_days=True)
    assert stored() == before


def test_the_care_settings_tabs_lead_to_the_surveys(http_as: Any) -> None:
    body = http_as("admin").get(reverse("care:settings_sla")).content.decode()
    assert f'href="{URL}"' in body


# --- what the settings change -------------------------------------------------------------------


def test_a_survey_link_lives_as_many_days_as_set(
    clock: Clock, admin: User, client_a: Client, contact_a_row: Contact
) -> None:
    survey_settings_update(by=admin, expiry_days=3)
    survey = survey_send(client=client_a, contact=contact_a_row, kind="nps", trigger="manual")
    assert survey.expires_at - survey.sent_at == dt.timedelta(days=3)
    clock.forward(days=3)
    with pytest.raises(ValidationError, match="expired"):
        survey_answer(survey=survey, score=9)


def test_a_low_score_opens_a_task_once_the_head_says_so(
    clock: Clock, admin: User, am: User, client_a: Client, contact_a_row: Contact, project: Project
) -> None:
    survey_settings_update(by=admin, follow_up="task")
    survey = survey_send(client=client_a, contact=contact_a_row, kind="csat", trigger="manual")
    answer = survey_answer(survey=survey, score=1, why="Late")
    assert answer.follow_up_task is not None and answer.follow_up_task.assignee_id == am.pk
    assert not Claim.objects.filter(survey=survey).exists()


def _decision_makers(n: int, clients: list[Client]) -> None:
    Client.objects.filter(pk__in=[c.pk for c in clients]).update(status=Client.Status.ACTIVE)
    Contact.objects.all().update(role=Contact.Role.USER)
    for number in range(n):
        client = clients[number % len(clients)]
        Contact.objects.create(
            client=client,
            full_name=f"Decider {number}",
            email=f"decider{number}@example.com",
            role=Contact.Role.DECISION_MAKER,
        )


def _settings_queries(context: CaptureQueriesContext) -> int:
    return sum(1 for query in context.captured_queries if "care_surveysettings" in query["sql"])


@pytest.mark.parametrize("contacts", [3, 12])
def test_a_quarterly_pass_reads_the_settings_once_whatever_the_number_of_clients(
    clock: Clock, admin: User, client_a: Client, client_b: Client, contacts: int
) -> None:
    survey_settings_update(by=admin, quarterly="csat", expiry_days=45)
    _decision_makers(contacts, [client_a, client_b])
    jobs = [job for job in periodic_jobs() if job.name == QUARTER_JOB]
    with CaptureQueriesContext(connection) as context:
        result = scheduler_pass(jobs=jobs)
    assert result.enqueued[QUARTER_JOB] == contacts
    assert _settings_queries(context) == 1
    assert set(Survey.objects.values_list("kind", "trigger")) == {("csat", "quarterly")}
    lives = {survey.expires_at - survey.sent_at for survey in Survey.objects.all()}
    assert lives == {dt.timedelta(days=45)}


def test_a_quarterly_survey_turned_off_sends_nothing(
    clock: Clock, admin: User, client_a: Client, client_b: Client
) -> None:
    survey_settings_update(by=admin, quarterly="off")
    _decision_makers(3, [client_a, client_b])
    scheduler_pass(jobs=[job for job in periodic_jobs() if job.name == QUARTER_JOB])
    assert not Survey.objects.exists()


def test_a_task_enqueued_before_the_settings_were_passed_along_reads_them_itself(
    clock: Clock, admin: User, client_a: Client, contact_a_row: Contact
) -> None:
    Client.objects.filter(pk=client_a.pk).update(status=Client.Status.ACTIVE)
    survey_settings_update(by=admin, quarterly="csat", expiry_days=7)
    assert survey_quarterly_task.call(contact_id=contact_a_row.pk, quarter="2026Q4") == 1
    survey = Survey.objects.get()
    assert (survey.kind, survey.expires_at - survey.sent_at) == ("csat", dt.timedelta(days=7))
