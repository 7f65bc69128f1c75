"""The Today board: what needs a staff member now, as cards from every domain.

The cards of the relationship (next steps falling due, clients without a touch) are defined here
and registered in ``InsightsConfig.ready()``; later domains register their own cards in
``khata.core.boards.today_board`` from their apps. Each card costs a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khata.clients.models import Client, Interaction
from khata.clients.selectors import clients_untouched_for, next_steps_due_for
from khata.core.boards import COUNT_CAP, Card, Counter, capped_count, today_board
from khata.people.models import User
from khata.people.policies import AnyUser, can_manage_accounts, is_staff_user

CARD_LIMIT = 20
STEP_HORIZON_DAYS = 7
UNTOUCHED_DAYS = 30


@dataclass
class DueStep:
    """A next step on the board, with how late it is."""

    interaction: Interaction
    overdue: bool
    due_today: bool
    days_late: int
    owner_name: str  # the AM's name when it is not the viewer's own client


@dataclass
class QuietClient:
    """A client without a touch for a while."""

    client: Client
    days_quiet: int | None  # None: never touched
    owner_name: str


@dataclass
class TodayBoard:
    cards: list[Card]
    counters: list[Counter] = field(default_factory=list)
    read_only: bool = False
    note: str = ""


def _owner_name(user: AnyUser, client: Client) -> str:
    return "" if client.owner_id == user.pk else client.owner.get_full_name()


def _works_clients(user: AnyUser) -> bool:
    """People whose board carries client cards: heads, AMs and (read-only) finance."""
    return (
        isinstance(user, User)
        and user.is_active
        and user.role in {User.Role.HEAD, User.Role.AM, User.Role.FINANCE}
    )


def next_steps_card(user: AnyUser, *, today: dt.date, limit: int = CARD_LIMIT) -> Card | None:
    """Open next steps of the user's clients due within a week, overdue first."""
    if not _works_clients(user):
        return None
    steps = next_steps_due_for(user, today=today, horizon_days=STEP_HORIZON_DAYS).select_related(
        "client__owner"
    )
    counts = steps.order_by()[: COUNT_CAP + 1].aggregate(
        total=Count("pk"), overdue=Count("pk", filter=Q(next_step_due__lt=today))
    )
    items = [
        DueStep(
            interaction=step,
            overdue=step.next_step_due is not None and step.next_step_due < today,
            due_today=step.next_step_due == today,
            days_late=(today - step.next_step_due).days if step.next_step_due else 0,
            owner_name=_owner_name(user, step.client),
        )
        for step in steps[:limit]
    ]
    total, capped = min(counts["total"], COUNT_CAP), counts["total"] > COUNT_CAP
    return Card(
        key="clients.next_steps",
        title=_("Next steps due"),
        template="insights/cards/next_steps.html",
        items=items,
        total=total,
        capped=capped,
        empty=_("Nothing due this week. Well done."),
        counters=[
            Counter(label=_("overdue"), value=counts["overdue"], tone="danger" if counts["overdue"] else ""),
            Counter(label=_("due this week"), value=total, capped=capped),
        ],
    )


def untouched_card(user: AnyUser, *, today: dt.date, limit: int = CARD_LIMIT) -> Card | None:
    """Active or paused clients without a touch in 30 days, never-touched first."""
    if not _works_clients(user):
        return None
    quiet = clients_untouched_for(user, days=UNTOUCHED_DAYS)
    now = timezone.now()
    items = [
        QuietClient(
            client=client,
            days_quiet=(now - client.last_touch_at).days if client.last_touch_at else None,
            owner_name=_owner_name(user, client),
        )
        for client in quiet[:limit]
    ]
    total, capped = capped_count(quiet)
    return Card(
        key="clients.untouched",
        title=_("No touch in 30 days"),
        template="insights/cards/untouched.html",
        items=items,
        total=total,
        capped=capped,
        empty=_("Every client has heard from us this month."),
        counters=[
            Counter(label=_("without a touch"), value=total, capped=capped, tone="warn" if total else "")
        ],
    )


def today_board_for(user: AnyUser, *, today: dt.date, limit: int = CARD_LIMIT) -> TodayBoard:
    """Every registered card that applies to this user, in board order."""
    cards = [
        card
        for _key, provider in today_board.providers()
        if (card := provider(user, today=today, limit=limit)) is not None
    ]
    board = TodayBoard(
        cards=cards,
        counters=[counter for card in cards for counter in card.counters],
        read_only=not can_manage_accounts(user),
    )
    if not cards and is_staff_user(user):
        board.note = str(
            _(
                "Nothing waits for you here yet. Tasks assigned to you will appear on this board "
                "once account managers start production work."
            )
            if isinstance(user, User) and user.is_specialist
            else _("Nothing waits for you here yet.")
        )
    return board


def register_cards() -> None:
    """The relationship's cards; called once from ``InsightsConfig.ready()``."""
    today_board.register("clients.next_steps", next_steps_card, order=10)
    today_board.register("clients.untouched", untouched_card, order=20)
