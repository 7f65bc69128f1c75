"""Periodic jobs: what ``khata scheduler`` enqueues, once per due item.

An app registers a job in its ``ready()``: a name, a ``due`` function that lists the items due at a
given moment as ``(key, kwargs)`` pairs, and the task to enqueue for each. A pass of the scheduler
asks every job what is due and, for each item, inserts a ``ScheduledRun(job, key)`` row and enqueues
the task in one transaction. The row is unique per (job, key): an item already run, or being run by a
second scheduler at the same moment, fails the insert and is left alone. A key that changes with the
item (a moved date, say) makes it due again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.tasks import Task
from django.utils import timezone

from khata.core.models import ScheduledRun

logger = logging.getLogger(__name__)

DueItems = Iterable[tuple[str, dict[str, Any]]]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    due: Callable[[dt.datetime], DueItems]
    task: Task[..., Any]


_JOBS: dict[str, PeriodicJob] = {}

# Keys are looked up in chunks, so a long list of due items costs a few queries, not one each.
CHUNK = 500
KEY_LENGTH = 200  # ScheduledRun.key
NAME_LENGTH = 100  # ScheduledRun.job


def register_periodic_job(name: str, *, due: Callable[[dt.datetime], DueItems], task: Task[..., Any]) -> None:
    """Add a periodic job (registering the same name again replaces it: apps may be set up twice)."""
    if len(name) > NAME_LENGTH:
        raise ValueError(f"A periodic job's name is too long: {name!r}")
    _JOBS[name] = PeriodicJob(name=name, due=due, task=task)


def periodic_jobs() -> list[PeriodicJob]:
    return list(_JOBS.values())


@dataclass
class PassResult:
    """What one pass did: items enqueued and items found already run per job, and jobs that failed."""

    enqueued: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.enqueued.values())


def run_once(*, job: PeriodicJob, key: str, kwargs: dict[str, Any]) -> bool:
    """Enqueue the job's task for one item unless it already ran; whether this call enqueued it."""
    if len(key) > KEY_LENGTH:
        raise ValueError(f"Periodic job {job.name}: the key {key!r} is longer than {KEY_LENGTH} characters")
    try:
        with transaction.atomic():
            ScheduledRun.objects.create(job=job.name, key=key)
            # In the same transaction: the task row (database backend) and the run row commit together,
            # and a task that cannot be enqueued leaves no run behind, so the next pass tries again.
            job.task.enqueue(**kwargs)
    except IntegrityError:
        return False
    return True


def scheduler_pass(
    *, now: dt.datetime | None = None, jobs: Iterable[PeriodicJob] | None = None
) -> PassResult:
    """Ask every periodic job what is due at ``now`` and enqueue each new item once.

    A job that fails (its ``due`` raises, or an item cannot be enqueued) is logged and left for the
    next pass; the other jobs go on.
    """
    now = now or timezone.now()
    result = PassResult()
    for job in periodic_jobs() if jobs is None else jobs:
        result.enqueued[job.name] = result.skipped[job.name] = 0
        try:
            _job_pass(job, now, result)
        except Exception:
            logger.exception("Periodic job %s failed; the next pass tries again", job.name)
            result.failed.append(job.name)
        if result.enqueued[job.name]:
            logger.info(
                "Periodic job %s: %d enqueued, %d already run",
                job.name,
                result.enqueued[job.name],
                result.skipped[job.name],
            )
    return result


def _job_pass(job: PeriodicJob, now: dt.datetime, result: PassResult) -> None:
    items = list(job.due(now))
    for start in range(0, len(items), CHUNK):
        chunk = items[start : start + CHUNK]
        keys = [key for key, _kwargs in chunk]
        done = set(ScheduledRun.objects.filter(job=job.name, key__in=keys).values_list("key", flat=True))
        for key, kwargs in chunk:
            if key not in done and run_once(job=job, key=key, kwargs=kwargs):
                result.enqueued[job.name] += 1
            else:
                result.skipped[job.name] += 1
