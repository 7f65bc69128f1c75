"""The health job's background work, run by ``khata worker``."""

from __future__ import annotations

import datetime as dt

from django.tasks import task

from khata.insights.health import health_snapshot_take


@task
def health_snapshot_task(*, on: str) -> int:
    """Take the day's health snapshot of every followed client; how many snapshots were written."""
    return health_snapshot_take(on=dt.date.fromisoformat(on)).written
