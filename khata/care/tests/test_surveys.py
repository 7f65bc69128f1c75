"""Surveys: the signed link works once and expires, scores stay in range, a low score opens exactly
one follow-up, the triggers send each survey once, and the staff list."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse

from khata.care.configuration import survey_settings_get
from khata.care.models import Claim, Survey, SurveyAnswer, SurveySettings
from khata.care.selectors import survey_list_for
from khata.care.survey_scheduling import ACT_JOB, CLAIM_JOB, QUARTER_JOB, quarter_of
from khata.care.surveys import (
    SurveyError,
    survey_answer,
    survey_by_token,
    survey_send,
    survey_token,
    token_hash,
)
from khata.care.tests.conftest import ClaimAt, Clock
from khata.clients.models import Client, Contact
from khata.core.models import Event, ScheduledRun
from khata.core.scheduling import periodic_jobs, scheduler_pass
from khata.documents.models import Document
from khata.documents.services import act_lines_from_project, document_accept, document_send
from khata.people.models import User
from khata.plans.models import Project
from khata.production.models import Task


def _send(client: Client, contact: Contact, kind: str = "nps", **extra: Any) -> Survey:
    return survey_send(client=client, contact=contact, kind=kind, trigger=Survey.Trigger.MANUAL, **extra)


@pytest.fixture
def survey(clock: Clock, client_a: Client, contact_a_row: Contact) -> Survey:
    return _send(client_a, contact_a_row)


def _url(survey: Survey) -> str:
    return reverse("survey_answer", args=[survey_token(survey)])


# --- sending ---------------------------------------------------------------------------------------


def test_send_keeps_only_the_hash_and_emails_the_link_in_the_contacts_language(
    clock: Clock, client_a: Client, contact_a_row: Contact, django_capture_on_commit_callbacks: Any
) -> None:
    contact_a_row.language = "hi"
    contact_a_row.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        survey = _send(client_a, contact_a_row, kind="csat")
    token = survey_token(survey)
    assert survey.token_hash == token_hash(token) != token
    assert token not in survey.token_hash
    assert survey.expires_at - survey.sent_at == dt.timedelta(days=14)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [contact_a_row.user.email]  # type: ignore[union-attr]
    assert f"/s/{token}/" in str(message.body)
    assert "सर्वे" in message.subject or "सर्वेक्षण" in message.subject
    kinds = set(Event.objects.filter(client=client_a).values_list("kind", flat=True))
    assert {"care.survey_sent", "care.survey_emailed"} <= kinds


def test_send_refuses_a_contact_of_another_client(clock: Clock, client_a: Client, contact_b: User) -> None:
    with pytest.raises(SurveyError):
        _send(client_a, contact_b.contact)
    assert not Survey.objects.exists()


def test_staff_who_does_not_see_the_client_cannot_send(
    clock: Clock, client_a: Client, contact_a_row: Contact, other_am: User
) -> None:
    with pytest.raises(SurveyError):
        _send(client_a, contact_a_row, by=other_am)
    assert not Survey.objects.exists()


# --- the signed link --------------------------------------------------------------------------------


def test_link_works_once(survey: Survey) -> None:
    http = HttpClient()
    page = http.get(_url(survey))
    assert page.status_code == 200
    assert b"csrfmiddlewaretoken" in page.content
    done = http.post(_url(survey), {"score": "9", "why": "Quick and careful"})
    assert done.status_code == 200
    answer = SurveyAnswer.objects.get(survey=survey)
    assert (answer.score, answer.why, answer.in_portal) == (9, "Quick and careful", False)
    again = http.get(_url(survey))
    assert again.status_code == 410
    assert b"already been answered" in again.content
    twice = http.post(_url(survey), {"score": "2", "why": "changed my mind"})
    assert twice.status_code == 410
    assert SurveyAnswer.objects.get(survey=survey).score == 9
    assert not Claim.objects.exists()


def test_link_expires(survey: Survey, clock: Clock) -> None:
    clock.forward(days=14)
    http = HttpClient()
    page = http.get(_url(survey))
    assert page.status_code == 410
    assert b"expired" in page.content
    assert http.post(_url(survey), {"score": "3"}).status_code == 410
    assert not SurveyAnswer.objects.exists()
    with pytest.raises(SurveyError):
        survey_answer(survey=survey, score=3)


def test_link_just_before_expiry_still_works(survey: Survey, clock: Clock) -> None:
    clock.forward(days=13, hours=23)
    assert HttpClient().post(_url(survey), {"score": "10"}).status_code == 200


def test_wrong_token_is_404(survey: Survey) -> None:
    http = HttpClient()
    assert http.get(reverse("survey_answer", args=["0" * 64])).status_code == 404
    assert http.get(reverse("survey_answer", args=[survey.token_hash])).status_code == 404
    assert http.post(reverse("survey_answer", args=["nope"]), {"score": "1"}).status_code == 404
    assert survey_by_token("") is None
    assert not SurveyAnswer.objects.exists()


def test_public_link_is_rate_limited(survey: Survey, settings: Any) -> None:
    settings.KHATA_SURVEY_RATE_PER_MINUTE = 3
    http = HttpClient()
    statuses = [http.get(reverse("survey_answer", args=[f"guess{n}"])).status_code for n in range(3)]
    assert statuses == [404, 404, 404]
    assert http.get(_url(survey)).status_code == 429
    assert http.post(_url(survey), {"score": "9"}).status_code == 429
    assert not SurveyAnswer.objects.exists()


def test_public_form_is_csrf_protected(survey: Survey) -> None:
    http = HttpClient(enforce_csrf_checks=True)
    assert http.post(_url(survey), {"score": "9"}).status_code == 403
    assert not SurveyAnswer.objects.exists()


def test_page_speaks_the_contacts_language(survey: Survey, contact_a_row: Contact) -> None:
    contact_a_row.language = "ru"
    contact_a_row.save(update_fields=["language"])
    page = HttpClient().get(_url(survey))
    assert "Отправить".encode() in page.content


# --- scores ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "score"), [("nps", 11), ("nps", -1), ("csat", 0), ("csat", 6), ("nps", None)]
)
def test_score_out_of_range_is_refused(
    clock: Clock, client_a: Client, contact_a_row: Contact, kind: str, score: int | None
) -> None:
    survey = _send(client_a, contact_a_row, kind=kind)
    with pytest.raises(SurveyError) as refused:
        survey_answer(survey=survey, score=score)
    assert "score" in refused.value.message_dict
    survey.refresh_from_db()
    assert survey.answered_at is None
    assert not SurveyAnswer.objects.exists()


def test_score_out_of_range_on_the_page_is_shown_beside_the_field(
    clock: Clock, client_a: Client, contact_a_row: Contact
) -> None:
    survey = _send(client_a, contact_a_row, kind="csat")
    page = HttpClient().post(_url(survey), {"score": "7"})
    assert page.status_code == 400
    assert b"field--error" in page.content
    assert not SurveyAnswer.objects.exists()


# --- follow-ups --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "score", "opens"),
    [("nps", 6, True), ("nps", 7, False), ("nps", 0, True), ("csat", 2, True), ("csat", 3, False)],
)
def test_low_scores_open_a_claim(
    clock: Clock, client_a: Client, contact_a_row: Contact, kind: str, score: int, opens: bool
) -> None:
    survey = _send(client_a, contact_a_row, kind=kind)
    survey_answer(survey=survey, score=score, why="Too slow")
    claims = Claim.objects.filter(survey=survey)
    assert claims.count() == (1 if opens else 0)
    if opens:
        claim = claims.get()
        assert claim.source == Claim.Source.SURVEY
        assert claim.contact_id == contact_a_row.pk
        assert claim.owner_id == client_a.owner_id
        assert claim.description == "Too slow"


def test_detractor_answered_twice_opens_one_claim(survey: Survey) -> None:
    survey_answer(survey=survey, score=3, why="Late again")
    with pytest.raises(SurveyError):
        survey_answer(survey=survey, score=1, why="Still late")
    assert Claim.objects.filter(survey=survey).count() == 1
    assert SurveyAnswer.objects.filter(survey=survey).count() == 1


def _configure(**values: Any) -> None:
    SurveySettings.objects.filter(pk=survey_settings_get().pk).update(**values)


def test_task_follow_up_by_setting(
    clock: Clock, client_a: Client, contact_a_row: Contact, am: User, project: Project
) -> None:
    _configure(follow_up="task")
    survey = _send(client_a, contact_a_row)
    answer = survey_answer(survey=survey, score=4, why="Slow replies")
    assert answer.follow_up_task is not None
    task = Task.objects.get(pk=answer.follow_up_task.pk)
    assert (task.project_id, task.assignee_id) == (project.pk, am.pk)
    assert not Claim.objects.exists()


def test_task_follow_up_without_a_project_falls_back_to_a_claim(survey: Survey) -> None:
    _configure(follow_up="task")
    answer = survey_answer(survey=survey, score=4)
    assert answer.follow_up_task is None
    assert Claim.objects.filter(survey=survey).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_detractor_answers_open_one_follow_up(client_a: Client, contact_a_row: Contact) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's test database serialises every writer: the race runs on PostgreSQL")
    survey = _send(client_a, contact_a_row)
    barrier = threading.Barrier(2, timeout=30)
    outcomes: list[str] = []

    def answer(score: int) -> None:
        try:
            barrier.wait()
            survey_answer(survey=survey, score=score, why="Not good")
            outcomes.append("ok")
        except SurveyError:
            outcomes.append("refused")
        except Exception as error:
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=(score,)) for score in (2, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert SurveyAnswer.objects.filter(survey=survey).count() == 1
    assert Claim.objects.filter(survey=survey).count() == 1


def test_answer_shows_on_the_client_timeline(survey: Survey, client_a: Client) -> None:
    survey_answer(survey=survey, score=2, why="Missed the launch")
    kinds = list(Event.objects.filter(client=client_a).values_list("kind", flat=True))
    assert "care.survey_answered" in kinds
    assert "care.filed" in kinds


# --- triggers ------------------------------------------------------------------------------------------


def _jobs(*names: str) -> list[Any]:
    return [job for job in periodic_jobs() if job.name in names]


@pytest.fixture
def accepted_act(clock: Clock, act: Document, am: User, approver_a: User, done_tasks: list[Task]) -> Document:
    act_lines_from_project(document=act, by=am, task_ids=[t.pk for t in done_tasks])
    document_send(document=act, by=am)
    document_accept(document=act, by=approver_a, name="Anita")
    return Document.objects.get(pk=act.pk)


def test_accepted_act_gets_one_survey_with_two_schedulers(accepted_act: Document, approver_a: User) -> None:
    first = scheduler_pass(jobs=_jobs(ACT_JOB))
    second = scheduler_pass(jobs=_jobs(ACT_JOB))
    assert (first.enqueued[ACT_JOB], second.enqueued[ACT_JOB]) == (1, 0)
    survey = Survey.objects.get(document=accepted_act)
    assert (survey.trigger, survey.kind, survey.contact_id) == ("act_accepted", "csat", approver_a.contact.pk)
    # Even a lost ScheduledRun row sends nothing twice: the act already has its survey.
    ScheduledRun.objects.filter(job=ACT_JOB).delete()
    scheduler_pass(jobs=_jobs(ACT_JOB))
    assert Survey.objects.filter(document=accepted_act).count() == 1


def test_trigger_turned_off_sends_nothing(accepted_act: Document) -> None:
    _configure(act_accepted="off")
    scheduler_pass(jobs=_jobs(ACT_JOB))
    assert not Survey.objects.exists()


def test_closed_claim_gets_one_survey(claim_at: ClaimAt, contact_a: User) -> None:
    claim = claim_at("closed")
    scheduler_pass(jobs=_jobs(CLAIM_JOB))
    scheduler_pass(jobs=_jobs(CLAIM_JOB))
    survey = Survey.objects.get(claim=claim)
    assert survey.trigger == "claim_closed"
    survey_answer(survey=survey, score=5)
    assert Event.objects.filter(kind="care.survey_answered", subject_id=claim.pk).exists()


def test_the_list_links_the_claim_and_the_act_that_sent_each_survey(
    accepted_act: Document, claim_at: ClaimAt, http_as: Any
) -> None:
    claim = claim_at("closed")
    scheduler_pass(jobs=_jobs(ACT_JOB))
    scheduler_pass(jobs=_jobs(CLAIM_JOB))
    assert Survey.objects.filter(claim=claim).exists()
    assert Survey.objects.filter(document=accepted_act).exists()
    html = http_as("am").get(LIST).content.decode()
    assert f'href="/care/{claim.pk}/"' in html
    assert f'href="/documents/{accepted_act.pk}/"' in html and accepted_act.number in html


def test_quarterly_goes_to_each_decision_maker_once_a_quarter(
    clock: Clock, client_a: Client, client_b: Client, contact_a_row: Contact, contact_b: User
) -> None:
    Client.objects.filter(pk__in=[client_a.pk, client_b.pk]).update(status=Client.Status.ACTIVE)
    Contact.objects.filter(pk=contact_a_row.pk).update(role=Contact.Role.DECISION_MAKER)
    Contact.objects.filter(pk=contact_b.contact.pk).update(role=Contact.Role.USER)
    scheduler_pass(jobs=_jobs(QUARTER_JOB))
    scheduler_pass(jobs=_jobs(QUARTER_JOB))
    assert list(Survey.objects.values_list("contact_id", "kind", "trigger")) == [
        (contact_a_row.pk, "nps", "quarterly")
    ]
    clock.forward(days=40)  # late November → early January: a new quarter
    assert quarter_of(clock.now) == "2027Q1"
    scheduler_pass(jobs=_jobs(QUARTER_JOB))
    assert Survey.objects.count() == 2


# --- the staff list ----------------------------------------------------------------------------------


LIST = "/care/surveys/"


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("anonymous", 302),
        ("contact_a", 404),
        ("specialist", 403),
        ("am", 200),
        ("admin", 200),
        ("finance", 200),
    ],
)
def test_list_persona_matrix(survey: Survey, http_as: Any, persona: str, status: int) -> None:
    response = http_as(persona).get(LIST)
    assert response.status_code == status
    if status == 302:
        assert "/accounts/login/" in response["Location"]
    if status == 200:
        assert b"Priya" in response.content or survey.contact.full_name.encode() in response.content


def test_other_am_does_not_see_the_survey(survey: Survey, http_as: Any, other_am: User) -> None:
    page = http_as("other_am").get(LIST)
    assert page.status_code == 200
    assert survey.contact.full_name.encode() not in page.content
    assert not survey_list_for(other_am).exists()


@pytest.mark.parametrize("rows", [3, 30])
def test_list_query_count_is_fixed(
    clock: Clock,
    client_a: Client,
    contact_a_row: Contact,
    http_as: Any,
    rows: int,
    django_assert_num_queries: Any,
) -> None:
    for index in range(rows):
        survey = _send(client_a, contact_a_row, kind="nps")
        if index % 3 == 0:
            survey_answer(survey=survey, score=index % 11)
    http = http_as("am")
    with django_assert_num_queries(3):
        assert http.get(LIST).status_code == 200


def test_answer_reads_on_the_client_page(survey: Survey, client_a: Client, http_as: Any) -> None:
    survey_answer(survey=survey, score=3, why="Missed the launch date")
    page = http_as("am").get(reverse("clients:detail", args=[client_a.pk]))
    assert page.status_code == 200
    assert b"answered the NPS (0\xe2\x80\x9310) survey: 3" in page.content
