"""Background work: periodic jobs enqueue each due item once, however many schedulers run, and the
database worker runs what waits in the queue."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.tasks import task
from django_tasks_db.models import DBTaskResult

from khata.cli import main
from khata.core import scheduling
from khata.core.models import Event, ScheduledRun
from khata.core.scheduling import PeriodicJob, register_periodic_job, scheduler_pass
from khata.core.services import event_record

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)


@task
def note(*, item: str) -> str:
    """The test job's work: one timeline event per run, so a test counts the runs."""
    event_record(kind="test.note", summary=f"Ran for {item}", by=None)
    return item


def due_items(count: int) -> Callable[[dt.datetime], list[tuple[str, dict[str, Any]]]]:
    def due(now: dt.datetime) -> list[tuple[str, dict[str, Any]]]:
        return [(f"item-{n}:{now.date()}", {"item": f"item-{n}"}) for n in range(count)]

    return due


def runs() -> list[str]:
    return sorted(Event.objects.filter(kind="test.note").values_list("summary", flat=True))


@pytest.mark.django_db
def test_each_due_item_is_enqueued_once_over_many_passes() -> None:
    job = PeriodicJob(name="test.note", due=due_items(3), task=note)

    first = scheduler_pass(now=NOW, jobs=[job])
    second = scheduler_pass(now=NOW + dt.timedelta(minutes=1), jobs=[job])

    assert (first.enqueued, first.skipped) == ({"test.note": 3}, {"test.note": 0})
    assert (second.enqueued, second.skipped) == ({"test.note": 0}, {"test.note": 3})
    assert runs() == ["Ran for item-0", "Ran for item-1", "Ran for item-2"]
    assert ScheduledRun.objects.filter(job="test.note").count() == 3


@pytest.mark.django_db
def test_an_item_whose_key_changes_is_due_again() -> None:
    job = PeriodicJob(name="test.note", due=due_items(1), task=note)

    scheduler_pass(now=NOW, jobs=[job])
    again = scheduler_pass(now=NOW + dt.timedelta(days=1), jobs=[job])

    assert again.enqueued == {"test.note": 1}
    assert runs() == ["Ran for item-0", "Ran for item-0"]


@pytest.mark.django_db
def test_a_failing_job_leaves_no_run_behind_and_the_others_go_on(settings: Any) -> None:
    settings.TASKS = DATABASE_TASKS
    # The database backend cannot keep an object that is not JSON: the enqueue fails.
    broken = PeriodicJob(name="test.broken", due=lambda now: [("one", {"item": object()})], task=note)
    good = PeriodicJob(name="test.note", due=due_items(1), task=note)

    result = scheduler_pass(now=NOW, jobs=[broken, good])

    assert result.failed == ["test.broken"]
    assert result.enqueued == {"test.broken": 0, "test.note": 1}
    assert list(ScheduledRun.objects.values_list("job", flat=True)) == ["test.note"]
    assert DBTaskResult.objects.count() == 1


@pytest.mark.django_db
def test_keys_and_names_longer_than_the_row_keeps_are_refused() -> None:
    with pytest.raises(ValueError, match="too long"):
        register_periodic_job("x" * 101, due=due_items(1), task=note)
    job = PeriodicJob(name="test.note", due=lambda now: [("k" * 201, {"item": "long"})], task=note)
    assert scheduler_pass(now=NOW, jobs=[job]).failed == ["test.note"]
    assert ScheduledRun.objects.count() == 0


@pytest.mark.django_db
def test_the_scheduler_command_makes_one_pass_over_the_registered_jobs(monkeypatch: Any) -> None:
    monkeypatch.setattr(scheduling, "_JOBS", {})
    register_periodic_job("test.note", due=due_items(2), task=note)

    call_command("scheduler", "--once", verbosity=0)
    call_command("scheduler", "--once", verbosity=0)

    assert runs() == ["Ran for item-0", "Ran for item-1"]
    with pytest.raises(CommandError, match="--every"):
        call_command("scheduler", "--every", "0")


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_enqueue_each_item_exactly_once(settings: Any) -> None:
    """Two schedulers ask for the same items at the same moment; the unique run row lets one win."""
    settings.TASKS = DATABASE_TASKS
    count = 20
    start = threading.Barrier(2, timeout=30)

    def due(now: dt.datetime) -> list[tuple[str, dict[str, Any]]]:
        start.wait()  # both schedulers have read nothing yet, and both insert the same keys now
        return due_items(count)(now)

    job = PeriodicJob(name="test.note", due=due, task=note)
    enqueued: list[int] = []
    errors: list[BaseException] = []

    def scheduler() -> None:
        try:
            enqueued.append(scheduler_pass(now=NOW, jobs=[job]).total)
        except BaseException as error:  # the assertion below shows it
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(enqueued) == count
    assert ScheduledRun.objects.filter(job="test.note").count() == count
    assert DBTaskResult.objects.count() == count

    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)

    assert runs() == sorted(f"Ran for item-{n}" for n in range(count))
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == count


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_what_waits_in_the_database(settings: Any) -> None:
    settings.TASKS = DATABASE_TASKS

    result = note.enqueue(item="queued")

    assert runs() == []
    assert DBTaskResult.objects.get().status == "READY"

    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)

    assert runs() == ["Ran for queued"]
    assert result.id == str(DBTaskResult.objects.get(status="SUCCESSFUL").id)


@pytest.mark.parametrize(("verb", "words"), [("worker", "--batch"), ("scheduler", "--once")])
def test_the_khata_command_explains_the_worker_and_the_scheduler(
    capsys: pytest.CaptureFixture[str], verb: str, words: str
) -> None:
    main(["--help"])
    assert f"khata {verb} [{words}]" in capsys.readouterr().out

    with pytest.raises(SystemExit) as raised:
        main([verb, "--help"])

    text = capsys.readouterr().out
    assert raised.value.code == 0
    assert text.startswith(f"usage: khata {verb} ") and words in text
