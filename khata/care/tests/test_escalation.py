"""A claim past its SLA reaches the head once per claim and clock, in the head's language, however
many passes or schedulers run; a claim answered or resolved in time never does. The head's Today card
lists the breaches; a claim near its breach stays on its AM's card."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django_tasks_db.models import DBTaskResult

from khata.care.boards import claims_card
from khata.care.escalation import ESCALATE_JOB, claim_escalate
from khata.care.models import Claim
from khata.care.services import claim_acknowledge, claim_file, claim_reopen
from khata.care.tests.conftest import ClaimAt, Clock, reason
from khata.clients.models import Client
from khata.core.models import Event, ScheduledRun
from khata.core.scheduling import PeriodicJob, periodic_jobs, scheduler_pass
from khata.people.models import User

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


def make_head(email: str, name: str, *, language: str) -> User:
    return User.objects.create_user(
        email=email, password="not-used-here", full_name=name, role=User.Role.HEAD, language=language
    )


def escalation_jobs() -> list[PeriodicJob]:
    return [job for job in periodic_jobs() if job.name == ESCALATE_JOB]


def escalate(clock: Clock, at: dt.datetime) -> int:
    clock.set(at)
    return scheduler_pass(now=at, jobs=escalation_jobs()).total


def escalations() -> list[tuple[int, str]]:
    events = Event.objects.filter(kind="care.escalated").order_by("id")
    return [(event.data["claim"], event.data["clock"]) for event in events]


def test_each_breached_clock_reaches_every_head_once_in_their_language(
    claim: Claim, clock: Clock, admin: User, am: User
) -> None:
    admin.language = "hi"
    admin.save(update_fields=["language"])
    second = make_head("second.head@agency.test", "Olga Head", language="ru")
    assert escalate(clock, claim.first_response_due - MINUTE) == 0
    assert mail.outbox == []

    assert escalate(clock, claim.first_response_due + MINUTE) == 1
    assert escalate(clock, claim.first_response_due + 2 * MINUTE) == 0
    assert sorted(message.to[0] for message in mail.outbox) == [admin.email, second.email]
    assert am.email not in [message.to[0] for message in mail.outbox]
    by_head = {message.to[0]: message for message in mail.outbox}
    english = "Claim without a first response past its SLA: The landing page copy has typos"
    assert by_head[admin.email].subject != english and "The landing page copy has typos" in (
        by_head[admin.email].subject
    )
    assert by_head[second.email].subject != english
    assert f"/care/{claim.pk}/" in by_head[admin.email].body
    assert escalations() == [(claim.pk, "first_response")]

    # Still unanswered when the resolution is due: the second clock is escalated too, once.
    assert escalate(clock, claim.resolution_due + MINUTE) == 1
    assert escalate(clock, claim.resolution_due + 3 * MINUTE) == 0
    assert escalations() == [(claim.pk, "first_response"), (claim.pk, "resolution")]
    assert len(mail.outbox) == 4
    event = Event.objects.filter(kind="care.escalated").order_by("id").first()
    assert event is not None and event.client_id == claim.client_id and event.actor_id is None


def test_claims_answered_or_resolved_in_time_are_not_escalated(claim_at: ClaimAt, clock: Clock) -> None:
    answered = claim_at("acknowledged")  # first response given in time
    resolved = claim_at("resolved")
    closed = claim_at("closed")
    assert escalate(clock, answered.first_response_due + dt.timedelta(hours=1)) == 0
    late = max(c.resolution_due for c in (answered, resolved, closed)) + dt.timedelta(days=1)
    assert escalate(clock, late) == 1  # only the acknowledged claim's resolution, still being worked on
    assert escalations() == [(answered.pk, "resolution")]


def test_a_claim_answered_after_it_was_found_late_is_left_alone(
    claim: Claim, clock: Clock, am: User, admin: User
) -> None:
    clock.set(claim.first_response_due + MINUTE)
    claim_acknowledge(claim=claim, by=am)
    claim.refresh_from_db()
    assert claim_escalate(claim=claim, clock="first_response") == 0
    assert mail.outbox == [] and escalations() == []


def test_a_reopened_claim_is_escalated_once_for_its_resolution(
    claim_at: ClaimAt, clock: Clock, admin: User, contact_a: User
) -> None:
    claim = claim_at("resolved")
    claim_reopen(claim=claim, by=contact_a, reason="Still typos")
    assert escalate(clock, claim.resolution_due + MINUTE) == 1
    assert escalate(clock, claim.resolution_due + dt.timedelta(days=2)) == 0
    assert escalations() == [(claim.pk, "resolution")]


def test_the_heads_card_lists_the_breaches_and_the_ams_card_keeps_the_near_ones(
    clock: Clock, am: User, admin: User, client_a: Client
) -> None:
    late = claim_file(by=am, client=client_a, reason=reason(), title="Late one", severity="critical")
    near = claim_file(by=am, client=client_a, reason=reason(), title="Near one", severity="normal")
    # Critical: one working hour to answer; normal: eight, of which 7 h 30 are gone.
    clock.forward(hours=7, minutes=30)
    head = claims_card(admin, today=clock.now.date(), limit=10)
    mine = claims_card(am, today=clock.now.date(), limit=10)
    assert head is not None and mine is not None
    assert str(head.title) == "Claims past their SLA"
    assert [row.claim.pk for row in head.items] == [late.pk] and head.total == 1
    assert [row.claim.pk for row in mine.items] == [late.pk, near.pk]
    assert [row.clock.state for row in mine.items] == ["breached", "near"]


def test_the_heads_card_says_when_nothing_is_late(claim: Claim, admin: User, clock: Clock) -> None:
    head = claims_card(admin, today=clock.now.date(), limit=10)
    assert head is not None and head.items == [] and str(head.empty) == "No claim is past its SLA."


@pytest.mark.parametrize("size", [3, 30])
def test_the_heads_card_costs_the_same_with_3_or_30_late_claims(
    size: int, clock: Clock, am: User, admin: User, client_a: Client, django_assert_num_queries: Any
) -> None:
    for index in range(size):
        claim_file(by=am, client=client_a, reason=reason(), title=f"Claim {index}", severity="critical")
    clock.forward(days=2)
    with django_assert_num_queries(5):
        card = claims_card(admin, today=clock.now.date(), limit=10)
    assert card is not None and len(card.items) == min(size, 10) and card.total == size


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_escalate_each_clock_once(
    clock: Clock, am: User, admin: User, client_a: Client, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    claim = claim_file(by=am, client=client_a, reason=reason(), title="Nobody answered", severity="high")
    start = threading.Barrier(2, timeout=30)

    def racing(job: PeriodicJob) -> PeriodicJob:
        def due(now: dt.datetime) -> list[tuple[str, dict[str, Any]]]:
            items = list(job.due(now))
            start.wait()
            return items

        return PeriodicJob(name=job.name, due=due, task=job.task)

    jobs = [racing(job) for job in escalation_jobs()]
    errors: list[BaseException] = []

    def scheduler(now: dt.datetime) -> None:
        try:
            scheduler_pass(now=now, jobs=jobs)
        except BaseException as error:  # the assertion below shows it
            errors.append(error)
        finally:
            connection.close()

    at = claim.first_response_due + MINUTE
    clock.set(at)
    threads = [threading.Thread(target=scheduler, args=(at,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert list(ScheduledRun.objects.values_list("job", "key")) == [
        (ESCALATE_JOB, f"{claim.pk}:first_response")
    ]
    tasks = DBTaskResult.objects.filter(task_path="khata.care.escalation.claim_escalate_task")
    assert tasks.count() == 1 and mail.outbox == []

    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)

    assert [message.to[0] for message in mail.outbox] == [admin.email]
    assert escalations() == [(claim.pk, "first_response")]
