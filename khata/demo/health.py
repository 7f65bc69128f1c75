"""The demo agency's client health: run last, once every other domain has its data.

A few of the weakest relationships get what makes a client unhappy (detractor answers, tasks running
late) so the agency shows clients of every health; then the daily snapshot is taken for each of
the last 30 days, computed as of that day, so the client pages show a trend and the Today board
the clients that turned red this week.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from khata.care.models import Survey, SurveyAnswer
from khata.clients.models import Client
from khata.insights.health import health_clients, health_for, health_snapshot_take
from khata.production.models import Task

HISTORY_DAYS = 30
# The weakest clients: the first turn red this week, the next ones amber.
TURNING_RED = 3
AT_RISK = 3


@dataclass
class DemoHealth:
    snapshots: int = 0
    red: int = 0
    amber: int = 0
    green: int = 0


def _answer(client: Client, *, kind: str, score: int, why: str, at: dt.datetime) -> None:
    contact = client.contacts.order_by("id").first()
    if contact is None:
        return
    survey = Survey.objects.create(
        kind=kind,
        trigger=Survey.Trigger.QUARTERLY,
        client=client,
        contact=contact,
        sent_at=at - dt.timedelta(days=1),
        expires_at=at + dt.timedelta(days=13),
        answered_at=at,
    )
    SurveyAnswer.objects.create(survey=survey, kind=kind, score=score, why=why, at=at)


def _late_tasks(client: Client, *, today: dt.date) -> None:
    """Tasks that fell due this week and are not done, with the project's specialist."""
    task = Task.objects.filter(project__client=client, assignee__isnull=False).order_by("id").first()
    if task is None:
        return
    titles = (
        "Fix the checkout flow",
        "Send the revised media plan",
        "Redo the banner set",
        "Fix the tracking tags",
        "Answer the legal review",
    )
    for days, title in enumerate(titles, start=1):
        Task.objects.create(
            project=task.project,
            title=title,
            assignee=task.assignee,
            specialty=task.specialty,
            due_date=today - dt.timedelta(days=days),
        )


def demo_health_create(*, now: dt.datetime) -> DemoHealth:
    """Unhappy signals for the weakest clients, then 30 days of daily health snapshots."""
    today = timezone.localdate(now)
    current = health_for(health_clients().filter(status=Client.Status.ACTIVE), today=today)
    weakest = sorted(current.values(), key=lambda h: (h.score, h.client_id))
    clients = Client.objects.in_bulk([h.client_id for h in weakest[: TURNING_RED + AT_RISK]])
    for rank, health in enumerate(weakest[: TURNING_RED + AT_RISK]):
        client = clients[health.client_id]
        if rank < TURNING_RED:
            # Within the last week: a week ago these clients were still well.
            for days in (4, 3, 2):
                _answer(
                    client,
                    kind="nps",
                    score=1,
                    why="Deadlines keep moving.",
                    at=now - dt.timedelta(days=days),
                )
            _answer(client, kind="csat", score=1, why="", at=now - dt.timedelta(days=2))
            _late_tasks(client, today=today)
        else:
            _answer(client, kind="nps", score=5, why="Fine, but slow.", at=now - dt.timedelta(days=20))
    result = DemoHealth()
    for days in range(HISTORY_DAYS, -1, -1):
        result.snapshots += health_snapshot_take(on=today - dt.timedelta(days=days)).written
    for band in Client.objects.exclude(health_band="").values_list("health_band", flat=True):
        setattr(result, band, getattr(result, band) + 1)
    return result
