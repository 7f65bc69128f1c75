"""Where the health of a relationship shows: the client page's health panel and the Today board's
card of the clients turning red (red now, not red in the snapshot of a week ago).

Both cost a fixed number of queries: the panel reads the client's last 30 days of snapshots and,
when today's is among them, shows it (one query); before the daily job has run it computes the
health live (one query per factor). The card reads the stored band on the clients.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khata.clients.models import Client
from khata.clients.selectors import client_visible_to
from khata.core.boards import Card, Counter, capped_count, register_client_panel, register_today_card
from khata.insights.health import Factor, Health, Trend, health_for, health_kept_today
from khata.insights.models import Band, HealthSnapshot
from khata.people.models import User
from khata.people.policies import AnyUser

WEEK = 7


def _follows_health(user: AnyUser) -> bool:
    """Heads, AMs and (read-only) finance follow the health of the clients they see."""
    return (
        isinstance(user, User)
        and user.is_active
        and user.role in {User.Role.HEAD, User.Role.AM, User.Role.FINANCE}
    )


def factor_url(code: str, client: Client) -> str:
    """Where to act on a factor that pulls a client's health down."""
    query = urlencode({"client": client.pk})
    urls = {
        "late_tasks": reverse("production:portfolio"),
        "slipping_milestones": reverse("plans:list") + "?" + query,
        "plan_lag": reverse("plans:list") + "?" + query,
        "unsigned_acts": reverse("documents:unsigned_acts") + "?" + query,
        "payment_delays": reverse("billing:list") + "?" + query,
        "open_claims": reverse("care:list"),
        "satisfaction": reverse("care:list"),
        "silence": reverse("clients:interaction_log", args=[client.pk]),
    }
    return urls[code]


@dataclass
class PulledFactor:
    factor: Factor
    url: str


@dataclass
class HealthPanel:
    health: Health
    trend: Trend
    pulling: list[PulledFactor]
    week_change: int | None
    month_change: int | None
    spark: str  # SVG polyline points, "" with fewer than two days of history


SPARK_WIDTH = 120
SPARK_HEIGHT = 28


def _spark(points: list[tuple[dt.date, int]], today: dt.date) -> str:
    if len(points) < 2:
        return ""
    first = points[0][0]
    span = max((today - first).days, 1)
    coords = []
    for on, score in points:
        x = (on - first).days / span * SPARK_WIDTH
        y = SPARK_HEIGHT - score / 100 * SPARK_HEIGHT
        coords.append(f"{x:.1f},{y:.1f}")
    return " ".join(coords)


def client_health_panel(client: Client, user: AnyUser, *, limit: int) -> Card | None:
    """The client page: today's score and band, its trend and the factors that pull it down."""
    if not _follows_health(user):
        return None
    today = timezone.localdate()
    # Today's snapshot when the daily job has taken it (one query for it and the trend); computed
    # live, one query per factor, only before that.
    health, trend = health_kept_today(client.pk, today=today)
    if health is None:
        health = health_for(Client.objects.filter(pk=client.pk), today=today)[client.pk]
    panel = HealthPanel(
        health=health,
        trend=trend,
        pulling=[PulledFactor(f, factor_url(f.code, client)) for f in health.pulling_down],
        week_change=trend.change(health.score, trend.week_ago),
        month_change=trend.change(health.score, trend.month_ago),
        spark=_spark([*trend.points, (today, health.score)] if trend.points else [], today),
    )
    return Card(
        key="insights.health",
        title=_("Health"),
        template="insights/health/panel.html",
        items=[panel],
        total=0,
    )


@dataclass
class RedClient:
    client: Client
    owner_name: str


def turning_red_card(user: AnyUser, *, today: dt.date, limit: int) -> Card | None:
    """The Today board: the user's clients that turned red in the last week."""
    if not _follows_health(user):
        return None
    week_ago = HealthSnapshot.objects.filter(
        client=OuterRef("pk"), on=today - dt.timedelta(days=WEEK), band__in=[Band.GREEN, Band.AMBER]
    )
    clients = (
        client_visible_to(user)
        .filter(health_band=Band.RED)
        .filter(Exists(week_ago))
        .select_related("owner")
        .order_by("health_score", "id")
    )
    total, capped = capped_count(clients)
    items = [
        RedClient(
            client=client,
            owner_name="" if client.owner_id == user.pk else client.owner.get_full_name(),
        )
        for client in clients[:limit]
    ]
    return Card(
        key="insights.turning_red",
        title=_("Clients turning red"),
        template="insights/health/turning_red.html",
        items=items,
        total=total,
        capped=capped,
        empty=_("No client turned red this week."),
        counters=[Counter(label=_("turned red"), value=total, capped=capped, tone="danger" if total else "")],
        more_url=reverse("clients:list") + "?sort=health",
    )


def register_boards() -> None:
    """Called once from ``InsightsConfig.ready()``."""
    register_today_card("insights.turning_red", turning_red_card, order=15)
    register_client_panel("insights.health", client_health_panel, order=5)
