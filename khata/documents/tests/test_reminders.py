"""Contract reminders: the AM (and the backup AM) hear once of a contract's end and of its last day to
give notice, however often and however many schedulers run; never of drafts or ended contracts."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from khata.clients.models import Client
from khata.core.models import Event, ScheduledRun
from khata.core.scheduling import PeriodicJob, periodic_jobs, scheduler_pass
from khata.documents.models import Document
from khata.documents.reminders import contract_reminder_message
from khata.documents.scheduling import END_JOB, NOTICE_JOB
from khata.documents.services import (
    contract_terminate,
    document_accept,
    document_archive,
    document_send,
)
from khata.documents.tasks import contract_reminder_task
from khata.people.models import User

# The contract fixture ends on 31 Dec 2026 with 30 days' notice: the last day to give notice is 1 Dec.
BEFORE_NOTICE = dt.datetime(2026, 11, 25, 4, 30, tzinfo=dt.UTC)  # 10:00 in Kolkata, 36 days before the end
BEFORE_END = dt.datetime(2026, 12, 5, 4, 30, tzinfo=dt.UTC)  # the notice date has passed
NOTICE_SUBJECT = "Contract CTR/2026/0001 with Acme Retail: the last day to give notice is 1 Dec 2026"
END_SUBJECT = "Contract CTR/2026/0001 with Acme Retail ends on 31 Dec 2026"


def reminder_jobs() -> list[PeriodicJob]:
    return [job for job in periodic_jobs() if job.name in (END_JOB, NOTICE_JOB)]


def remind(now: dt.datetime) -> int:
    return scheduler_pass(now=now, jobs=reminder_jobs()).total


def signed(contract: Document, am: User) -> Document:
    document_send(document=contract, by=am)
    document_accept(document=contract, by=am, name="Anita Approver", in_portal=False)
    contract.refresh_from_db()
    return contract


def reminder_events() -> list[tuple[str, str]]:
    events = Event.objects.filter(kind__startswith="documents.reminder").order_by("id")
    return [(event.kind, event.summary) for event in events]


@pytest.fixture
def in_force(contract: Document, am: User) -> Document:
    return signed(contract, am)


@pytest.mark.django_db
def test_the_am_hears_of_the_notice_date_then_of_the_end_once_each(in_force: Document, am: User) -> None:
    assert remind(BEFORE_NOTICE - dt.timedelta(days=30)) == 0  # 36 days before the notice date

    assert remind(BEFORE_NOTICE) == 1
    assert remind(BEFORE_NOTICE + dt.timedelta(hours=1)) == 0
    assert [(m.to, m.subject) for m in mail.outbox] == [(["am@agency.test"], NOTICE_SUBJECT)]
    body = mail.outbox[0].body
    assert "Dear Arjun Manager," in body
    assert '"Master services agreement" runs from 1 Jan 2026 to 31 Dec 2026.' in body
    assert "It does not renew automatically" in body
    assert f"http://127.0.0.1:8000/documents/{in_force.pk}/" in body

    assert remind(BEFORE_END) == 1
    assert remind(BEFORE_END + dt.timedelta(days=1)) == 0
    assert [m.subject for m in mail.outbox] == [NOTICE_SUBJECT, END_SUBJECT]
    assert reminder_events() == [
        (
            "documents.reminder_sent",
            "Reminder to Arjun Manager: the last day to give notice on CTR/2026/0001 with Acme Retail "
            "is 2026-12-01",
        ),
        (
            "documents.reminder_sent",
            "Reminder to Arjun Manager: CTR/2026/0001 with Acme Retail ends on 2026-12-31",
        ),
    ]
    event = Event.objects.filter(kind="documents.reminder_sent").first()
    assert event is not None and event.actor is None
    assert (event.client_id, event.subject_id) == (in_force.client_id, in_force.pk)


@pytest.mark.django_db
def test_the_backup_am_hears_too_in_their_language(
    in_force: Document, client_a: Client, other_am: User
) -> None:
    other_am.language = "hi"
    other_am.save(update_fields=["language"])
    Client.objects.filter(pk=client_a.pk).update(backup=other_am)
    Document.objects.filter(pk=in_force.pk).update(auto_renew=True)

    remind(BEFORE_NOTICE)

    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {"am@agency.test", "other.am@agency.test"}
    assert by_address["am@agency.test"].subject == NOTICE_SUBJECT
    assert (
        "It renews automatically unless notice is given by 1 Dec 2026." in by_address["am@agency.test"].body
    )
    hindi = by_address["other.am@agency.test"]
    assert hindi.subject != NOTICE_SUBJECT and "CTR/2026/0001" in hindi.subject
    in_force.refresh_from_db()
    with translation.override("hi"):
        assert hindi.subject == contract_reminder_message(in_force, "notice", other_am).subject
    assert Event.objects.filter(kind="documents.reminder_sent").count() == 2


@pytest.mark.django_db
def test_drafts_sent_terminated_and_archived_contracts_are_left_alone(
    contract: Document, am: User, client_a: Client
) -> None:
    assert remind(BEFORE_NOTICE) == 0  # a draft
    document_send(document=contract, by=am)
    assert remind(BEFORE_NOTICE) == 0  # waiting for the client's signature
    document_accept(document=contract, by=am, name="Anita Approver", in_portal=False)
    contract.refresh_from_db()
    contract_terminate(document=contract, by=am, on=dt.date(2026, 11, 1), reason="The client merged")
    assert remind(BEFORE_NOTICE) == 0
    Document.objects.filter(pk=contract.pk).update(status=Document.Status.ARCHIVED)
    assert remind(BEFORE_END) == 0
    assert mail.outbox == [] and ScheduledRun.objects.count() == 0


@pytest.mark.django_db
def test_an_archived_contract_is_not_reminded(in_force: Document, am: User) -> None:
    document_archive(document=in_force, by=am)
    assert remind(BEFORE_NOTICE) == 0 and remind(BEFORE_END) == 0 and mail.outbox == []


@pytest.mark.django_db
def test_a_moved_end_date_reminds_again_and_the_old_date_is_not_sent(in_force: Document) -> None:
    remind(BEFORE_END)
    assert [m.subject for m in mail.outbox] == [END_SUBJECT]
    # The contract is prolonged (a renewal in force): the new end date is due in its own time.
    Document.objects.filter(pk=in_force.pk).update(end_date=dt.date(2027, 1, 2), notice_days=None)

    assert remind(BEFORE_END) == 1
    assert mail.outbox[-1].subject == "Contract CTR/2026/0001 with Acme Retail ends on 2 Jan 2027"
    # A reminder enqueued for a date the contract no longer has sends nothing.
    assert contract_reminder_task.call(document_id=in_force.pk, reminder="end", on="2026-12-31") == 0
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_a_failing_mail_server_is_a_failed_reminder_on_the_timeline(
    in_force: Document, settings: Any
) -> None:
    settings.MAILERS = {"default": {"BACKEND": "khata.production.tests.test_reports.BrokenBackend"}}

    assert remind(BEFORE_NOTICE) == 1

    assert reminder_events() == [
        (
            "documents.reminder_failed",
            "The reminder to Arjun Manager about CTR/2026/0001 could not be emailed",
        )
    ]


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_send_each_reminder_once(
    kinds: None, contract: Document, am: User, client_a: Client, other_am: User, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    Client.objects.filter(pk=client_a.pk).update(backup=other_am)
    signed(contract, am)
    start = threading.Barrier(2, timeout=30)

    def racing(job: PeriodicJob) -> PeriodicJob:
        def due(now: dt.datetime) -> list[tuple[str, dict[str, Any]]]:
            items = list(job.due(now))
            start.wait()
            return items

        return PeriodicJob(name=job.name, due=due, task=job.task)

    jobs = [racing(job) for job in reminder_jobs()]
    errors: list[BaseException] = []

    def scheduler(now: dt.datetime) -> None:
        try:
            for job in jobs:
                scheduler_pass(now=now, jobs=[job])
        except BaseException as error:  # the assertion below shows it
            errors.append(error)
        finally:
            connection.close()

    for now in (BEFORE_NOTICE, BEFORE_END):
        threads = [threading.Thread(target=scheduler, args=(now,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert errors == []
    assert sorted(ScheduledRun.objects.values_list("job", flat=True)) == [END_JOB, NOTICE_JOB]
    reminders = DBTaskResult.objects.filter(task_path="khata.documents.tasks.contract_reminder_task")
    assert reminders.count() == 2 and mail.outbox == []

    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)

    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        ("am@agency.test", END_SUBJECT),
        ("am@agency.test", NOTICE_SUBJECT),
        ("other.am@agency.test", END_SUBJECT),
        ("other.am@agency.test", NOTICE_SUBJECT),
    ]
    assert Event.objects.filter(kind="documents.reminder_sent").count() == 4
