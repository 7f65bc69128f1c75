"""The demo agency's client health: run last, once every other domain has its data.

A few of the weakest relationships get what makes a client unhappy (detractor answers, a claim past
its SLA) so the agency shows clients of every health; then the daily snapshot is taken for each of
the last 30 days, computed as of that day, so the client pages show a trend and the Today board
the clients that turned red this week.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from khata.care.models import Claim, ReasonCode, Survey, SurveyAnswer
from khata.clients.models import Client
from khata.insights.health import health_clients, health_for, health_snapshot_take
from khata.plans.models import Project
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


def _breached_claim(client: Client, *, at: dt.datetime) -> None:
    reason = ReasonCode.objects.filter(code="deadline").first() or ReasonCode.objects.order_by("id").first()
    if reason is None:
        return
    Claim.objects.create(
        client=client,
        source=Claim.Source.AM,
        reason=reason,
        severity="critical",
        title="The launch slipped again and nobody told us",
        description="Raised on a call with the marketing head.",
        owner=client.owner,
        received_at=at,
        first_response_due=at + dt.timedelta(hours=4),
        resolution_due=at + dt.timedelta(days=2),
    )


def _late_tasks(client: Client, *, today: dt.date) -> None:
    """Two tasks that fell due this week and are not done."""
    project = Project.objects.filter(client=client).order_by("id").first()
    if project is None:
        return
    for title, days in (("Fix the checkout flow the client reported", 3), ("Send the revised media plan", 2)):
        Task.objects.create(project=project, title=title, due_date=today - dt.timedelta(days=days))


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
            _breached_claim(client, at=now - dt.timedelta(days=5))
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
