"""The health job (``khata scheduler``): one snapshot of every client's health per day."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from khata.core.scheduling import DueItems, register_periodic_job
from khata.insights.tasks import health_snapshot_task

HEALTH_JOB = "insights.health"


def health_snapshot_due(now: dt.datetime) -> DueItems:
    """Today's snapshot, keyed by the agency's date, so it runs once a day."""
    day = timezone.localdate(now).isoformat()
    yield day, {"on": day}


def register_periodic_jobs() -> None:
    register_periodic_job(HEALTH_JOB, due=health_snapshot_due, task=health_snapshot_task)
